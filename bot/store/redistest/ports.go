package redistest

import (
	"math/rand/v2"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
)

// lowestPort is the bottom of the range freePort draws from: above the well-known and registered services a
// developer's machine may run (Redis's own 6379 among them).
const lowestPort = 10000

// FreeAddr is a loopback address nothing listens on, for a server a test starts later (an HTTP_ADDR the
// bot must be told before it listens) or for a dial that must be refused; freePort says why it is not
// the port of a closed listener on :0.
func FreeAddr(t testing.TB) string {
	t.Helper()
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(freePort(t)))
}

// freePort returns a loopback port nothing listens on, drawn at random below the kernel's ephemeral range.
//
// Not a port from a listener on :0: that port is in the ephemeral range, and once the listener is closed
// the kernel may hand it as the source port of any outgoing connection (the suite makes thousands) before
// redis-server binds it; redis-server then exits "Address already in use" and the test fails waiting for
// it. Below the range only another test's draw can take the port, which Start notices and draws again.
func freePort(t testing.TB) int {
	t.Helper()
	top := ephemeralLow()
	for range 100 {
		p := lowestPort + rand.IntN(top-lowestPort)
		l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(p)))
		if err != nil {
			continue
		}
		_ = l.Close()
		return p
	}
	t.Fatalf("no free loopback port in %d-%d after 100 draws", lowestPort, top-1)
	return 0
}

// ephemeralLow is the lowest port the kernel picks for outgoing connections and listeners on :0; 32768
// (Linux's default, below the IANA range other systems use) where it cannot be read.
func ephemeralLow() int {
	const fallback = 32768
	b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	if err != nil {
		return fallback
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return fallback
	}
	lo, err := strconv.Atoi(f[0])
	if err != nil || lo <= lowestPort+1000 {
		return fallback
	}
	return lo
}
