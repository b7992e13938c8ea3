//go:build race

package bot_test

// broadcastCrowd is how many people TestBroadcast_ThreeThousandAtTelegramsLimit broadcasts to under -race:
// a thousand, sent in the same seconds-long race with the replies and the fake's flood limit as the plain
// run's 3,000 (broadcast_norace_test.go), with ten blocked and one deleted account among them. The race
// detector makes every send cost milliseconds of CPU, so 3,000 (and the second broadcast to a third of
// them) kept two cores busy for half a minute and repeated the same interleavings three times over.
const broadcastCrowd = 1_000
