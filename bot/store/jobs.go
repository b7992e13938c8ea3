package store

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// ClaimJobRun claims one scheduled run of a job for this replica: the first replica to claim (name, tick)
// runs it, the others skip. The claim outlives any plausible clock skew between replicas and then expires.
func (s *Store) ClaimJobRun(ctx context.Context, name string, tick time.Time) (bool, error) {
	ok, err := s.rdb.SetNX(ctx, keyJobRun(name, tick), "1", 24*time.Hour).Result()
	if err != nil {
		return false, fmt.Errorf("claim job %s at %s: %w", name, tick.Format(time.RFC3339), err)
	}
	return ok, nil
}

// expireRegistrationScript deletes one registration created before ARGV[1] (unix seconds), with its place
// and its entry in the user's list. Nobody is promoted into the freed place: a registration this old belongs
// to a programme whose follow-up is over.
var expireRegistrationScript = redis.NewScript(`
local created = tonumber(redis.call('HGET', KEYS[1], 'created') or '')
if not created or created >= tonumber(ARGV[1]) then return 0 end
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[2])
redis.call('SREM', KEYS[3], ARGV[2])
redis.call('SREM', KEYS[4], ARGV[3])
return 1
`)

// DeleteRegistrationsBefore deletes every registration (active or withdrawn) created before cutoff and
// returns how many it deleted. It walks the registrations with SCAN, so it works for programmes that are no
// longer in the content and never blocks Redis for long.
func (s *Store) DeleteRegistrationsBefore(ctx context.Context, cutoff time.Time) (int, error) {
	deleted := 0
	iter := s.rdb.Scan(ctx, 0, prefix+"reg:*", 500).Iterator()
	for iter.Next(ctx) {
		prog, uid, ok := parseRegKey(iter.Val())
		if !ok {
			continue // hn:reg:seq
		}
		n, err := expireRegistrationScript.Run(ctx, s.rdb,
			[]string{keyReg(prog, uid), keyRegs(prog), keyRegistered(prog), keyUserRegs(uid)},
			cutoff.Unix(), uid, prog).Int()
		if err != nil {
			return deleted, fmt.Errorf("expire registration of %d in %s: %w", uid, prog, err)
		}
		deleted += n
	}
	if err := iter.Err(); err != nil {
		return deleted, fmt.Errorf("scan registrations: %w", err)
	}
	return deleted, nil
}

// parseRegKey splits hn:reg:{prog}:{uid}; programme ids never contain a colon.
func parseRegKey(key string) (prog string, uid int64, ok bool) {
	rest, ok := strings.CutPrefix(key, prefix+"reg:")
	if !ok {
		return "", 0, false
	}
	prog, u, ok := strings.Cut(rest, ":")
	if !ok || prog == "" {
		return "", 0, false
	}
	uid, err := strconv.ParseInt(u, 10, 64)
	return prog, uid, err == nil
}
