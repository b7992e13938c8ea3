package faq

import (
	"strings"
	"testing"
)

func TestLaoSyllables(t *testing.T) {
	for in, want := range map[string]string{
		"ນັກສຶກສາ":     "ນັກ|ສຶກ|ສາ",
		"ຫໍພັກ":        "ຫໍ|ພັກ",
		"ແນວໃດ":        "ແນວ|ໃດ",
		"ເຮັດແນວໃດ":    "ເຮັດ|ແນວ|ໃດ",
		"ຄວາມ":         "ຄວາມ",
		"ຫຼາຍ":         "ຫຼາຍ",
		"ຫວຽດນາມ":      "ຫວຽດ|ນາມ",
		"ເມືອງ":        "ເມືອງ",
		"ໜັງສືຜ່ານແດນ": "ໜັງ|ສື|ຜານ|ແດນ",
		"ທຶນການສຶກສາ":  "ທຶນ|ການ|ສຶກ|ສາ",
		"ຂອບໃຈຫຼາຍໆ":   "ຂອບ|ໃຈ|ຫຼາຍ",
		"ວີຊາ":         "ວີ|ຊາ",
		"ເອກະສານ":      "ເອ|ກະ|ສານ",
		"ວີຊາຫຍັງ":     "ວີ|ຊາ|ຫຍັງ",
		"ໃບຕອບຮັບ":     "ໃບ|ຕອບ|ຮັບ",
		"ໂທມາບອກ":      "ໂທ|ມາ|ບອກ",
		"ຄົນອື່ນ":      "ຄົນ|ອືນ",
		"ມາຮອດ":        "ມາ|ຮອດ",
	} {
		if got := strings.Join(laoSyllables(in), "|"); got != want {
			t.Errorf("%s: got %s, want %s", in, got, want)
		}
	}
}

// TestLaoRewrites_WholeSyllables checks the synonym table's Lao rewrites replace whole syllables: "ມ."
// (short for ມະຫາວິທະຍາໄລ) once rewrote the letter ມ inside every word, ມີ ("have") first.
func TestLaoRewrites_WholeSyllables(t *testing.T) {
	s := newSynonyms([]Synonym{
		{From: []string{"ມ."}, To: "ມະຫາວິທະຍາໄລ"},
		{From: []string{"ທຶນຮຽນ"}, To: "ທຶນການສຶກສາ"},
	})
	for in, want := range map[string]string{
		"ມີຫໍພັກບໍ": "ມີ|ຫໍ|ພັກ|ບໍ",
		"ສາມມື້":    "ສາມ|ມື",
		"ມ":         "ມະ|ຫາ|ວິ|ທະ|ຍາ|ໄລ", // the abbreviation on its own ("ມ." once the dot is gone)
		"ຂໍທຶນຮຽນແນວໃດ":    "ຂໍ|ທຶນ|ການ|ສຶກ|ສາ|ແນວ|ໃດ",
		"ເຮັດທຶນຮຽນບໍ່ໄດ້": "ເຮັດ|ທຶນ|ການ|ສຶກ|ສາ|ບໍ|ໄດ",
	} {
		if got := strings.Join(s.laoRun(nil, in), "|"); got != want {
			t.Errorf("laoRun(%s) = %s, want %s", in, got, want)
		}
	}
}

// TestLaoRewrites_ToLatin checks a Lao phrase rewritten to a Latin word becomes that word: the rewrite once
// cut its target into Lao syllables, so "ເອັນຈີໂອ" → "ngo" deleted the phrase.
func TestLaoRewrites_ToLatin(t *testing.T) {
	s := newSynonyms([]Synonym{{From: []string{"ເອັນຈີໂອ"}, To: "ngo"}})
	if got := strings.Join(s.laoRun(nil, "ເອັນຈີໂອ"), "|"); got != "ngo" {
		t.Errorf("laoRun = %q, want ngo", got)
	}
}
