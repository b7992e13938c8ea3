package bot_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// dumpRedis returns every key with its value as text, to look for personal data wherever it might hide.
func dumpRedis(t *testing.T, rdb *redis.Client) map[string]string {
	t.Helper()
	ctx := context.Background()
	out := map[string]string{}
	iter := rdb.Scan(ctx, 0, "*", 1000).Iterator()
	for iter.Next(ctx) {
		k := iter.Val()
		var v any
		var err error
		switch typ := rdb.Type(ctx, k).Val(); typ {
		case "string":
			v, err = rdb.Get(ctx, k).Result()
		case "list":
			v, err = rdb.LRange(ctx, k, 0, -1).Result()
		case "hash":
			v, err = rdb.HGetAll(ctx, k).Result()
		case "set":
			v, err = rdb.SMembers(ctx, k).Result()
		case "zset":
			v, err = rdb.ZRangeWithScores(ctx, k, 0, -1).Result()
		default:
			v = typ
		}
		if err != nil && err != redis.Nil {
			t.Fatal(err)
		}
		out[k] = fmt.Sprint(v)
	}
	if err := iter.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestForget_LeavesNothingPersonal has a user ask a question with their name and phone number in it that the
// bot cannot answer, and register while the staff chat's card is still queued (the bulk lanes are paused, as
// after a 429). After /forget, nothing in Redis holds their name, phone number or question, and the queued
// card is gone, so the staff chat never receives it.
func TestForget_LeavesNothingPersonal(t *testing.T) {
	t.Parallel() // waits on the chat's send budget, not the CPU
	h := newHarness(t, map[string]string{"STAFF_CHAT_ID": "-7200"})
	ctx := context.Background()
	st := h.store()
	a := &applicant{h: h, u: user(4100, "vi"), prog: exchange}
	a.send("/menu")
	q := a.send("Mình là Noy Phommasane, số 020 5555 1234, xyzzy plugh qwertz?")
	if hasButton(q, "faq:no") { // answered after all: "not what I asked" logs it as unanswered
		a.press("faq:no")
	}
	top, err := st.TopUnanswered(ctx, 30, 10)
	if err != nil || len(top) != 1 {
		t.Fatalf("unanswered before /forget: %+v %v", top, err)
	}
	if strings.Contains(top[0].Question, "5555") {
		t.Errorf("the phone number was kept in the unanswered log: %q", top[0].Question)
	}
	if err := st.PauseBulk(ctx, time.Minute); err != nil {
		t.Fatal(err)
	}
	a.send("/start reg_" + exchange)
	a.complete("vi")
	if n, _ := st.BulkDepth(ctx, "notify"); n != 1 {
		t.Fatalf("%d notices queued, want the staff card", n)
	}
	if md := a.send("/mydata").Text; !strings.Contains(md, h.content.T("vi", "mydata.questions", "count", "1", "days", "31 ngày")) {
		t.Errorf("/mydata does not say that one question is kept:\n%s", md)
	}
	a.send("/forget")
	a.press("forget:yes")
	if got := h.srv.Messages(a.u.ID); got[len(got)-1].Text != h.content.T("vi", "forget.done") {
		t.Fatalf("forget: got %q", got[len(got)-1].Text)
	}
	for k, v := range dumpRedis(t, h.redis.Client()) {
		for _, personal := range []string{"Noy", "noy", "5555", "xyzzy", "noy@example.org"} {
			if strings.Contains(v, personal) || strings.Contains(k, personal) {
				t.Errorf("after /forget %s still holds %q: %.200s", k, personal, v)
			}
		}
	}
	if n, _ := st.BulkDepth(ctx, "notify"); n != 0 {
		t.Errorf("%d notices still queued after /forget", n)
	}
	if top, _ := st.TopUnanswered(ctx, 30, 10); len(top) != 0 {
		t.Errorf("unanswered after /forget: %+v", top)
	}
	if n := len(h.srv.Messages(-7200)); n != 0 {
		t.Errorf("the staff chat got %d messages", n)
	}
}
