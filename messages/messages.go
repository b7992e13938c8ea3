// Package messages holds everything a user reads that staff may want to change without a rebuild: UI
// strings per language, the FAQ knowledge base, programmes, events and contact details. Defaults are embedded
// in the binary; CONTENT_DIR overlays them file by file (a file there replaces the embedded file with the same
// path), so staff can edit one file and restart. Check validates a content tree and reports `file:line: message`.
//
// Adding a language is adding files, no code: ui/<lang>.yaml and, beside each content file X.yaml, either
// its <lang> entries inline or a translation file X.<lang>.yaml (translations.go).
package messages

import (
	"embed"
	"errors"
	"fmt"
	"github.com/ufo-thanhhoa/huunghi/handlers/forms"
	"io/fs"
	"os"
	"path"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/language"
	"gopkg.in/yaml.v3"
)

//go:embed ui faq *.yaml programmes events
var embedded embed.FS

// DefaultLang is the language used when a user's language is unknown, and the reference every other language
// is checked against.
const DefaultLang = "en"

// Content is all loaded content. It is immutable after Load and safe for concurrent use.
type Content struct {
	// Langs lists the shipped languages (one per ui/<lang>.yaml), DefaultLang first.
	Langs []string
	// FAQ is the knowledge base.
	FAQ *FAQ
	// Programmes are the calls people register for (programmes/<id>.yaml), sorted by Opens then ID.
	Programmes []*Programme
	// Events are the file events (events/<id>.yaml), sorted by start then ID; staff events are in Redis.
	Events []*Event
	// NewsTopics are the subjects of announcements people subscribe to (topics.yaml), in id order.
	NewsTopics []NewsTopic
	ui         map[string]map[string]string
	zone       *time.Location // where event times are read (WithZone)
}

// Problem is one finding of Check or Load, printed as `file:line: message`.
type Problem struct {
	File    string
	Line    int
	Message string
	Warning bool // warnings (sample contacts) do not fail `huunghi check`
	// Sample marks a warning about a shipped sample still in the content (a contact, programme or event
	// with `sample: true`): `huunghi check --strict` fails on it, so a deploy pipeline cannot ship
	// made-up phone numbers and dates to real people.
	Sample bool
}

func (p Problem) String() string {
	kind := ""
	if p.Warning {
		kind = "warning: "
	}
	if p.Line > 0 {
		return fmt.Sprintf("%s:%d: %s%s", p.File, p.Line, kind, p.Message)
	}
	return fmt.Sprintf("%s: %s%s", p.File, kind, p.Message)
}

// Problems is an error made of problems found in content.
type Problems []Problem

func (ps Problems) Error() string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// Errors returns the problems that are not warnings.
func (ps Problems) Errors() Problems {
	var out Problems
	for _, p := range ps {
		if !p.Warning {
			out = append(out, p)
		}
	}
	return out
}

// FS returns the content tree: the embedded defaults, overlaid by dir when dir is not empty.
func FS(dir string) fs.FS {
	if dir == "" {
		return embedded
	}
	return Overlay(os.DirFS(dir), embedded)
}

// Overlay returns an fs.FS where the files of top replace (or add to) the files of base with the same path,
// as CONTENT_DIR does over the embedded defaults.
func Overlay(top, base fs.FS) fs.FS { return overlay{top: top, base: base} }

// Load reads and validates content from fsys (see FS). It fails on errors; either way it returns every
// problem found (with no error, the warnings), so that `check` reads the content once.
func Load(fsys fs.FS) (*Content, Problems, error) {
	c, problems := load(fsys)
	if errs := problems.Errors(); len(errs) > 0 {
		return nil, problems, errs
	}
	return c, problems, nil
}

// Check validates content and returns every problem found, errors and warnings.
func Check(fsys fs.FS) Problems {
	_, problems := load(fsys)
	return problems
}

