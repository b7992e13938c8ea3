package messages

import (
	"fmt"
	"io/fs"
	"strings"
)

// NewsTopic is a subject of announcements people subscribe to in /settings (topics.yaml), so that a
// broadcast about scholarships reaches those who asked for scholarships rather than everyone.
type NewsTopic struct {
	ID   string
	Name map[string]string // per language
}

// NameIn returns the topic's name in lang, falling back to DefaultLang.
func (t NewsTopic) NameIn(lang string) string {
	if n := t.Name[lang]; n != "" {
		return n
	}
	return t.Name[DefaultLang]
}

// NewsTopic returns the topic with the id.
func (c *Content) NewsTopic(id string) (NewsTopic, bool) {
	for _, t := range c.NewsTopics {
		if t.ID == id {
			return t, true
		}
	}
	return NewsTopic{}, false
}

// loadTopics reads topics.yaml: every topic named in every language.
func (c *Content) loadTopics(fsys fs.FS) Problems {
	const file = "topics.yaml"
	var raw map[string]map[string]string
	if _, err := fs.Stat(fsys, file); err != nil {
		return nil // no topics: broadcasts go to the other audiences
	}
	if p := decodeFile(fsys, file, &raw); p != nil {
		return Problems{*p}
	}
	var problems Problems
	for _, id := range sortedKeys(raw) {
		line := nodeLine(fsys, file, id)
		if !shortID.MatchString(id) {
			problems = append(problems, Problem{File: file, Line: line, Message: fmt.Sprintf("topic id %q: want 1–32 characters of a-z 0-9 _", id)})
			continue
		}
		for _, l := range c.Langs {
			if strings.TrimSpace(raw[id][l]) == "" {
				problems = append(problems, Problem{File: file, Line: line, Message: fmt.Sprintf("topic %s has no %s name", id, l)})
			}
		}
		c.NewsTopics = append(c.NewsTopics, NewsTopic{ID: id, Name: raw[id]})
	}
	return problems
}
