package sqldb

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base32"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	ch "chapterhouse"
)

const groupColumns = `g.id, g.slug, g.name, g.short_name, g.description, g.city, g.country, g.latitude, g.longitude,
	g.time_zone, g.cadence, g.status, g.decline_reason, COALESCE(g.created_by, 0), g.created_at, g.updated_at`

func scanGroup(row interface{ Scan(...any) error }) (*ch.Group, error) {
	var g ch.Group
	var lat, lon sql.NullFloat64
	err := row.Scan(&g.ID, &g.Slug, &g.Name, &g.ShortName, &g.Description, &g.City, &g.Country, &lat, &lon,
		&g.TimeZone, &g.Cadence, &g.Status, &g.DeclineReason, &g.CreatedBy, &g.CreatedAt, &g.UpdatedAt)
	if err != nil {
		return nil, err
	}
	if lat.Valid && lon.Valid {
		g.Latitude, g.Longitude = &lat.Float64, &lon.Float64
	}
	return &g, nil
}

// bySlug finds a group by its slug ($1) or by a slug it had before it was
// listed (see listedSlug), so that links mailed about an application keep
// working.
const bySlug = `(g.slug = $1 OR g.id = (SELECT s.group_id FROM group_slugs s WHERE s.slug = $1))`

// GroupBySlug loads a group with its contacts, channels and coordinators.
func (db *DB) GroupBySlug(ctx context.Context, slug string) (*ch.Group, error) {
	g, err := scanGroup(db.sql.QueryRowContext(ctx, `SELECT `+groupColumns+` FROM groups g WHERE `+bySlug, slug))
	if err != nil {
		return nil, db.translate(err, "Group")
	}
	return g, db.loadDetails(ctx, db.sql, g)
}

// loadDetails loads the contacts, channels, coordinators and agreed policy
// version of one group or of a batch of them, in four statements.
func (db *DB) loadDetails(ctx context.Context, q querier, groups ...*ch.Group) error {
	if len(groups) == 0 {
		return nil // "IN ()" is not SQL
	}
	byID := make(map[int64]*ch.Group, len(groups))
	for _, g := range groups {
		g.OrganiserEmails, g.URLs, g.Channels, g.Coordinators, g.PolicyVersion = nil, nil, nil, nil, 0
		byID[g.ID] = g
	}
	ids := groupIDs(groups)
	a := sqlArgs{d: db.d}
	err := eachRow(ctx, q, `SELECT group_id, kind, value FROM group_contacts WHERE group_id IN (`+addList(&a, ids)+`) ORDER BY group_id, kind, position`,
		a.vals, func(rows *sql.Rows) error {
			var id int64
			var kind, value string
			if err := rows.Scan(&id, &kind, &value); err != nil {
				return err
			}
			if g := byID[id]; kind == "email" {
				g.OrganiserEmails = append(g.OrganiserEmails, value)
			} else {
				g.URLs = append(g.URLs, value)
			}
			return nil
		})
	if err != nil {
		return err
	}
	a = sqlArgs{d: db.d}
	err = eachRow(ctx, q, `SELECT group_id, type, url FROM group_channels WHERE group_id IN (`+addList(&a, ids)+`) ORDER BY group_id, position`,
		a.vals, func(rows *sql.Rows) error {
			var id int64
			var c ch.Channel
			if err := rows.Scan(&id, &c.Type, &c.URL); err != nil {
				return err
			}
			byID[id].Channels = append(byID[id].Channels, c)
			return nil
		})
	if err != nil {
		return err
	}
	a = sqlArgs{d: db.d}
	err = eachRow(ctx, q, `SELECT group_id, email, name, employer FROM coordinators WHERE group_id IN (`+addList(&a, ids)+`) ORDER BY group_id, position`,
		a.vals, func(rows *sql.Rows) error {
			var id int64
			var c ch.Coordinator
			if err := rows.Scan(&id, &c.Email, &c.Name, &c.Employer); err != nil {
				return err
			}
			byID[id].Coordinators = append(byID[id].Coordinators, c)
			return nil
		})
	if err != nil {
		return err
	}
	a = sqlArgs{d: db.d}
	return eachRow(ctx, q, `SELECT a.group_id, max(p.version) FROM policy_agreements a JOIN policies p ON p.id = a.policy_id
		WHERE a.group_id IN (`+addList(&a, ids)+`) GROUP BY a.group_id`, a.vals, func(rows *sql.Rows) error {
		var id int64
		var v int
		if err := rows.Scan(&id, &v); err != nil {
			return err
		}
		byID[id].PolicyVersion = v
		return nil
	})
}

