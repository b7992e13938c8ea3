package forms

import (
	"maps"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// match finds the option the user meant: a button's ID (exact, then ignoring case), else a label in any
// language typed exactly (ignoring case and spacing), else ignoring Vietnamese tone marks, else ignoring spaces
// and punctuation too (Lao is written without spaces between words, "Vietnam" and "Việt Nam" are one country).
// With partial, a shorter or longer form of one label fits too ("hong duc" for "Đại học Hồng Đức"; see
// partialFits). A typed answer that fits two options is no match: the user gets the buttons again rather than a
// guess. lang is the language of the label that matched, "" for an ID.
func (f Field) match(input string, partial bool) (o Option, lang string, ok bool) {
	in, _ := clean(input, false)
	if o, ok := f.option(in); ok {
		return o, "", true
	}
	for _, o := range f.Options {
		if strings.EqualFold(o.ID, in) {
			return o, "", true
		}
	}
	typed := keysOf(in)
	levels := []func(typed, label keys) bool{
		func(t, l keys) bool { return t.lower == l.lower },
		func(t, l keys) bool { return t.folded == l.folded },
		func(t, l keys) bool { return t.compact != "" && t.compact == l.compact },
	}
	if partial {
		levels = append(levels, partialFits)
	}
	labels := make([][]keys, len(f.Options))
	for i, o := range f.Options {
		for _, l := range slices.Sorted(maps.Keys(o.Label)) {
			labels[i] = append(labels[i], keysOf(o.Label[l]))
		}
	}
	for _, fits := range levels {
		found, n := -1, 0
		for i, o := range f.Options {
			for j, l := range slices.Sorted(maps.Keys(o.Label)) {
				if fits(typed, labels[i][j]) {
					if found != i {
						n++
					}
					found, lang = i, l
				}
			}
		}
		if n == 1 {
			return f.Options[found], lang, true
		}
		if n > 1 {
			return Option{}, "", false
		}
	}
	return Option{}, "", false
}

// keys are the forms of a typed answer or a label that match compares, each made once.
type keys struct {
	lower   string   // cleaned and lower-cased
	folded  string   // see fold
	words   []string // folded words: runs of letters, digits and marks; punctuation and dashes separate them
	compact string   // the words written together
}

func keysOf(s string) keys {
	c, _ := clean(s, false)
	k := keys{lower: strings.ToLower(c), folded: fold(c)}
	k.words = strings.FieldsFunc(k.folded, func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.IsMark(r)
	})
	k.compact = strings.Join(k.words, "")
	return k
}

// minPartial is the shortest shorter form accepted, in letters: "of" or "hồ" says too little to pick an option.
const minPartial = 3

// shorthand expands the abbreviations Vietnamese write in names of schools and places ("ĐH Hồng Đức").
var shorthand = map[string][]string{
	"dh": {"dai", "hoc"}, "cd": {"cao", "dang"}, "thpt": {"trung", "hoc", "pho", "thong"},
	"tp": {"thanh", "pho"}, "vn": {"viet", "nam"},
}

// partialFits reports whether in is a shorter form of label: its words are words of the label, in the same
// order, possibly leaving some out ("hong duc", "ĐH Hồng Đức" and "hongduc" for "Đại học Hồng Đức"). Only
// shorter: a longer form would let "dance and singing" pick Singing alone. The one exception is the word
// "Trường" (school) in front of a school's name, which Vietnamese write in full ("Trường Đại học Hồng Đức").
// Lao has no spaces between words, so Lao fits when it is a piece of the label that starts and ends between
// syllables ("ຮົ່ງດຶກ" for "ມະຫາວິທະຍາໄລຮົ່ງດຶກ").
func partialFits(typed, label keys) bool {
	var iw []string
	for _, w := range typed.words {
		if x, ok := shorthand[w]; ok {
			iw = append(iw, x...)
		} else {
			iw = append(iw, w)
		}
	}
	lw := label.words
	if len(iw) > 1 && iw[0] == "truong" && !slices.Contains(lw, "truong") {
		iw = iw[1:]
	}
	ic := strings.Join(iw, "")
	if utf8.RuneCountInString(ic) < minPartial {
		return false
	}
	if strings.ContainsFunc(ic, isLao) {
		return laoPiece(ic, label.compact)
	}
	return inOrder(iw, lw)
}

