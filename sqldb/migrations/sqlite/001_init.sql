-- Times are stored in UTC: SQLite compares them as text.
CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    verified_at   TIMESTAMP,
    created_at    TIMESTAMP NOT NULL
);

CREATE TABLE user_roles (
    user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role       TEXT NOT NULL,
    granted_by INTEGER REFERENCES users(id),
    granted_at TIMESTAMP NOT NULL,
    PRIMARY KEY (user_id, role)
);

CREATE TABLE role_changes (
    id      INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role    TEXT NOT NULL,
    granted BOOLEAN NOT NULL,
    by_id   INTEGER REFERENCES users(id),
    at      TIMESTAMP NOT NULL
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);

-- One-time tokens mailed to people: address verification, password reset,
-- change of address (email holds the new address).
CREATE TABLE user_tokens (
    token_hash TEXT PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    purpose    TEXT NOT NULL,
    email      TEXT NOT NULL,
    expires_at TIMESTAMP NOT NULL
);

CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    created_at   TIMESTAMP NOT NULL,
    last_used_at TIMESTAMP
);

-- Failed sign-ins per account and per client address.
CREATE TABLE auth_throttle (
    key          TEXT PRIMARY KEY,
    failures     INTEGER NOT NULL,
    last_failure TIMESTAMP NOT NULL,
    locked_until TIMESTAMP NOT NULL
);

CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    recipient       TEXT NOT NULL,
    subject         TEXT NOT NULL,
    body            TEXT NOT NULL,
    created_at      TIMESTAMP NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    claimed_until   TIMESTAMP,
    sent_at         TIMESTAMP,
    delivered_via   TEXT NOT NULL DEFAULT '',
    last_error      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX outbox_due ON outbox(next_attempt_at) WHERE sent_at IS NULL;

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE policies (
    id         INTEGER PRIMARY KEY,
    kind       TEXT NOT NULL,
    version    INTEGER NOT NULL,
    body       TEXT NOT NULL,
    created_by INTEGER REFERENCES users(id),
    created_at TIMESTAMP NOT NULL,
    UNIQUE (kind, version)
);

CREATE TABLE groups (
    id             INTEGER PRIMARY KEY,
    slug           TEXT NOT NULL UNIQUE,
    name           TEXT NOT NULL,
    short_name     TEXT NOT NULL DEFAULT '',
    description    TEXT NOT NULL DEFAULT '',
    city           TEXT NOT NULL,
    country        TEXT NOT NULL,
    latitude       REAL,
    longitude      REAL,
    time_zone      TEXT NOT NULL,
    cadence        TEXT NOT NULL,
    status         TEXT NOT NULL,
    decline_reason TEXT NOT NULL DEFAULT '',
    sort_name      TEXT NOT NULL,
    name_key       TEXT NOT NULL,
    short_key      TEXT NOT NULL,
    -- Name, short name, city and description folded to lower case without
    -- accents (see searchText), indexed for full-text search.
    search_text    TEXT NOT NULL DEFAULT '',
    created_by     INTEGER REFERENCES users(id),
    created_at     TIMESTAMP NOT NULL,
    updated_at     TIMESTAMP NOT NULL
);
CREATE INDEX groups_by_name ON groups(sort_name, id);
CREATE INDEX groups_by_created ON groups(created_at, id);
CREATE INDEX groups_by_country ON groups(country, sort_name);
CREATE INDEX groups_by_status ON groups(status, created_at);

-- Organiser emails and URLs, in the order the organizers gave them.
CREATE TABLE group_contacts (
    group_id INTEGER NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
    kind     TEXT NOT NULL,
    position INTEGER NOT NULL,
    value    TEXT NOT NULL,
    PRIMARY KEY (group_id, kind, position)
);

CREATE TABLE group_channels (
    group_id INTEGER NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    type     TEXT NOT NULL,
    url      TEXT NOT NULL,
    PRIMARY KEY (group_id, position)
);

-- A coordinator is an organizer of the group once an account with the same
-- verified address exists; invitations need no separate table.
CREATE TABLE coordinators (
    group_id INTEGER NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
    email    TEXT NOT NULL,
    name     TEXT NOT NULL,
    employer TEXT NOT NULL DEFAULT '',
    position INTEGER NOT NULL,
    PRIMARY KEY (group_id, email)
);
CREATE INDEX coordinators_by_email ON coordinators(email);

CREATE TABLE group_events (
    id          INTEGER PRIMARY KEY,
    group_id    INTEGER NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
    at          TIMESTAMP NOT NULL,
    actor_id    INTEGER REFERENCES users(id),
    kind        TEXT NOT NULL,
    from_status TEXT NOT NULL DEFAULT '',
    to_status   TEXT NOT NULL DEFAULT '',
    detail      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX group_events_by_group ON group_events(group_id, at);

CREATE TABLE policy_agreements (
    id        INTEGER PRIMARY KEY,
    group_id  INTEGER NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
    policy_id INTEGER NOT NULL REFERENCES policies(id),
    user_id   INTEGER NOT NULL REFERENCES users(id),
    agreed_at TIMESTAMP NOT NULL
);
CREATE INDEX policy_agreements_by_group ON policy_agreements(group_id, policy_id);

CREATE VIRTUAL TABLE groups_fts USING fts5(
    search_text, content = 'groups', content_rowid = 'id', tokenize = 'unicode61'
);
CREATE TRIGGER groups_fts_insert AFTER INSERT ON groups BEGIN
    INSERT INTO groups_fts(rowid, search_text) VALUES (new.id, new.search_text);
END;
CREATE TRIGGER groups_fts_delete AFTER DELETE ON groups BEGIN
    INSERT INTO groups_fts(groups_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text);
END;
CREATE TRIGGER groups_fts_update AFTER UPDATE OF search_text ON groups BEGIN
    INSERT INTO groups_fts(groups_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text);
    INSERT INTO groups_fts(rowid, search_text) VALUES (new.id, new.search_text);
END;