// CreateGroup records an application as pending, with the applicant's policy
// agreement and the history entry, and queues notify's mails.
func (db *DB) CreateGroup(ctx context.Context, app ch.Application, applicant *ch.User, notify ch.Notify) (*ch.Group, error) {
	now := db.now()
	var g *ch.Group
	err := db.tx(ctx, func(tx *sql.Tx) error {
		slug, err := db.hiddenSlug(ctx, tx, ch.Slugify(app.Name))
		if err != nil {
			return err
		}
		var id int64
		err = tx.QueryRowContext(ctx, `INSERT INTO groups (slug, name, short_name, description, city, country, latitude, longitude,
			time_zone, cadence, status, sort_name, name_key, short_key, search_text, created_by, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $17) RETURNING id`,
			slug, app.Name, app.ShortName, app.Description, app.City, app.Country, app.Latitude, app.Longitude,
			app.TimeZone, app.Cadence, ch.StatusPending, ch.SortName(app.Name), ch.NameKey(app.Name), ch.ShortKey(app.ShortName),
			searchText(app), applicant.ID, now).Scan(&id)
		if err != nil {
			return db.translate(err, "Group")
		}
		if err := db.writeProfileLists(ctx, tx, id, app); err != nil {
			return err
		}
		if err := recordCoordinatorTerms(ctx, tx, id, nil, app.Coordinators, now); err != nil {
			return err
		}
		version := 0
		if app.PolicyAgreed {
			if version, err = agreeToPolicy(ctx, tx, id, applicant.ID, now); err != nil {
				return err
			}
		}
		if err := addEvent(ctx, tx, ch.GroupEvent{GroupID: id, At: now, ActorID: applicant.ID, Kind: ch.EventApplied, ToStatus: ch.StatusPending}); err != nil {
			return err
		}
		// Everything stored is known here; reading it back would double the
		// statements of the busiest write (the demo makes 10,000 of them).
		g = &ch.Group{ID: id, Slug: slug, Name: app.Name, ShortName: app.ShortName, Description: app.Description,
			City: app.City, Country: app.Country, Latitude: app.Latitude, Longitude: app.Longitude, TimeZone: app.TimeZone,
			OrganiserEmails: app.OrganiserEmails, URLs: app.URLs, Channels: app.Channels, Coordinators: app.Coordinators,
			Cadence: app.Cadence, Status: ch.StatusPending, PolicyVersion: version, CreatedBy: applicant.ID, CreatedAt: now, UpdatedAt: now}
		return enqueueAll(ctx, tx, now, notify, g)
	})
	db.counts.clear()
	return g, err
}

// lockGroup reads a group inside a transaction that will change it, locking
// its row against concurrent changes where the engine needs that.
func (db *DB) lockGroup(ctx context.Context, tx *sql.Tx, slug string) (*ch.Group, error) {
	g, err := scanGroup(tx.QueryRowContext(ctx, `SELECT `+groupColumns+` FROM groups g WHERE `+bySlug+db.d.forUpdate, slug))
	if err != nil {
		return nil, db.translate(err, "Group")
	}
	return g, nil
}

