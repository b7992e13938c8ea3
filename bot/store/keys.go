package store

import (
	"strconv"
	"time"
)

// The whole Redis key schema lives in this file, so that an operator can read what the bot keeps and a
// developer can see at a glance which keys a change touches. Every key starts with "{hn}:"; the table below
// writes it "hn:" for short, and its {uid}, {chat}, {prog} ... are placeholders, not hash tags.
//
// One hash tag for the whole schema. Redis Cluster hashes only what is inside the first {...} of a key, so
// every key of the bot lands in one slot, the slot of "hn". That is deliberate: the store's Lua scripts and
// MULTI blocks are what make its promises hold (an update stored exactly once, a registration created once,
// a place never given twice), and most of them change a user's keys together with global indexes
// (hn:users, hn:stats:users, hn:intake:chats, hn:regs:{prog}, ...) or build keys from a prefix passed in
// ARGV (decisions, broadcasts); Cluster runs a script only when all its keys share a slot. A tag per user
// would split exactly what must stay atomic. The bot's data is small — a provincial office, thousands of
// users, a few megabytes — so one slot on one master is ample: Cluster here buys failover and running on
// an organisation's existing Cluster, not spreading the data. Replicas of the bot scale out; Redis does
// not need to. redis_rate's keys ("rate:" + RateKey) keep the tag too: Redis hashes the first {...}
// wherever it stands in the key.
//
// Deployments from before the tag kept the same keys as "hn:..."; MigrateKeyPrefix (migrate.go) renames
// them once at start, before anything reads them.
//
// Personal data is kept for a configured time per kind (Retention, RETAIN_*; the README's privacy section
// and /privacy state the same): TTLs end it in real time, the nightly jobs on the bot's calendar.
//
//	kind                  keys                                        kept (default)              job
//	form sessions         hn:session:{uid}, hn:sessions               RETAIN_SESSIONS (7d)        sessions
//	unanswered questions  hn:unanswered:{day}, hn:user:{uid}:unanswered RETAIN_QUESTIONS (31d)    questions_retention
//	handoff links         hn:convmsg:{chat}:{msg}, hn:conv:{uid}:msgs RETAIN_HANDOFF (365d)       handoff_retention
//	inactive users        all /forget deletes                         RETAIN_INACTIVE_USERS (730d) inactive_users
//	registrations         hn:reg:{prog}:{uid} and its indexes         12 months (the consent)     retention
//	event sign-ups        hn:signup:{ev}:{uid} and its indexes        30 days after the event     signups_retention
//
//	hn:user:{uid}               hash   a user: lang, lang_src (explicit|detected), tg_lang, audience, first_seen,
//	                                   last_seen (unix seconds), unreachable ("1" after a 403),
//	                                   no_broadcasts ("1": the user stopped broadcasts), st (what the
//	                                   statistics count the user under, see hn:stats:users), flood (flood
//	                                   control's state: two times in µs, meaningless a minute later), sess
//	                                   and conv ("0": the last visit found no session / no conversation, so
//	                                   the next one need not read them; deleted when one is saved / opened),
//	                                   staff (a copy of the user's hn:staff record, "-" for none, written by
//	                                   the visit and deleted by SaveStaff / RemoveStaff).
//	                                   No names, no phone numbers: what a handler needs to answer in the
//	                                   right language.
//	hn:users                    set    ids of all users, for broadcasts and counts.
//	hn:users:seen               zset   user id → last_seen (unix s), kept by TouchUser: "active in 7 / 30
//	                                   days" for /stats and /metrics. /forget removes the user.
//	hn:stats:users              hash   counters of users: "lang:<l>", "aud:<a>" ("" = not chosen),
//	                                   "unreachable". A user's hash field "st" says what they are counted
//	                                   under, so the counters move with the user (see stats.go). Counts only.
//	hn:migrate:stats            string the one-time indexing of users seen before the statistics existed:
//	                                   "running" (10 min lease, one replica) or "done".
//	hn:migrate:prefix           string the one-time renaming of the keys of before the hash tag ("hn:..."
//	                                   to "{hn}:..."): "running:<token>" (a lease, one replica) or "done".
//	hn:upd:seen:{update_id}     string set once when an update is first stored; 48 h TTL (Telegram keeps
//	                                   undelivered updates for 24 h). Makes intake idempotent.
//	hn:intake:{chat}            list   raw update JSON of one chat in arrival order; the head is the one
//	                                   being handled and is removed only after it was handled. A head that
//	                                   was taken reads "<attempts>|<update JSON>": an update whose handling
//	                                   keeps killing the process is dropped after five (store.TakeChat).
//	                                   (Before 2026-12, hn:upd:done:* and hn:upd:tries:* kept "handled" and
//	                                   attempts per update; they expire by themselves.)
//	hn:intake:chats             zset   chats with stored updates, scored by first store time (ms): a chat
//	                                   is in it exactly while its queue is not empty (intake's ZADD NX
//	                                   answering 1 means an idle chat).
//	hn:intake:{chat}:full       string present for 60 s after a chat was told its queue is full (one
//	                                   notice a minute, however many updates are turned away).
//	hn:intake:rejected          list   raw updates that could not be decoded, newest first, at most 100, 7 day
//	                                   TTL: kept aside for an operator to inspect, never handled.
//	hn:lock:chat:{chat}         string lease (a random token, PX) held by the worker draining a chat, so two
//	                                   replicas never handle one chat's updates at the same time; taken with
//	                                   the queue's head — by intake, with an idle chat's update — and given
//	                                   back with the last ack (store.ChatLock).
//	hn:lock:bc:{id}             string lease held by the replica listing a broadcast's recipients.
//	hn:session:{uid}            string the user's current flow (form step etc.) as JSON; TTL RETAIN_SESSIONS (7 days).
//	hn:sessions                 zset   uid → when the session was last saved (unix ms, the store's clock):
//	                                   the index the nightly clean-up finds expired sessions by.
//	hn:outbox:{lane}            list   bulk messages waiting to be sent (lanes: notify, reminder, broadcast),
//	                                   each the outbox's JSON with a unique "id" (or a unique "key").
//	hn:outbox:{lane}:inflight   hash   bulk messages taken by a sender → deadline (unix ms); a reaper puts
//	                                   expired ones back, so a crash mid-send does not lose them.
//	hn:once:{key}               string a once-only bulk message. Sent once (a reminder or an event notice; key
//	                                   as queued, "rem:…", "evn:…"): "sending:<deadline ms>" while a sender is
//	                                   in its Bot API call (TTL the bulk lease, 2 min), then "sent" (TTL 45
//	                                   days), so a requeued copy is dropped. Queued once (the weekly digest,
//	                                   "digest:2031-W20"): set in the same step as it is queued.
//	hn:retry:{lane}:{id}        string how many rounds a bulk message (by its id, else its key) was left in
//	                                   flight after every attempt met a 5xx, a network error or a 429; 24 h
//	                                   TTL after the last round. Past the outbox's Rounds it fails.
//	hn:pause:bulk               string present while the bulk lanes are paused after a 429.
//	hn:unanswered:{yyyymmdd}    zset   "<lang>|<question>" → how many people asked it that day (UTC) and got no
//	                                   answer; TTL RETAIN_QUESTIONS (31 days). The question as the handler gives it: normalised,
//	                                   at most 200 characters, numbers and e-mail addresses taken out. No ids.
//	hn:stats:q:{yyyymmdd}       hash   questions of the day (UTC): "topic:<id>" → answers per FAQ topic (their
//	                                   sum is the answered ones), "answered_other" (answered without a
//	                                   topic), "declined", "not_this" (an answer the user said missed); 32
//	                                   day TTL. Counts only, no ids, no texts. (Days counted before 2026-12
//	                                   have an "answered" field too, which is ignored.)
//	hn:user:{uid}:unanswered    zset   "<yyyymmdd>|<lang>|<question>" → day (unix): the user's counted questions,
//	                                   at most 10 a day, so that /forget can take them out again; TTL RETAIN_QUESTIONS.
//	hn:lastq:{uid}              string the user's last free-text question (JSON), 1 h TTL, for the "Not what
//	                                   I asked" and "Ask staff" buttons.
//	hn:faq:lessons              hash   what staff taught the FAQ (faq.LessonKey of a question → JSON: the
//	                                   question as /unanswered showed it, its language, the topic or "-" for
//	                                   out of scope, who taught it and when). No user ids; kept until staff
//	                                   untaught it or took it into the content (`huunghi faq learned`).
//	                                   Changes are announced on the channel hn:faq:lessons.
//	hn:faq:teach:{hash}         string a question staff may teach (JSON: question, language), behind the
//	                                   Teach buttons of /unanswered and of a question on a handoff card
//	                                   (callback data cannot hold the text); TTL RETAIN_QUESTIONS.
//	hn:reg:{prog}:{uid}         hash   a registration: ref, status (registered|waitlist|declined|withdrawn),
//	                                   created, lang, answers (JSON; deleted on withdrawal); staff's decision:
//	                                   decision (accepted|waitlisted|declined), decided_by (staff id),
//	                                   decided_at (unix), dver (decisions taken: buttons carry it), dupd (the
//	                                   update that took the last one), dprom (who it promoted), reason (staff's
//	                                   text, the applicant's data: deleted with the answers), rver, rupd (the
//	                                   reasons given for this decision, and the update of the last).
//	hn:regs:{prog}              zset   users with an active registration (declined ones too), by creation time.
//	hn:regs:{prog}:registered   set    users holding a place (capacity is checked against it).
//	hn:regs:{prog}:declined     set    users whose registration staff declined (neither a place nor waiting).
//	hn:decision:prompt:{chat}:{msg} string a question the bot asked staff in a group for a decision's reason
//	                                   (ForceReply message msg): "<prog>|<uid>|<dver>|<card chat>|<card msg>";
//	                                   48 h TTL. A reply to that message is the reason.
//	hn:user:{uid}:regs          set    programmes the user registered for (/my, /forget).
//	hn:reg:seq                  string counter behind reference numbers (HN-000001, ...).
//	hn:signup:{ev}:{uid}        hash   an event sign-up, shaped as a registration (ref, status, created, lang,
//	                                   answers of the event's sign-up form if it has one); deleted 30 days
//	                                   after the event ends.
//	hn:signups:{ev}             zset   users with an active sign-up, by time; :registered set: those with a place.
//	hn:user:{uid}:signups       set    events the user signed up for (/my, /forget).
//	hn:events                   set    ids of the events Redis keeps state for.
//	hn:event:{ev}               hash   doc (the event in the file format, when staff created or changed it in
//	                                   the chat), seq (iCalendar SEQUENCE), fp (what seq was raised for: date,
//	                                   place, reminders, texts), applied (the fp whose change was carried out:
//	                                   reminders moved, people told), applying (deadline, unix ms, of the
//	                                   replica carrying a change out), cancelled (unix), purged (unix: its sign-ups were
//	                                   deleted, 30 days after it ended). No personal data.
//	hn:reminders                zset   scheduled reminders "<ev>|<uid>|<minutes before>|<start unix>" → due
//	                                   time (unix ms); the reminders job moves due ones to hn:outbox:reminder.
//	hn:reminders:{ev}           set    the same members per event, to move or drop an event's reminders.
//	hn:user:{uid}:reminders     hash   reminders the user turned off: "*" (all) or event ids → "off".
//	hn:handoff:blocked          hash   user id → "<staff id>:<unix>": users whose messages no longer reach the
//	                                   staff chat (a staff decision from a handoff card; kept after /forget).
//	hn:bc:seq                   string counter behind broadcast ids (b1, b2, ...).
//	hn:bc:{id}                  hash   a broadcast: doc (audience, versions per language, who made it; package
//	                                   broadcast's JSON), state (scheduled|sending|done|cancelled), at, created,
//	                                   started, ended (unix ms), cursor and resolved (listing recipients), total,
//	                                   opted_out, queued, sent, failed, unreachable, skipped, left (not sent:
//	                                   cancelled), progress_chat and progress_id (the staff's figures message),
//	                                   cancelled_by. Kept: it is the staff's record of what was announced.
//	hn:bc:{id}:to               list   recipients (user ids) listed and not yet moved to hn:outbox:broadcast.
//	hn:bc:{id}:listed           set    user ids listed so far (SSCAN may repeat one); expires an hour after
//	                                   the listing ends.
//	hn:bc:{id}:done             hash   user id → outcome (sent|failed|unreachable|skipped): each counted once,
//	                                   whatever a crash requeues; expires 45 days after the broadcast ended.
//	                                   /forget takes the user out of it and of :listed.
//	hn:bcs                      zset   broadcast ids by number, for /broadcasts.
//	hn:bcs:due                  zset   scheduled broadcasts → start (unix ms); the replica that takes one out
//	                                   starts it (exactly one does).
//	hn:bcs:active               set    broadcasts being sent.
//	hn:topic:{topic}            set    users subscribed to a topic's broadcasts (/settings).
//	hn:user:{uid}:topics        set    the user's topics, for /settings and /forget.
//	hn:staff                    hash   user id → JSON {scope: [programme and event ids; none = all], added_by,
//	                                   added_at}: staff added in the chat by an admin (/team). Admins are
//	                                   STAFF_IDS, never stored. The Union's decision: kept after /forget, as
//	                                   hn:handoff:blocked; /mydata says it is there.
//	hn:conv:{uid}               hash   the user's conversation with staff (handoff): state (open|closed),
//	                                   closed_by (user|staff), opened, last (either side's last message),
//	                                   waiting (the user's oldest message staff have not answered; 0 once
//	                                   they did), staff_last (unix seconds), chat and card (the card's
//	                                   message in the staff chat), card_queued, by and by_name (the staff
//	                                   member who claimed it: id and first name), name (the user's first
//	                                   name, for the card and /inbox). TTL 7 days renewed by every message
//	                                   (an idle conversation closes by itself); a closed one is kept a day.
//	hn:conv:{uid}:pending       list   the user's messages waiting for their card to be sent (then sent on
//	                                   as replies to it): "m:<message id>" to copy, "q:<text>" for a question
//	                                   asked of the bot first. Deleted when the card is sent or on close.
//	hn:conv:{uid}:msgs          set    "<chat>:<message id>" of the staff-chat messages of the user's
//	                                   conversations (card, copies, reply prompts), for /forget; TTL RETAIN_HANDOFF (a year).
//	hn:convmsg:{chat}:{msg}     string the user a staff-chat message belongs to, so a reply to it reaches
//	                                   them; TTL RETAIN_HANDOFF (a year). Ids only.
//	hn:convs                    zset   uid → when the conversation was opened (unix ms): open ones, for /inbox.
//	hn:job:{name}:{yyyymmddhhmm} string claim of one scheduled run of a job by one replica; 24 h TTL.
//	hn:rate:chat:{chat}         string a chat's send budget (GCRA, µs; a 429 pause of the chat moves it):
//	                                   store.TakeChatBudget. Expires with the budget's period.
//	hn:rate:*                   —      github.com/go-redis/redis_rate GCRA state (the global send budget, the
//	                                   bulk lanes' own, the paid broadcasts', flood control's shared one and
//	                                   its notices, messages to staff); redis_rate adds its own "rate:"
//	                                   prefix. Ids only, expiring within the budget's period.
const prefix = "{hn}:"

