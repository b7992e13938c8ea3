package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// prefixLease is how long the replica renaming the keys may go without renewing its claim before another
// replica (or the next start, after a crash) takes the work over. It is renewed every prefixBatch keys, so
// it only has to cover one batch; a takeover is harmless, since a key renamed twice is renamed once.
const prefixLease = 30 * time.Second

// prefixBatch is how many keys are renamed between two renewals of the claim.
const prefixBatch = 200

// prefixPoll is how often a replica waiting for another one's renaming looks whether it is done.
const prefixPoll = 100 * time.Millisecond

// PrefixMigration is what MigrateKeyPrefix did: counts only, never key names (they hold user ids).
type PrefixMigration struct {
	// Renamed keys moved from "hn:..." to "{hn}:...", their TTL kept.
	Renamed int
	// Kept old keys left where they were because the new name existed already (written by a bot of this
	// version before the renaming reached it): nothing is overwritten; an operator may look at them.
	Kept int
	// Waited is true when another replica did the work and this one waited for it.
	Waited bool
}

// renewPrefixScript extends the claim on the renaming if it is still the caller's.
var renewPrefixScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
`)

// MigrateKeyPrefix renames the keys of deployments from before the hash tag ("hn:user:42") to the schema
// of keys.go ("{hn}:user:42"), once. It must run before anything reads the store (the bot calls it at
// start, before its workers): until it is done the bot would see an empty store. Every replica calls it;
// one claims the work in hn:migrate:prefix and the others wait until that key says "done", so none starts
// on a half-renamed store. The claim is a lease renewed as the work goes on: a replica that dies midway
// leaves it to expire and the next one resumes (keys already renamed are no longer under "hn:"). Keys are
// found with SCAN on every master (scanKeys) and renamed with RENAMENX, which keeps their TTL and never
// overwrites a key of the new schema; on a Redis Cluster, where the old and the new name are in different
// slots and RENAME is refused, the key is copied with DUMP and RESTORE (same TTL, no REPLACE) and the old
// one deleted. redis_rate's "rate:hn:..." budgets are left to expire, within seconds. Once done, a start
// costs one GET.
func (s *Store) MigrateKeyPrefix(ctx context.Context) (PrefixMigration, error) {
	var m PrefixMigration
	for {
		state, err := s.rdb.Get(ctx, keyPrefixMigration()).Result()
		if err != nil && !errors.Is(err, redis.Nil) {
			return m, fmt.Errorf("key migration state: %w", err)
		}
		if state == "done" {
			return m, nil
		}
		if state != "" { // another replica is at it: wait until it is done or its claim expires
			m.Waited = true
			if err := sleepCtx(ctx, prefixPoll); err != nil {
				return m, err
			}
			continue
		}
		token := "running:" + randomToken()
		ok, err := s.rdb.SetNX(ctx, keyPrefixMigration(), token, prefixLease).Result()
		if err != nil {
			return m, fmt.Errorf("claim key migration: %w", err)
		}
		if !ok {
			continue // taken between the GET and the SET NX: wait for it
		}
		lost, err := s.renameOldKeys(ctx, token, &m)
		if err != nil {
			return m, err
		}
		if lost {
			continue // the claim expired and another replica took over: wait for it to finish
		}
		if err := s.rdb.Set(ctx, keyPrefixMigration(), "done", 0).Err(); err != nil {
			return m, fmt.Errorf("mark key migration done: %w", err)
		}
		return m, nil
	}
}

// renameOldKeys renames every "hn:" key while the claim token is held; lost reports that it was not.
func (s *Store) renameOldKeys(ctx context.Context, token string, m *PrefixMigration) (lost bool, err error) {
	_, cluster := s.rdb.(*redis.ClusterClient)
	errLost := errors.New("claim lost")
	n := 0
	err = s.scanKeys(ctx, oldPrefix+"*", 1000, func(ctx context.Context, old string) error {
		renamed, err := s.renameKey(ctx, old, prefix+strings.TrimPrefix(old, oldPrefix), cluster)
		if err != nil {
			return err
		}
		if renamed {
			m.Renamed++
		} else if kept, err := s.exists(ctx, old); err != nil {
			return err
		} else if kept {
			m.Kept++
		}
		if n++; n%prefixBatch == 0 {
			ok, err := renewPrefixScript.Run(ctx, s.rdb, []string{keyPrefixMigration()}, token, prefixLease.Milliseconds()).Int()
			if err != nil {
				return fmt.Errorf("renew key migration claim: %w", err)
			}
			if ok == 0 {
				return errLost
			}
		}
		return nil
	})
	if errors.Is(err, errLost) {
		return true, nil
	}
	if err != nil {
		return false, fmt.Errorf("rename keys to the hash-tagged schema: %w", err)
	}
	return false, nil
}

// renameKey moves old to new unless new exists, keeping the TTL; it reports whether it moved it (false
// when new existed, or old was gone already: SCAN may give a key twice).
func (s *Store) renameKey(ctx context.Context, old, new string, cluster bool) (bool, error) {
	if !cluster {
		ok, err := s.rdb.RenameNX(ctx, old, new).Result()
		if err != nil && strings.Contains(err.Error(), "no such key") {
			return false, nil
		}
		return ok, err
	}
	// Two slots: copy, then delete. Nothing writes old keys any more (the old version is stopped), so
	// nothing is lost between the DUMP and the DEL.
	data, err := s.rdb.Dump(ctx, old).Result()
	if errors.Is(err, redis.Nil) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	ttl, err := s.rdb.PTTL(ctx, old).Result()
	if err != nil {
		return false, err
	}
	switch {
	case ttl == -2: // expired meanwhile
		return false, nil
	case ttl < 0: // no TTL
		ttl = 0
	}
	if err := s.rdb.Restore(ctx, new, ttl, data).Err(); err != nil {
		if strings.HasPrefix(err.Error(), "BUSYKEY") {
			return false, nil
		}
		return false, err
	}
	return true, s.rdb.Del(ctx, old).Err()
}

func (s *Store) exists(ctx context.Context, key string) (bool, error) {
	n, err := s.rdb.Exists(ctx, key).Result()
	return n > 0, err
}

// randomToken tells one claim from another.
func randomToken() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// sleepCtx waits d, or less if ctx ends first.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