// hiddenSlug is the slug of an application until it is listed: its name's
// slug with a random suffix, whatever else exists. A suffix that depended
// on the groups holding the name would tell the applicant of hidden
// (pending or declined) ones.
func (db *DB) hiddenSlug(ctx context.Context, tx *sql.Tx, base string) (string, error) {
	src := db.Rand
	if src == nil {
		src = rand.Reader
	}
	b := make([]byte, 5) // eight base32 letters
	for {
		if _, err := io.ReadFull(src, b); err != nil {
			return "", err
		}
		slug := base + "-" + strings.ToLower(base32.StdEncoding.EncodeToString(b))
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM groups WHERE slug = $1) + (SELECT count(*) FROM group_slugs WHERE slug = $1)`,
			slug).Scan(&n); err != nil || n == 0 {
			return slug, err
		}
	}
}

// listedSlug gives a group its lasting slug when it is first listed: its
// name's slug, numbered after the ones taken. Hidden applications hold
// only random slugs (see hiddenSlug), so the number counts listed groups,
// which anyone can see. The slug it had keeps leading to it.
func (db *DB) listedSlug(ctx context.Context, tx *sql.Tx, g *ch.Group) error {
	slug, err := uniqueSlug(ctx, tx, ch.Slugify(g.Name), g.ID)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO group_slugs (slug, group_id) VALUES ($1, $2)`, g.Slug, g.ID); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE groups SET slug = $1 WHERE id = $2`, slug, g.ID); err != nil {
		return err
	}
	g.Slug = slug
	return nil
}

// uniqueSlug returns base, or base numbered, as no group but the one with
// ID self holds it, now or as an earlier slug: a group that already holds
// its name's slug (one that applied before slugs were random) keeps it
// rather than moving to "-2" away from itself.
func uniqueSlug(ctx context.Context, tx *sql.Tx, base string, self int64) (string, error) {
	rows, err := tx.QueryContext(ctx, `SELECT slug FROM groups WHERE id <> $4 AND (slug = $1 OR (slug > $2 AND slug < $3))
		UNION SELECT slug FROM group_slugs WHERE group_id <> $4 AND (slug = $1 OR (slug > $2 AND slug < $3))`, base, base+"-", base+".", self)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	// "new" is taken by the apply form (/groups/new): a group slugged so
	// could never be opened.
	taken := map[string]bool{"new": true}
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return "", err
		}
		taken[s] = true
	}
	slug := base
	for i := 2; taken[slug]; i++ {
		slug = fmt.Sprintf("%s-%d", base, i)
	}
	return slug, rows.Err()
}

func (db *DB) writeProfileLists(ctx context.Context, tx *sql.Tx, id int64, app ch.Application) error {
	for _, table := range []string{"group_contacts", "group_channels", "coordinators"} {
		if _, err := tx.ExecContext(ctx, `DELETE FROM `+table+` WHERE group_id = $1`, id); err != nil {
			return err
		}
	}
	for i, e := range app.OrganiserEmails {
		if _, err := tx.ExecContext(ctx, `INSERT INTO group_contacts (group_id, kind, position, value) VALUES ($1, 'email', $2, $3)`, id, i, e); err != nil {
			return err
		}
	}
	for i, u := range app.URLs {
		if _, err := tx.ExecContext(ctx, `INSERT INTO group_contacts (group_id, kind, position, value) VALUES ($1, 'url', $2, $3)`, id, i, u); err != nil {
			return err
		}
	}
	for i, c := range app.Channels {
		if _, err := tx.ExecContext(ctx, `INSERT INTO group_channels (group_id, position, type, url) VALUES ($1, $2, $3, $4)`, id, i, c.Type, c.URL); err != nil {
			return err
		}
	}
	for i, c := range app.Coordinators {
		if _, err := tx.ExecContext(ctx, `INSERT INTO coordinators (group_id, email, name, employer, position) VALUES ($1, $2, $3, $4, $5)`,
			id, c.Email, c.Name, c.Employer, i); err != nil {
			return db.translate(err, "Coordinator")
		}
	}
	return nil
}

// recordCoordinatorTerms opens a term for each coordinator in after but not
// in before, and ends the open term of each one in before but not in after.
func recordCoordinatorTerms(ctx context.Context, tx *sql.Tx, groupID int64, before, after []ch.Coordinator, now time.Time) error {
	listed := func(list []ch.Coordinator, email string) bool {
		return slices.ContainsFunc(list, func(c ch.Coordinator) bool { return c.Email == email })
	}
	for _, c := range after {
		if !listed(before, c.Email) {
			if _, err := tx.ExecContext(ctx, `INSERT INTO coordinator_terms (group_id, email, started_at) VALUES ($1, $2, $3)`,
				groupID, c.Email, now); err != nil {
				return err
			}
		}
	}
	for _, c := range before {
		if !listed(after, c.Email) {
			if _, err := tx.ExecContext(ctx, `UPDATE coordinator_terms SET ended_at = $1 WHERE group_id = $2 AND email = $3 AND ended_at IS NULL`,
				now, groupID, c.Email); err != nil {
				return err
			}
		}
	}
	return nil
}

// coordinatorTerms returns, per group, the terms of its coordinators, past
// and present, who have an account.
func (db *DB) coordinatorTerms(ctx context.Context, q querier, ids []int64) (map[int64][]ch.CoordinatorTerm, error) {
	a := sqlArgs{d: db.d}
	query := `SELECT t.group_id, u.id, t.started_at, t.ended_at FROM coordinator_terms t JOIN users u ON u.email = t.email
		WHERE t.group_id IN (` + addList(&a, ids) + `)`
	out := map[int64][]ch.CoordinatorTerm{}
	err := eachRow(ctx, q, query, a.vals, func(rows *sql.Rows) error {
		var id int64
		var t ch.CoordinatorTerm
		if err := rows.Scan(&id, &t.UserID, &t.From, &t.Until); err != nil {
			return err
		}
		out[id] = append(out[id], t)
		return nil
	})
	return out, err
}

// CoordinatorTerms returns the terms of a group's coordinators, past and
// present, who have an account.
func (db *DB) CoordinatorTerms(ctx context.Context, groupID int64) ([]ch.CoordinatorTerm, error) {
	terms, err := db.coordinatorTerms(ctx, db.sql, []int64{groupID})
	return terms[groupID], err
}

func addEvent(ctx context.Context, q querier, e ch.GroupEvent) error {
	_, err := q.ExecContext(ctx, `INSERT INTO group_events (group_id, at, actor_id, kind, from_status, to_status, detail)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, e.GroupID, e.At, nullID(e.ActorID), e.Kind, e.FromStatus, e.ToStatus, e.Detail)
	return err
}

