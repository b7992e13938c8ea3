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

// expireRegistrationScript expires one registration created before ARGV[1] (unix seconds). When ARGV[4] is
// '1' (its programme is still open) an active registration keeps its place — status, reference and date —
// and loses only its answers, so capacity and the waiting list stay as applicants were told. Otherwise it is
// deleted with its place and its entry in the user's list.
var expireRegistrationScript = redis.NewScript(`
local created = tonumber(redis.call('HGET', KEYS[1], 'created') or '')
if not created or created >= tonumber(ARGV[1]) then return 0 end
local st = redis.call('HGET', KEYS[1], 'status')
if ARGV[4] == '1' and (st == 'registered' or st == 'waitlist' or st == 'declined') then
  return redis.call('HDEL', KEYS[1], 'answers', 'reason')
end
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[2])
redis.call('SREM', KEYS[3], ARGV[2])
redis.call('SREM', KEYS[4], ARGV[3])
redis.call('SREM', KEYS[5], ARGV[2])
return 1
`)

// ExpireRegistrations enforces the retention limit on registrations created before cutoff and returns how
// many it changed. A registration in a programme that is still open (open reports it) loses its answers
// but keeps its place: freeing the place would let a newcomer jump the waiting list. Everything else —
// withdrawn ones, and those of closed or removed programmes — is deleted. It walks the registrations with
// SCAN, so it covers programmes no longer in the content and never blocks Redis for long.
func (s *Store) ExpireRegistrations(ctx context.Context, cutoff time.Time, open func(prog string) bool) (int, error) {
	changed := 0
	err := s.scanKeys(ctx, prefix+"reg:*", 500, func(ctx context.Context, key string) error {
		prog, uid, ok := parseRegKey(key)
		if !ok {
			return nil // hn:reg:seq
		}
		keep := "0"
		if open != nil && open(prog) {
			keep = "1"
		}
		n, err := expireRegistrationScript.Run(ctx, s.rdb,
			[]string{keyReg(prog, uid), keyRegs(prog), keyRegistered(prog), keyUserRegs(uid), keyDeclined(prog)},
			cutoff.Unix(), uid, prog, keep).Int()
		if err != nil {
			return fmt.Errorf("expire registration of %d in %s: %w", uid, prog, err)
		}
		changed += n
		return nil
	})
	if err != nil {
		return changed, fmt.Errorf("expire registrations: %w", err)
	}
	return changed, nil
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
