package redistest

import (
	"context"
	"errors"
	"net"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// TestLaunch_APortTakenIsNoticedAtOnce: a server whose port another process holds exits, and launch says
// so with the server's own words instead of waiting out the 10 s ping deadline; Start then draws another
// port (startOnFreePort), which the shared-suite failure "did not answer: connection refused" needed.
func TestLaunch_APortTakenIsNoticedAtOnce(t *testing.T) {
	// Held as an outgoing connection holds its source port: bound, not listening, so a PING is refused.
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Close(fd)
	port := freePort(t)
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Port: port, Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	s := &Server{t: t, dir: t.TempDir(), Addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port))}
	err = s.launch()
	if !errors.Is(err, errExited) || !strings.Contains(err.Error(), "in use") {
		t.Fatalf("launch on a held port: %v, want errExited with redis-server's reason", err)
	}
	if s.cmd != nil {
		t.Error("the exited server is still recorded as running")
	}

	p := freePort(t)
	if p < lowestPort || p >= ephemeralLow() {
		t.Errorf("freePort gave %d, want a port in %d-%d, below the ephemeral range", p, lowestPort, ephemeralLow()-1)
	}
	ok := Start(t)
	if err := ok.Client().Ping(context.Background()).Err(); err != nil {
		t.Fatal(err)
	}
}

// TestLaunch_APortAnsweredByAnotherServerIsNotOurs: when another test's redis-server already listens on
// the drawn port, ours exits, but a PING may reach the other one first and answer PONG. launch must see
// that the server is not its own (INFO's process id) and say so, so that Start draws another port — the
// suite once failed with "connection refused" when the other test stopped its server.
func TestLaunch_APortAnsweredByAnotherServerIsNotOurs(t *testing.T) {
	other := Start(t)
	s := &Server{t: t, dir: t.TempDir(), Addr: other.Addr}
	err := s.launch()
	if !errors.Is(err, errExited) {
		t.Fatalf("launch on a port another server holds: %v, want errExited", err)
	}
	if err := other.Client().Ping(context.Background()).Err(); err != nil {
		t.Errorf("the other server was disturbed: %v", err)
	}
}