func load(fsys fs.FS) (c *Content, problems Problems) {
	c = &Content{ui: map[string]map[string]string{}}
	files, err := fs.Glob(fsys, "ui/*.yaml")
	if err != nil || len(files) == 0 {
		return c, Problems{{File: "ui", Message: "no ui/<lang>.yaml files"}}
	}
	lines := map[string]map[string]int{}
	for _, f := range files {
		lang := strings.TrimSuffix(path.Base(f), ".yaml")
		if _, err := language.Parse(lang); err != nil {
			problems = append(problems, Problem{File: f, Message: fmt.Sprintf("%q is not a language code", lang)})
			continue
		}
		strs, at, ps := readStrings(fsys, f)
		problems = append(problems, ps...)
		c.ui[lang], lines[lang] = strs, at
		c.Langs = append(c.Langs, lang)
	}
	sort.Slice(c.Langs, func(i, j int) bool {
		if (c.Langs[i] == DefaultLang) != (c.Langs[j] == DefaultLang) {
			return c.Langs[i] == DefaultLang
		}
		return c.Langs[i] < c.Langs[j]
	})
	ref, ok := c.ui[DefaultLang]
	if !ok {
		return c, append(problems, Problem{File: "ui/" + DefaultLang + ".yaml", Message: "the default language file is missing"})
	}
	var translations Problems
	fsys = langFS{FS: fsys, langs: c.Langs, problems: &translations}
	problems = append(problems, translationProblems(fsys, c.Langs)...)
	defer func() { problems = append(problems, translations...) }()
	faq, ps := loadFAQ(fsys, c.Langs)
	c.FAQ = faq
	problems = append(problems, ps...)
	problems = append(problems, c.loadProgrammes(fsys)...)
	problems = append(problems, c.loadEvents(fsys)...)
	c.labelYesNo()
	problems = append(problems, c.loadTopics(fsys)...)
	for _, lang := range c.Langs {
		file := "ui/" + lang + ".yaml"
		if note := c.ui[lang][reviewKey]; note != "" {
			problems = append(problems, Problem{File: file, Line: lines[lang][reviewKey], Warning: true,
				Message: fmt.Sprintf("%s needs a native speaker's review: %s (remove %s when it is done)", c.ui[lang]["lang.name"], note, reviewKey)})
		}
		for _, code := range c.telegramCodes(lang) {
			if _, err := language.Parse(code); err != nil {
				problems = append(problems, Problem{File: file, Line: lines[lang]["lang.telegram"], Message: fmt.Sprintf("lang.telegram: %q is not a language code", code)})
			}
		}
		for _, key := range sortedKeys(ref) {
			if _, ok := c.ui[lang][key]; !ok {
				problems = append(problems, Problem{File: file, Message: fmt.Sprintf("missing %q (present in %s.yaml line %d)", key, DefaultLang, lines[DefaultLang][key])})
			} else if missing := missingPlaceholders(ref[key], c.ui[lang][key]); len(missing) > 0 {
				problems = append(problems, Problem{File: file, Line: lines[lang][key], Message: fmt.Sprintf("%q lacks placeholder(s) %s", key, strings.Join(missing, ", "))})
			}
		}
		for key := range c.ui[lang] {
			if _, ok := ref[key]; !ok && key != reviewKey {
				problems = append(problems, Problem{File: file, Line: lines[lang][key], Message: fmt.Sprintf("unknown key %q (not in %s.yaml)", key, DefaultLang)})
			}
		}
	}
	return c, problems
}

// labelYesNo gives the yes/no questions of programmes and events that name no options of their own the
// UI's labels (form.yes, form.no) in every language, so that a language added by files has its buttons —
// and its typed "ja"/"nein" — without code.
func (c *Content) labelYesNo() {
	label := func(key string) map[string]string {
		m := map[string]string{}
		for _, l := range c.Langs {
			if v := c.ui[l][key]; v != "" {
				m[l] = v
			}
		}
		return m
	}
	fill := func(fields []forms.Field) {
		for i := range fields {
			if fields[i].Type == forms.TypeYesNo && len(fields[i].Options) == 0 {
				fields[i].Options = []forms.Option{{ID: "yes", Label: label("form.yes")}, {ID: "no", Label: label("form.no")}}
			}
		}
	}
	for _, p := range c.Programmes {
		fill(p.Fields)
	}
	for _, e := range c.Events {
		fill(e.Fields)
	}
}

// readStrings reads a flat YAML map of key → string, remembering each key's line.
func readStrings(fsys fs.FS, file string) (map[string]string, map[string]int, Problems) {
	var root yaml.Node
	if p := decodeFile(fsys, file, &root); p != nil {
		return nil, nil, Problems{*p}
	}
	strs, at := map[string]string{}, map[string]int{}
	if len(root.Content) == 0 {
		return strs, at, nil
	}
	m := root.Content[0]
	if m.Kind != yaml.MappingNode {
		return nil, nil, Problems{{File: file, Line: m.Line, Message: "want a map of key: text"}}
	}
	var problems Problems
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], m.Content[i+1]
		if v.Kind != yaml.ScalarNode {
			problems = append(problems, Problem{File: file, Line: v.Line, Message: fmt.Sprintf("%q: want text", k.Value)})
			continue
		}
		if _, dup := strs[k.Value]; dup {
			problems = append(problems, Problem{File: file, Line: k.Line, Message: fmt.Sprintf("duplicate key %q", k.Value)})
		}
		if strings.TrimSpace(v.Value) == "" {
			problems = append(problems, Problem{File: file, Line: v.Line, Message: fmt.Sprintf("%q is empty", k.Value)})
		}
		strs[k.Value], at[k.Value] = strings.TrimRight(v.Value, "\n"), k.Line
	}
	return strs, at, problems
}

// yamlLine finds the line number in yaml.v3's error messages ("yaml: line 3: did not find ...").
var yamlLine = regexp.MustCompile(`line (\d+): (.*)`)

