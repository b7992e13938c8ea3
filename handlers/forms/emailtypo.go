package forms

import (
	"slices"
	"strings"

	"golang.org/x/net/publicsuffix"
)

// mailProviders are the e-mail domains most of the bot's users have: the big international ones, Yahoo's old
// Vietnamese one, and those of the Vietnamese in Germany, Czechia, Russia and Korea. A domain one typing
// mistake away from one of them is offered the fix (see suggestEmail); the list is short on purpose, since
// every entry is a chance to question someone's correct address.
var mailProviders = []string{
	"gmail.com", "googlemail.com", "yahoo.com", "yahoo.com.vn", "hotmail.com", "outlook.com", "live.com",
	"icloud.com", "aol.com", "protonmail.com", "gmx.de", "gmx.net", "web.de", "t-online.de", "mail.ru",
	"yandex.ru", "seznam.cz", "naver.com", "hanmail.net",
}

// singleTLD are the providers that exist under one top-level domain only, so that "gmail.co" is a typo even
// though .co is a real domain, while "hotmail.fr" or "gmx.at" are addresses of their own.
var singleTLD = []string{"gmail.com", "googlemail.com", "icloud.com", "protonmail.com", "naver.com", "hanmail.net"}

// realLookalikes are real mail domains one typing mistake away from a provider, never questioned.
var realLookalikes = []string{"mail.com", "email.com", "ymail.com"}

// likelyTLDs are the top-level domains a mistyped one is corrected to (".con", ".cmo", ".vm", ".nte").
var likelyTLDs = []string{"com", "net", "org", "edu", "vn", "la", "de", "ru", "cz"}

// suggestEmail returns the address the user most likely meant when addr (as parseEmail returns it, the domain
// in lower case) has a typing mistake in its domain — one letter wrong, missing, added or two swapped — near a
// common provider ("gmial.com", "gmai.com", "hotmial.con"), or a top-level domain that does not exist near
// one that does ("hdu.edu.vm"). ok is false for an address that looks right, including one at a domain the
// bot has never heard of: it asks only when it has a better guess. It never changes anything by itself; the
// user decides (State.Decide).
func suggestEmail(addr string) (fix string, ok bool) {
	at := strings.LastIndexByte(addr, '@')
	if at < 0 {
		return "", false
	}
	local, domain := addr[:at], addr[at+1:]
	if slices.Contains(mailProviders, domain) || slices.Contains(realLookalikes, domain) {
		return "", false
	}
	fixed := domain
	dot := strings.LastIndexByte(domain, '.')
	if tld := domain[dot+1:]; !realTLD(tld) {
		if t, ok := closest(tld, likelyTLDs); ok {
			fixed = domain[:dot+1] + t
		}
	}
	var near []string
	for _, p := range mailProviders {
		if distance(fixed, p) > 1 || slices.Contains(realLookalikes, fixed) { // "mail.con" is mail.com
			continue
		}
		// Only the top-level domain differs, and it is a real one: gmx.at is an address, gmail.co a typo.
		pd := strings.IndexByte(p, '.')
		if fixed != p && strings.HasPrefix(fixed, p[:pd+1]) && realTLD(fixed[pd+1:]) && !slices.Contains(singleTLD, p) {
			continue
		}
		near = append(near, p)
	}
	switch {
	case len(near) == 1:
		fixed = near[0]
	case len(near) > 1:
		return "", false
	}
	if fixed == domain {
		return "", false
	}
	return local + "@" + fixed, true
}

// realTLD reports whether suffix ("com", "com.vn") is a public suffix run under ICANN, by the Public Suffix
// List compiled into golang.org/x/net/publicsuffix.
func realTLD(suffix string) bool {
	ps, icann := publicsuffix.PublicSuffix("x." + suffix)
	return icann && ps == suffix
}

// closest returns the one candidate within one typing mistake of s.
func closest(s string, candidates []string) (string, bool) {
	found := ""
	for _, c := range candidates {
		if distance(s, c) <= 1 {
			if found != "" {
				return "", false
			}
			found = c
		}
	}
	return found, found != ""
}

// distance is the optimal string alignment distance of two strings, in runes: the letters to change, add or
// remove, a swap of two neighbours counting as one ("gmial" is one from "gmail").
func distance(a, b string) int {
	s, t := []rune(a), []rune(b)
	if d := len(s) - len(t); d > 2 || d < -2 {
		return 3 // more than one apart is all the callers need to know
	}
	// Three rows of the table are enough: this one, the one before, and the one before that for swaps.
	prev2, prev, cur := make([]int, len(t)+1), make([]int, len(t)+1), make([]int, len(t)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(s); i++ {
		cur[0] = i
		for j := 1; j <= len(t); j++ {
			cost := 1
			if s[i-1] == t[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && s[i-1] == t[j-2] && s[i-2] == t[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(t)]
}
