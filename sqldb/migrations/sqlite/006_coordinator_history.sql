-- Who coordinated which group, from when until when (ended_at NULL while
-- they still do). A person who coordinates a group, or did within the
-- program's validation validity, neither validates its steps nor counts as
-- its mentor: stepping out of the coordinators to vouch for one's own group
-- must not work. Keyed by address, like coordinators; a changed address
-- follows the person.
CREATE TABLE coordinator_terms (
    id         INTEGER PRIMARY KEY,
    group_id   INTEGER NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
    email      TEXT NOT NULL,
    started_at TIMESTAMP NOT NULL,
    ended_at   TIMESTAMP
);
CREATE INDEX coordinator_terms_by_group ON coordinator_terms(group_id, email);
CREATE INDEX coordinator_terms_by_email ON coordinator_terms(email);

-- Today's coordinators have coordinated since their group applied, as far
-- as anyone knows: the history named past coordinators without addresses.
INSERT INTO coordinator_terms (group_id, email, started_at)
    SELECT c.group_id, c.email, g.created_at FROM coordinators c JOIN groups g ON g.id = c.group_id;

-- The slugs a group had before it was first listed. Until then a group's
-- slug carries a random suffix, so that a hidden application neither holds
-- the plain slug of its name nor shows, in the suffix a later application
-- gets, that it exists; once listed it takes the plain slug (numbered among
-- what is taken), and the earlier one keeps leading to it.
CREATE TABLE group_slugs (
    slug     TEXT NOT NULL PRIMARY KEY,
    group_id INTEGER NOT NULL REFERENCES groups(id) ON DELETE CASCADE
);
CREATE INDEX group_slugs_by_group ON group_slugs(group_id);

-- Applications made before this migration hold their name's plain slug
-- (or a number after it): left so, they would push a group listed later
-- under the same name to "-2", telling anyone that a hidden one exists.
-- They take a random suffix as a new application does (hiddenSlug). Their
-- old slug is not kept in group_slugs to go on leading to them: listedSlug
-- numbers among group_slugs too, so it would leak just the same; links
-- mailed about these applications stop working.
UPDATE groups SET slug = slug || '-' || lower(hex(randomblob(4)))
    WHERE status IN ('proposed', 'pending', 'declined');
