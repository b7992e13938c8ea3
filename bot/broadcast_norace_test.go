//go:build !race

package bot_test

// broadcastCrowd is how many people TestBroadcast_ThreeThousandAtTelegramsLimit broadcasts to in a plain
// run: 3,000, as the issue asks. Under -race it is a thousand (broadcast_race_test.go).
const broadcastCrowd = 3_000
