package bot

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"sync/atomic"

	"github.com/redis/go-redis/v9"
)

// A handler that runs while Redis is unreachable cannot do its work: the registration is not made, the
// session not read, and the handler answers with an apology (or worse, "your form expired", when reading
// the session failed). Its ack, retried until Redis answers, then recorded the update as handled: an update
// Telegram delivered and the bot stored was consumed without being done — with Redis killed under a burst
// of "Send" taps, most of the taps in flight ended that way (TestServe_RedisKilledAndRestartedWithAOF).
//
// So the dispatcher watches the Redis commands each handler makes (outageHook, on the bot's client) and
// leaves an update whose handler met an unreachable Redis queued, unacknowledged: it is handled again once
// Redis answers, as after a crash. The repeat is the one the dispatcher already allows for the update in
// flight (README, "Reliability"), and handlers are idempotent for it; the person may have seen an apology
// first, then gets the real answer.

// outageKey carries, in a handler's context, the flag outageHook sets.
type outageKey struct{}

// watchOutage returns ctx whose Redis commands, if one fails for want of Redis, set the returned flag.
func watchOutage(ctx context.Context) (context.Context, *atomic.Bool) {
	met := new(atomic.Bool)
	return context.WithValue(ctx, outageKey{}, met), met
}

// outageHook is a go-redis hook that sets the watchOutage flag of a command's context when the command
// failed because Redis could not be reached or could not serve (see unreachable). It only observes.
type outageHook struct{}

func (outageHook) DialHook(next redis.DialHook) redis.DialHook { return next }

func (outageHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		err := next(ctx, cmd)
		noteOutage(ctx, err)
		return err
	}
}

func (outageHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		err := next(ctx, cmds)
		noteOutage(ctx, err)
		return err
	}
}

func noteOutage(ctx context.Context, err error) {
	if err == nil || !unreachable(err) {
		return
	}
	if met, ok := ctx.Value(outageKey{}).(*atomic.Bool); ok {
		met.Store(true)
	}
}

// unreachable reports whether err says Redis could not do the work rather than refused it: a network
// error, a pool that cannot dial, a server still loading its data or between masters, a master refusing
// writes no replica has (min-replicas-to-write). Replies such as
// "not found" (redis.Nil), a script's error or a wrong type would be the same on a second try, and a
// cancelled context is the handler's own end (its time limit, or shutdown): neither makes a repeat useful.
func unreachable(err error) bool {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, redis.ErrClosed) {
		return false
	}
	var reply redis.Error
	if errors.As(err, &reply) {
		msg := reply.Error()
		for _, p := range []string{"LOADING ", "MASTERDOWN ", "CLUSTERDOWN ", "TRYAGAIN ", "READONLY ", "NOREPLICAS "} {
			if strings.HasPrefix(msg, p) {
				return true
			}
		}
		return false
	}
	var ne net.Error // refused, reset, timed out; also what a pool that cannot dial returns
	return errors.As(err, &ne) || errors.Is(err, redis.ErrPoolTimeout) || errors.Is(err, net.ErrClosed) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
}
