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
	// problems collects the translation files' mistakes as the files are read (they never stop the
	// base file from loading); load reports them with the rest.
	problems *Problems
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
// the translation file, collected in the langFS; the base file's nodes keep their lines.
func parseWithTranslations(fsys fs.FS, file string, raw []byte) (root *yaml.Node, merged bool, err *Problem) {
	root = &yaml.Node{}
	if err := yaml.Unmarshal(raw, root); err != nil {
		p := yamlProblem(file, err.Error())
		return nil, false, &p
	}
	lf, ok := fsys.(langFS)
	if !ok || len(root.Content) == 0 || strings.HasPrefix(file, "ui/") {
		return root, false, nil
	}
	problems := lf.problems
	stem := strings.TrimSuffix(file, ".yaml")
	for _, lang := range lf.langs {
		tfile := stem + "." + lang + ".yaml"
		traw, err := fs.ReadFile(fsys, tfile)
		if err != nil {
			continue
		}
		var t yaml.Node
		if err := yaml.Unmarshal(traw, &t); err != nil {
			*problems = append(*problems, yamlProblem(tfile, err.Error()))
			continue
		}
		if len(t.Content) == 0 {
			continue
		}
		m := merger{file: tfile, lang: lang, langs: lf.langs}
		m.merge(root.Content[0], t.Content[0], "")
		*problems = append(*problems, m.problems...)
		merged = true
	}
	return root, merged, nil
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

// TranslationTemplate returns, for every content file of fsys with texts in language from, the translation
// file of language to that holds from's texts (path → YAML), each text passed through conv: what a
// translator starts from (`huunghi translate`), and what a test uses to add a language by files alone.
// ui/<from>.yaml becomes ui/<to>.yaml, with every string converted.
func TranslationTemplate(fsys fs.FS, from, to string, conv func(string) string) (map[string][]byte, error) {
	c, _, err := Load(fsys)
	if err != nil {
		return nil, err
	}
	out := map[string][]byte{}
	err = fs.WalkDir(fsys, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(name, ".yaml") {
			return err
		}
		if _, _, ok := translationOf(name); ok {
			return nil
		}
		raw, err := fs.ReadFile(fsys, name)
		if err != nil {
			return err
		}
		var root yaml.Node
		if err := yaml.Unmarshal(raw, &root); err != nil || len(root.Content) == 0 {
			return err
		}
		x := extractor{from: from, langs: c.Langs, conv: conv}
		var t *yaml.Node
		target := strings.TrimSuffix(name, ".yaml") + "." + to + ".yaml"
		if strings.HasPrefix(name, "ui/") {
			if name != "ui/"+from+".yaml" {
				return nil
			}
			x.all = true
			target = "ui/" + to + ".yaml"
		}
		if t = x.extract(root.Content[0]); t == nil {
			return nil
		}
		b, err := yaml.Marshal(t)
		if err != nil {
			return err
		}
		out[target] = b
		return nil
	})
	return out, err
}

// extractor builds a translation tree: the inverse of merger.
type extractor struct {
	from  string
	langs []string
	conv  func(string) string
	all   bool // every scalar is a text (ui files)
}

// extract returns n's from-language texts in translation-file form, or nil when n holds none. An item of
// a list keeps its id, by which the loader matches it.
func (x *extractor) extract(n *yaml.Node) *yaml.Node { return x.extractItem(n, false) }

func (x *extractor) extractItem(n *yaml.Node, item bool) *yaml.Node {
	m := merger{langs: x.langs}
	switch {
	case x.all && n.Kind == yaml.ScalarNode:
		return x.text(n)
	case n.Kind == yaml.MappingNode && !x.all && m.isLangMap(n):
		if v := keyValue(n, x.from); v != nil {
			return x.texts(v)
		}
		return nil
	case n.Kind == yaml.MappingNode:
		out := &yaml.Node{Kind: yaml.MappingNode}
		if id := keyValue(n, "id"); id != nil && item && !x.all {
			out.Content = append(out.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: "id"}, &yaml.Node{Kind: yaml.ScalarNode, Value: id.Value})
		}
		found := false
		for i := 0; i+1 < len(n.Content); i += 2 {
			if v := x.extract(n.Content[i+1]); v != nil {
				out.Content = append(out.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: n.Content[i].Value}, v)
				found = true
			}
		}
		if !found {
			return nil
		}
		return out
	case n.Kind == yaml.SequenceNode:
		out := &yaml.Node{Kind: yaml.SequenceNode}
		found := false
		for _, item := range n.Content {
			v := x.extractItem(item, true)
			if v == nil { // keep the place of an item without texts in a list matched by position
				v = &yaml.Node{Kind: yaml.MappingNode}
			} else {
				found = true
			}
			out.Content = append(out.Content, v)
		}
		if !found {
			return nil
		}
		return out
	}
	return nil
}

// texts converts every scalar of a language's value (a text, or a list or map of texts).
func (x *extractor) texts(n *yaml.Node) *yaml.Node {
	switch n.Kind {
	case yaml.ScalarNode:
		return x.text(n)
	case yaml.SequenceNode, yaml.MappingNode:
		out := &yaml.Node{Kind: n.Kind}
		for i, c := range n.Content {
			if n.Kind == yaml.MappingNode && i%2 == 0 {
				out.Content = append(out.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: c.Value})
				continue
			}
			out.Content = append(out.Content, x.texts(c))
		}
		return out
	}
	return nil
}

func (x *extractor) text(n *yaml.Node) *yaml.Node {
	v := n.Value
	if n.Tag != "!!int" && n.Tag != "!!bool" && n.Tag != "!!float" {
		v = x.conv(v)
	}
	style := yaml.Style(0)
	if strings.Contains(v, "\n") {
		style = yaml.LiteralStyle
	}
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: v, Style: style}
}