// oldPrefix is the prefix of keys written before the hash tag; MigrateKeyPrefix renames them.
const oldPrefix = "hn:"

// Key returns the full name of a key of the schema written without its prefix ("users:seen" is
// "{hn}:users:seen"), for tests and operators' tools that look at Redis directly; the store itself spells
// its keys with the functions below.
func Key(rest string) string { return prefix + rest }

func id(n int64) string { return strconv.FormatInt(n, 10) }

func keyUser(uid int64) string             { return prefix + "user:" + id(uid) }
func keyUsers() string                     { return prefix + "users" }
func keyUsersSeen() string                 { return prefix + "users:seen" }
func keyUserCounts() string                { return prefix + "stats:users" }
func keyStatsMigration() string            { return prefix + "migrate:stats" }
func keyPrefixMigration() string           { return prefix + "migrate:prefix" }
func keySeen(updateID int64) string        { return prefix + "upd:seen:" + id(updateID) }
func keyIntake(chat int64) string          { return prefix + "intake:" + id(chat) }
func keyIntakeChats() string               { return prefix + "intake:chats" }
func keyIntakeFull(chat int64) string      { return prefix + "intake:" + id(chat) + ":full" }
func keyRejected() string                  { return prefix + "intake:rejected" }
func keyChatLock(chat int64) string        { return prefix + "lock:chat:" + id(chat) }
func keySessionPrefix() string             { return prefix + "session:" }
func keySession(uid int64) string          { return keySessionPrefix() + id(uid) }
func keySessions() string                  { return prefix + "sessions" }
func keyOutbox(lane string) string         { return prefix + "outbox:" + lane }
func keyOutboxInflight(lane string) string { return prefix + "outbox:" + lane + ":inflight" }
func keyPauseBulk() string                 { return prefix + "pause:bulk" }
func keyOnce(key string) string            { return prefix + "once:" + key }
func keyRetryRounds(name string) string    { return prefix + "retry:" + name }

