//go:build race

package bot_test

// fuzzDefaultCount is the pipeline fuzz's default under -race, which slows the bot about tenfold: the
// issue's 100,000 updates would take a quarter of an hour on two cores (about 40 s for these 10,000). HUUNGHI_FUZZ_UPDATES
// overrides it.
const fuzzDefaultCount = 10_000
