package messages

import (
	"cmp"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// A language's texts may live in files of their own: next to a content file X.yaml, a translation file
// X.<lang>.yaml has the same structure, except that every language map of X.yaml ({vi: …, lo: …, en: …})
// is, in the translation, just that language's value, lists of items with an `id` are matched by id, and
// whatever holds no text is left out (see messages/README.md). The loader merges the translation into
// X.yaml's tree before decoding, so everything after it — validation included — sees one file with one
// more language. That is what makes adding a language files only: ui/<lang>.yaml plus a translation file
// per content file, dropped into CONTENT_DIR or the embedded tree, with no edit to the files of the other
// languages (and no merge conflicts between translators).

// langFS is a content tree whose languages are known (from ui/*.yaml), so that reading X.yaml can merge
// its translation files.
type langFS struct {
	fs.FS
	langs []string
}

// ReadDir, ReadFile and Stat go to the tree itself, so that an overlay's merged listings stay visible.
func (l langFS) ReadDir(name string) ([]fs.DirEntry, error) { return fs.ReadDir(l.FS, name) }
func (l langFS) ReadFile(name string) ([]byte, error)       { return fs.ReadFile(l.FS, name) }
func (l langFS) Stat(name string) (fs.FileInfo, error)      { return fs.Stat(l.FS, name) }

// translationOf reports whether name is a translation file ("x.de.yaml"), and returns its base file and
// language. Content ids are a-z, 0-9 and _, so a second dot only appears in translation files.
func translationOf(name string) (base, lang string, ok bool) {
	dir, file := path.Split(name)
	stem, isYAML := strings.CutSuffix(file, ".yaml")
	i := strings.LastIndexByte(stem, '.')
	if !isYAML || i <= 0 {
		return "", "", false
	}
	return dir + stem[:i] + ".yaml", stem[i+1:], true
}

// contentFiles is fs.Glob without translation files.
func contentFiles(fsys fs.FS, pattern string) []string {
	files, _ := fs.Glob(fsys, pattern)
	return slices.DeleteFunc(files, func(f string) bool { _, _, ok := translationOf(f); return ok })
}

// parseWithTranslations parses file's YAML and merges into it the translation files of fsys's languages
// (when fsys is a langFS), reporting whether there were any. A translation's own mistakes are problems of
// the translation file; the base file's nodes keep their lines.
func parseWithTranslations(fsys fs.FS, file string, raw []byte) (root *yaml.Node, merged bool, problems Problems) {
	root = &yaml.Node{}
	if err := yaml.Unmarshal(raw, root); err != nil {
		return nil, false, Problems{yamlProblem(file, err.Error())}
	}
	lf, ok := fsys.(langFS)
	if !ok || len(root.Content) == 0 || strings.HasPrefix(file, "ui/") {
		return root, false, nil
	}
	stem := strings.TrimSuffix(file, ".yaml")
	for _, lang := range lf.langs {
		tfile := stem + "." + lang + ".yaml"
		traw, err := fs.ReadFile(fsys, tfile)
		if err != nil {
			continue
		}
		var t yaml.Node
		if err := yaml.Unmarshal(traw, &t); err != nil {
			problems = append(problems, yamlProblem(tfile, err.Error()))
			continue
		}
		if len(t.Content) == 0 {
			continue
		}
		m := merger{file: tfile, lang: lang, langs: lf.langs}
		m.merge(root.Content[0], t.Content[0], "")
		problems = append(problems, m.problems...)
		merged = true
	}
	return root, merged, problems
}

// merger merges one translation file into its base file's tree.
type merger struct {
	file, lang string
	langs      []string
	problems   Problems
}

func (m *merger) fail(n *yaml.Node, format string, args ...any) {
	m.problems = append(m.problems, Problem{File: m.file, Line: n.Line, Message: fmt.Sprintf(format, args...)})
}

// merge puts t (a translation) into base, at the key path where (for messages).
func (m *merger) merge(base, t *yaml.Node, where string) {
	switch {
	case base.Kind == yaml.MappingNode && m.isLangMap(base):
		if v := keyValue(base, m.lang); v != nil {
			m.fail(t, "%s: the %s text is also in the base file; keep it in one place", label(where), m.lang)
			return
		}
		base.Content = append(base.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: m.lang, Line: t.Line}, t)
	case base.Kind == yaml.MappingNode:
		if t.Kind != yaml.MappingNode {
			m.fail(t, "%s: want a map, as in the base file", label(where))
			return
		}
		for i := 0; i+1 < len(t.Content); i += 2 {
			k, v := t.Content[i], t.Content[i+1]
			bv := keyValue(base, k.Value)
			if bv == nil {
				m.fail(k, "%q is not in the base file (a translation holds only the texts of the base file's keys)", join(where, k.Value))
				continue
			}
			m.merge(bv, v, join(where, k.Value))
		}
	case base.Kind == yaml.SequenceNode:
		if t.Kind != yaml.SequenceNode {
			m.fail(t, "%s: want a list, as in the base file", label(where))
			return
		}
		for i, item := range t.Content {
			id := ""
			if item.Kind == yaml.MappingNode {
				if v := keyValue(item, "id"); v != nil {
					id = v.Value
				}
			}
			var target *yaml.Node
			switch {
			case id != "":
				for _, b := range base.Content {
					if b.Kind == yaml.MappingNode && keyValue(b, "id") != nil && keyValue(b, "id").Value == id {
						target = b
					}
				}
				if target == nil {
					m.fail(item, "%s: no item with id %q in the base file", label(where), id)
					continue
				}
				item = withoutKey(item, "id")
			case i < len(base.Content):
				target = base.Content[i]
			default:
				m.fail(item, "%s: item %d has no counterpart in the base file", label(where), i+1)
				continue
			}
			m.merge(target, item, fmt.Sprintf("%s[%s]", where, cmp.Or(id, fmt.Sprint(i+1))))
		}
	default:
		m.fail(t, "%s holds no text in several languages in the base file", label(where))
	}
}

// isLangMap reports whether n is a map of language → text: every key a language of the content (an empty
// map is not one).
func (m *merger) isLangMap(n *yaml.Node) bool {
	if len(n.Content) == 0 {
		return false
	}
	for i := 0; i < len(n.Content); i += 2 {
		if !slices.Contains(m.langs, n.Content[i].Value) {
			return false
		}
	}
	return true
}

// withoutKey returns a copy of mapping n without key.
func withoutKey(n *yaml.Node, key string) *yaml.Node {
	c := *n
	c.Content = nil
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value != key {
			c.Content = append(c.Content, n.Content[i], n.Content[i+1])
		}
	}
	return &c
}

func join(where, key string) string {
	if where == "" {
		return key
	}
	return where + "." + key
}

func label(where string) string { return cmp.Or(where, "the file") }

// translationProblems finds translation files that cannot take effect: for a language without
// ui/<lang>.yaml, or without a base file.
func translationProblems(fsys fs.FS, langs []string) Problems {
	var problems Problems
	_ = fs.WalkDir(fsys, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasPrefix(name, "ui/") {
			return nil
		}
		base, lang, ok := translationOf(name)
		if !ok {
			return nil
		}
		switch _, err := fs.Stat(fsys, base); {
		case !slices.Contains(langs, lang):
			problems = append(problems, Problem{File: name, Message: fmt.Sprintf("%q is not a language of the bot (there is no ui/%s.yaml)", lang, lang)})
		case err != nil:
			problems = append(problems, Problem{File: name, Message: fmt.Sprintf("a translation of %s, which does not exist", base)})
		}
		return nil
	})
	return problems
}
