// Package telegramtest is a fake Telegram Bot API server for the bot's end-to-end
// tests and for the local terminal demo (`huunghi chat`).
//
// The fake sits at the wire. The bot under test talks to it exactly as it talks
// to api.telegram.org — go-telegram/bot pointed at it with
// bot.WithServerURL(srv.URL()), or our own intake calling getUpdates — so a test
// covers request encoding, error handling and the intake loop as well as the
// handlers. Requests may be multipart/form-data (what go-telegram/bot sends),
// JSON or URL-encoded, like the real Bot API accepts; answers have the Bot API
// shape {"ok":true,"result":...} or {"ok":false,"error_code":N,"description":...}.
//
// Tests play the users (PushText, PushCallback, PushContact, PushDocument,
// PushGroupReply, ...) and assert on what a user would see: Messages returns
// every message the bot sent to a chat, with later edits and deletions applied,
// copies (copyMessage) carrying the text, caption, photo or file of their
// source — a user's pushed message or the bot's own — and replies and ForceReply
// prompts marked. Calls and Answers record the raw
// traffic for what has no visible message (chat actions, callback answers).
//
// The fake refuses what Telegram refuses wherever a bot bug would otherwise pass
// unnoticed until production: empty or over-long texts, HTML tags Telegram does
// not know, unescaped MarkdownV2 characters, callback data over 64 bytes, inline
// buttons without an action, edits of unknown, deleted or unchanged messages,
// answers to unknown callback queries, invalid command lists. Its descriptions
// are Telegram's, so error handling written against the fake holds in production.
// FailNext and SetLatency inject the faults the bot's outbox must survive
// (429 with retry_after, 403 for a user who blocked the bot, 5xx, slowness);
// InjectNext and InjectRandom (seeded) inject faults at the wire: a proxy's
// 5xx with or without a JSON body, calls held past the client's timeout, slow
// answers, and connection resets before a call took effect or after it, when
// the message is sent but its answer lost (Injections records which).
//
// Invariants: update ids start at 1 and increase; an update stays pending until
// confirmed (a getUpdates offset above it, or a 2xx from the webhook). Message
// ids increase per chat and are shared by the users' and the bot's messages, as
// in a real private chat. Every Server method is safe for concurrent use; the
// package has no package-level mutable state, so tests may run many servers in
// parallel.
package telegramtest
