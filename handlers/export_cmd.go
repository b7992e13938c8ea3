package handlers

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/ufo-thanhhoa/huunghi/bot/outbox"
	"github.com/ufo-thanhhoa/huunghi/bot/store"
	"github.com/ufo-thanhhoa/huunghi/handlers/export"
	"github.com/ufo-thanhhoa/huunghi/handlers/forms"
	"github.com/ufo-thanhhoa/huunghi/messages"
)

// RegistrationsTable is the spreadsheet of a programme's active registrations, with column titles and
// choice labels in lang, the reader's language. /export and `huunghi export` both use it.
func RegistrationsTable(ctx context.Context, st *store.Store, c *messages.Content, p *messages.Programme, loc *time.Location, lang string) (export.Table, error) {
	regs, err := st.Registrations(ctx, p.ID)
	if err != nil {
		return export.Table{}, err
	}
	return registrationsTable(p.ID, regs, p.Fields, loc, lang, true), nil
}

// SignupsTable is the spreadsheet of an event's active sign-ups (places and waiting list), the same columns
// as a programme's, with the event's form's answers when it has one. /attendees uses it.
func SignupsTable(ctx context.Context, st *store.Store, e *messages.Event, loc *time.Location, lang string) (export.Table, error) {
	regs, err := st.Signups(ctx, e.ID)
	if err != nil {
		return export.Table{}, err
	}
	return registrationsTable(e.ID, regs, e.Fields, loc, lang, false), nil
}

// registrationsTable flattens registrations into a table: one row each, the form's answers after the
// fixed columns. With decisions (programmes; events take no decisions) the fixed columns end with staff's
// decision, who took it, when, and the reason sent.
func registrationsTable(sheet string, regs []store.Registration, fields []forms.Field, loc *time.Location, lang string, decisions bool) export.Table {
	t := export.Table{Sheet: sheet, Header: []string{"ref", "status", "created", "user_id", "lang"}}
	if decisions {
		t.Header = append(t.Header, "decision", "decided_by", "decided_at", "reason")
	}
	for _, f := range fields {
		t.Header = append(t.Header, f.Label(lang))
	}
	if loc == nil {
		loc = time.UTC
	}
	for _, r := range regs {
		row := []string{r.Ref, r.Status, r.Created.In(loc).Format("2006-01-02 15:04"), fmt.Sprint(r.UserID), r.Lang}
		if decisions {
			by, at := "", ""
			if r.Decision != "" {
				by, at = fmt.Sprint(r.DecidedBy), r.DecidedAt.In(loc).Format("2006-01-02 15:04")
			}
			row = append(row, r.Decision, by, at, r.Reason)
		}
		for _, f := range fields {
			raw, ok := r.Answers[f.ID]
			if !ok {
				row = append(row, "")
				continue
			}
			row = append(row, f.Display(forms.Value{Raw: raw, Display: raw}, lang))
		}
		t.Rows = append(t.Rows, row)
	}
	return t
}

// Programmes handles the staff command /programmes: every programme with its state and counts, and a
// button to each one's applications.
func (g *Registrations) Programmes(ctx context.Context, r *Request) {
	d := g.d
	text, rows, err := programmesOverview(ctx, d, r, g.now())
	if err != nil {
		d.Log.Error("programmes", "err", err)
		d.Reply(ctx, r, d.T(r, "error.apology"))
		return
	}
	d.Reply(ctx, r, text, rows...)
}

// programmesOverview is what /programmes shows, in the language of r's chat: the programmes with their
// counts, and a button to each one's applications (Decisions).
func programmesOverview(ctx context.Context, d Deps, r *Request, now time.Time) (string, [][]outbox.Button, error) {
	lang := r.Lang
	if !r.Private {
		lang = d.staffLang()
	}
	var b strings.Builder
	var rows [][]outbox.Button
	b.WriteString(d.Content.T(lang, "staff.programmes"))
	for _, p := range d.Content.Programmes {
		if !r.InScope(p.ID) {
			continue // an association's officer sees their association's calls
		}
		reg, wait, err := d.Store.Counts(ctx, p.ID)
		if err != nil {
			return "", nil, err
		}
		capacity := d.Content.T(lang, "capacity.unlimited")
		if p.Capacity > 0 {
			capacity = fmt.Sprint(p.Capacity)
		}
		b.WriteString("\n\n• " + p.TitleIn(lang) + "\n  " + d.Content.T(lang, "staff.programme_line", "id", p.ID,
			"status", d.Content.T(lang, "prog.status."+p.Status(now)), "registered", fmt.Sprint(reg),
			"waitlist", fmt.Sprint(wait), "capacity", capacity))
		rows = append(rows, []outbox.Button{{Text: "📋 " + p.TitleIn(lang), Data: DecisionButtons.Data("l", p.ID, "0")}})
	}
	return b.String(), rows, nil
}

// Export handles the staff command "/export <programme> [--csv]": the registrations as an XLSX (or CSV)
// file in the chat.
func (g *Registrations) Export(ctx context.Context, r *Request) {
	d := g.d
	args := strings.Fields(r.Args)
	csv := false
	var id string
	for _, a := range args {
		if a == "--csv" {
			csv = true
		} else if id == "" {
			id = a
		}
	}
	if id == "" {
		d.Reply(ctx, r, d.T(r, "export.usage"))
		return
	}
	p, ok := d.Content.Programme(id)
	if !ok {
		d.Reply(ctx, r, d.T(r, "export.unknown", "id", id))
		return
	}
	if !r.InScope(p.ID) {
		d.Reply(ctx, r, d.T(r, "staff.scope.not_yours", "id", p.ID))
		return
	}
	t, err := RegistrationsTable(ctx, d.Store, d.Content, p, d.Location, r.Lang)
	if err != nil {
		d.Log.Error("export", "programme", id, "err", err)
		d.Reply(ctx, r, d.T(r, "error.apology"))
		return
	}
	name := p.ID + "-" + g.now().In(time.UTC).Format("20060102")
	data, name, err := tableFile(t, name, csv)
	if err != nil {
		d.Log.Error("export", "programme", id, "err", err)
		d.Reply(ctx, r, d.T(r, "error.apology"))
		return
	}
	d.send(ctx, outbox.Message{ChatID: r.ChatID, Text: d.T(r, "export.caption", "programme", p.TitleIn(r.Lang), "n", fmt.Sprint(len(t.Rows))),
		Document: &outbox.Document{Name: name, Data: data}})
}

// tableFile writes t as an XLSX file, or CSV when csv is set, named base with the extension.
func tableFile(t export.Table, base string, csv bool) ([]byte, string, error) {
	var buf bytes.Buffer
	if csv {
		err := export.CSV(&buf, t)
		return buf.Bytes(), base + ".csv", err
	}
	err := export.XLSX(&buf, t)
	return buf.Bytes(), base + ".xlsx", err
}
