package messages

import (
	_ "time/tzdata" // programme dates are in Asia/Ho_Chi_Minh, also on systems without a zoneinfo database

	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/ufo-thanhhoa/huunghi/handlers/forms"
)

// Programme is a call people register for in the chat: an exchange, a scholarship, membership, ...
//
// Each programme is one file, programmes/<id>.yaml. Its dates are wall-clock times in ProgrammeTimeZone, the
// province's time, whatever BOT_TIMEZONE says, so a poster and the bot agree on a deadline. Because CONTENT_DIR
// overlays the embedded files one by one, staff replace a shipped programme with a file of the same name, and
// withdraw one with an empty file of that name (an empty programme file is no programme).
type Programme struct {
	// ID is 1–32 of a-z 0-9 _ and equals the file name; it travels in /start reg_<id> and in button data.
	ID string `yaml:"id"`
	// Kind is exchange, scholarship, membership or other.
	Kind string `yaml:"kind"`
	// Sample marks a shipped example: check warns until staff confirm its dates and texts and remove the flag.
	Sample bool `yaml:"sample"`
	// Audience is who the call is offered to: student, diaspora or all.
	Audience string `yaml:"audience"`
	// Title and Description are per language; every shipped language must have both.
	Title       map[string]string `yaml:"title"`
	Description map[string]string `yaml:"description"`
	// OpensAt and ClosesAt are the file's dates, "2026-11-01 08:00" in ProgrammeTimeZone or RFC 3339 with an
	// offset; Opens and Closes are the parsed instants. Registration is open from Opens, included, to Closes,
	// excluded.
	OpensAt  string    `yaml:"opens"`
	ClosesAt string    `yaml:"closes"`
	Opens    time.Time `yaml:"-"`
	Closes   time.Time `yaml:"-"`
	// Capacity is the number of places; 0 means unlimited.
	Capacity int `yaml:"capacity"`
	// Waitlist offers the waiting list when the places are taken; it needs a Capacity.
	Waitlist bool `yaml:"waitlist"`
	// StaffChat is the chat notified of registrations; 0 means STAFF_CHAT_ID.
	StaffChat int64 `yaml:"staff_chat"`
	// Fields is the form, in the order it is asked.
	Fields []forms.Field `yaml:"fields"`
	// File is the content path the programme was read from, for messages.
	File string `yaml:"-"`
	// closesLine is the line of the closes key, where ClosedSamples points.
	closesLine int
}

// ProgrammeTimeZone is the time zone of the dates in programme files.
const ProgrammeTimeZone = "Asia/Ho_Chi_Minh"

// The values Status returns.
const (
	StatusUpcoming = "upcoming"
	StatusOpen     = "open"
	StatusClosed   = "closed"
)

// programmeDateLayout is the short form of a programme date, read in ProgrammeTimeZone.
const programmeDateLayout = "2006-01-02 15:04"

// Kinds of programme, and the audiences one may have (the same as an FAQ topic's, topicAudiences).
var programmeKinds = map[string]bool{"exchange": true, "scholarship": true, "membership": true, "other": true}

// shortID is what a programme, topic or category id may be: short and plain, for deep links and 64-byte
// callback data.
var shortID = regexp.MustCompile(`^[a-z0-9_]{1,32}$`)

// Programme returns the programme with the given id.
func (c *Content) Programme(id string) (*Programme, bool) {
	for _, p := range c.Programmes {
		if p.ID == id {
			return p, true
		}
	}
	return nil, false
}

// Status says where now falls: "upcoming" before Opens, "open" from Opens until just before Closes, "closed"
// from Closes on.
func (p *Programme) Status(now time.Time) string {
	switch {
	case now.Before(p.Opens):
		return StatusUpcoming
	case now.Before(p.Closes):
		return StatusOpen
	}
	return StatusClosed
}

// TitleIn returns the title in lang, falling back to DefaultLang.
func (p *Programme) TitleIn(lang string) string { return inLang(p.Title, lang) }

// DescriptionIn returns the description in lang, falling back to DefaultLang.
func (p *Programme) DescriptionIn(lang string) string { return inLang(p.Description, lang) }

func inLang(m map[string]string, lang string) string {
	if s := strings.TrimSpace(m[lang]); s != "" {
		return s
	}
	return strings.TrimSpace(m[DefaultLang])
}

// programmeZone loads ProgrammeTimeZone; time/tzdata makes it available everywhere, and Vietnam has had no
// daylight saving time since 1975, so the fixed offset is only a belt to the braces.
func programmeZone() *time.Location {
	if loc, err := time.LoadLocation(ProgrammeTimeZone); err == nil {
		return loc
	}
	return time.FixedZone("ICT", 7*3600)
}

