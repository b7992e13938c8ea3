package telegramtest

import (
	"fmt"
	"strconv"
	"strings"
)

// visibleText parses text in a parse mode the way Telegram does before it
// checks lengths, and returns the text as it will be shown. The parsers are
// not Telegram's in every detail: they refuse what Telegram refuses in the
// cases bots get wrong — an unknown or unclosed HTML tag, an unescaped
// MarkdownV2 character, an unclosed legacy Markdown entity — and are lenient
// elsewhere.
func visibleText(text, mode string) (string, *apiError) {
	var (
		shown string
		err   error
	)
	switch strings.ToLower(mode) {
	case "":
		return text, nil
	case "html":
		shown, err = parseHTML(text)
	case "markdownv2":
		shown, err = parseMarkdownV2(text)
	case "markdown":
		shown, err = parseMarkdown(text)
	default:
		return "", badRequest("unsupported parse_mode")
	}
	if err != nil {
		return "", badRequest("can't parse entities: %v", err)
	}
	return shown, nil
}

// entityError is a parse failure worded as Telegram words it; the text goes
// verbatim into the description, capitals included.
type entityError string

func (e entityError) Error() string { return string(e) }

// newEntityError formats an entityError.
func newEntityError(format string, args ...any) error {
	return entityError(fmt.Sprintf(format, args...))
}

// htmlTag reports whether Telegram's HTML parse mode knows a tag.
func htmlTag(name string) bool {
	switch name {
	case "a", "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler",
		"tg-emoji", "code", "pre", "blockquote":
		return true
	}
	return false
}

// parseHTML checks tags and returns the text without them, the few entities
// Telegram decodes decoded.
func parseHTML(s string) (string, error) {
	var out strings.Builder
	var open []string
	for i := 0; i < len(s); {
		switch s[i] {
		case '&':
			if n, r := htmlEntity(s[i:]); n > 0 {
				out.WriteString(r)
				i += n
				continue
			}
			out.WriteByte('&')
			i++
			continue
		case '<':
		default:
			out.WriteByte(s[i])
			i++
			continue
		}
		begin := i
		if strings.HasPrefix(s[i:], "</") {
			end := strings.IndexByte(s[i:], '>')
			if end < 0 {
				return "", newEntityError("Unclosed end tag at byte offset %d", begin)
			}
			name := strings.ToLower(strings.TrimSpace(s[i+2 : i+end]))
			i += end + 1
			if len(open) == 0 {
				return "", newEntityError("Unexpected end tag at byte offset %d", begin)
			}
			top := open[len(open)-1]
			if name != "" && name != top {
				return "", newEntityError("Unmatched end tag at byte offset %d, expected \"</%s>\", found \"</%s>\"", begin, top, name)
			}
			open = open[:len(open)-1]
			continue
		}
		// The tag name ends at white space or '>'; running out of text first
		// is an unclosed tag, anything else a name to check ("1 < 2" has the
		// empty name).
		j := i + 1
		for j < len(s) && !isHTMLSpace(s[j]) && s[j] != '>' {
			j++
		}
		if j == len(s) {
			return "", newEntityError("Unclosed start tag at byte offset %d", begin)
		}
		name := strings.ToLower(s[i+1 : j])
		if !htmlTag(name) {
			return "", newEntityError("Unsupported start tag \"%s\" at byte offset %d", name, begin)
		}
		end := strings.IndexByte(s[j:], '>')
		if end < 0 {
			return "", newEntityError("Unclosed start tag at byte offset %d", begin)
		}
		attrs := s[j : j+end]
		i = j + end + 1
		if name == "span" && !strings.Contains(attrs, "tg-spoiler") {
			return "", newEntityError("Tag \"span\" must have class \"tg-spoiler\" at byte offset %d", begin)
		}
		open = append(open, name)
	}
	if len(open) > 0 {
		return "", newEntityError("Can't find end tag corresponding to start tag \"%s\"", open[len(open)-1])
	}
	return out.String(), nil
}

// isHTMLSpace reports whether c is white space between a tag's name and its
// attributes.
func isHTMLSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r'
}

// htmlEntity decodes the entity at the start of s: the named ones Telegram
// knows and numeric ones. n is 0 when s does not start with one, and Telegram
// then shows the '&' as it is.
func htmlEntity(s string) (n int, r string) {
	for _, e := range [...]struct{ name, r string }{{"&lt;", "<"}, {"&gt;", ">"}, {"&amp;", "&"}, {"&quot;", `"`}} {
		if strings.HasPrefix(s, e.name) {
			return len(e.name), e.r
		}
	}
	if !strings.HasPrefix(s, "&#") {
		return 0, ""
	}
	end := strings.IndexByte(s, ';')
	if end < 0 || end > 10 {
		return 0, ""
	}
	num, base := s[2:end], 10
	if hex, ok := strings.CutPrefix(num, "x"); ok {
		num, base = hex, 16
	}
	code, err := strconv.ParseInt(num, base, 32)
	if err != nil || code <= 0 || code > 0x10FFFF {
		return 0, ""
	}
	return end + 1, string(rune(code))
}

// mdEntity is an open MarkdownV2 entity: its opening marker and byte offset.
type mdEntity struct {
	kind   string // "*", "_", "__", "~", "||", "[", "![", "`", "```"
	offset int
}