// inOrder reports whether every word of short is found in long, in order, possibly several of long's words
// written together as one ("hongduc").
func inOrder(short, long []string) bool {
	j := 0
	for _, w := range short {
		k := j
		for ; k < len(long); k++ {
			if m := concatFrom(long[k:], w); m > 0 {
				j = k + m
				break
			}
		}
		if k == len(long) {
			return false
		}
	}
	return true
}

// concatFrom reports how many of the first words make up w when joined, 0 when none do.
func concatFrom(ws []string, w string) int {
	rest := w
	for i, x := range ws {
		var ok bool
		if rest, ok = strings.CutPrefix(rest, x); !ok {
			return 0
		}
		if rest == "" {
			return i + 1
		}
	}
	return 0
}

func isLao(r rune) bool { return r >= 0x0E80 && r <= 0x0EFF }

// laoPiece reports whether piece occurs in label starting and ending on a syllable boundary, as far as the
// script shows one: not before a vowel sign, tone mark or the vowels written after a consonant (ະ າ ຳ ຽ),
// and not right after a vowel written before its consonant (ເ ແ ໂ ໃ ໄ) or the silent ຫ of ຫຼ, ຫງ, ຫວ ….
func laoPiece(piece, label string) bool {
	for off := 0; ; {
		i := strings.Index(label[off:], piece)
		if i < 0 {
			return false
		}
		i += off
		if laoBoundary(label, i) && laoBoundary(label, i+len(piece)) {
			return true
		}
		_, size := utf8.DecodeRuneInString(label[i:])
		off = i + size
	}
}

func laoBoundary(s string, i int) bool {
	if i == 0 || i == len(s) {
		return true
	}
	prev, _ := utf8.DecodeLastRuneInString(s[:i])
	next, _ := utf8.DecodeRuneInString(s[i:])
	switch {
	case unicode.Is(unicode.Mn, next), strings.ContainsRune("ະາຳຽ", next):
		return false
	case prev >= 'ເ' && prev <= 'ໄ':
		return false
	case prev == 'ຫ' && strings.ContainsRune("ງຍນມລວຣ", next):
		return false
	}
	return true
}

// parseChoice takes shorter and longer forms of a label too: the alternative to a guess that fits only one
// option is an error message.
func (f Field) parseChoice(input string) (Value, *InvalidError) {
	o, lang, ok := f.match(input, true)
	if !ok {
		return Value{}, invalid(CodeChoice)
	}
	return Value{Raw: o.ID, Display: o.label(lang)}, nil
}

// parseMulti reads typed picks separated by commas, semicolons or line breaks, each as parseChoice reads one.
// The whole input is first tried as one option written out in full, so a label that contains a comma still
// matches (but "Dance, cook" is two picks, not a longer form of "Dance").
func (f Field) parseMulti(input string) (Value, *InvalidError) {
	var picked []string
	if o, _, ok := f.match(input, false); ok {
		picked = []string{o.ID}
	} else {
		for _, part := range strings.FieldsFunc(input, func(r rune) bool { return strings.ContainsRune(",;\n、，", r) }) {
			if strings.TrimSpace(part) == "" {
				continue
			}
			o, _, ok := f.match(part, true)
			if !ok {
				return Value{}, invalid(CodeChoice)
			}
			picked = append(picked, o.ID)
		}
	}
	if len(picked) == 0 {
		return Value{}, invalid(CodeEmpty)
	}
	return f.multiValue(picked)
}

// multiValue checks a set of picked option IDs against Min/Max and makes the Value: IDs in option order, so the
// same picks always give the same Raw whatever order they were made in.
func (f Field) multiValue(picked []string) (Value, *InvalidError) {
	var ids, labels []string
	for _, o := range f.Options {
		for _, p := range picked {
			if p == o.ID {
				ids = append(ids, o.ID)
				labels = append(labels, o.label(""))
				break
			}
		}
	}
	if f.Min > 0 && len(ids) < f.Min {
		return Value{}, invalid(CodeTooFewChoices, "min", strconv.Itoa(f.Min))
	}
	if f.Max > 0 && len(ids) > f.Max {
		return Value{}, invalid(CodeTooManyChoices, "max", strconv.Itoa(f.Max))
	}
	return Value{Raw: strings.Join(ids, ","), Display: strings.Join(labels, ", ")}, nil
}

func splitIDs(raw string) []string {
	if raw == "" {
		return nil
	}
	return strings.Split(raw, ",")
}

