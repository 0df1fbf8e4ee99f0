-- The Official User Group Process: mentoring ambassadors, validations and
-- comments per step, steps marked not needed, accepted meeting rhythms,
-- meetings recorded by hand and the versions of the program definition.
-- Step ids are those of the program definition (a TOML file or a version
-- stored below), so they are plain text, not foreign keys. Times are UTC.

-- Ambassadors mentoring a group. Only people who still hold the ambassador
-- role count (the store joins user_roles), so taking the role away ends the
-- mentoring without losing who mentored whom.
CREATE TABLE group_ambassadors (
    group_id    INTEGER NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
    user_id     INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    assigned_by INTEGER REFERENCES users(id),
    assigned_at TIMESTAMP NOT NULL,
    PRIMARY KEY (group_id, user_id)
);
CREATE INDEX group_ambassadors_by_user ON group_ambassadors(user_id);

-- Every verdict ever given, never updated: the latest per step and role
-- counts until it expires (Program.ValidationValidity).
CREATE TABLE step_validations (
    id       INTEGER PRIMARY KEY,
    group_id INTEGER NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
    step_id  TEXT NOT NULL,
    role     TEXT NOT NULL,
    verdict  TEXT NOT NULL,
    comment  TEXT NOT NULL DEFAULT '',
    by_id    INTEGER REFERENCES users(id),
    at       TIMESTAMP NOT NULL
);
CREATE INDEX step_validations_by_group ON step_validations(group_id, step_id, at);

-- The comment thread of each step of each group.
CREATE TABLE step_comments (
    id        INTEGER PRIMARY KEY,
    group_id  INTEGER NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
    step_id   TEXT NOT NULL,
    author_id INTEGER REFERENCES users(id),
    body      TEXT NOT NULL,
    at        TIMESTAMP NOT NULL
);
CREATE INDEX step_comments_by_group ON step_comments(group_id, step_id, at);

-- Steps a community manager marked "not needed" for a group, with the reason.
CREATE TABLE step_exemptions (
    group_id INTEGER NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
    step_id  TEXT NOT NULL,
    reason   TEXT NOT NULL,
    by_id    INTEGER REFERENCES users(id),
    at       TIMESTAMP NOT NULL,
    PRIMARY KEY (group_id, step_id)
);

-- A community manager's decision to measure a group against another cadence
-- than the one it declared.
CREATE TABLE accepted_rhythms (
    group_id INTEGER NOT NULL PRIMARY KEY REFERENCES groups(id) ON DELETE CASCADE,
    cadence  TEXT NOT NULL,
    note     TEXT NOT NULL,
    by_id    INTEGER REFERENCES users(id),
    at       TIMESTAMP NOT NULL
);

-- Past meetings recorded by the organizers. The meetings check counts rows
-- held in the twelve months before now (countMeetingsHeld in official.go).
-- When meetings are held through the portal, their table (say meetings,
-- with group_id and starts_at) joins that count with
--     SELECT group_id, held_on FROM recorded_meetings
--     UNION ALL SELECT group_id, starts_at FROM meetings WHERE NOT cancelled
-- and a portal meeting recorded by hand too is linked by a nullable
-- recorded_meetings.meeting_id (added then) and left out of the union, so
-- nothing counts twice and no recorded history is rewritten.
CREATE TABLE recorded_meetings (
    id          INTEGER PRIMARY KEY,
    group_id    INTEGER NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
    held_on     TIMESTAMP NOT NULL,
    title       TEXT NOT NULL,
    format      TEXT NOT NULL,
    attendance  INTEGER,
    link        TEXT NOT NULL DEFAULT '',
    recorded_by INTEGER REFERENCES users(id),
    recorded_at TIMESTAMP NOT NULL
);
CREATE INDEX recorded_meetings_by_group ON recorded_meetings(group_id, held_on);

-- The program definition as community managers edit it in the portal: each
-- save is a new version holding the whole TOML file (ExportProgram), so
-- every change is kept with who made it and when.
CREATE TABLE program_versions (
    version    INTEGER NOT NULL PRIMARY KEY,
    body       TEXT NOT NULL,
    created_by INTEGER REFERENCES users(id),
    created_at TIMESTAMP NOT NULL
);
