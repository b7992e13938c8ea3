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
	t := export.Table{Sheet: p.ID, Header: []string{"ref", "status", "created", "user_id", "lang"}}
	for _, f := range p.Fields {
		t.Header = append(t.Header, f.Label(lang))
	}
	if loc == nil {
		loc = time.UTC
	}
	for _, r := range regs {
		row := []string{r.Ref, r.Status, r.Created.In(loc).Format("2006-01-02 15:04"), fmt.Sprint(r.UserID), r.Lang}
		for _, f := range p.Fields {
			raw, ok := r.Answers[f.ID]
			if !ok {
				row = append(row, "")
				continue
			}
			row = append(row, f.Display(forms.Value{Raw: raw, Display: raw}, lang))
		}
		t.Rows = append(t.Rows, row)
	}
	return t, nil
}

// Programmes handles the staff command /programmes: every programme with its state and counts.
func (g *Registrations) Programmes(ctx context.Context, r *Request) {
	d := g.d
	var b strings.Builder
	b.WriteString(d.T(r, "staff.programmes"))
	for _, p := range d.Content.Programmes {
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
	t, err := RegistrationsTable(ctx, d.Store, d.Content, p, d.Location, r.Lang)
	if err != nil {
		d.Log.Error("export", "programme", id, "err", err)
		d.Reply(ctx, r, d.T(r, "error.apology"))
		return
	}
	var buf bytes.Buffer
	name := p.ID + "-" + g.now().In(time.UTC).Format("20060102") + ".xlsx"
	if csv {
		name = strings.TrimSuffix(name, ".xlsx") + ".csv"
		err = export.CSV(&buf, t)
	} else {
		err = export.XLSX(&buf, t)
	}
	if err != nil {
		d.Log.Error("export", "programme", id, "err", err)
		d.Reply(ctx, r, d.T(r, "error.apology"))
		return
	}
	d.send(ctx, outbox.Message{ChatID: r.ChatID, Text: d.T(r, "export.caption", "programme", p.TitleIn(r.Lang), "n", fmt.Sprint(len(t.Rows))),
		Document: &outbox.Document{Name: name, Data: buf.Bytes()}})
}
