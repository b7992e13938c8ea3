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
	return registrationsTable(p.ID, regs, p.Fields, loc, lang), nil
}

// SignupsTable is the spreadsheet of an event's active sign-ups (places and waiting list), the same columns
// as a programme's, with the event's form's answers when it has one. /attendees uses it.
func SignupsTable(ctx context.Context, st *store.Store, e *messages.Event, loc *time.Location, lang string) (export.Table, error) {
	regs, err := st.Signups(ctx, e.ID)
	if err != nil {
		return export.Table{}, err
	}
	return registrationsTable(e.ID, regs, e.Fields, loc, lang), nil
}

// registrationsTable flattens registrations into a table: one row each, the form's answers after the
// fixed columns.
func registrationsTable(sheet string, regs []store.Registration, fields []forms.Field, loc *time.Location, lang string) export.Table {
	t := export.Table{Sheet: sheet, Header: []string{"ref", "status", "created", "user_id", "lang"}}
	for _, f := range fields {
		t.Header = append(t.Header, f.Label(lang))
	}
	if loc == nil {
		loc = time.UTC
	}
	for _, r := range regs {
		row := []string{r.Ref, r.Status, r.Created.In(loc).Format("2006-01-02 15:04"), fmt.Sprint(r.UserID), r.Lang}
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

// Programmes handles the staff command /programmes: every programme with its state and counts.
func (g *Registrations) Programmes(ctx context.Context, r *Request) {
	d := g.d
	var b strings.Builder
	b.WriteString(d.T(r, "staff.programmes"))
	for _, p := range d.Content.Programmes {
		if !r.InScope(p.ID) {
			continue // an association's officer sees their association's calls
		}
		reg, wait, err := d.Store.Counts(ctx, p.ID)
		if err != nil {
			d.Reply(ctx, r, d.T(r, "error.apology"))
			return
		}
		capacity := d.T(r, "capacity.unlimited")
		if p.Capacity > 0 {
			capacity = fmt.Sprint(p.Capacity)
		}
		b.WriteString("\n\n• " + p.TitleIn(r.Lang) + "\n  " + d.T(r, "staff.programme_line", "id", p.ID,
			"status", d.T(r, "prog.status."+p.Status(g.now())), "registered", fmt.Sprint(reg),
			"waitlist", fmt.Sprint(wait), "capacity", capacity))
	}
	d.Reply(ctx, r, b.String())
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
