package outbox

import (
	"bytes"
	"io"
	"strings"
)

func bytesReader(b []byte) io.Reader { return bytes.NewReader(b) }

// containsNotModified recognises Telegram's answer to an edit that changes nothing.
func containsNotModified(err error) bool {
	return strings.Contains(err.Error(), "message is not modified")
}
