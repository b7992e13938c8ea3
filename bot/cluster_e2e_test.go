package bot_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/ufo-thanhhoa/huunghi/bot/store"
	"github.com/ufo-thanhhoa/huunghi/bot/store/redistest"
)

// TestCluster_WholeBot runs the bot on a real three-master Redis Cluster, configured as an operator would
// (REDIS_MODE=cluster, the nodes in REDIS_URL): a Lao student asks a question and gets the answer, applies
// for a programme through the whole form and gets the confirmation with a reference, staff get the card,
// and /forget deletes the user. Every step runs the store's scripts, the intake, the chat leases, the
// outbox's lanes and the send budgets on the cluster: a key outside the schema's hash tag would fail
// there (CROSSSLOT), and the user would see an apology instead of the answer.
func TestCluster_WholeBot(t *testing.T) {
	t.Parallel() // waits on the chat's send budget, not the CPU
	cluster := redistest.StartCluster(t)
	h := newHarness(t, map[string]string{"REDIS_MODE": "cluster", "REDIS_URL": cluster.URL(), "STAFF_CHAT_ID": "-7300"})
	h.rdb = cluster.Client()
	ctx := context.Background()

	u := user(5300, "lo")
	topic, _ := h.content.FAQ.Topic("residence_card")
	h.srv.PushText(u, "ບັດພັກເຊົາໝົດອາຍຸ ຕໍ່ແນວໃດ")
	if m := h.messages(u.ID, 1)[0]; !strings.Contains(m.Text, topic.TopicTitle("lo")) {
		t.Fatalf("FAQ on the cluster: got %q, want the residence card answer in Lao", m.Text)
	}

	a := &applicant{h: h, u: u, prog: exchange}
	a.send("/start reg_" + exchange)
	conf := a.complete("lo")
	reg, err := h.store().GetRegistration(ctx, exchange, u.ID)
	if err != nil {
		t.Fatalf("registration on the cluster: %v", err)
	}
	p, _ := h.content.Programme(exchange)
	if want := h.content.T("lo", "reg.confirmed", "programme", p.TitleIn("lo"), "ref", reg.Ref); !strings.HasPrefix(conf, want) {
		t.Errorf("confirmation: got %q, want %q", conf, want)
	}
	if cards := h.messages(-7300, 1); !strings.Contains(cards[0].Text, reg.Ref) {
		t.Errorf("staff card: %q, want the reference %s", cards[0].Text, reg.Ref)
	}

	h.srv.PushText(u, "/forget")
	confirm := h.srv.Messages(u.ID)
	n := len(confirm)
	ask := h.messages(u.ID, n+1)[n]
	h.srv.PushCallback(u, ask, "forget:yes")
	if !h.srv.Wait(func() bool { return h.srv.Messages(u.ID)[n].Text == h.content.T("lo", "forget.done") }, wait) {
		t.Fatalf("/forget on the cluster: got %q, want forget.done", h.srv.Messages(u.ID)[n].Text)
	}
	if _, err := h.store().GetUser(ctx, u.ID); err != store.ErrNotFound {
		t.Errorf("user after /forget: %v, want ErrNotFound", err)
	}
	if _, err := h.store().GetRegistration(ctx, exchange, u.ID); err != store.ErrNotFound {
		t.Errorf("registration after /forget: %v, want ErrNotFound", err)
	}
	h.idle()
	if h.logs.has("CROSSSLOT") || h.logs.has("non local key") || h.logs.has("level=ERROR") {
		t.Error("the bot logged errors on the cluster (run with -v to see its log)")
	}
}

// TestSentinel_WholeBotAcrossAFailover runs the bot through a real Sentinel set (REDIS_MODE=sentinel, the
// Sentinel in REDIS_URL): a question is answered, the master dies, and after the Sentinel promoted the
// replica the next question is answered too — the bot follows the new master by itself.
func TestSentinel_WholeBotAcrossAFailover(t *testing.T) {
	t.Parallel() // waits on the Sentinel's failover, not the CPU
	set := redistest.StartSentinel(t)
	h := newHarness(t, map[string]string{"REDIS_MODE": "sentinel", "REDIS_URL": set.URL()})
	h.rdb = set.Client()
	u := user(5310, "lo")
	topic, _ := h.content.FAQ.Topic("residence_card")
	h.srv.PushText(u, "ບັດພັກເຊົາໝົດອາຍຸ ຕໍ່ແນວໃດ")
	if m := h.messages(u.ID, 1)[0]; !strings.Contains(m.Text, topic.TopicTitle("lo")) {
		t.Fatalf("FAQ through the Sentinel: got %q, want the residence card answer in Lao", m.Text)
	}
	h.idle()
	old := set.MasterAddr()
	set.Master.Stop()
	if !h.srv.Wait(func() bool { a := set.MasterAddr(); return a != "" && a != old }, 30*time.Second) {
		t.Fatal("the Sentinel did not promote the replica within 30 s")
	}
	h.srv.PushText(u, "ບັດພັກເຊົາໝົດອາຍຸ ຕໍ່ແນວໃດ")
	// The client finds the new master by itself. A question handled before it did meets an unreachable
	// Redis: the person may see the apology first, and the question stays queued and is answered once the
	// new master answers (redisdown.go).
	answered := func() bool {
		msgs := h.srv.Messages(u.ID)
		return len(msgs) > 1 && strings.Contains(msgs[len(msgs)-1].Text, topic.TopicTitle("lo"))
	}
	if !h.srv.Wait(answered, 30*time.Second) {
		t.Fatalf("after the failover: no answer again; messages %+v", h.srv.Messages(u.ID))
	}
	for _, m := range h.srv.Messages(u.ID)[1 : len(h.srv.Messages(u.ID))-1] {
		if m.Text != h.content.T("lo", "error.apology") {
			t.Errorf("after the failover, before the answer: %q, want at most the apology", m.Text)
		}
	}
}