func keyUnanswered(day time.Time) string    { return prefix + "unanswered:" + day.Format("20060102") }
func keyLessons() string                    { return prefix + "faq:lessons" }
func keyTeachable(hash string) string       { return prefix + "faq:teach:" + hash }
func keyLastQuestion(uid int64) string      { return prefix + "lastq:" + id(uid) }
func keyUserUnanswered(uid int64) string    { return prefix + "user:" + id(uid) + ":unanswered" }
func keyQuestionStats(day time.Time) string { return prefix + "stats:q:" + day.Format("20060102") }

// space is a kind of application for places: registrations for programmes and sign-ups for events keep the
// same shape and share the scripts (capacity, waiting list, promotion), under their own keys.
type space string

const (
	regs    space = "reg"
	signups space = "signup"
)

func (sp space) prefix(prog string) string         { return prefix + string(sp) + ":" + prog + ":" }
func (sp space) one(prog string, uid int64) string { return sp.prefix(prog) + id(uid) }
func (sp space) all(prog string) string            { return prefix + string(sp) + "s:" + prog }
func (sp space) held(prog string) string           { return sp.all(prog) + ":registered" }
func (sp space) user(uid int64) string             { return prefix + "user:" + id(uid) + ":" + string(sp) + "s" }
func (sp space) declined(prog string) string       { return sp.all(prog) + ":declined" }

