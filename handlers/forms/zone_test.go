package forms

import (
	"maps"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/nyaruka/phonenumbers"
)

func TestRegionZone(t *testing.T) {
	for _, c := range []struct {
		region, want string // want "" for false
	}{
		{"DE", "Europe/Berlin"},
		{"LA", "Asia/Vientiane"},
		{"CZ", "Europe/Prague"},
		{"KR", "Asia/Seoul"},
		{"JP", "Asia/Tokyo"},
		{"FR", "Europe/Paris"},
		{"PL", "Europe/Warsaw"},
		{"TH", "Asia/Bangkok"},
		{"VN", "Asia/Ho_Chi_Minh"},
		{"GB", "Europe/London"},        // phonenumbers lists the Crown Dependencies' zones beside it
		{"BY", "Europe/Minsk"},         // phonenumbers says Europe/Moscow
		{"MY", "Asia/Kuala_Lumpur"},    // phonenumbers says only Asia/Kuching
		{" de ", "Europe/Berlin"},      // a code as a person or a file might write it
		{"US", ""},                     // several zones
		{"RU", ""},                     // several zones
		{"AU", ""},                     // several zones
		{"CA", ""},                     // several zones
		{"NZ", ""},                     // the Chatham Islands
		{"BR", ""},                     // not in the table (four zones)
		{"IN", ""},                     // not in the table, though it has one zone
		{"MA", ""},                     // not in the table; phonenumbers would say Atlantic/Canary, an hour off in winter
		{"XX", ""},                     // no such country
		{"", ""},                       // no answer
		{"Germany", ""},                // a name, not a code
		{"ZZZZZZZZZZZZZZZZZZZZZZ", ""}, // nonsense
	} {
		loc, ok := RegionZone(c.region)
		got := ""
		if ok {
			got = loc.String()
		}
		if got != c.want || ok != (c.want != "") {
			t.Errorf("RegionZone(%q) = %q, %v; want %q", c.region, got, ok, c.want)
		}
	}
}

// Every country the bot knows by name has a decision in the table, so a country added to countryNames
// without one fails here, and every zone the table names loads (time/tzdata is linked in).
func TestRegionZones_CoverCountryNames(t *testing.T) {
	if got, want := slices.Sorted(maps.Keys(regionZones)), slices.Sorted(maps.Keys(countryNames)); !slices.Equal(got, want) {
		t.Errorf("regionZones has %v,\ncountryNames %v", got, want)
	}
	for code, name := range regionZones {
		if name == "" {
			continue
		}
		if _, err := time.LoadLocation(name); err != nil {
			t.Errorf("%s: %v", code, err)
		}
	}
}

// The table agrees with phonenumbers' zones for each country's calling code wherever those are one clock
// (whatever their names: Belarus's Europe/Moscow keeps Minsk's time), and a country the table says has
// several zones has zones of different clocks there too. This catches a zone written for the wrong country.
func TestRegionZones_AgreeWithPhonenumbers(t *testing.T) {
	for code, name := range regionZones {
		cc := phonenumbers.GetCountryCodeForRegion(code)
		names, err := phonenumbers.GetTimezonesForPrefix(strconv.Itoa(cc))
		if err != nil || len(names) == 0 || names[0] == phonenumbers.UNKNOWN_TIMEZONE {
			t.Errorf("%s: phonenumbers has no zone for +%d: %v %v", code, cc, names, err)
			continue
		}
		var zones []*time.Location
		for _, n := range names {
			loc, err := time.LoadLocation(n)
			if err != nil {
				t.Fatalf("%s: phonenumbers zone %s: %v", code, n, err)
			}
			zones = append(zones, loc)
		}
		oneClock := !slices.ContainsFunc(zones[1:], func(z *time.Location) bool { return !sameClock(zones[0], z) })
		switch {
		case name == "" && oneClock:
			t.Errorf("%s: table says several zones, phonenumbers has one clock %v", code, names)
		case name != "" && !oneClock:
			t.Errorf("%s: table says %s, phonenumbers has several clocks %v", code, name, names)
		case name != "":
			if loc, _ := time.LoadLocation(name); !sameClock(loc, zones[0]) {
				t.Errorf("%s: %s does not keep the clock of phonenumbers' %v", code, name, names)
			}
		}
	}
}

// sameClock reports whether a and b show the same time twice a month through 2026–2029, summers included.
func sameClock(a, b *time.Location) bool {
	for m := range 48 {
		for _, day := range []int{1, 15} {
			at := time.Date(2026, time.Month(1+m), day, 12, 0, 0, 0, time.UTC)
			_, oa := at.In(a).Zone()
			_, ob := at.In(b).Zone()
			if oa != ob {
				return false
			}
		}
	}
	return true
}

func TestSameClock(t *testing.T) {
	load := func(n string) *time.Location {
		l, err := time.LoadLocation(n)
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	if !sameClock(load("Europe/Minsk"), load("Europe/Moscow")) {
		t.Error("Minsk and Moscow keep one clock")
	}
	// Berlin and Lagos agree in winter, not in summer.
	if sameClock(load("Europe/Berlin"), load("Africa/Lagos")) {
		t.Error("Berlin and Lagos differ in summer")
	}
}

func TestHomeRegion(t *testing.T) {
	p := map[string]string{"en": "Country"}
	name := Field{ID: "full_name", Type: TypeName, Prompt: p}
	lives := Field{ID: "country", Type: TypeCountry, Prompt: p, Options: []Option{
		{ID: "germany", Label: map[string]string{"en": "Germany", "vi": "Đức", "lo": "ເຢຍລະມັນ"}},
		{ID: "czechia", Label: map[string]string{"en": "Czech Republic", "vi": "Séc", "lo": "ເຊັກ"}},
		{ID: "home", Label: map[string]string{"en": "Back home", "vi": "Ở quê"}, Region: "VN"},
		{ID: "other_place", Label: map[string]string{"en": "Elsewhere"}},
	}}
	born := Field{ID: "born_in", Type: TypeCountry, Prompt: p}
	fields := []Field{name, lives, born}
	for _, c := range []struct {
		name    string
		answers map[string]string
		want    string
	}{
		{"option ID", map[string]string{"full_name": "Nguyễn Văn An", "country": "germany"}, "DE"},
		{"option with a region", map[string]string{"country": "home"}, "VN"},
		{"typed in Vietnamese", map[string]string{"country": "Cộng hòa Séc"}, "CZ"},
		{"typed in Lao", map[string]string{"country": "ປະເທດຍີ່ປຸ່ນ"}, "JP"},
		{"ISO code typed", map[string]string{"country": "KR"}, "KR"},
		{"the first country answered wins", map[string]string{"country": "czechia", "born_in": "Việt Nam"}, "CZ"},
		{"first skipped, second answered", map[string]string{"born_in": "Lào"}, "LA"},
		{"empty answer is no answer", map[string]string{"country": "", "born_in": "Laos"}, "LA"},
		{"an unknown country", map[string]string{"country": "Atlantis", "born_in": "Laos"}, ""},
		{"an option naming no country", map[string]string{"country": "other_place"}, ""},
		{"a name is not a country", map[string]string{"full_name": "Germany"}, ""},
		{"no answers", nil, ""},
	} {
		if got := HomeRegion(fields, c.answers); got != c.want {
			t.Errorf("%s: HomeRegion(%v) = %q, want %q", c.name, c.answers, got, c.want)
		}
	}
	if got := HomeRegion(nil, map[string]string{"country": "DE"}); got != "" {
		t.Errorf("no fields: %q, want empty", got)
	}
}