// parseProgrammeTime reads a programme date: "2006-01-02 15:04" in loc, or RFC 3339 with an offset.
func parseProgrammeTime(s string, loc *time.Location) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, errors.New("missing")
	}
	if t, err := time.ParseInLocation(programmeDateLayout, s, loc); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("%q is not a date: want \"YYYY-MM-DD HH:MM\" (%s) or RFC 3339 with an offset", s, ProgrammeTimeZone)
}

// loadProgrammes reads programmes/*.yaml into c.Programmes and returns what is wrong with them. When there are
// programmes, the form engine's validation messages must exist in the UI strings (the ui check then insists on
// them in every language).
func (c *Content) loadProgrammes(fsys fs.FS) Problems {
	files := contentFiles(fsys, "programmes/*.yaml")
	loc := programmeZone()
	var problems Problems
	byID := map[string]*Programme{}
	for _, file := range files {
		p, ps := readProgramme(fsys, file, c.Langs, loc)
		problems = append(problems, ps...)
		if p == nil {
			continue
		}
		if prev, dup := byID[p.ID]; dup {
			problems = append(problems, Problem{File: file, Line: nodeLine(fsys, file, "id"),
				Message: fmt.Sprintf("duplicate id %q (also in %s)", p.ID, prev.File)})
			continue
		}
		byID[p.ID] = p
		c.Programmes = append(c.Programmes, p)
	}
	sortProgrammes(c.Programmes)
	if len(files) > 0 {
		ref := "ui/" + DefaultLang + ".yaml"
		for _, code := range forms.Codes() {
			if _, ok := c.ui[DefaultLang][code]; !ok {
				problems = append(problems, Problem{File: ref, Message: fmt.Sprintf("missing %q, a form validation message", code)})
			}
		}
		problems = append(problems, c.formMessageProblems(fsys)...)
	}
	return problems
}

// formMessageProblems checks the form validation messages of every language the way the engine fills them
// (forms.ValidateMessage): one text serves every question of its kind, so it may not carry an example of its
// own that some question contradicts.
func (c *Content) formMessageProblems(fsys fs.FS) Problems {
	var problems Problems
	for _, lang := range c.Langs {
		file := "ui/" + lang + ".yaml"
		var at map[string]int
		for _, code := range forms.Codes() {
			text, ok := c.ui[lang][code]
			if !ok {
				continue
			}
			errs := forms.ValidateMessage(code, text)
			if len(errs) > 0 && at == nil {
				_, at, _ = readStrings(fsys, file)
			}
			for _, err := range errs {
				problems = append(problems, Problem{File: file, Line: at[code], Message: err.Error()})
			}
		}
	}
	return problems
}

// sortProgrammes orders programmes by Opens, then by ID.
func sortProgrammes(ps []*Programme) {
	sort.SliceStable(ps, func(i, j int) bool {
		a, b := ps[i], ps[j]
		if !a.Opens.Equal(b.Opens) {
			return a.Opens.Before(b.Opens)
		}
		return a.ID < b.ID
	})
}

// ClosedSamples warns about sample programmes whose registration has closed at now. A shipped sample's
// dates are placeholders that staff replace; once they have passed, the bot no longer offers it (only the
// chat demo moves it, see OpenSamples), which is worth saying in `huunghi check` but is not an error: the
// content is still valid.
func (c *Content) ClosedSamples(now time.Time) Problems {
	var out Problems
	for _, p := range c.Programmes {
		if !p.Sample || p.Status(now) != StatusClosed {
			continue
		}
		out = append(out, Problem{File: p.File, Line: p.closesLine, Warning: true, Sample: true,
			Message: fmt.Sprintf("%s is a sample whose registration closed on %s: the bot no longer offers it (the chat demo shows it open); give it new dates or withdraw it",
				p.ID, p.Closes.In(programmeZone()).Format(programmeDateLayout))})
	}
	return out
}

// MovedSample is a sample programme that OpenSamples moved: the window its file gives and the one the demo
// uses instead.
type MovedSample struct {
	ID                    string
	FileOpens, FileCloses time.Time
	Opens, Closes         time.Time
}

