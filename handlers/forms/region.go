package forms

import (
	"maps"
	"slices"
	"strings"

	"github.com/nyaruka/phonenumbers"
)

// countryNames are the countries the people the bot serves live in — students from Laos and the region, the
// province's natives abroad — by ISO 3166 code, with the names they type or a programme file gives them, in
// English, Vietnamese and Lao, which are also the IDs programme files use ("germany", "south_korea"). They are
// compared folded and without spaces, so "Viet Nam", "việt nam" and "VietNam" are one name; a two-letter ISO
// code ("DE", "de") names its country too. The table only tells a phone field which country's
// national numbers to expect; a country it lacks is named with `region:` on its option in the programme file.
var countryNames = map[string][]string{
	"VN": {"Vietnam", "Việt Nam", "ຫວຽດນາມ"},
	"LA": {"Laos", "Lao PDR", "Lào", "ລາວ", "ສປປ ລາວ"},
	"KH": {"Cambodia", "Campuchia", "Cam-pu-chia", "ກຳປູເຈຍ"},
	"TH": {"Thailand", "Thái Lan", "ໄທ"},
	"CN": {"China", "Trung Quốc", "ຈີນ"},
	"TW": {"Taiwan", "Đài Loan", "ໄຕ້ຫວັນ"},
	"JP": {"Japan", "Nhật Bản", "Nhật", "ຍີ່ປຸ່ນ"},
	"KR": {"Korea", "South Korea", "Republic of Korea", "Hàn Quốc", "Nam Hàn", "Hàn", "ເກົາຫຼີ", "ເກົາຫຼີໃຕ້"},
	"SG": {"Singapore", "Xin-ga-po", "ສິງກະໂປ"},
	"MY": {"Malaysia", "Ma-lai-xi-a", "ມາເລເຊຍ"},
	"MM": {"Myanmar", "Mi-an-ma", "ມຽນມາ"},
	"DE": {"Germany", "Deutschland", "Đức", "CHLB Đức", "Cộng hòa Liên bang Đức", "ເຢຍລະມັນ"},
	"CZ": {"Czechia", "Czech Republic", "Séc", "Cộng hòa Séc", "CH Séc", "Tiệp", "ເຊັກ", "ສາທາລະນະລັດເຊັກ"},
	"SK": {"Slovakia", "Xlô-va-ki-a", "ສະໂລວາເກຍ"},
	"PL": {"Poland", "Ba Lan", "ໂປແລນ", "ໂປໂລຍ"},
	"HU": {"Hungary", "Hung-ga-ri"},
	"BG": {"Bulgaria", "Bun-ga-ri"},
	"RU": {"Russia", "Russian Federation", "Nga", "Liên bang Nga", "ຣັດເຊຍ", "ລັດເຊຍ"},
	"UA": {"Ukraine", "Ukraina", "U-crai-na", "ຢູເຄຣນ", "ອູແກຣນ"},
	"BY": {"Belarus", "Bê-la-rút"},
	"FR": {"France", "Pháp", "ຝຣັ່ງ", "ຝະລັ່ງ"},
	"GB": {"United Kingdom", "UK", "England", "Britain", "Anh", "Vương quốc Anh", "ອັງກິດ"},
	"IT": {"Italy", "Ý", "Italia", "ອີຕາລີ"},
	"NL": {"Netherlands", "Hà Lan", "ເນເທີແລນ"},
	"BE": {"Belgium", "Bỉ", "ແບນຊິກ"},
	"CH": {"Switzerland", "Thụy Sĩ", "ສະວິດເຊີແລນ"},
	"AT": {"Austria", "Áo", "ອອສເຕຣຍ"},
	"SE": {"Sweden", "Thụy Điển", "ສວີເດັນ"},
	"NO": {"Norway", "Na Uy", "ນອກແວ"},
	"DK": {"Denmark", "Đan Mạch", "ເດນມາກ"},
	"FI": {"Finland", "Phần Lan", "ຟິນແລນ"},
	"US": {"United States", "USA", "America", "Mỹ", "Hoa Kỳ", "ອາເມລິກາ", "ສະຫະລັດ", "ສະຫະລັດອາເມລິກາ"},
	"CA": {"Canada", "Ca-na-đa", "ການາດາ"},
	"AU": {"Australia", "Úc", "Ô-xtrây-li-a", "ອົດສະຕຣາລີ", "ອົດສະຕາລີ"},
	"NZ": {"New Zealand", "Niu Di-lân", "ນິວຊີແລນ"},
}

// regionOf is the reverse of countryNames, by compact key.
var regionOf = func() map[string]string {
	m := map[string]string{}
	for code, names := range countryNames {
		for _, n := range names {
			m[keysOf(n).compact] = code
		}
	}
	return m
}()

// lookupRegion is the ISO code of a country name, ISO code or option ID, "" when unknown. A leading "nước"
// or "ປະເທດ" (country) is left out: "nước Đức" is Germany.
func lookupRegion(name string) string {
	if code := strings.ToUpper(strings.TrimSpace(name)); validRegion(code) {
		return code
	}
	k := keysOf(strings.ReplaceAll(name, "_", " "))
	if code, ok := regionOf[k.compact]; ok {
		return code
	}
	if len(k.words) > 1 && k.words[0] == "nuoc" {
		return regionOf[strings.Join(k.words[1:], "")]
	}
	if rest, ok := strings.CutPrefix(k.compact, "ປະເທດ"); ok {
		return regionOf[rest]
	}
	return ""
}

// validRegion reports whether code is a two-letter country code whose numbering plan the bot knows.
func validRegion(code string) bool {
	return len(code) == 2 && code == strings.ToUpper(code) && phonenumbers.GetSupportedRegions()[code]
}

// region is the country an option of a country field is: its Region, else what its ID or a label names.
func (o Option) region() string {
	if o.Region != "" {
		return o.Region
	}
	if code := lookupRegion(o.ID); code != "" {
		return code
	}
	for _, l := range slices.Sorted(maps.Keys(o.Label)) {
		if code := lookupRegion(o.Label[l]); code != "" {
			return code
		}
	}
	return ""
}

// RegionOfAnswer is the ISO 3166 code of the country that a country field's stored answer (its canonical
// Raw: an option ID, or the name the user typed) names, "" when unknown. Outside the form it tells where a
// registered user lives (see HomeRegion).
func (f Field) RegionOfAnswer(raw string) string {
	if o, ok := f.option(raw); ok {
		return o.region()
	}
	return lookupRegion(raw)
}

// homeRegion is where the user of a form said they live, for reading the phone number asked at step: the
// answer to the nearest country question before it. "" when there is none or the country is unknown.
func (s *State) homeRegion(fields []Field, step int) string {
	for i := min(step, len(fields)) - 1; i >= 0; i-- {
		if fields[i].Type != TypeCountry {
			continue
		}
		if v, ok := s.Answers[fields[i].ID]; ok {
			return fields[i].RegionOfAnswer(v.Raw)
		}
		return ""
	}
	return ""
}
