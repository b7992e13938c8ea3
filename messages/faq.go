package messages

import (
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// Topic is one entry of the FAQ knowledge base (messages/faq/topics/<id>.yaml). Answers may contain
// {{key}} placeholders filled from contacts.yaml, so a phone number changes in one place.
type Topic struct {
	ID        string              `yaml:"id"`
	Audience  string              `yaml:"audience"` // student | diaspora | all
	Category  string              `yaml:"category"`
	Related   []string            `yaml:"related"`
	Actions   []string            `yaml:"actions"` // buttons under the answer: staff, events, programmes, faq, settings
	Title     map[string]string   `yaml:"title"`
	Answer    map[string]string   `yaml:"answer"`
	Questions map[string][]string `yaml:"questions"`
	File      string              `yaml:"-"`
}

// Category groups topics for the /faq browse path.
type Category struct {
	ID    string            `yaml:"id"`
	Title map[string]string `yaml:"title"`
}

// Synonym maps chat shorthand or variants to a canonical form; the matcher applies the table to questions
// and to the knowledge base alike.
type Synonym struct {
	From []string `yaml:"from"`
	To   string   `yaml:"to"`
}

// Smalltalk is a kind of message that is not a question (greeting, thanks) and its friendly reply.
type Smalltalk struct {
	Kind    string
	Phrases map[string][]string `yaml:"phrases"`
	Reply   map[string]string   `yaml:"reply"`
}

// SmalltalkReply returns the reply to a kind of social message in lang (DefaultLang when lang has none).
func (f *FAQ) SmalltalkReply(kind, lang string) string {
	for _, s := range f.Smalltalk {
		if s.Kind == kind {
			if r, ok := s.Reply[lang]; ok {
				return r
			}
			return s.Reply[DefaultLang]
		}
	}
	return ""
}

// Contact is one value behind a {{key}} placeholder. Sample values ship with the bot and must be replaced.
type Contact struct {
	Sample bool              `yaml:"sample"`
	Value  map[string]string `yaml:"value"`
	// Schedule is the same hours as data, for an entry that gives hours (staff_reply_hours).
	Schedule *Schedule `yaml:"schedule"`
}

// FAQ is the loaded knowledge base.
type FAQ struct {
	Topics     []*Topic // sorted by id
	Categories []Category
	Synonyms   map[string][]Synonym // by language
	Smalltalk  []Smalltalk
	Contacts   map[string]Contact
	// OutOfScope are example questions the bot must decline (faq/out_of_scope.yaml), by language.
	OutOfScope map[string][]string
	byID       map[string]*Topic
}

// Topic returns a topic by id.
func (f *FAQ) Topic(id string) (*Topic, bool) { t, ok := f.byID[id]; return t, ok }

// placeholder matches {{key}} in answers.
var placeholder = regexp.MustCompile(`\{\{\s*([a-z0-9_]+)\s*\}\}`)

// Answer returns the topic's answer in lang (falling back to DefaultLang) with contacts filled in.
func (c *Content) Answer(t *Topic, lang string) string {
	text, ok := t.Answer[lang]
	if !ok {
		text, lang = t.Answer[DefaultLang], DefaultLang
	}
	return strings.TrimSpace(placeholder.ReplaceAllStringFunc(text, func(m string) string {
		return c.Contact(placeholder.FindStringSubmatch(m)[1], lang)
	}))
}

// Contact returns the contacts.yaml value of key in lang (falling back to DefaultLang), "" when there is
// none: for texts that give the office's details outside an FAQ answer.
func (c *Content) Contact(key, lang string) string {
	v := c.FAQ.Contacts[key].Value
	if s, ok := v[lang]; ok {
		return s
	}
	return v[DefaultLang]
}

// TopicTitle returns the topic's title in lang, falling back to DefaultLang.
func (t *Topic) TopicTitle(lang string) string {
	if s, ok := t.Title[lang]; ok {
		return s
	}
	return t.Title[DefaultLang]
}

// Audiences a topic may have.
var topicAudiences = map[string]bool{"student": true, "diaspora": true, "all": true}

// TopicActions are the buttons a topic may ask for under its answer.
var TopicActions = map[string]bool{"staff": true, "events": true, "programmes": true, "faq": true, "settings": true}

// maxMessage is Telegram's limit for one message.
const maxMessage = 4096

func loadFAQ(fsys fs.FS, langs []string) (*FAQ, Problems) {
	f := &FAQ{byID: map[string]*Topic{}, Synonyms: map[string][]Synonym{}, Contacts: map[string]Contact{}}
	var problems Problems
	add := func(file string, line int, format string, args ...any) {
		problems = append(problems, Problem{File: file, Line: line, Message: fmt.Sprintf(format, args...)})
	}

	if p := decodeFile(fsys, "contacts.yaml", &f.Contacts); p != nil {
		problems = append(problems, *p)
	}
	for _, key := range sortedKeys(f.Contacts) {
		c := f.Contacts[key]
		if c.Sample {
			problems = append(problems, Problem{File: "contacts.yaml", Line: nodeLine(fsys, "contacts.yaml", key), Warning: true, Sample: true,
				Message: fmt.Sprintf("%s is a sample value: replace it with the real one and remove `sample: true`", key)})
		}
		for _, l := range langs {
			if strings.TrimSpace(c.Value[l]) == "" {
				add("contacts.yaml", nodeLine(fsys, "contacts.yaml", key), "%s has no %s value", key, l)
			}
		}
		if c.Schedule != nil {
			if _, err := c.Schedule.parse(); err != nil {
				add("contacts.yaml", nodeLine(fsys, "contacts.yaml", key), "%s: %v", key, err)
			}
		}
	}

	if p := decodeFile(fsys, "faq/categories.yaml", &f.Categories); p != nil {
		problems = append(problems, *p)
	}
	cats := map[string]bool{}
	for _, c := range f.Categories {
		cats[c.ID] = true
		if !shortID.MatchString(c.ID) { // it travels in a button's data, 64 bytes at most
			add("faq/categories.yaml", 0, "category id %q: want 1–32 characters of a-z 0-9 _", c.ID)
		}
		for _, l := range langs {
			if c.Title[l] == "" {
				add("faq/categories.yaml", 0, "category %s has no %s title", c.ID, l)
			}
		}
	}
	var oos struct {
		Questions map[string][]string `yaml:"questions"`
	}
	if p := decodeFile(fsys, "faq/out_of_scope.yaml", &oos); p != nil {
		problems = append(problems, *p)
	}
	f.OutOfScope = oos.Questions
	if p := decodeFile(fsys, "faq/synonyms.yaml", &f.Synonyms); p != nil {
		problems = append(problems, *p)
	}
	var small map[string]Smalltalk
	if p := decodeFile(fsys, "faq/smalltalk.yaml", &small); p != nil {
		problems = append(problems, *p)
	}
	for _, kind := range sortedKeys(small) {
		s := small[kind]
		s.Kind = kind
		for _, l := range langs {
			if s.Reply[l] == "" || len(s.Phrases[l]) == 0 {
				add("faq/smalltalk.yaml", 0, "%s lacks %s phrases or reply", kind, l)
			}
		}
		f.Smalltalk = append(f.Smalltalk, s)
	}

	files := contentFiles(fsys, "faq/topics/*.yaml")
	for _, file := range files {
		var t Topic
		if p := decodeFile(fsys, file, &t); p != nil {
			problems = append(problems, *p)
			continue
		}
		t.File = file
		line := func(key string) int { return nodeLine(fsys, file, key) }
		switch {
		case t.ID == "":
			add(file, 1, "missing id")
			continue
		case t.ID != strings.TrimSuffix(path.Base(file), ".yaml"):
			add(file, line("id"), "id %q does not match the file name", t.ID)
		case !shortID.MatchString(t.ID): // it travels in buttons' data and deep links (faq_<id>)
			add(file, line("id"), "id %q: want 1–32 characters of a-z 0-9 _", t.ID)
			continue
		}
		if prev, dup := f.byID[t.ID]; dup {
			add(file, line("id"), "duplicate id %q (also in %s)", t.ID, prev.File)
			continue
		}
		if !topicAudiences[t.Audience] {
			add(file, line("audience"), "audience %q: want student, diaspora or all", t.Audience)
		}
		if !cats[t.Category] {
			add(file, line("category"), "unknown category %q (see faq/categories.yaml)", t.Category)
		}
		for _, a := range t.Actions {
			if !TopicActions[a] {
				add(file, line("actions"), "unknown action %q", a)
			}
		}
		for _, l := range langs {
			if strings.TrimSpace(t.Title[l]) == "" {
				add(file, line("title"), "no %s title", l)
			}
			if strings.TrimSpace(t.Answer[l]) == "" {
				add(file, line("answer"), "no %s answer", l)
			}
			if len(t.Questions[l]) == 0 {
				add(file, line("questions"), "no %s questions", l)
			}
		}
		for l, a := range t.Answer {
			if n := units(a); n > maxMessage {
				add(file, line("answer"), "%s answer is %d characters, over Telegram's %d", l, n, maxMessage)
			}
			for _, m := range placeholder.FindAllStringSubmatch(a, -1) {
				if _, ok := f.Contacts[m[1]]; !ok {
					add(file, line("answer"), "%s answer uses {{%s}}, which contacts.yaml does not define", l, m[1])
				}
			}
		}
		f.byID[t.ID] = &t
		f.Topics = append(f.Topics, &t)
	}
	sort.Slice(f.Topics, func(i, j int) bool { return f.Topics[i].ID < f.Topics[j].ID })
	for _, t := range f.Topics {
		for _, r := range t.Related {
			if _, ok := f.byID[r]; !ok || r == t.ID {
				add(t.File, nodeLine(fsys, t.File, "related"), "related topic %q does not exist", r)
			}
		}
	}
	return f, problems
}

// nodeLine returns the line of a top-level key in a YAML file (0 when not found), for `file:line` messages.
func nodeLine(fsys fs.FS, file, key string) int {
	raw, err := fs.ReadFile(fsys, file)
	if err != nil {
		return 0
	}
	var root yaml.Node
	if yaml.Unmarshal(raw, &root) != nil || len(root.Content) == 0 {
		return 0
	}
	m := root.Content[0]
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i].Line
		}
	}
	return 0
}

// units counts UTF-16 code units, Telegram's measure of text length.
func units(s string) int {
	n := 0
	for _, r := range s {
		if r >= 0x10000 {
			n += 2
		} else {
			n++
		}
	}
	return n
}
