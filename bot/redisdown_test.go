package bot

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/ufo-thanhhoa/huunghi/bot/store/redistest"
)

// replyError is a reply of the server, as go-redis types them (proto.RedisError).
type replyError string

func (e replyError) Error() string { return string(e) }
func (replyError) RedisError()     {}

// TestUnreachable_OnlyOutagesRepeatAnUpdate: an update is left queued only for errors a second try can
// cure; answers of a working server and the handler's own cancellation are not outages.
func TestUnreachable_OnlyOutagesRepeatAnUpdate(t *testing.T) {
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	for _, c := range []struct {
		err  error
		want bool
	}{
		{refused, true},
		{fmt.Errorf("register 1 for p: %w", refused), true},
		{io.EOF, true},
		{io.ErrUnexpectedEOF, true},
		{redis.ErrPoolTimeout, true},
		{replyError("LOADING Redis is loading the dataset in memory"), true},
		{replyError("MASTERDOWN Link with MASTER is down"), true},
		{replyError("NOREPLICAS Not enough good replicas to write."), true},
		{redis.Nil, false},
		{replyError("WRONGTYPE Operation against a key holding the wrong kind of value"), false},
		{replyError("ERR user_script:1: bad argument"), false},
		{context.Canceled, false},
		{fmt.Errorf("get: %w", context.DeadlineExceeded), false},
		{redis.ErrClosed, false},
		{errors.New("encode answers: bad"), false},
	} {
		if got := unreachable(c.err); got != c.want {
			t.Errorf("unreachable(%v) = %v, want %v", c.err, got, c.want)
		}
	}
}

// TestOutageHook_MarksOnlyTheWatchedContext: a refused command marks the handler's context that made it,
// and nothing else.
func TestOutageHook_MarksOnlyTheWatchedContext(t *testing.T) {
	t.Parallel()
	addr := redistest.FreeAddr(t) // nothing listens there: every dial is refused
	c := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1})
	defer c.Close()
	c.AddHook(outageHook{})
	watched, met := watchOutage(context.Background())
	other, untouched := watchOutage(context.Background())
	if err := c.Get(watched, "k").Err(); err == nil {
		t.Fatal("GET on a closed port succeeded")
	}
	if !met.Load() {
		t.Error("a refused GET did not mark its context")
	}
	_ = c.Ping(context.Background()).Err() // unwatched: must not panic or mark anyone
	if untouched.Load() {
		t.Error("a context that made no command was marked")
	}
	pipe := c.Pipeline()
	pipe.Get(other, "k")
	if _, err := pipe.Exec(other); err == nil {
		t.Fatal("pipeline on a closed port succeeded")
	}
	if !untouched.Load() {
		t.Error("a refused pipeline did not mark its context")
	}
}