// parseCountry takes one of the offered countries, or a country typed as free text. Free text is kept as typed
// (cleaned): the list of the world's country names in three languages belongs to no one here, and staff read it.
// An option must be written out in full: a country not on the buttons is kept as typed, so a guess would go
// unnoticed ("Guinea" is not "Papua New Guinea", "Sudan" not "South Sudan").
func (f Field) parseCountry(input string) (Value, *InvalidError) {
	if o, lang, ok := f.match(input, false); ok {
		return Value{Raw: o.ID, Display: o.label(lang)}, nil
	}
	s, ok := clean(input, false)
	if !ok {
		return Value{}, invalid(CodeCharacters)
	}
	s = canonicalPunct(s)
	if !nameLike(s, "-'.(),&") {
		return Value{}, invalid(CodeCountry)
	}
	if e := f.checkLength(s); e != nil {
		return Value{}, e
	}
	return Value{Raw: s, Display: s}, nil
}

// yesNoWords are the typed answers a yes/no field understands besides its button IDs, per language; they are
// compared after fold, so "co" and "khong" work too.
var yesNoWords = []struct {
	word, lang string
	yes        bool
}{
	{"yes", "en", true}, {"y", "en", true}, {"ok", "en", true}, {"okay", "en", true}, {"yeah", "en", true},
	{"yep", "en", true}, {"sure", "en", true},
	{"no", "en", false}, {"n", "en", false}, {"nope", "en", false},
	{"có", "vi", true}, {"vâng", "vi", true}, {"đồng ý", "vi", true}, {"dạ", "vi", true}, {"ừ", "vi", true},
	{"đúng", "vi", true}, {"đúng rồi", "vi", true},
	{"không", "vi", false}, {"ko", "vi", false}, {"k", "vi", false},
	{"ແມ່ນ", "lo", true}, {"ແມ່ນແລ້ວ", "lo", true}, {"ໂອເຄ", "lo", true}, {"ໄດ້", "lo", true}, {"ຕົກລົງ", "lo", true},
	{"ເຈົ້າ", "lo", true}, {"ໂດຍ", "lo", true},
	{"ບໍ່", "lo", false}, {"ບໍ່ແມ່ນ", "lo", false}, {"ບໍ", "lo", false},
}

// politeYesNo strips the Vietnamese politeness around a short answer: "dạ có", "không ạ", "vâng ạ" (folded).
func politeYesNo(key string) string {
	if k, ok := strings.CutSuffix(key, " a"); ok && k != "" {
		key = k
	}
	if k, ok := strings.CutPrefix(key, "da "); ok && k != "" {
		key = k
	}
	return key
}

// yesNoLabels are the built-in labels of a yes/no field without Options, in the languages the bot ships. They
// live here, next to the words Parse accepts, because the two must agree; a field for another language gives
// Options with labels.
var yesNoLabels = map[string][2]string{
	"en": {"Yes", "No"},
	"vi": {"Có", "Không"},
	"lo": {"ແມ່ນ", "ບໍ່"},
}

func (f Field) parseYesNo(input string) (Value, *InvalidError) {
	if len(f.Options) > 0 {
		if o, lang, ok := f.match(input, false); ok && (o.ID == "yes" || o.ID == "no") {
			return Value{Raw: o.ID, Display: f.yesNoLabel(o.ID, lang)}, nil
		}
	}
	in, _ := clean(input, false)
	if id := strings.ToLower(in); id == "yes" || id == "no" {
		return Value{Raw: id, Display: f.yesNoLabel(id, "")}, nil
	}
	key := politeYesNo(strings.TrimSpace(strings.TrimRight(fold(in), ".!")))
	for _, w := range yesNoWords {
		if fold(w.word) == key {
			id := "no"
			if w.yes {
				id = "yes"
			}
			return Value{Raw: id, Display: f.yesNoLabel(id, w.lang)}, nil
		}
	}
	return Value{}, invalid(CodeYesNo)
}

// yesNoLabel is the label of "yes" or "no" in lang: from the field's Options when it has them, else built in.
func (f Field) yesNoLabel(id, lang string) string {
	if o, ok := f.option(id); ok {
		return o.label(lang)
	}
	l, ok := yesNoLabels[lang]
	if !ok {
		l = yesNoLabels["en"]
	}
	if id == "yes" {
		return l[0]
	}
	return l[1]
}
