//go:build !race

package bot_test

// fuzzDefaultCount is the pipeline fuzz's default in a plain run: the 100,000 updates, about 80 s
// on two cores (1,300 updates/s). HUUNGHI_FUZZ_UPDATES overrides it; -race runs 10,000 (fuzz_race_test.go).
const fuzzDefaultCount = 100_000
