//go:build !linux

package redistest

import "os/exec"

// dieWithParent is Linux's parent-death signal; elsewhere a shared cluster is stopped by Main only.
func dieWithParent(*exec.Cmd) {}
