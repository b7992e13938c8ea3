//go:build unix

package redistest

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
)

// aptInstall installs redis-server with apt-get when it can (root, apt-get present, HUUNGHI_NO_APT unset)
// and returns its path; "" and nil when it cannot try. go test runs packages in parallel processes, so the
// install holds a file lock and the first process does it while the others wait and then find it.
func aptInstall() (string, error) {
	if _, err := exec.LookPath("apt-get"); err != nil || os.Geteuid() != 0 || os.Getenv("HUUNGHI_NO_APT") != "" {
		return "", nil
	}
	lock, err := os.OpenFile(os.TempDir()+"/huunghi-redis-install.lock", os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return "", nil
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return "", nil
	}
	defer syscall.Flock(int(lock.Fd()), syscall.LOCK_UN) //nolint:errcheck // closing releases it too
	if bin, err := exec.LookPath("redis-server"); err == nil {
		return bin, nil // another test process installed it meanwhile
	}
	var out strings.Builder
	for _, args := range [][]string{{"update", "-qq"}, {"install", "-y", "-qq", "redis-server"}} {
		cmd := exec.Command("apt-get", args...)
		cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Run(); err != nil {
			return "", fmt.Errorf("redis-server is not installed and `apt-get %s` failed (%v):\n%s", strings.Join(args, " "), err, out.String())
		}
	}
	if bin, err := exec.LookPath("redis-server"); err == nil {
		return bin, nil
	}
	const debian = "/usr/bin/redis-server" // where Debian's package puts it, PATH or not
	if _, err := os.Stat(debian); err != nil {
		return "", fmt.Errorf("apt-get installed redis-server, but it is neither on PATH nor at %s", debian)
	}
	return debian, nil
}
