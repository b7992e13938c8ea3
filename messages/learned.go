package messages

import (
	"bytes"
	"fmt"
	"io/fs"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// Learned is a question staff taught the bot (in the chat, kept in Redis), to be written into the content:
// an example question of Topic, or of the out-of-scope list when Topic is "-".
type Learned struct {
	Topic, Lang, Question string
	Note                  string // written as the line's comment ("taught 2026-12-02 by 900")
}

// WithLearned returns the content files that take in the learned questions, by path, rewritten: each
// question appended to its topic's `questions` in its language — in the base file, or in the language's
// translation file when that is where the language's questions are — and out-of-scope ones to
// faq/out_of_scope.yaml (or its translation). A question the file already has (same words, marks and case
// aside, as same reports) is left out; so is one for a topic or a language the content does not have,
// which is reported in skipped.
func WithLearned(fsys fs.FS, langs []string, learned []Learned, same func(a, b string) bool) (files map[string][]byte, added int, skipped []string, err error) {
	trees, changed := map[string]*yaml.Node{}, map[string]bool{}
	tree := func(path string) (*yaml.Node, error) {
		if n, ok := trees[path]; ok {
			return n, nil
		}
		raw, err := fs.ReadFile(fsys, path)
		if err != nil {
			return nil, err
		}
		var root yaml.Node
		if err := yaml.Unmarshal(raw, &root); err != nil || len(root.Content) == 0 {
			return nil, fmt.Errorf("%s: not a YAML map", path)
		}
		trees[path] = &root
		return &root, nil
	}
	for _, l := range learned {
		base := "faq/topics/" + l.Topic + ".yaml"
		if l.Topic == "-" {
			base = "faq/out_of_scope.yaml"
		}
		list, path := (*yaml.Node)(nil), ""
		if root, err := tree(base); err == nil {
			if qs := keyValue(root.Content[0], "questions"); qs != nil && qs.Kind == yaml.MappingNode {
				if v := keyValue(qs, l.Lang); v != nil && v.Kind == yaml.SequenceNode {
					list, path = v, base
				}
			}
		} else if l.Topic != "-" {
			skipped = append(skipped, fmt.Sprintf("%q: no topic %s in the content", l.Question, l.Topic))
			continue
		}
		if list == nil {
			tpath := strings.TrimSuffix(base, ".yaml") + "." + l.Lang + ".yaml"
			if root, err := tree(tpath); err == nil {
				if v := keyValue(root.Content[0], "questions"); v != nil && v.Kind == yaml.SequenceNode {
					list, path = v, tpath
				}
			}
		}
		if list == nil {
			skipped = append(skipped, fmt.Sprintf("%q: no %s questions in %s", l.Question, l.Lang, base))
			continue
		}
		dup := false
		for _, q := range list.Content {
			dup = dup || same(q.Value, l.Question)
		}
		if dup {
			continue
		}
		list.Content = append(list.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: l.Question, LineComment: l.Note})
		added++
		changed[path] = true
	}
	files = map[string][]byte{}
	paths := make([]string, 0, len(changed))
	for p := range changed {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		var b bytes.Buffer
		enc := yaml.NewEncoder(&b)
		enc.SetIndent(2)
		if err := enc.Encode(trees[p]); err != nil {
			return nil, 0, nil, fmt.Errorf("%s: %w", p, err)
		}
		files[p] = b.Bytes()
	}
	return files, added, skipped, nil
}
