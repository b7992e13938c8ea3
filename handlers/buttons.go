package handlers

import "github.com/ufo-thanhhoa/huunghi/handlers/callback"

// The callback data of every button the bot sends, one codec per feature: the only place where data is
// spelt. Handlers make buttons with Data and read taps with Parse; bot/routes.go routes on Prefix. What a
// verb's arguments are is said beside it; none is ever text a user typed.
var (
	// LangButtons: the language picker, "lang:<code>".
	LangButtons = callback.New("lang", callback.Verb{Args: 1})
	// AudienceButtons: who the user is, "aud:<audience>".
	AudienceButtons = callback.New("aud", callback.Verb{Args: 1})
	// MenuButtons: the main menu's entries that open a page of their own.
	MenuButtons = callback.New("menu", callback.Verb{Name: "language"}, callback.Verb{Name: "mydata"}, callback.Verb{Name: "help"},
		callback.Verb{Name: "settings"})
	// FAQButtons: subjects (cats), a subject's topics (c <category>), a topic (t <topic>), "not what I
	// asked" (no).
	FAQButtons = callback.New("faq", callback.Verb{Name: "cats"}, callback.Verb{Name: "c", Args: 1},
		callback.Verb{Name: "t", Args: 1}, callback.Verb{Name: "no"})
	// StaffButtons: send my last question to staff (ask), write to staff (new), end my conversation with
	// staff (end).
	StaffButtons = callback.New("staff", callback.Verb{Name: "ask"}, callback.Verb{Name: "new"}, callback.Verb{Name: "end"})
	// HandoffButtons: staff block (b <user id>) or unblock (u <user id>) the sender of a card; and, for a
	// user's conversation, Reply (r), Take it (c), Take it over from another (t), Close (x), and /inbox's
	// Open, which posts the card again where it was tapped (o).
	HandoffButtons = callback.New("hand", callback.Verb{Name: "b", Args: 1}, callback.Verb{Name: "u", Args: 1},
		callback.Verb{Name: "r", Args: 1}, callback.Verb{Name: "c", Args: 1}, callback.Verb{Name: "t", Args: 1},
		callback.Verb{Name: "x", Args: 1}, callback.Verb{Name: "o", Args: 1})
	// TeachButtons: staff teaching the FAQ a question (by its store.TeachableHash): pick a topic for it
	// (q <hash>), the subjects (more <hash>) and a subject's topics (c <hash> <category>), teach a topic (s
	// <hash> <topic>) or out of scope (o <hash>), undo (u <hash>).
	TeachButtons = callback.New("teach", callback.Verb{Name: "q", Args: 1}, callback.Verb{Name: "more", Args: 1},
		callback.Verb{Name: "c", Args: 2}, callback.Verb{Name: "s", Args: 2}, callback.Verb{Name: "o", Args: 1},
		callback.Verb{Name: "u", Args: 1})
	// MyDataButtons: change who I am (audience).
	MyDataButtons = callback.New("mydata", callback.Verb{Name: "audience"})
	// PrivacyButtons: open the privacy notice (show), from a form's consent step or /mydata. The notice is
	// sent as a new message, so the message the button is under — a form's step — stays as it was.
	PrivacyButtons = callback.New("privacy", callback.Verb{Name: "show"})
	// ForgetButtons: ask to delete my data, confirm (yes) or keep it (no).
	ForgetButtons = callback.New("forget", callback.Verb{Name: "ask"}, callback.Verb{Name: "yes"}, callback.Verb{Name: "no"})
	// ProgrammeButtons: the list of open calls (list), a call (v <programme>), apply to it (a <programme>).
	ProgrammeButtons = callback.New("prog", callback.Verb{Name: "list"}, callback.Verb{Name: "v", Args: 1}, callback.Verb{Name: "a", Args: 1})
	// FormButtons: a form's steps. An option (c <option>) or a toggle of a multi-choice (t <option>) and
	// Done (done); Back, Skip; the consent (consent yes|no); a summary's Edit (e <field>) and Send
	// (submit <programme>); Cancel (cancel <programme> <origin>, or bare cancel from before buttons named
	// their form) and its question, Discard or Resume (discard|resume <programme> <origin>); the answer to
	// "did you mean …?", Fix or Keep (fix|keep <token>).
	FormButtons = callback.New("form", callback.Verb{Name: "c", Args: 1}, callback.Verb{Name: "t", Args: 1},
		callback.Verb{Name: "done"}, callback.Verb{Name: "back"}, callback.Verb{Name: "skip"},
		callback.Verb{Name: "consent", Args: 1}, callback.Verb{Name: "e", Args: 1}, callback.Verb{Name: "submit", Args: 1},
		callback.Verb{Name: "cancel"}, callback.Verb{Name: "cancel", Args: 2},
		callback.Verb{Name: "discard", Args: 2}, callback.Verb{Name: "resume", Args: 2},
		callback.Verb{Name: "fix", Args: 1}, callback.Verb{Name: "keep", Args: 1})
	// EventButtons: the upcoming events (list <page>), an event (v <event>), sign up (s <event>), cancel my
	// sign-up — ask (w), confirm (y) or keep it (n) — and its calendar file (ics <event>).
	EventButtons = callback.New("ev", callback.Verb{Name: "list", Args: 1}, callback.Verb{Name: "v", Args: 1},
		callback.Verb{Name: "s", Args: 1}, callback.Verb{Name: "w", Args: 1}, callback.Verb{Name: "y", Args: 1},
		callback.Verb{Name: "n", Args: 1}, callback.Verb{Name: "ics", Args: 1})
	// ReminderButtons: turn the reminders of an event off or on (off|on <event>), or all of them (alloff,
	// allon).
	ReminderButtons = callback.New("rem", callback.Verb{Name: "off", Args: 1}, callback.Verb{Name: "on", Args: 1},
		callback.Verb{Name: "alloff"}, callback.Verb{Name: "allon"})
	// StaffEventButtons: staff writing or changing an event (/newevent, /editevent) and cancelling one. The
	// preview's copy of the users' buttons, which do nothing there (nop); an audience toggled (aud
	// <audience>) and Done (audok); sign-up yes or no (sig y|n); the suggested id (sug); the default or no
	// reminders (rdef, rnone); no map (nomap); no limit of places (nocap); keep the current answer (keep);
	// the preview in a language (pv <lang>); Publish or Save (pub); the parts to change (edit) and one of them
	// (f <field>); Discard (discard); /cancelevent's confirmation (cx <event>) or keep it (ck <event>).
	StaffEventButtons = callback.New("sev", callback.Verb{Name: "nop"}, callback.Verb{Name: "aud", Args: 1},
		callback.Verb{Name: "audok"}, callback.Verb{Name: "sig", Args: 1}, callback.Verb{Name: "sug"},
		callback.Verb{Name: "rdef"}, callback.Verb{Name: "rnone"}, callback.Verb{Name: "nomap"}, callback.Verb{Name: "nocap"},
		callback.Verb{Name: "keep"}, callback.Verb{Name: "pv", Args: 1}, callback.Verb{Name: "pub"},
		callback.Verb{Name: "edit"}, callback.Verb{Name: "f", Args: 1}, callback.Verb{Name: "discard"},
		callback.Verb{Name: "cx", Args: 1}, callback.Verb{Name: "ck", Args: 1})
	// BroadcastWizardButtons: staff making a broadcast (/broadcast). The kind of audience (k
	// all|lang|audience|programme|event|topic), then a language (l <lang>), a group (g <audience>), a
	// programme (p <programme>) and which of its applicants (ps <programme> all|registered|waitlist), an
	// event (e <event>), a topic (t <topic>); Back (back) to the kinds; one version or one per language (v
	// one|each); Send now (go) or Schedule (at); Cancel (x); the preview's copy of the stop button, which
	// does nothing there (nop).
	BroadcastWizardButtons = callback.New("bcw", callback.Verb{Name: "k", Args: 1}, callback.Verb{Name: "l", Args: 1},
		callback.Verb{Name: "g", Args: 1}, callback.Verb{Name: "p", Args: 1}, callback.Verb{Name: "ps", Args: 2},
		callback.Verb{Name: "e", Args: 1}, callback.Verb{Name: "t", Args: 1}, callback.Verb{Name: "back"},
		callback.Verb{Name: "v", Args: 1}, callback.Verb{Name: "go"}, callback.Verb{Name: "at"},
		callback.Verb{Name: "x"}, callback.Verb{Name: "nop"})
	// SettingsButtons: /settings — follow or stop following a topic's announcements (t <topic>), turn all
	// announcements off or back on (off, on).
	SettingsButtons = callback.New("set", callback.Verb{Name: "t", Args: 1}, callback.Verb{Name: "off"}, callback.Verb{Name: "on"})
	// DecisionButtons: staff's decisions on registrations. Accept (a), wait-list (w), decline (d), accept
	// beyond capacity (f) or give a reason (r) for the registration of <programme> <user id, base 36>,
	// each for decision version <v> (what the card showed: a tap for another version changes nothing);
	// change the decision (c <programme> <user>) or keep it (k <programme> <user>); open a registration's
	// card (v <programme> <user>); a programme's applications (l <programme> <page>) and its waiting list
	// (q <programme>); the programmes (p). "dec:a:" + a 32-byte id + 13 digits of base 36 + a version fits 64.
	DecisionButtons = callback.New("dec", callback.Verb{Name: "a", Args: 3}, callback.Verb{Name: "w", Args: 3},
		callback.Verb{Name: "d", Args: 3}, callback.Verb{Name: "f", Args: 3}, callback.Verb{Name: "r", Args: 3},
		callback.Verb{Name: "c", Args: 2}, callback.Verb{Name: "k", Args: 2}, callback.Verb{Name: "v", Args: 2},
		callback.Verb{Name: "l", Args: 2}, callback.Verb{Name: "q", Args: 1}, callback.Verb{Name: "p"})
	// MyButtons: withdraw a registration — ask (w), confirm (y) or keep (n) — of programme <id>.
	MyButtons = callback.New("my", callback.Verb{Name: "w", Args: 1}, callback.Verb{Name: "y", Args: 1}, callback.Verb{Name: "n", Args: 1})
)

// parse reads the tap of the request with codec c; ok is false for anything c never makes (and for an
// update that is not a tap).
func parse(c callback.Codec, r *Request) (verb string, args []string, ok bool) {
	if r.Update.CallbackQuery == nil {
		return "", nil, false
	}
	return c.Parse(r.Update.CallbackQuery.Data)
}