// decodeFile parses a YAML file into v, turning errors into a Problem with the line yaml.v3 reports.
func decodeFile(fsys fs.FS, file string, v any) *Problem {
	raw, err := fs.ReadFile(fsys, file)
	if err != nil {
		return &Problem{File: file, Message: err.Error()}
	}
	root, _, p := parseWithTranslations(fsys, file, raw)
	if p != nil {
		return p
	}
	if n, ok := v.(*yaml.Node); ok {
		*n = *root
		return nil
	}
	if len(root.Content) == 0 {
		return nil
	}
	if err := root.Content[0].Decode(v); err != nil {
		msg, line := err.Error(), 0
		var te *yaml.TypeError
		if errors.As(err, &te) && len(te.Errors) > 0 {
			msg = te.Errors[0]
		}
		if m := yamlLine.FindStringSubmatch(msg); m != nil {
			line, _ = strconv.Atoi(m[1])
			msg = m[2]
		}
		return &Problem{File: file, Line: line, Message: msg}
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// placeholders returns the {name} placeholders in s.
func placeholders(s string) []string {
	var out []string
	for {
		i := strings.IndexByte(s, '{')
		if i < 0 {
			return out
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			return out
		}
		name := s[i+1 : i+j]
		if name != "" && !strings.ContainsAny(name, " {\n") {
			out = append(out, name)
		}
		s = s[i+j+1:]
	}
}

func missingPlaceholders(ref, s string) []string {
	have := map[string]bool{}
	for _, p := range placeholders(s) {
		have[p] = true
	}
	var missing []string
	for _, p := range placeholders(ref) {
		if !have[p] {
			missing = append(missing, "{"+p+"}")
		}
	}
	return missing
}

// T returns the UI string key in lang with {name} placeholders filled from args, given as name, value pairs.
// An unknown language falls back to DefaultLang; an unknown key returns the key itself, so a missing string
// shows up as text in a test rather than as an empty message.
func (c *Content) T(lang, key string, args ...string) string {
	s, ok := c.ui[lang][key]
	if !ok {
		if s, ok = c.ui[DefaultLang][key]; !ok {
			return key
		}
	}
	if len(args) == 0 {
		return s
	}
	pairs := make([]string, 0, len(args))
	for i := 0; i+1 < len(args); i += 2 {
		pairs = append(pairs, "{"+args[i]+"}", args[i+1])
	}
	return strings.NewReplacer(pairs...).Replace(s)
}

// ResolveLang picks the language to write to a person in: their stored choice (explicit, or detected from
// what they wrote), else languageCode — Telegram's language_code of the update being answered — when it names
// a shipped language, else telegramLang, the shipped language their Telegram app had when last seen (for
// messages sent outside a conversation: staff replies, reminders), else English. It lives here, with the
// content, because handlers answering an update and jobs sending a reminder must agree on it.
func (c *Content) ResolveLang(chosen, telegramLang, languageCode string) string {
	if chosen != "" && c.HasLang(chosen) {
		return chosen
	}
	if l := c.MatchLang(languageCode); l != "" {
		return l
	}
	if telegramLang != "" && c.HasLang(telegramLang) {
		return telegramLang
	}
	return DefaultLang
}

// HasLang reports whether lang is a shipped language.
func (c *Content) HasLang(lang string) bool { _, ok := c.ui[lang]; return ok }

// reviewKey is the optional UI key that marks a language as still needing a native speaker's review.
const reviewKey = "lang.review"

// telegramCodes lists the Telegram language codes that choose lang (its lang.telegram), lower-cased.
func (c *Content) telegramCodes(lang string) []string {
	return strings.FieldsFunc(strings.ToLower(c.ui[lang]["lang.telegram"]), func(r rune) bool { return r == ',' || r == ' ' })
}

// MatchLang maps a Telegram language_code ("vi", "vi-VN", "lo", "en-GB", "th", "") to a shipped language,
// or "" when none fits (the caller then uses DefaultLang and may offer the picker): a language whose
// lang.telegram lists the code, else one that lists its base language ("de-AT" → "de").
func (c *Content) MatchLang(code string) string {
	tag, err := language.Parse(code)
	if err != nil {
		return ""
	}
	base, _ := tag.Base()
	for _, want := range []string{strings.ToLower(tag.String()), base.String()} {
		for _, l := range c.Langs {
			if slices.Contains(c.telegramCodes(l), want) {
				return l
			}
		}
	}
	return ""
}

// overlay is an fs.FS where files in top replace files of the same path in base.
type overlay struct{ top, base fs.FS }

func (o overlay) Open(name string) (fs.File, error) {
	if f, err := o.top.Open(name); err == nil {
		if st, err := f.Stat(); err == nil && !st.IsDir() {
			return f, nil
		}
		f.Close()
	}
	return o.base.Open(name)
}

// ReadDir merges the directory listings of both layers, so globbing sees files that exist in either.
func (o overlay) ReadDir(name string) ([]fs.DirEntry, error) {
	seen := map[string]fs.DirEntry{}
	var firstErr error
	for _, layer := range []fs.FS{o.base, o.top} {
		entries, err := fs.ReadDir(layer, name)
		if err != nil {
			firstErr = err
			continue
		}
		for _, e := range entries {
			seen[e.Name()] = e
		}
	}
	if len(seen) == 0 && firstErr != nil {
		return nil, firstErr
	}
	out := make([]fs.DirEntry, 0, len(seen))
	for _, k := range sortedKeys(seen) {
		out = append(out, seen[k])
	}
	return out, nil
}
