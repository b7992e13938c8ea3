//go:build race

package bot_test

// fuzzDefaultCount is the pipeline fuzz's default under -race, which slows the bot about tenfold: the
// 100,000 updates of a plain run would take a quarter of an hour on two cores. HUUNGHI_FUZZ_UPDATES
// overrides it.
const fuzzDefaultCount = 10_000