// OpenSamples returns the content as the chat demo shows it at now: every sample programme (sample: true)
// that is not open at now — its made-up dates have passed, or are still to come — is moved in time, keeping
// the length of its window, so that now falls a quarter of the way into it. Whole days are kept where the
// window is longer than two days, so the hours of opening and closing stay those of the file. Programmes
// that are open, and real ones, are left as they are: a staff member previewing their own programmes sees
// them on their dates. c is not changed; the moved programmes are listed in the order of the content.
func (c *Content) OpenSamples(now time.Time) (*Content, []MovedSample) {
	out := *c
	out.Programmes = make([]*Programme, len(c.Programmes))
	var moved []MovedSample
	zone := programmeZone()
	for i, p := range c.Programmes {
		out.Programmes[i] = p
		if !p.Sample || p.Status(now) == StatusOpen {
			continue
		}
		length := p.Closes.Sub(p.Opens)
		target := now.Add(-length / 4)
		q := *p
		if length > 48*time.Hour {
			const day = 24 * time.Hour
			shift := target.Sub(p.Opens)
			days := int(shift / day)
			if shift < 0 && shift%day != 0 {
				days-- // round down: never open after target, so now stays inside the window
			}
			q.Opens = p.Opens.In(zone).AddDate(0, 0, days)
		} else {
			q.Opens = target
		}
		q.Closes = q.Opens.Add(length)
		q.OpensAt = q.Opens.In(zone).Format(programmeDateLayout)
		q.ClosesAt = q.Closes.In(zone).Format(programmeDateLayout)
		out.Programmes[i] = &q
		moved = append(moved, MovedSample{ID: p.ID, FileOpens: p.Opens, FileCloses: p.Closes, Opens: q.Opens, Closes: q.Closes})
	}
	sortProgrammes(out.Programmes)
	return &out, moved
}

// readProgramme reads and validates one programme file. It returns nil for an empty file (a withdrawn
// programme) and when the file cannot be read as a programme, or has no usable id.
func readProgramme(fsys fs.FS, file string, langs []string, loc *time.Location) (*Programme, Problems) {
	raw, err := fs.ReadFile(fsys, file)
	if err != nil {
		return nil, Problems{{File: file, Message: err.Error()}}
	}
	var p Programme
	doc, problems := decodeDocument(fsys, raw, file, "programme keys (id, kind, title, ...)", &p)
	if doc == nil {
		return nil, problems
	}
	add := func(line int, format string, args ...any) {
		problems = append(problems, Problem{File: file, Line: line, Message: fmt.Sprintf(format, args...)})
	}
	p.File = file
	line := func(key string) int { return keyLine(doc, key) }
	p.closesLine = line("closes")

	base := strings.TrimSuffix(path.Base(file), ".yaml")
	valid := true
	switch {
	case p.ID == "":
		add(line("id"), "missing id (want %q, the file name)", base)
		valid = false
	case !shortID.MatchString(p.ID):
		add(line("id"), "id %q: want 1–32 characters of a-z 0-9 _", p.ID)
		valid = false
	case p.ID != base:
		add(line("id"), "id %q does not match the file name", p.ID)
	}
	if p.Sample {
		problems = append(problems, Problem{File: file, Line: line("sample"), Warning: true, Sample: true,
			Message: fmt.Sprintf("%s is a sample: confirm its dates and texts, then remove `sample: true`", p.ID)})
	}
	if !programmeKinds[p.Kind] {
		add(line("kind"), "kind %q: want exchange, scholarship, membership or other", p.Kind)
	}
	if !topicAudiences[p.Audience] {
		add(line("audience"), "audience %q: want student, diaspora or all", p.Audience)
	}
	for _, l := range langs {
		if strings.TrimSpace(p.Title[l]) == "" {
			add(line("title"), "no %s title", l)
		}
		if strings.TrimSpace(p.Description[l]) == "" {
			add(line("description"), "no %s description", l)
		}
	}
	for _, l := range sortedKeys(p.Description) {
		if n := units(p.Description[l]); n > maxMessage {
			add(line("description"), "%s description is %d characters, over Telegram's %d", l, n, maxMessage)
		}
	}

	var opensErr, closesErr error
	if p.Opens, opensErr = parseProgrammeTime(p.OpensAt, loc); opensErr != nil {
		add(line("opens"), "opens: %v", opensErr)
	}
	if p.Closes, closesErr = parseProgrammeTime(p.ClosesAt, loc); closesErr != nil {
		add(line("closes"), "closes: %v", closesErr)
	}
	if opensErr == nil && closesErr == nil && !p.Closes.After(p.Opens) {
		add(line("closes"), "closes (%s) is not after opens (%s)", p.ClosesAt, p.OpensAt)
	}

	if p.Capacity < 0 {
		add(line("capacity"), "capacity %d: want 0 (unlimited) or more", p.Capacity)
	}
	if p.Waitlist && p.Capacity <= 0 {
		add(line("waitlist"), "waitlist needs a capacity: an unlimited programme is never full")
	}

	problems = append(problems, fieldProblems(file, doc, p.Fields, langs)...)
	if !valid {
		return nil, problems
	}
	return &p, problems
}

