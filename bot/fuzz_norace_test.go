//go:build !race

package bot_test

// fuzzDefaultCount is the pipeline fuzz's default: 100,000 updates, a few minutes' work on two cores.
// HUUNGHI_FUZZ_UPDATES overrides it; -race runs fewer (fuzz_race_test.go).
const fuzzDefaultCount = 100_000