func keyReg(prog string, uid int64) string { return regs.one(prog, uid) }
func keyRegs(prog string) string           { return regs.all(prog) }
func keyRegistered(prog string) string     { return regs.held(prog) }
func keyUserRegs(uid int64) string         { return regs.user(uid) }
func keyRegSeq() string                    { return prefix + "reg:seq" }
func keyEvents() string                    { return prefix + "events" }
func keyEvent(ev string) string            { return prefix + "event:" + ev }
func keyReminders() string                 { return prefix + "reminders" }
func keyEventReminders(ev string) string   { return prefix + "reminders:" + ev }
func keyReminderPrefs(uid int64) string    { return prefix + "user:" + id(uid) + ":reminders" }
func keyHandoffBlocked() string            { return prefix + "handoff:blocked" }
func keyBroadcastSeq() string              { return prefix + "bc:seq" }
func keyBroadcast(id string) string        { return prefix + "bc:" + id }
func keyBroadcastTo(id string) string      { return prefix + "bc:" + id + ":to" }
func keyBroadcastDone(id string) string    { return prefix + "bc:" + id + ":done" }
func keyBroadcastListed(id string) string  { return prefix + "bc:" + id + ":listed" }
func keyBroadcasts() string                { return prefix + "bcs" }
func keyBroadcastsDue() string             { return prefix + "bcs:due" }
func keyBroadcastsActive() string          { return prefix + "bcs:active" }
func keyTopic(topic string) string         { return prefix + "topic:" + topic }
func keyUserTopics(uid int64) string       { return prefix + "user:" + id(uid) + ":topics" }
func keyStaff() string                     { return prefix + "staff" }

func keyDeclined(prog string) string { return regs.declined(prog) }

func keyReasonPrompt(chat int64, msg int) string {
	return prefix + "decision:prompt:" + id(chat) + ":" + strconv.Itoa(msg)
}
func keyConversation(uid int64) string { return prefix + "conv:" + id(uid) }
func keyConversationPending(uid int64) string {
	return prefix + "conv:" + id(uid) + ":pending"
}
func keyConversationMessages(uid int64) string { return prefix + "conv:" + id(uid) + ":msgs" }
func keyConversationMessage(chat int64, msg int) string {
	return prefix + "convmsg:" + id(chat) + ":" + strconv.Itoa(msg)
}
func keyConversations() string { return prefix + "convs" }

func keyJobRun(name string, tick time.Time) string {
	return prefix + "job:" + name + ":" + tick.UTC().Format("200601021504")
}

// BroadcastLockKey is the key of the lease (github.com/bsm/redislock) held by the replica sending a
// broadcast, so that two never list its recipients at once.
func BroadcastLockKey(id string) string { return prefix + "lock:bc:" + id }

// RateKey returns the redis_rate key for a named budget ("global", "chat:42", "user:42").
func RateKey(name string) string { return prefix + "rate:" + name }