// decodeDocument reads a content file that is one YAML map (a programme, an event) into v, strictly: a
// misspelt key ("capcity") is reported rather than silently meaning its zero value ("unlimited"). Type errors
// leave their field zero and are reported, and decoding goes on, so the caller's checks still run. doc is
// the map's node, for the lines of keys; it is nil for an empty document ("", "---" or "~" alone: a withdrawn
// item, without problems) and for one that cannot be read at all (with the problem).
func decodeDocument(fsys fs.FS, raw []byte, file, what string, v any) (*yaml.Node, Problems) {
	root, merged, p := parseWithTranslations(fsys, file, raw)
	if p != nil {
		return nil, Problems{*p}
	}
	var problems Problems
	if len(root.Content) == 0 {
		return nil, nil
	}
	doc := root.Content[0]
	if doc.Kind == yaml.ScalarNode && doc.Tag == "!!null" {
		return nil, nil
	}
	if doc.Kind != yaml.MappingNode {
		return nil, Problems{{File: file, Line: doc.Line, Message: "want a map of " + what}}
	}
	// The strict pass reads the base file, whose lines the messages name, for unknown keys; then the tree
	// with the translations merged in gives the texts (slices are replaced whole, maps gain the languages).
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	if err := dec.Decode(v); err != nil && !errors.Is(err, io.EOF) {
		var te *yaml.TypeError
		if !errors.As(err, &te) {
			return nil, Problems{yamlProblem(file, err.Error())}
		}
		for _, msg := range te.Errors {
			problems = append(problems, yamlProblem(file, msg))
		}
	}
	if merged {
		if err := doc.Decode(v); err != nil {
			problems = append(problems, yamlProblem(file, err.Error()))
		}
	}
	return doc, problems
}

// fieldProblems checks the form the way forms.ValidateFields does, but field by field, so each problem points
// at its field's line. Anything ValidateFields finds that the field-by-field pass did not (a form-level rule)
// is reported at the line of the field it names, else at the fields key.
func fieldProblems(file string, doc *yaml.Node, fields []forms.Field, langs []string) Problems {
	var problems Problems
	fieldsLine := keyLine(doc, "fields")
	var items []*yaml.Node
	if v := keyValue(doc, "fields"); v != nil && v.Kind == yaml.SequenceNode {
		items = v.Content
	}
	reported := map[string]bool{}
	seen := map[string]bool{}
	lines := map[string]int{} // field ID → its line, for form-level rules that name a field
	for i, f := range fields {
		ln := fieldsLine
		if i < len(items) {
			ln = items[i].Line
		}
		if _, ok := lines[f.ID]; !ok {
			lines[f.ID] = ln
		}
		var errs []error
		if seen[f.ID] {
			errs = append(errs, fmt.Errorf("field %q: duplicate field id", f.ID))
		}
		seen[f.ID] = true
		errs = append(errs, forms.ValidateField(fields, i, langs)...)
		for _, err := range errs {
			problems = append(problems, Problem{File: file, Line: ln, Message: err.Error()})
			reported[err.Error()] = true
		}
	}
	for _, err := range forms.ValidateFields(fields, langs) {
		if !reported[err.Error()] {
			ln := fieldsLine
			if id, ok := strings.CutPrefix(err.Error(), `field "`); ok {
				if id, _, ok = strings.Cut(id, `"`); ok && lines[id] != 0 {
					ln = lines[id]
				}
			}
			problems = append(problems, Problem{File: file, Line: ln, Message: err.Error()})
		}
	}
	return problems
}

// keyValue returns the value node of a key in a mapping node, or nil.
func keyValue(m *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

// keyLine returns the line of a key in a mapping node, 0 when it is absent.
func keyLine(m *yaml.Node, key string) int {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i].Line
		}
	}
	return 0
}

// unknownKey matches yaml.v3's strict-decoding complaint, which names Go types rather than the file's words.
var unknownKey = regexp.MustCompile(`^field (\S+) not found in type \S+$`)

// yamlProblem turns a yaml.v3 message ("yaml: line 3: ...", "line 3: ...") into a Problem with that line.
func yamlProblem(file, msg string) Problem {
	line := 0
	msg = strings.TrimPrefix(msg, "yaml: ")
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		fmt.Sscan(m[1], &line)
		msg = m[2]
	}
	if m := unknownKey.FindStringSubmatch(msg); m != nil {
		msg = fmt.Sprintf("unknown key %q", m[1])
	}
	return Problem{File: file, Line: line, Message: msg}
}
