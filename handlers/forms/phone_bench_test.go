package forms

import (
	"testing"
	"time"
)

// BenchmarkParsePhone measures reading a typed phone number (libphonenumber's plans, warm): the cost of
// each answer to a phone question.
func BenchmarkParsePhone(b *testing.B) {
	f := Field{ID: "phone", Type: TypePhone}
	inputs := []string{"0912 345 678", "020 5555 1234", "+49 151 12345678", "0049 30 1234567", "+420 601 123 456", "+82 10-1234-5678"}
	now := time.Date(2031, 5, 12, 10, 0, 0, 0, time.UTC)
	if _, e := f.Parse(inputs[0], now); e != nil { // the first parse loads the plans
		b.Fatal(e)
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if _, e := f.Parse(inputs[i%len(inputs)], now); e != nil {
			b.Fatalf("%s: %v", inputs[i%len(inputs)], e)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N), "µs/number")
}