func enqueueAll(ctx context.Context, tx *sql.Tx, now time.Time, notify ch.Notify, g *ch.Group) error {
	if notify == nil {
		return nil
	}
	for _, m := range notify(g) {
		if err := enqueue(ctx, tx, now, m); err != nil {
			return err
		}
	}
	return nil
}

// UpdateGroup saves an edited profile. Coordinator changes are written to
// the history; a declined application goes back to review.
func (db *DB) UpdateGroup(ctx context.Context, slug string, app ch.Application, by *ch.User, notify ch.Notify) (*ch.Group, error) {
	now := db.now()
	var g *ch.Group
	err := db.tx(ctx, func(tx *sql.Tx) error {
		old, err := db.lockGroup(ctx, tx, slug)
		if err != nil {
			return err
		}
		if err := db.loadDetails(ctx, tx, old); err != nil {
			return err
		}
		status := ch.Resubmit(old.Status)
		_, err = tx.ExecContext(ctx, `UPDATE groups SET name = $1, short_name = $2, description = $3, city = $4, country = $5,
			latitude = $6, longitude = $7, time_zone = $8, cadence = $9, status = $10, decline_reason = '', sort_name = $11, name_key = $12,
			short_key = $13, search_text = $14, updated_at = $15 WHERE id = $16`,
			app.Name, app.ShortName, app.Description, app.City, app.Country, app.Latitude, app.Longitude, app.TimeZone,
			app.Cadence, status, ch.SortName(app.Name), ch.NameKey(app.Name), ch.ShortKey(app.ShortName), searchText(app), now, old.ID)
		if err != nil {
			return err
		}
		if err := db.writeProfileLists(ctx, tx, old.ID, app); err != nil {
			return err
		}
		if err := recordCoordinatorTerms(ctx, tx, old.ID, old.Coordinators, app.Coordinators, now); err != nil {
			return err
		}
		if err := db.recordRename(ctx, tx, old, app, by, now); err != nil {
			return err
		}
		if app.PolicyAgreed {
			if _, err := agreeToPolicy(ctx, tx, old.ID, by.ID, now); err != nil {
				return err
			}
		}
		events := []ch.GroupEvent{{Kind: ch.EventEdited, Detail: "Profile updated"}}
		if status != old.Status {
			events = append(events, ch.GroupEvent{Kind: ch.EventResubmitted, FromStatus: old.Status, ToStatus: status})
		}
		events = append(events, ch.CoordinatorChanges(old.Coordinators, app.Coordinators)...)
		for _, e := range events {
			e.GroupID, e.At, e.ActorID = old.ID, now, by.ID
			if err := addEvent(ctx, tx, e); err != nil {
				return err
			}
		}
		g, err = scanGroup(tx.QueryRowContext(ctx, `SELECT `+groupColumns+` FROM groups g WHERE g.id = $1`, old.ID))
		if err != nil {
			return err
		}
		if err := db.loadDetails(ctx, tx, g); err != nil {
			return err
		}
		return enqueueAll(ctx, tx, now, notify, g)
	})
	db.counts.clear()
	return g, err
}

