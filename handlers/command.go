package handlers

import "strings"

// ParseCommand reads a bot command at the very start of text: "/start", "/start payload",
// "/help@huunghi_bot". It returns the lower-cased command without the slash, the arguments (trimmed), and
// whether the command is addressed to this bot: in a private chat any command without a mention or with our
// mention; in a group only one that names us, because a bare "/help" there may be meant for another bot.
//
// go-telegram/bot's MatchTypeCommand is not used: it reads entity offsets (UTF-16 units) as byte offsets,
// which breaks on non-ASCII text, and ignores "@botname".
func ParseCommand(text, botUsername string, private bool) (cmd, args string, ok bool) {
	if !strings.HasPrefix(text, "/") {
		return "", "", false
	}
	head, rest, _ := strings.Cut(text[1:], " ")
	if i := strings.IndexAny(head, "\n\t"); i >= 0 {
		head, rest = head[:i], head[i+1:]+" "+rest
	}
	name, mention, hasMention := strings.Cut(head, "@")
	if name == "" || !isCommandName(name) {
		return "", "", false
	}
	switch {
	case hasMention && !strings.EqualFold(mention, botUsername):
		return "", "", false
	case !hasMention && !private:
		return "", "", false
	}
	return strings.ToLower(name), strings.TrimSpace(rest), true
}

// isCommandName accepts what Telegram accepts in a command: 1-32 Latin letters, digits and underscores.
func isCommandName(s string) bool {
	if len(s) > 32 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}
