// Package callback is the codec of the data that the bot's inline buttons carry and Telegram sends back in
// a callback query: "<feature>:<verb>[:<arg>...]", at most 64 bytes (Telegram's limit).
//
// Each feature declares its Codec once, next to its handler, with its verbs as constants; buttons are
// made with Codec.Data and taps read with Codec.Parse, and the routing table matches Codec.Prefix. So the
// shape of a feature's data is spelt in one place, and what a forged or stale tap can contain is checked
// in one place: Parse accepts only the codec's own prefix, a known verb and the number of arguments that
// verb takes. Arguments are IDs (programme, option, field, topic), language codes or user ids — never text
// a user typed.
package callback

import (
	"fmt"
	"strings"
)

// MaxLen is the most bytes Telegram keeps in a button's callback_data.
const MaxLen = 64

// Codec encodes and parses the callback data of one feature.
type Codec struct {
	feature string
	// verbs maps each verb to the numbers of arguments it takes (a verb may be declared with more than one,
	// to keep reading buttons of an earlier version); "" is the verb of data without one ("lang:<code>" is
	// the verb "" with one argument), and is then the codec's only verb.
	verbs map[string]map[int]bool
}

// Verb is a verb of a codec and the number of arguments it takes.
type Verb struct {
	Name string
	Args int
}

// New declares the codec of a feature. It panics on a malformed declaration — a programming error caught
// by any test that builds the routes.
func New(feature string, verbs ...Verb) Codec {
	if feature == "" || strings.Contains(feature, ":") {
		panic(fmt.Sprintf("callback: bad feature name %q", feature))
	}
	c := Codec{feature: feature, verbs: make(map[string]map[int]bool, len(verbs))}
	for _, v := range verbs {
		if strings.Contains(v.Name, ":") || v.Args < 0 {
			panic(fmt.Sprintf("callback: bad verb %q of %s", v.Name, feature))
		}
		if c.verbs[v.Name][v.Args] {
			panic(fmt.Sprintf("callback: verb %q of %s declared twice with %d arguments", v.Name, feature, v.Args))
		}
		if c.verbs[v.Name] == nil {
			c.verbs[v.Name] = map[int]bool{}
		}
		c.verbs[v.Name][v.Args] = true
	}
	if _, verbless := c.verbs[""]; verbless && len(c.verbs) > 1 {
		// "x:a" would read both as the verb a and as the argument a.
		panic(fmt.Sprintf("callback: %s mixes data without a verb and verbs", feature))
	}
	return c
}

// Prefix is what every data of the codec starts with ("lang:"), for the routing table.
func (c Codec) Prefix() string { return c.feature + ":" }

// VerbPrefix is what all data of verb (with arguments) starts with, for routing one verb apart.
func (c Codec) VerbPrefix(verb string) string { return c.feature + ":" + verb + ":" }

// Data is the callback data of verb with args. An argument holding ':' or making the data longer than
// MaxLen is a programming error (IDs are validated as content to keep them short), so Data panics rather
// than send a button whose tap could not be read back.
func (c Codec) Data(verb string, args ...string) string {
	if !c.verbs[verb][len(args)] {
		panic(fmt.Sprintf("callback: %s has no verb %q with %d arguments", c.feature, verb, len(args)))
	}
	parts := make([]string, 0, 2+len(args))
	parts = append(parts, c.feature)
	if verb != "" {
		parts = append(parts, verb)
	}
	for _, a := range args {
		if a == "" || strings.Contains(a, ":") {
			panic(fmt.Sprintf("callback: %s %s: bad argument %q", c.feature, verb, a))
		}
		parts = append(parts, a)
	}
	d := strings.Join(parts, ":")
	if len(d) > MaxLen {
		panic(fmt.Sprintf("callback: %q is longer than %d bytes", d, MaxLen))
	}
	return d
}

// Parse reads data sent back by a tap: the verb and its arguments, and ok false for anything the codec
// never makes (another feature's data, an unknown verb, a wrong number of arguments, an empty argument,
// more than MaxLen bytes). A verb that is "" takes data of the form "<feature>:<arg>...".
func (c Codec) Parse(data string) (verb string, args []string, ok bool) {
	rest, found := strings.CutPrefix(data, c.Prefix())
	if !found || len(data) > MaxLen {
		return "", nil, false
	}
	parts := strings.Split(rest, ":")
	for _, p := range parts {
		if p == "" {
			return "", nil, false
		}
	}
	if c.verbs[parts[0]][len(parts)-1] {
		return parts[0], parts[1:], true
	}
	if c.verbs[""][len(parts)] {
		return "", parts, true
	}
	return "", nil, false
}
