package redistest

import "testing"

// StartPersistent launches redis-server for t as production should run it: with an append-only file,
// fsynced on every write (`--appendonly yes --appendfsync always`), in the test's temp dir. Crash and
// Restart then kill it with SIGKILL and start it again on the same port and dir, so a test sees exactly
// what survives a crash of Redis. It is stopped by t.Cleanup.
//
// always, not the default everysec: the bot confirms an update to Telegram once Redis has answered the
// write, and a registration to the applicant once its script has run; with everysec a crash can lose up to
// a second of both after they were confirmed.
func StartPersistent(t testing.TB) *Server {
	t.Helper()
	s := &Server{t: t, dir: t.TempDir(), persistent: true}
	s.startOnFreePort()
	t.Cleanup(s.Stop)
	return s
}

// Crash kills the server with SIGKILL: no shutdown, no final rewrite of the append-only file. Its dir is
// kept for Restart.
func (s *Server) Crash() { s.Stop() }

// Restart starts a server of StartPersistent again on the same address and dir, loading what its
// append-only file kept, and waits until it answers (after loading). Crash then Restart is "Redis died and
// its supervisor brought it back".
func (s *Server) Restart() {
	s.t.Helper()
	s.start()
}
