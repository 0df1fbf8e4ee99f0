-- Limits on what the portal does on request, mail above all: one row per
-- key (an address, an account) counting hits in a window that starts with
-- the first hit and ends at resets_at. An upsert makes each hit atomic, so
-- the limits hold across every node sharing the database.
CREATE TABLE rate_limits (
    key       TEXT PRIMARY KEY,
    hits      INTEGER NOT NULL,
    resets_at TIMESTAMPTZ NOT NULL
);

-- A mail carrying a one-time link: kept_body is the body without it, which
-- replaces the body once the mail is delivered; token_hash names the link's
-- token in user_tokens, so the outgoing mail page shows the link only while
-- it still works.
ALTER TABLE outbox ADD COLUMN kept_body TEXT;
ALTER TABLE outbox ADD COLUMN token_hash TEXT;

-- Sent mail is deleted after a retention period.
CREATE INDEX outbox_sent ON outbox(sent_at) WHERE sent_at IS NOT NULL;
