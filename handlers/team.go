package handlers

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-telegram/bot/models"

	"github.com/ufo-thanhhoa/huunghi/bot/store"
)

// CommandMenus keeps the command menu Telegram shows in a staff member's private chat in step with their
// role: the menu is published per chat, so a change on /team has to be published again.
type CommandMenus interface {
	// Refresh publishes the menu the user's current role gives them: the staff commands, or, for someone
	// no longer staff, none of their own (the users' menu shows again).
	Refresh(ctx context.Context, uid int64)
}

// Team is the admins' /team command: who is staff, and which programmes and events each may see. Admins
// are STAFF_IDS, configuration, so a mistake in the chat can never remove the last one.
type Team struct {
	d      Deps
	admins []int64
	menus  CommandMenus
}

// NewTeam makes the /team handler; admins are STAFF_IDS.
func NewTeam(d Deps, admins []int64, menus CommandMenus) *Team {
	a := slices.Clone(admins)
	slices.Sort(a)
	return &Team{d: d, admins: a, menus: menus}
}

// Command handles "/team", "/team add <id> [ids…]" (or a reply with "/team add [ids…]" to a forwarded
// message of the person), "/team scope <id> <ids…|all>" and "/team remove <id>". Arguments are
// case-insensitive.
func (t *Team) Command(ctx context.Context, r *Request) {
	args := strings.Fields(strings.ToLower(r.Args))
	if len(args) == 0 || args[0] == "list" {
		t.list(ctx, r)
		return
	}
	sub, rest := args[0], args[1:]
	switch sub {
	case "add":
		uid, rest, ok := t.target(ctx, r, rest, true)
		if !ok {
			return
		}
		t.add(ctx, r, uid, rest)
	case "scope":
		uid, rest, ok := t.target(ctx, r, rest, false)
		if !ok {
			return
		}
		if len(rest) == 0 {
			t.d.Reply(ctx, r, t.d.T(r, "team.usage"))
			return
		}
		t.scope(ctx, r, uid, rest)
	case "remove":
		uid, _, ok := t.target(ctx, r, rest, false)
		if !ok {
			return
		}
		t.remove(ctx, r, uid)
	default:
		t.d.Reply(ctx, r, t.d.T(r, "team.usage"))
	}
}

// target reads the user id a subcommand is about: its first argument, or, for add, the sender of the
// forwarded message the command replies to. It answers and returns false when there is none.
func (t *Team) target(ctx context.Context, r *Request, args []string, forwarded bool) (int64, []string, bool) {
	d := t.d
	if len(args) > 0 {
		if uid, err := strconv.ParseInt(args[0], 10, 64); err == nil && uid > 0 {
			return uid, args[1:], true
		}
	}
	if m := r.Update.Message; forwarded && m != nil && m.ReplyToMessage != nil && m.ReplyToMessage.ForwardOrigin != nil {
		switch o := m.ReplyToMessage.ForwardOrigin; {
		case o.MessageOriginUser != nil && !o.MessageOriginUser.SenderUser.IsBot:
			return o.MessageOriginUser.SenderUser.ID, args, true
		case o.Type == models.MessageOriginTypeHiddenUser:
			d.Reply(ctx, r, d.T(r, "team.hidden"))
			return 0, nil, false
		}
	}
	if len(args) == 0 {
		d.Reply(ctx, r, d.T(r, "team.usage"))
	} else {
		d.Reply(ctx, r, d.T(r, "team.bad_id", "arg", args[0]))
	}
	return 0, nil, false
}

// scopeOf validates scope arguments: programme and event ids, or "all" (nil). It answers and returns false
// for an id that names neither.
func (t *Team) scopeOf(ctx context.Context, r *Request, args []string) ([]string, bool) {
	var out []string
	for _, id := range args {
		if id == "all" {
			return nil, true
		}
		if slices.Contains(out, id) {
			continue
		}
		if _, ok := t.d.Content.Programme(id); !ok {
			_, ok, err := t.d.Events.Get(ctx, id)
			if err != nil {
				t.fail(ctx, r, "team: event", err)
				return nil, false
			}
			if !ok {
				t.d.Reply(ctx, r, t.d.T(r, "team.unknown_scope", "id", id))
				return nil, false
			}
		}
		out = append(out, id)
	}
	return out, true
}

// zone is where dates are shown (BOT_TIMEZONE).
func (t *Team) zone() *time.Location {
	if t.d.Location != nil {
		return t.d.Location
	}
	return time.UTC
}

func (t *Team) isAdmin(uid int64) bool { _, ok := slices.BinarySearch(t.admins, uid); return ok }

// scopeText says what a scope covers, in the reader's language.
func (t *Team) scopeText(r *Request, scope []string) string {
	if len(scope) == 0 {
		return t.d.T(r, "team.scope_all")
	}
	return strings.Join(scope, ", ")
}

func (t *Team) fail(ctx context.Context, r *Request, what string, err error) {
	t.d.Log.Error(what, "chat_id", r.ChatID, "err", err)
	t.d.Reply(ctx, r, t.d.T(r, "error.apology"))
}

