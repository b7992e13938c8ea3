package faq

import "strings"

// LessonKey is the form in which a question staff taught is recognised when it is asked again: normalised,
// folded (so it is the same question typed without tone marks), one space between words. Only the same
// question is affected — a lesson never changes the index — so a wrong lesson costs that question and no
// other, and the matcher's figures stay what the content gives them.
func LessonKey(q string) string { return strings.Join(strings.Fields(Fold(Normalize(q))), " ") }

// Lessons are what staff taught, by LessonKey: a topic, or OutOfScope for a question the bot must decline.
type Lessons map[string]string

// Apply gives the result for q when it was taught: the taught topic, fully confident, or a decline as out
// of scope. Otherwise it returns r unchanged. known says whether a topic still exists (content changes; a
// lesson for a topic taken out is ignored).
func (l Lessons) Apply(q string, r Result, known func(topic string) bool) Result {
	topic, ok := l[LessonKey(q)]
	switch {
	case !ok:
		return r
	case topic == OutOfScope:
		return Result{OutOfScope: true, Taught: true, Best: r.Best, Runners: r.Runners}
	case known != nil && !known(topic):
		return r
	}
	c := Candidate{Topic: topic, Score: 1}
	return Result{Topic: topic, Score: 1, Confidence: 1, Best: c, Taught: true}
}
