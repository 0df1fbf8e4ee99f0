-- Official status follows the facts. Nothing is revoked automatically: a
-- community manager decides. These tables record what needs a decision.

-- An official group that no longer meets some steps: which ones (step ids,
-- comma-separated, in program order) and since when. Written when the lapse
-- is first seen, so that the organizers, mentors and community managers are
-- told once; updated when more steps fail; deleted when every step is met
-- again or the group is no longer official.
CREATE TABLE official_lapses (
    group_id BIGINT NOT NULL PRIMARY KEY REFERENCES groups(id) ON DELETE CASCADE,
    steps    TEXT NOT NULL,
    since    TIMESTAMPTZ NOT NULL
);

-- An official group renamed by its organizers, waiting for a community
-- manager to accept the new name or roll it back. One per group: a second
-- rename before the decision updates the new name and keeps the old one.
CREATE TABLE pending_renames (
    group_id       BIGINT NOT NULL PRIMARY KEY REFERENCES groups(id) ON DELETE CASCADE,
    old_name       TEXT NOT NULL,
    old_short_name TEXT NOT NULL,
    new_name       TEXT NOT NULL,
    new_short_name TEXT NOT NULL,
    by_id          BIGINT REFERENCES users(id),
    at             TIMESTAMPTZ NOT NULL
);