// mdEntityName is Telegram's name for a MarkdownV2 entity in errors.
func mdEntityName(kind string) string {
	switch kind {
	case "*":
		return "Bold"
	case "_":
		return "Italic"
	case "__":
		return "Underline"
	case "~":
		return "Strikethrough"
	case "||":
		return "Spoiler"
	case "[":
		return "TextUrl"
	case "![":
		return "CustomEmoji"
	case "`":
		return "Code"
	}
	return "Pre"
}

// parseMarkdownV2 follows Telegram's MarkdownV2 rules: outside code every
// character of _*[]()~`>#+-=|{}.! is markup and must be escaped with '\' to be
// shown; inside code and pre only '`' and '\' are.
func parseMarkdownV2(s string) (string, error) {
	var out strings.Builder
	var open []mdEntity
	at := func(i int, prefix string) bool { return strings.HasPrefix(s[i:], prefix) }
	for i := 0; i < len(s); {
		c := s[i]
		if c == '\\' && i+1 < len(s) && s[i+1] > 0 && s[i+1] <= 126 {
			out.WriteByte(s[i+1])
			i += 2
			continue
		}
		reserved := "_*[]()~`>#+-=|{}.!"
		var top string
		if len(open) > 0 {
			top = open[len(open)-1].kind
			if top == "`" || top == "```" {
				reserved = "`"
			}
		}
		if !strings.ContainsRune(reserved, rune(c)) {
			out.WriteByte(c)
			i++
			continue
		}
		closes := false
		switch top {
		case "*", "~", "`":
			closes = string(c) == top
		case "_":
			closes = c == '_' && !at(i, "__")
		case "__", "||", "```":
			closes = at(i, top)
		case "[", "![":
			closes = c == ']'
		}
		if closes {
			open = open[:len(open)-1]
			switch top {
			case "[", "![":
				i++ // the ']'
			default:
				i += len(top)
			}
			if top == "[" || top == "![" {
				if !at(i, "(") {
					if top == "![" {
						return "", newEntityError("Custom emoji entity must contain a tg://emoji URL")
					}
					continue
				}
				end := markdownURLEnd(s, i+1)
				if end < 0 {
					return "", newEntityError("Can't find end of a URL at byte offset %d", i+1)
				}
				i = end + 1
			}
			continue
		}
		lineStart := i == 0 || s[i-1] == '\n'
		var kind string
		switch {
		case c == '>' && lineStart:
			i++ // a block quote
			continue
		case lineStart && at(i, "**>"):
			i += 3 // an expandable block quote
			continue
		case at(i, "```"):
			kind = "```"
		case at(i, "__"):
			kind = "__"
		case at(i, "||"):
			kind = "||"
		case at(i, "!["):
			kind = "!["
		case strings.ContainsRune("*_~[`", rune(c)):
			kind = string(c)
		default:
			return "", newEntityError("Character '%c' is reserved and must be escaped with the preceding '\\'", c)
		}
		open = append(open, mdEntity{kind: kind, offset: i})
		i += len(kind)
		if kind == "```" { // the language, up to the end of the line
			if nl := strings.IndexByte(s[i:], '\n'); nl >= 0 && !strings.Contains(s[i:i+nl], "`") {
				i += nl + 1
			}
		}
	}
	if len(open) > 0 {
		e := open[len(open)-1]
		return "", newEntityError("Can't find end of %s entity at byte offset %d", mdEntityName(e.kind), e.offset)
	}
	return out.String(), nil
}

// markdownURLEnd is the index of the ')' ending the URL that starts at from,
// with '\' escapes, or -1.
func markdownURLEnd(s string, from int) int {
	for j := from; j < len(s); j++ {
		switch s[j] {
		case '\\':
			j++
		case ')':
			return j
		}
	}
	return -1
}

// parseMarkdown follows Telegram's legacy Markdown: _, *, ` and ``` enclose
// entities that cannot nest, [text](url) is a link, and '\' escapes the
// markup characters. An entity left open is refused — the classic failure on
// a user name with '_' in it.
func parseMarkdown(s string) (string, error) {
	var out strings.Builder
	for i := 0; i < len(s); {
		c := s[i]
		if c == '\\' && i+1 < len(s) && strings.ContainsRune("_*`[", rune(s[i+1])) {
			out.WriteByte(s[i+1])
			i += 2
			continue
		}
		if !strings.ContainsRune("_*`[", rune(c)) {
			out.WriteByte(c)
			i++
			continue
		}
		begin := i
		marker := string(c)
		switch {
		case c == '[':
			marker = "]"
		case strings.HasPrefix(s[i:], "```"):
			marker = "```"
		}
		from := i + 1
		if marker == "```" {
			from = i + 3
		}
		end := strings.Index(s[from:], marker)
		if end < 0 {
			return "", newEntityError("Can't find end of the entity starting at byte offset %d", begin)
		}
		out.WriteString(s[from : from+end])
		i = from + end + len(marker)
		if c == '[' && strings.HasPrefix(s[i:], "(") {
			rp := strings.IndexByte(s[i:], ')')
			if rp < 0 {
				return "", newEntityError("Can't find end of a URL at byte offset %d", i)
			}
			i += rp + 1
		}
	}
	return out.String(), nil
}