func (t *Team) list(ctx context.Context, r *Request) {
	d := t.d
	staff, err := d.Store.Staff(ctx)
	if err != nil {
		t.fail(ctx, r, "team: list", err)
		return
	}
	ids := make([]string, len(t.admins))
	for i, a := range t.admins {
		ids[i] = strconv.FormatInt(a, 10)
	}
	var b strings.Builder
	b.WriteString(d.T(r, "team.admins", "ids", strings.Join(ids, ", ")) + "\n\n")
	if len(staff) == 0 {
		b.WriteString(d.T(r, "team.none"))
	} else {
		b.WriteString(d.T(r, "team.staff"))
	}
	for _, m := range staff {
		b.WriteString("\n" + d.T(r, "team.member", "id", strconv.FormatInt(m.UserID, 10), "scope", t.scopeText(r, m.Scope),
			"by", strconv.FormatInt(m.AddedBy, 10), "date", m.AddedAt.In(t.zone()).Format("02/01/2006")))
	}
	b.WriteString("\n\n" + d.T(r, "team.usage"))
	d.Reply(ctx, r, b.String())
}

func (t *Team) add(ctx context.Context, r *Request, uid int64, args []string) {
	d := t.d
	if t.isAdmin(uid) {
		d.Reply(ctx, r, d.T(r, "team.is_admin", "id", strconv.FormatInt(uid, 10)))
		return
	}
	scope, ok := t.scopeOf(ctx, r, args)
	if !ok {
		return
	}
	if _, err := d.Store.GetStaff(ctx, uid); err == nil {
		d.Reply(ctx, r, d.T(r, "team.already", "id", strconv.FormatInt(uid, 10)))
		return
	} else if !errors.Is(err, store.ErrNotFound) {
		t.fail(ctx, r, "team: get", err)
		return
	}
	if err := d.Store.SaveStaff(ctx, store.StaffMember{UserID: uid, Scope: scope, AddedBy: r.UserID, AddedAt: d.now()}); err != nil {
		t.fail(ctx, r, "team: add", err)
		return
	}
	d.Log.Info("staff added", "staff", uid, "by", r.UserID)
	t.menus.Refresh(ctx, uid)
	d.Reply(ctx, r, d.T(r, "team.added", "id", strconv.FormatInt(uid, 10), "scope", t.scopeText(r, scope)))
}

func (t *Team) scope(ctx context.Context, r *Request, uid int64, args []string) {
	d := t.d
	if t.isAdmin(uid) {
		d.Reply(ctx, r, d.T(r, "team.is_admin", "id", strconv.FormatInt(uid, 10)))
		return
	}
	m, err := d.Store.GetStaff(ctx, uid)
	if errors.Is(err, store.ErrNotFound) {
		d.Reply(ctx, r, d.T(r, "team.not_staff", "id", strconv.FormatInt(uid, 10)))
		return
	} else if err != nil {
		t.fail(ctx, r, "team: get", err)
		return
	}
	scope, ok := t.scopeOf(ctx, r, args)
	if !ok {
		return
	}
	m.Scope = scope
	if err := d.Store.SaveStaff(ctx, m); err != nil {
		t.fail(ctx, r, "team: scope", err)
		return
	}
	t.menus.Refresh(ctx, uid)
	d.Reply(ctx, r, d.T(r, "team.scoped", "id", strconv.FormatInt(uid, 10), "scope", t.scopeText(r, scope)))
}

func (t *Team) remove(ctx context.Context, r *Request, uid int64) {
	d := t.d
	if t.isAdmin(uid) {
		d.Reply(ctx, r, d.T(r, "team.is_admin", "id", strconv.FormatInt(uid, 10)))
		return
	}
	removed, err := d.Store.RemoveStaff(ctx, uid)
	if err != nil {
		t.fail(ctx, r, "team: remove", err)
		return
	}
	if !removed {
		d.Reply(ctx, r, d.T(r, "team.not_staff", "id", strconv.FormatInt(uid, 10)))
		return
	}
	d.Log.Info("staff removed", "staff", uid, "by", r.UserID)
	t.menus.Refresh(ctx, uid)
	d.Reply(ctx, r, d.T(r, "team.removed", "id", strconv.FormatInt(uid, 10)))
}

// addToScope gives a scoped staff member the event they just created, so that they can go on to change
// it, cancel it and see who signed up; staff without a scope see it already.
func addToScope(ctx context.Context, d Deps, r *Request, id string) error {
	if r.Role != RoleStaff || r.Scope == nil {
		return nil
	}
	m, err := d.Store.GetStaff(ctx, r.UserID)
	if err != nil {
		return err
	}
	if !slices.Contains(m.Scope, id) {
		m.Scope = append(m.Scope, id)
		if err := d.Store.SaveStaff(ctx, m); err != nil {
			return err
		}
	}
	r.Scope = m.Scope
	return nil
}
