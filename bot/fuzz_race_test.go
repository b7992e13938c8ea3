//go:build race

package bot_test

// fuzzDefaultCount is the pipeline fuzz's default under -race: two full waves of 2,500 updates. The race
// detector slows the bot about tenfold, and what it adds to the plain run — finding two goroutines that
// touch the same memory unsynchronised — needs every code path run concurrently, not run many times: a
// wave brings every kind of update dozens of times at least (the rarest, a voice note, about 35) to some
// 1,400 chats at once on the 128 workers, and the second wave meets what the first left behind (stale
// buttons, forms half filled, users who blocked the bot). More waves repeat the same interleavings for a
// minute of the suite (10,000 took 35–60 s). The 100,000 run in the plain build
// (fuzz_norace_test.go); HUUNGHI_FUZZ_UPDATES overrides both.
const fuzzDefaultCount = 5_000
