package forms

import (
	"strings"
	"time"
	_ "time/tzdata" // the zones below load on machines and containers without a zoneinfo database
)

// regionZones is the IANA time zone of each country of countryNames, "" for a country with several (a
// user there may be in any of them). A country counts as having one zone when its whole territory keeps one
// clock: Malaysia is Asia/Kuala_Lumpur though Sarawak is Asia/Kuching, both always UTC+8. France, the
// Netherlands, Denmark, Norway and Finland are their European part; their overseas parts have ISO codes of
// their own. New Zealand counts as several: the Chatham Islands keep their own clock.
//
// It is a table rather than phonenumbers' time zone data, which is keyed by calling code, not by country,
// and is not reliable enough to show someone their own time: +1 and +7 are shared (Kazakhstan gets Russia's
// eleven zones), +44 lists the Crown Dependencies beside London, Belarus is Europe/Moscow and Malaysia only
// Asia/Kuching (right clock, wrong country), and some are a wrong clock: Algeria Europe/Paris, Libya
// Europe/Bucharest and Nicaragua America/Chicago are an hour off in summer, Morocco Atlantic/Canary in
// winter, South Sudan Africa/Nairobi always (v1.8.1, checked against the tz database's zone.tab). The tests
// check this table against that data's clocks, which catches a zone written for the wrong country.
var regionZones = map[string]string{
	"VN": "Asia/Ho_Chi_Minh",
	"LA": "Asia/Vientiane",
	"KH": "Asia/Phnom_Penh",
	"TH": "Asia/Bangkok",
	"CN": "Asia/Shanghai",
	"TW": "Asia/Taipei",
	"JP": "Asia/Tokyo",
	"KR": "Asia/Seoul",
	"SG": "Asia/Singapore",
	"MY": "Asia/Kuala_Lumpur",
	"MM": "Asia/Yangon",
	"DE": "Europe/Berlin",
	"CZ": "Europe/Prague",
	"SK": "Europe/Bratislava",
	"PL": "Europe/Warsaw",
	"HU": "Europe/Budapest",
	"BG": "Europe/Sofia",
	"RU": "",
	"UA": "Europe/Kyiv",
	"BY": "Europe/Minsk",
	"FR": "Europe/Paris",
	"GB": "Europe/London",
	"IT": "Europe/Rome",
	"NL": "Europe/Amsterdam",
	"BE": "Europe/Brussels",
	"CH": "Europe/Zurich",
	"AT": "Europe/Vienna",
	"SE": "Europe/Stockholm",
	"NO": "Europe/Oslo",
	"DK": "Europe/Copenhagen",
	"FI": "Europe/Helsinki",
	"US": "",
	"CA": "",
	"AU": "",
	"NZ": "",
}

// RegionZone is the time zone of a country by its ISO 3166 code ("DE" → Europe/Berlin), so the bot can show
// an event's time also in the clock of a user abroad. It is false for a country with several zones (United
// States, Russia, Australia …) and for a country outside the table: better a time the user must convert
// than a wrong one.
func RegionZone(region string) (*time.Location, bool) {
	name := regionZones[strings.ToUpper(strings.TrimSpace(region))]
	if name == "" {
		return nil, false
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, false
	}
	return loc, true
}

// HomeRegion is the country a user said they live in, from a programme's fields and the canonical answers of
// their registration (field ID → stored value): the region of the first country field they answered, ""
// when they answered none or named a country the bot does not know.
func HomeRegion(fields []Field, answers map[string]string) string {
	for _, f := range fields {
		if f.Type != TypeCountry {
			continue
		}
		if raw, ok := answers[f.ID]; ok && raw != "" {
			return f.RegionOfAnswer(raw)
		}
	}
	return ""
}