// GroupEvents returns a group's history, oldest first.
func (db *DB) GroupEvents(ctx context.Context, groupID int64) ([]ch.GroupEvent, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT e.id, e.group_id, e.at, COALESCE(e.actor_id, 0), COALESCE(u.name, ''), e.kind,
		e.from_status, e.to_status, e.detail FROM group_events e LEFT JOIN users u ON u.id = e.actor_id
		WHERE e.group_id = $1 ORDER BY e.at, e.id`, groupID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ch.GroupEvent
	for rows.Next() {
		var e ch.GroupEvent
		if err := rows.Scan(&e.ID, &e.GroupID, &e.At, &e.ActorID, &e.ActorName, &e.Kind, &e.FromStatus, &e.ToStatus, &e.Detail); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// GroupsOf returns the groups a person coordinates, in every status.
func (db *DB) GroupsOf(ctx context.Context, u *ch.User) ([]*ch.Group, error) {
	if !u.Verified() {
		return nil, nil
	}
	return db.queryGroups(ctx, `SELECT `+groupColumns+` FROM groups g JOIN coordinators c ON c.group_id = g.id
		WHERE c.email = $1 ORDER BY g.sort_name, g.id`, u.Email)
}

func (db *DB) queryGroups(ctx context.Context, query string, args ...any) ([]*ch.Group, error) {
	rows, err := db.sql.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*ch.Group
	for rows.Next() {
		g, err := scanGroup(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	return out, rows.Err()
}

// NamedGroups returns what the similarity check compares a new name
// against, as viewer may see it (ch.Viewer.CanSee): listed groups, and the
// groups viewer coordinates by verified address; every group, declined ones
// included, for community managers.
func (db *DB) NamedGroups(ctx context.Context, viewer *ch.User) ([]ch.NamedGroup, error) {
	a := sqlArgs{d: db.d}
	query := `SELECT g.slug, g.name, g.short_name, g.name_key, g.short_key FROM groups g`
	if !viewer.IsCommunityManager() {
		query += ` WHERE g.status IN (` + addList(&a, ch.PublicStatuses) + `)`
		if viewer.Verified() {
			query += ` OR EXISTS (SELECT 1 FROM coordinators c WHERE c.group_id = g.id AND c.email = ` + a.add(viewer.Email) + `)`
		}
	}
	var out []ch.NamedGroup
	err := eachRow(ctx, db.sql, query, a.vals, func(rows *sql.Rows) error {
		var n ch.NamedGroup
		err := rows.Scan(&n.Slug, &n.Name, &n.ShortName, &n.NameKey, &n.ShortKey)
		out = append(out, n)
		return err
	})
	return out, err
}

// GroupPage is one page of the directory.
type GroupPage struct {
	Groups     []*ch.Group
	Total      int
	NextCursor string
}

type cursor struct {
	Sort string `json:"s"`
	Key  string `json:"k"`
	ID   int64  `json:"i"`
}

// ListGroups returns a page of groups. Pages are keyed by the last row seen
// rather than an offset, so page 500 costs what page 1 does.
func (db *DB) ListGroups(ctx context.Context, f ch.GroupFilter) (GroupPage, error) {
	if f.Limit <= 0 || f.Limit > ch.MaxPageSize {
		f.Limit = ch.DefaultPageSize
	}
	statuses := f.Statuses
	if len(statuses) == 0 {
		statuses = ch.PublicStatuses
	}
	a := sqlArgs{d: db.d}
	where := []string{"g.status IN (" + addList(&a, statuses) + ")"}
	if f.Country != "" {
		where = append(where, "g.country = "+a.add(strings.ToUpper(f.Country)))
	}
	if words := searchWords(f.Query); len(words) > 0 {
		where = append(where, db.d.search(a.add(db.d.searchQuery(words))))
	}
	var page GroupPage
	countSQL := `SELECT count(*) FROM groups g WHERE ` + strings.Join(where, " AND ")
	countKey := fmt.Sprint(countSQL, a.vals)
	if n, ok := db.counts.get(countKey, time.Now()); ok {
		page.Total = n
	} else {
		if err := db.sql.QueryRowContext(ctx, countSQL, a.vals...).Scan(&page.Total); err != nil {
			return page, err
		}
		db.counts.put(countKey, page.Total, time.Now())
	}
	byTime := f.Sort == ch.SortByNewest || f.Sort == ch.SortByOldest
	order, after := "g.sort_name, g.id", ">"
	switch f.Sort {
	case ch.SortByNewest:
		order, after = "g.created_at DESC, g.id DESC", "<"
	case ch.SortByOldest:
		order = "g.created_at, g.id"
	}
	if f.Cursor != "" {
		c, err := decodeCursor(f.Cursor)
		if err != nil {
			return page, err
		}
		if c.Sort != f.Sort {
			return page, badCursor()
		}
		if byTime {
			t, err := time.Parse(time.RFC3339Nano, c.Key)
			if err != nil {
				return page, badCursor()
			}
			where = append(where, fmt.Sprintf("(g.created_at %[1]s %[2]s OR (g.created_at = %[3]s AND g.id %[1]s %[4]s))",
				after, a.add(t), a.add(t), a.add(c.ID)))
		} else {
			where = append(where, fmt.Sprintf("(g.sort_name > %s OR (g.sort_name = %s AND g.id > %s))", a.add(c.Key), a.add(c.Key), a.add(c.ID)))
		}
	}
	groups, err := db.queryGroups(ctx, `SELECT `+groupColumns+` FROM groups g WHERE `+strings.Join(where, " AND ")+
		` ORDER BY `+order+` LIMIT `+a.add(f.Limit+1), a.vals...)
	if err != nil {
		return page, err
	}
	if len(groups) > f.Limit {
		groups = groups[:f.Limit]
		last := groups[len(groups)-1]
		c := cursor{Sort: f.Sort, Key: ch.SortName(last.Name), ID: last.ID}
		if byTime {
			c.Key = last.CreatedAt.UTC().Format(time.RFC3339Nano)
		}
		b, _ := json.Marshal(c)
		page.NextCursor = base64.RawURLEncoding.EncodeToString(b)
	}
	page.Groups = groups
	return page, nil
}

func badCursor() error {
	return ch.Invalid("The page cursor is not valid; start from the first page.", "cursor", "Use a next_cursor value from a previous answer.")
}

func decodeCursor(s string) (cursor, error) {
	var c cursor
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || json.Unmarshal(b, &c) != nil {
		return c, badCursor()
	}
	return c, nil
}

// searchWords splits what a person typed into at most eight folded words
// (lower case, no accents), the form in which search_text is indexed. Only
// letters and digits survive, so no engine's query syntax can be injected.
func searchWords(q string) []string {
	words := ch.SearchWords(q)
	return words[:min(len(words), 8)]
}

// agreeToPolicy records that a group agreed to the current Social Media and
// Event Policy, unless it already has, and returns that policy's version.
func agreeToPolicy(ctx context.Context, tx *sql.Tx, groupID, userID int64, now time.Time) (int, error) {
	var policyID int64
	var version int
	err := tx.QueryRowContext(ctx, `SELECT id, version FROM policies WHERE kind = $1 ORDER BY version DESC LIMIT 1`,
		ch.PolicySocialMedia).Scan(&policyID, &version)
	if err == sql.ErrNoRows {
		return 0, nil
	} else if err != nil {
		return 0, err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO policy_agreements (group_id, policy_id, user_id, agreed_at)
		SELECT CAST($1 AS BIGINT), CAST($2 AS BIGINT), CAST($3 AS BIGINT), $4
		WHERE NOT EXISTS (SELECT 1 FROM policy_agreements WHERE group_id = $1 AND policy_id = $2)`, groupID, policyID, userID, now)
	return version, err
}

// searchText is what full-text search indexes for a group: its words folded,
// so both engines match "zurich" to "Zürich" the same way.
func searchText(app ch.Application) string {
	return strings.Join(ch.SearchWords(app.Name+" "+app.ShortName+" "+app.City+" "+app.Description), " ")
}
