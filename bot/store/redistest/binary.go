package redistest

import (
	"fmt"
	"os/exec"
	"sync"
	"testing"
)

// binary finds redis-server for every helper of this package, once per test binary. When it is missing on
// a Debian or Ubuntu machine where the tests run as root (CI, a fresh container), it is installed with apt
// — so the README's one test command works on a fresh machine; HUUNGHI_NO_APT=1 turns that off. Otherwise
// the test fails with exactly what to do. A missing redis-server fails the tests instead of skipping them:
// a suite that silently skips its storage tests is a suite that lies.
func binary(t testing.TB) string {
	t.Helper()
	findOnce.Do(func() { redisBin, findErr = find() })
	if findErr != nil {
		t.Fatal(findErr)
	}
	return redisBin
}

var (
	findOnce sync.Once
	redisBin string
	findErr  error
)

func find() (string, error) {
	if bin, err := exec.LookPath("redis-server"); err == nil {
		return bin, nil
	}
	if bin, err := aptInstall(); bin != "" || err != nil {
		return bin, err
	}
	return "", fmt.Errorf("redis-server is not installed; the tests start a real one. Install it and run the tests again:\n" +
		"  Debian/Ubuntu: sudo apt-get install -y redis-server   (as root the tests do this themselves)\n" +
		"  Fedora: sudo dnf install -y redis    macOS: brew install redis\n" +
		"or put a redis-server (Redis 7) on PATH")
}
