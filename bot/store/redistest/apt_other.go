//go:build !unix

package redistest

// aptInstall cannot install anything here: the error of binary says what to do.
func aptInstall() (string, error) { return "", nil }
