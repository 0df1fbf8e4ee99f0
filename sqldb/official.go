package sqldb

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	ch "chapterhouse"
)

// The persistence of the Official User Group Process. The program (steps,
// checks, roles) is data the caller holds — loaded from a file or from
// ProgramVersion — so the store records facts, verdicts and decisions and
// leaves who may do what to the web layer (ch.CanValidate,
// ch.CanMarkNotNeeded…). It checks only what keeps the data sound: valid
// input, a role the validator holds, official status only when every step
// is met.

// ── Facts ────────────────────────────────────────────────────────────────

// GroupFacts gathers what Program.Evaluate needs to know about a group at
// time now: g must be loaded with its contacts, channels, coordinators and
// agreed policy version, as GroupBySlug returns it.
func (db *DB) GroupFacts(ctx context.Context, g *ch.Group, reqs []ch.Requirement, now time.Time) (ch.GroupFacts, error) {
	facts, err := db.groupFacts(ctx, db.sql, []*ch.Group{g}, reqs, now)
	if err != nil {
		return ch.GroupFacts{}, err
	}
	return facts[0], nil
}

// StepResults evaluates every step of p for a group as it stands now: the
// checklist of the group's page.
func (db *DB) StepResults(ctx context.Context, g *ch.Group, p ch.Program) ([]ch.StepResult, error) {
	_, results, err := db.Checklist(ctx, g, p)
	return results, err
}

// Checklist is StepResults with the facts they were computed from, for
// pages that show both.
func (db *DB) Checklist(ctx context.Context, g *ch.Group, p ch.Program) (ch.GroupFacts, []ch.StepResult, error) {
	reqs, err := db.Requirements(ctx)
	if err != nil {
		return ch.GroupFacts{}, nil, err
	}
	now := db.now()
	facts, err := db.GroupFacts(ctx, g, reqs, now)
	if err != nil {
		return facts, nil, err
	}
	vals, err := db.Validations(ctx, g.ID)
	if err != nil {
		return facts, nil, err
	}
	return facts, p.Evaluate(facts, vals, now), nil
}

// sqlArgs numbers the placeholders of a statement built piece by piece, in
// the engine's style (see dialect.param), for lists of ids.
type sqlArgs struct {
	d    dialect
	vals []any
}

func (a *sqlArgs) add(v any) string {
	a.vals = append(a.vals, v)
	return a.d.param(len(a.vals))
}

func (a *sqlArgs) ids(ids []int64) string {
	ps := make([]string, len(ids))
	for i, id := range ids {
		ps[i] = a.add(id)
	}
	return strings.Join(ps, ", ")
}

func groupIDs(groups []*ch.Group) []int64 {
	ids := make([]int64, len(groups))
	for i, g := range groups {
		ids[i] = g.ID
	}
	return ids
}

// groupFacts gathers the facts of several groups (at most a queue batch) in
// a fixed number of statements.
func (db *DB) groupFacts(ctx context.Context, q querier, groups []*ch.Group, reqs []ch.Requirement, now time.Time) ([]ch.GroupFacts, error) {
	now = now.UTC()
	var current int
	if err := q.QueryRowContext(ctx, `SELECT COALESCE(max(version), 0) FROM policies WHERE kind = $1`,
		ch.PolicySocialMedia).Scan(&current); err != nil {
		return nil, err
	}
	out := make([]ch.GroupFacts, len(groups))
	at := make(map[int64]*ch.GroupFacts, len(groups))
	for i, g := range groups {
		out[i] = ch.GroupFactsOf(g, reqs, current)
		at[g.ID] = &out[i]
	}
	if len(groups) == 0 {
		return out, nil
	}
	ids := groupIDs(groups)

	held, err := db.countMeetingsHeld(ctx, q, ids, now.AddDate(-1, 0, 0), now)
	if err != nil {
		return nil, err
	}
	for id, n := range held {
		at[id].MeetingsLastYear = n
	}

	a := sqlArgs{d: db.d}
	query := `SELECT a.group_id, count(*) FROM group_ambassadors a
		JOIN user_roles r ON r.user_id = a.user_id AND r.role = ` + a.add(ch.RoleAmbassador) + `
		WHERE a.group_id IN (` + a.ids(ids) + `) GROUP BY a.group_id`
	if err := eachRow(ctx, q, query, a.vals, func(rows *sql.Rows) error {
		var id int64
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			return err
		}
		at[id].Ambassadors = n
		return nil
	}); err != nil {
		return nil, err
	}

	a = sqlArgs{d: db.d}
	query = `SELECT r.group_id, r.cadence, r.note, COALESCE(r.by_id, 0), COALESCE(u.name, ''), r.at
		FROM accepted_rhythms r LEFT JOIN users u ON u.id = r.by_id WHERE r.group_id IN (` + a.ids(ids) + `)`
	if err := eachRow(ctx, q, query, a.vals, func(rows *sql.Rows) error {
		var id int64
		var r ch.AcceptedRhythm
		if err := rows.Scan(&id, &r.Cadence, &r.Note, &r.ByID, &r.ByName, &r.At); err != nil {
			return err
		}
		at[id].AcceptedRhythm = &r
		return nil
	}); err != nil {
		return nil, err
	}

	a = sqlArgs{d: db.d}
	query = `SELECT group_id, step_id, reason FROM step_exemptions WHERE group_id IN (` + a.ids(ids) + `)`
	if err := eachRow(ctx, q, query, a.vals, func(rows *sql.Rows) error {
		var id int64
		var step, reason string
		if err := rows.Scan(&id, &step, &reason); err != nil {
			return err
		}
		f := at[id]
		if f.NotNeeded == nil {
			f.NotNeeded = map[string]string{}
		}
		f.NotNeeded[step] = reason
		return nil
	}); err != nil {
		return nil, err
	}
	return out, nil
}

// countMeetingsHeld counts, per group, the meetings held in (from, to].
//
// Today these are the meetings organizers recorded by hand. When meetings
// are held through the portal, this is the one statement to change: its
// FROM becomes
//
//	(SELECT group_id, held_on FROM recorded_meetings WHERE meeting_id IS NULL
//	 UNION ALL
//	 SELECT group_id, starts_at FROM meetings WHERE NOT cancelled) m
//
// so portal meetings count automatically, and one recorded by hand as well
// (linked by recorded_meetings.meeting_id) counts once.
func (db *DB) countMeetingsHeld(ctx context.Context, q querier, ids []int64, from, to time.Time) (map[int64]int, error) {
	a := sqlArgs{d: db.d}
	query := `SELECT m.group_id, count(*) FROM recorded_meetings m WHERE m.group_id IN (` + a.ids(ids) + `)
		AND m.held_on > ` + a.add(from.UTC()) + ` AND m.held_on <= ` + a.add(to.UTC()) + ` GROUP BY m.group_id`
	out := map[int64]int{}
	err := eachRow(ctx, q, query, a.vals, func(rows *sql.Rows) error {
		var id int64
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			return err
		}
		out[id] = n
		return nil
	})
	return out, err
}

// eachRow runs a query and calls f on every row.
func eachRow(ctx context.Context, q querier, query string, args []any, f func(*sql.Rows) error) error {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := f(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// ── Validations ──────────────────────────────────────────────────────────

const validationColumns = `v.step_id, v.role, v.verdict, v.comment, COALESCE(v.by_id, 0), COALESCE(u.name, ''), v.at`

func scanValidation(rows *sql.Rows, dst ...any) (ch.Validation, error) {
	var v ch.Validation
	err := rows.Scan(append(dst, &v.StepID, &v.Role, &v.Verdict, &v.Comment, &v.ByID, &v.ByName, &v.At)...)
	return v, err
}

// Validations returns every verdict given on a group's steps, oldest first
// (of two given at the same instant, the one recorded last comes last, as
// Evaluate expects).
func (db *DB) Validations(ctx context.Context, groupID int64) ([]ch.Validation, error) {
	var out []ch.Validation
	err := eachRow(ctx, db.sql, `SELECT `+validationColumns+` FROM step_validations v LEFT JOIN users u ON u.id = v.by_id
		WHERE v.group_id = $1 ORDER BY v.at, v.id`, []any{groupID}, func(rows *sql.Rows) error {
		v, err := scanValidation(rows)
		out = append(out, v)
		return err
	})
	return out, err
}

// latestValidations returns, per group, the latest validation of each step
// in each role: all that Evaluate looks at, however long the history.
func (db *DB) latestValidations(ctx context.Context, q querier, ids []int64) (map[int64][]ch.Validation, error) {
	a := sqlArgs{d: db.d}
	query := `SELECT v.group_id, ` + validationColumns + ` FROM step_validations v LEFT JOIN users u ON u.id = v.by_id
		WHERE v.group_id IN (` + a.ids(ids) + `) AND NOT EXISTS (SELECT 1 FROM step_validations n
			WHERE n.group_id = v.group_id AND n.step_id = v.step_id AND n.role = v.role
			AND (n.at > v.at OR (n.at = v.at AND n.id > v.id)))
		ORDER BY v.group_id, v.at, v.id`
	out := map[int64][]ch.Validation{}
	err := eachRow(ctx, q, query, a.vals, func(rows *sql.Rows) error {
		var id int64
		v, err := scanValidation(rows, &id)
		out[id] = append(out[id], v)
		return err
	})
	return out, err
}

// checkStepID refuses a step ID no program could hold. Whether the step
// exists is the caller's question: the store does not know the program.
func checkStepID(id string) error {
	if id == "" || len(id) > ch.MaxStepIDLen || strings.Trim(id, "abcdefghijklmnopqrstuvwxyz0123456789-") != "" {
		return &ch.Error{Code: ch.EINVALID, Message: "Unknown step.", Fields: map[string]string{"step": "Choose a step of the program."}}
	}
	return nil
}

// AddValidation records by's verdict on a step of a group, in v.Role, which
// by must hold (whether by may validate this group is ch.CanValidate's
// question), and queues notify's mails: the organizers learn that the step
// passed or needs work.
func (db *DB) AddValidation(ctx context.Context, slug string, v ch.Validation, by *ch.User, notify ch.Notify) error {
	if by == nil {
		return ch.Errorf(ch.EUNAUTHORIZED, "Sign in to validate steps.")
	}
	v.StepID = strings.TrimSpace(v.StepID)
	v.Comment = normalizeText(v.Comment)
	if err := checkStepID(v.StepID); err != nil {
		return err
	}
	if err := v.Validate(); err != nil {
		return err
	}
	if !slices.Contains(ch.Roles, v.Role) {
		return &ch.Error{Code: ch.EINVALID, Message: "Unknown role.", Fields: map[string]string{"role": "Validate as community manager, ambassador or approver."}}
	}
	if !by.Has(v.Role) {
		return ch.Errorf(ch.EFORBIDDEN, "You are not %s.", strings.ToLower(v.Role.Label()))
	}
	return db.groupWrite(ctx, slug, notify, func(tx *sql.Tx, g *ch.Group, now time.Time) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO step_validations (group_id, step_id, role, verdict, comment, by_id, at)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, g.ID, v.StepID, v.Role, v.Verdict, v.Comment, by.ID, now); err != nil {
			return err
		}
		verdict := "passed"
		if v.Verdict == ch.VerdictNeedsWork {
			verdict = "needs work"
		}
		detail := fmt.Sprintf("%s: %s (%s)", v.StepID, verdict, strings.ToLower(v.Role.Label()))
		if v.Comment != "" {
			detail += ": " + clipRunes(v.Comment, 300)
		}
		return addEvent(ctx, tx, ch.GroupEvent{GroupID: g.ID, At: now, ActorID: by.ID, Kind: ch.EventStepValidated, Detail: detail})
	})
}

// RequestReview records that the organizers ask for a step to be looked at
// (again), with an optional note that joins the step's comments, and queues
// notify's mails: the group's mentoring ambassadors learn of it.
func (db *DB) RequestReview(ctx context.Context, slug, stepID, note string, by *ch.User, notify ch.Notify) error {
	if err := checkStepID(stepID); err != nil {
		return err
	}
	note = normalizeText(note)
	if utf8.RuneCountInString(note) > ch.MaxCommentLen {
		return &ch.Error{Code: ch.EINVALID, Message: "The note is too long.", Fields: map[string]string{"note": "Use at most 5,000 characters."}}
	}
	return db.groupWrite(ctx, slug, notify, func(tx *sql.Tx, g *ch.Group, now time.Time) error {
		if note != "" {
			if _, err := insertComment(ctx, tx, g.ID, stepID, note, actorID(by), now); err != nil {
				return err
			}
		}
		return addEvent(ctx, tx, ch.GroupEvent{GroupID: g.ID, At: now, ActorID: actorID(by), Kind: ch.EventReviewRequested, Detail: stepID})
	})
}

// ── Comments ─────────────────────────────────────────────────────────────

// StepComment is one message in the thread of a step, where organizers,
// the group's ambassadors and community managers talk.
type StepComment struct {
	ID         int64
	GroupID    int64
	StepID     string
	AuthorID   int64
	AuthorName string
	Body       string // Markdown
	At         time.Time
}

// StepComments returns the thread of a step, oldest first; every step's
// when stepID is "".
func (db *DB) StepComments(ctx context.Context, groupID int64, stepID string) ([]StepComment, error) {
	query := `SELECT c.id, c.group_id, c.step_id, COALESCE(c.author_id, 0), COALESCE(u.name, ''), c.body, c.at
		FROM step_comments c LEFT JOIN users u ON u.id = c.author_id WHERE c.group_id = $1`
	args := []any{groupID}
	if stepID != "" {
		query += ` AND c.step_id = $2`
		args = append(args, stepID)
	}
	var out []StepComment
	err := eachRow(ctx, db.sql, query+` ORDER BY c.at, c.id`, args, func(rows *sql.Rows) error {
		var c StepComment
		err := rows.Scan(&c.ID, &c.GroupID, &c.StepID, &c.AuthorID, &c.AuthorName, &c.Body, &c.At)
		out = append(out, c)
		return err
	})
	return out, err
}

// AddStepComment adds a message to a step's thread and queues notify's
// mails (to the organizers, and whoever else the thread concerns).
func (db *DB) AddStepComment(ctx context.Context, slug, stepID, body string, by *ch.User, notify ch.Notify) (StepComment, error) {
	c := StepComment{StepID: stepID, Body: normalizeText(body)}
	if by == nil {
		return c, ch.Errorf(ch.EUNAUTHORIZED, "Sign in to comment.")
	}
	if err := checkStepID(stepID); err != nil {
		return c, err
	}
	switch n := utf8.RuneCountInString(c.Body); {
	case n == 0:
		return c, &ch.Error{Code: ch.EINVALID, Message: "Write a comment.", Fields: map[string]string{"body": "Write a comment."}}
	case n > ch.MaxCommentLen:
		return c, &ch.Error{Code: ch.EINVALID, Message: "The comment is too long.", Fields: map[string]string{"body": "Use at most 5,000 characters."}}
	}
	err := db.groupWrite(ctx, slug, notify, func(tx *sql.Tx, g *ch.Group, now time.Time) error {
		var err error
		c.GroupID, c.AuthorID, c.AuthorName, c.At = g.ID, by.ID, by.Name, now
		c.ID, err = insertComment(ctx, tx, g.ID, stepID, c.Body, by.ID, now)
		return err
	})
	return c, err
}

func insertComment(ctx context.Context, tx *sql.Tx, groupID int64, stepID, body string, by int64, now time.Time) (int64, error) {
	var id int64
	err := tx.QueryRowContext(ctx, `INSERT INTO step_comments (group_id, step_id, author_id, body, at) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
		groupID, stepID, sql.NullInt64{Int64: by, Valid: by != 0}, body, now).Scan(&id)
	return id, err
}

// ── Ambassadors ──────────────────────────────────────────────────────────

// A mentoring row counts only while its user holds the ambassador role.
const activeAmbassador = `EXISTS (SELECT 1 FROM user_roles r WHERE r.user_id = a.user_id AND r.role = '` + string(ch.RoleAmbassador) + `')`

// Ambassadors returns the ambassadors mentoring a group, in the order they
// started.
func (db *DB) Ambassadors(ctx context.Context, groupID int64) ([]*ch.User, error) {
	var users []*ch.User
	err := eachRow(ctx, db.sql, `SELECT u.id, u.email, u.name, u.verified_at, u.created_at
		FROM group_ambassadors a JOIN users u ON u.id = a.user_id
		WHERE a.group_id = $1 AND `+activeAmbassador+` ORDER BY a.assigned_at, u.id`, []any{groupID}, func(rows *sql.Rows) error {
		u, err := scanUser(rows)
		users = append(users, u)
		return err
	})
	if err != nil {
		return nil, err
	}
	for _, u := range users {
		if err := db.loadRoles(ctx, db.sql, u); err != nil {
			return nil, err
		}
	}
	return users, nil
}

// IsAmbassadorOf reports whether the user mentors the group (and is still
// an ambassador).
func (db *DB) IsAmbassadorOf(ctx context.Context, groupID, userID int64) (bool, error) {
	var n int
	err := db.sql.QueryRowContext(ctx, `SELECT count(*) FROM group_ambassadors a WHERE a.group_id = $1 AND a.user_id = $2 AND `+
		activeAmbassador, groupID, userID).Scan(&n)
	return n > 0, err
}

// MentoredGroups returns the groups an ambassador mentors, by name.
func (db *DB) MentoredGroups(ctx context.Context, userID int64) ([]*ch.Group, error) {
	return db.queryGroups(ctx, `SELECT `+groupColumns+` FROM groups g JOIN group_ambassadors a ON a.group_id = g.id
		WHERE a.user_id = $1 AND `+activeAmbassador+` ORDER BY g.sort_name, g.id`, userID)
}

// mentorChecks returns the steps of p that check for mentoring ambassadors
// and the number of ambassadors the first of them asks for.
func mentorChecks(p ch.Program) (steps []string, need int) {
	need = 0
	for _, s := range p.Steps {
		for _, c := range s.Checks {
			if c.Kind == ch.CheckAmbassador {
				steps = append(steps, s.ID)
				if need == 0 {
					need = c.MinAmbassadors
				}
			}
		}
	}
	return steps, max(need, 1)
}

// GroupsWantingMentor returns listed groups (new, official or revoked)
// with fewer mentoring ambassadors than p's ambassador check asks for (one
// by default) whose mentor step is not marked not needed, oldest first: the
// list ambassadors sign up from.
func (db *DB) GroupsWantingMentor(ctx context.Context, p ch.Program, limit int) ([]*ch.Group, error) {
	if limit <= 0 || limit > 500 {
		limit = 50
	}
	steps, need := mentorChecks(p)
	a := sqlArgs{d: db.d}
	query := `SELECT ` + groupColumns + ` FROM groups g WHERE g.status IN (` + a.add(ch.StatusNew) + `, ` + a.add(ch.StatusOfficial) + `, ` + a.add(ch.StatusRevoked) + `)
		AND (SELECT count(*) FROM group_ambassadors a WHERE a.group_id = g.id AND ` + activeAmbassador + `) < ` + a.add(need)
	if len(steps) > 0 {
		ps := make([]string, len(steps))
		for i, s := range steps {
			ps[i] = a.add(s)
		}
		query += ` AND NOT EXISTS (SELECT 1 FROM step_exemptions x WHERE x.group_id = g.id AND x.step_id IN (` + strings.Join(ps, ", ") + `))`
	}
	query += ` ORDER BY g.created_at, g.id LIMIT ` + a.add(limit)
	return db.queryGroups(ctx, query, a.vals...)
}

// AddAmbassador makes an ambassador a mentor of a group: the ambassador
// signing up (by is the ambassador) or a community manager assigning one.
// It queues notify's mails (the organizers and the ambassador).
func (db *DB) AddAmbassador(ctx context.Context, slug string, userID int64, by *ch.User, notify ch.Notify) error {
	return db.groupWrite(ctx, slug, notify, func(tx *sql.Tx, g *ch.Group, now time.Time) error {
		if g.Status == ch.StatusDeclined || g.Status == ch.StatusArchived {
			return ch.Errorf(ch.ECONFLICT, "A group that is %s takes no mentor.", g.Status.Label())
		}
		var name string
		var roles int
		err := tx.QueryRowContext(ctx, `SELECT u.name, (SELECT count(*) FROM user_roles r WHERE r.user_id = u.id AND r.role = $1)
			FROM users u WHERE u.id = $2`, ch.RoleAmbassador, userID).Scan(&name, &roles)
		if err != nil {
			return db.translate(err, "Account")
		}
		if roles == 0 {
			return &ch.Error{Code: ch.ECONFLICT, Message: name + " is not an ambassador: a community manager grants the role first.",
				Fields: map[string]string{"email": "Choose someone who holds the ambassador role."}}
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO group_ambassadors (group_id, user_id, assigned_by, assigned_at) VALUES ($1, $2, $3, $4)`,
			g.ID, userID, sql.NullInt64{Int64: actorID(by), Valid: by != nil}, now)
		if db.d.isUnique(err) {
			return ch.Errorf(ch.ECONFLICT, "%s already mentors %s.", name, g.Name)
		} else if err != nil {
			return err
		}
		return addEvent(ctx, tx, ch.GroupEvent{GroupID: g.ID, At: now, ActorID: actorID(by), Kind: ch.EventAmbassadorAdded, Detail: name})
	})
}

// RemoveAmbassador ends an ambassador's mentoring of a group.
func (db *DB) RemoveAmbassador(ctx context.Context, slug string, userID int64, by *ch.User, notify ch.Notify) error {
	return db.groupWrite(ctx, slug, notify, func(tx *sql.Tx, g *ch.Group, now time.Time) error {
		var name string
		err := tx.QueryRowContext(ctx, `SELECT u.name FROM group_ambassadors a JOIN users u ON u.id = a.user_id
			WHERE a.group_id = $1 AND a.user_id = $2`, g.ID, userID).Scan(&name)
		if err != nil {
			return db.translate(err, "Mentoring ambassador")
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM group_ambassadors WHERE group_id = $1 AND user_id = $2`, g.ID, userID); err != nil {
			return err
		}
		return addEvent(ctx, tx, ch.GroupEvent{GroupID: g.ID, At: now, ActorID: actorID(by), Kind: ch.EventAmbassadorRemoved, Detail: name})
	})
}

// ── Not needed, accepted rhythm ──────────────────────────────────────────

// StepExemption is a step a community manager marked not needed for a group.
type StepExemption struct {
	StepID string
	Reason string
	ByID   int64
	ByName string
	At     time.Time
}

// StepExemptions returns the steps marked not needed for a group.
func (db *DB) StepExemptions(ctx context.Context, groupID int64) ([]StepExemption, error) {
	var out []StepExemption
	err := eachRow(ctx, db.sql, `SELECT x.step_id, x.reason, COALESCE(x.by_id, 0), COALESCE(u.name, ''), x.at
		FROM step_exemptions x LEFT JOIN users u ON u.id = x.by_id WHERE x.group_id = $1 ORDER BY x.step_id`, []any{groupID},
		func(rows *sql.Rows) error {
			var x StepExemption
			err := rows.Scan(&x.StepID, &x.Reason, &x.ByID, &x.ByName, &x.At)
			out = append(out, x)
			return err
		})
	return out, err
}

// SetStepNotNeeded marks a step not needed for a group, or changes the
// reason of the mark (ch.CanMarkNotNeeded says who may, and on which steps).
func (db *DB) SetStepNotNeeded(ctx context.Context, slug, stepID, reason string, by *ch.User, notify ch.Notify) error {
	reason = normalizeText(reason)
	if err := checkStepID(stepID); err != nil {
		return err
	}
	switch n := utf8.RuneCountInString(reason); {
	case n == 0:
		return &ch.Error{Code: ch.EINVALID, Message: "Give a reason.", Fields: map[string]string{"reason": "Say why the group does not need this step; it shows on its checklist."}}
	case n > ch.MaxCommentLen:
		return &ch.Error{Code: ch.EINVALID, Message: "The reason is too long.", Fields: map[string]string{"reason": "Use at most 5,000 characters."}}
	}
	return db.groupWrite(ctx, slug, notify, func(tx *sql.Tx, g *ch.Group, now time.Time) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO step_exemptions (group_id, step_id, reason, by_id, at) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (group_id, step_id) DO UPDATE SET reason = excluded.reason, by_id = excluded.by_id, at = excluded.at`,
			g.ID, stepID, reason, sql.NullInt64{Int64: actorID(by), Valid: by != nil}, now); err != nil {
			return err
		}
		return addEvent(ctx, tx, ch.GroupEvent{GroupID: g.ID, At: now, ActorID: actorID(by), Kind: ch.EventStepNotNeeded,
			Detail: stepID + ": " + clipRunes(reason, 300)})
	})
}

// ClearStepNotNeeded withdraws a not-needed mark: the step counts again.
func (db *DB) ClearStepNotNeeded(ctx context.Context, slug, stepID string, by *ch.User, notify ch.Notify) error {
	return db.groupWrite(ctx, slug, notify, func(tx *sql.Tx, g *ch.Group, now time.Time) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM step_exemptions WHERE group_id = $1 AND step_id = $2`, g.ID, stepID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ch.Errorf(ch.ENOTFOUND, "The step is not marked not needed.")
		}
		return addEvent(ctx, tx, ch.GroupEvent{GroupID: g.ID, At: now, ActorID: actorID(by), Kind: ch.EventStepNeeded, Detail: stepID})
	})
}

// SetAcceptedRhythm records a community manager's decision to measure a
// group's meetings against r.Cadence rather than its declared cadence.
func (db *DB) SetAcceptedRhythm(ctx context.Context, slug string, r ch.AcceptedRhythm, by *ch.User) error {
	r.Note = normalizeText(r.Note)
	if err := r.Validate(); err != nil {
		return err
	}
	return db.groupWrite(ctx, slug, nil, func(tx *sql.Tx, g *ch.Group, now time.Time) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO accepted_rhythms (group_id, cadence, note, by_id, at) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (group_id) DO UPDATE SET cadence = excluded.cadence, note = excluded.note, by_id = excluded.by_id, at = excluded.at`,
			g.ID, r.Cadence, r.Note, sql.NullInt64{Int64: actorID(by), Valid: by != nil}, now); err != nil {
			return err
		}
		return addEvent(ctx, tx, ch.GroupEvent{GroupID: g.ID, At: now, ActorID: actorID(by), Kind: ch.EventRhythmAccepted,
			Detail: r.Cadence.Label() + ": " + clipRunes(r.Note, 300)})
	})
}

// ClearAcceptedRhythm measures the group against its declared cadence again.
func (db *DB) ClearAcceptedRhythm(ctx context.Context, slug string, by *ch.User) error {
	return db.groupWrite(ctx, slug, nil, func(tx *sql.Tx, g *ch.Group, now time.Time) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM accepted_rhythms WHERE group_id = $1`, g.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ch.Errorf(ch.ENOTFOUND, "No rhythm was accepted for this group.")
		}
		return addEvent(ctx, tx, ch.GroupEvent{GroupID: g.ID, At: now, ActorID: actorID(by), Kind: ch.EventRhythmCleared})
	})
}

// ── Recorded meetings ────────────────────────────────────────────────────

// MeetingFormats are the ways a meeting is held.
var MeetingFormats = []string{"in_person", "online", "hybrid"}

// MeetingFormatLabel names a meeting format for people.
func MeetingFormatLabel(f string) string {
	return map[string]string{"in_person": "In person", "online": "Online", "hybrid": "Hybrid"}[f]
}

// Limits of a recorded meeting.
const (
	MaxMeetingTitleLen = 200
	MaxAttendance      = 1_000_000
)

// RecordedMeeting is a past meeting the organizers recorded on the group's
// page, until meetings are held through the portal (see countMeetingsHeld).
type RecordedMeeting struct {
	ID             int64
	GroupID        int64
	HeldOn         time.Time
	Title          string
	Format         string // one of MeetingFormats
	Attendance     *int   // nil when nobody counted
	Link           string // slides, recording or announcement; may be empty
	RecordedByID   int64
	RecordedByName string
	RecordedAt     time.Time
}

// Normalize trims what was typed.
func (m *RecordedMeeting) Normalize() {
	m.Title = strings.Join(strings.Fields(m.Title), " ")
	m.Format = strings.ToLower(strings.TrimSpace(m.Format))
	m.Link = strings.TrimSpace(m.Link)
}

// Validate checks a meeting an organizer records at time now: a title, a
// date that is not in the future, a known format, a plausible attendance and
// a web address if a link is given.
func (m *RecordedMeeting) Validate(now time.Time) error {
	fe := ch.FieldErrors{}
	switch n := utf8.RuneCountInString(m.Title); {
	case n == 0:
		fe.Add("title", "Give the meeting's title or topic.")
	case n > MaxMeetingTitleLen:
		fe.Add("title", "Use at most 200 characters.")
	}
	switch {
	case m.HeldOn.IsZero():
		fe.Add("held_on", "Give the date of the meeting.")
	case m.HeldOn.After(now):
		fe.Add("held_on", "Record meetings once they are held: this date is in the future.")
	case m.HeldOn.Year() < 1990:
		fe.Add("held_on", "Check the year of the meeting.")
	}
	if !slices.Contains(MeetingFormats, m.Format) {
		fe.Add("format", "Say whether the meeting was in person, online or hybrid.")
	}
	if m.Attendance != nil && (*m.Attendance < 0 || *m.Attendance > MaxAttendance) {
		fe.Add("attendance", "Give the number of people who came, or leave it empty.")
	}
	if m.Link != "" && !ch.ValidWebURL(m.Link) {
		fe.Add("link", "Give a web address starting with https:// or http://, or leave it empty.")
	}
	return fe.Err()
}

// RecordMeeting records a past meeting of a group; it counts towards the
// meetings check from then on.
func (db *DB) RecordMeeting(ctx context.Context, slug string, m RecordedMeeting, by *ch.User) (RecordedMeeting, error) {
	m.Normalize()
	now := db.now()
	if err := m.Validate(now); err != nil {
		return m, err
	}
	// SQLite compares times as text: store them all in UTC.
	m.HeldOn = m.HeldOn.UTC().Truncate(time.Microsecond)
	var attendance sql.NullInt64
	if m.Attendance != nil {
		attendance = sql.NullInt64{Int64: int64(*m.Attendance), Valid: true}
	}
	err := db.groupWrite(ctx, slug, nil, func(tx *sql.Tx, g *ch.Group, now time.Time) error {
		m.GroupID, m.RecordedByID, m.RecordedAt = g.ID, actorID(by), now
		if by != nil {
			m.RecordedByName = by.Name
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO recorded_meetings (group_id, held_on, title, format, attendance, link, recorded_by, recorded_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`, g.ID, m.HeldOn, m.Title, m.Format, attendance, m.Link,
			sql.NullInt64{Int64: m.RecordedByID, Valid: by != nil}, now).Scan(&m.ID); err != nil {
			return err
		}
		return addEvent(ctx, tx, ch.GroupEvent{GroupID: g.ID, At: now, ActorID: actorID(by), Kind: ch.EventMeetingRecorded,
			Detail: m.HeldOn.Format("2006-01-02") + ": " + m.Title})
	})
	return m, err
}

// RecordedMeetings returns the meetings recorded for a group, latest first.
func (db *DB) RecordedMeetings(ctx context.Context, groupID int64) ([]RecordedMeeting, error) {
	var out []RecordedMeeting
	err := eachRow(ctx, db.sql, `SELECT m.id, m.group_id, m.held_on, m.title, m.format, m.attendance, m.link,
		COALESCE(m.recorded_by, 0), COALESCE(u.name, ''), m.recorded_at
		FROM recorded_meetings m LEFT JOIN users u ON u.id = m.recorded_by
		WHERE m.group_id = $1 ORDER BY m.held_on DESC, m.id DESC`, []any{groupID}, func(rows *sql.Rows) error {
		var m RecordedMeeting
		var attendance sql.NullInt64
		if err := rows.Scan(&m.ID, &m.GroupID, &m.HeldOn, &m.Title, &m.Format, &attendance, &m.Link,
			&m.RecordedByID, &m.RecordedByName, &m.RecordedAt); err != nil {
			return err
		}
		if attendance.Valid {
			n := int(attendance.Int64)
			m.Attendance = &n
		}
		out = append(out, m)
		return nil
	})
	return out, err
}

// DeleteRecordedMeeting removes a meeting recorded by mistake.
func (db *DB) DeleteRecordedMeeting(ctx context.Context, slug string, id int64, by *ch.User) error {
	return db.groupWrite(ctx, slug, nil, func(tx *sql.Tx, g *ch.Group, now time.Time) error {
		var heldOn time.Time
		var title string
		err := tx.QueryRowContext(ctx, `SELECT held_on, title FROM recorded_meetings WHERE id = $1 AND group_id = $2`, id, g.ID).Scan(&heldOn, &title)
		if err != nil {
			return db.translate(err, "Meeting")
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM recorded_meetings WHERE id = $1`, id); err != nil {
			return err
		}
		return addEvent(ctx, tx, ch.GroupEvent{GroupID: g.ID, At: now, ActorID: actorID(by), Kind: ch.EventMeetingRemoved,
			Detail: heldOn.UTC().Format("2006-01-02") + ": " + title})
	})
}

// ── Official status ──────────────────────────────────────────────────────

// GrantOfficial makes a group official with a community manager's note.
// results is the group's checklist as the caller evaluated it (StepResults);
// inside the transaction, on the locked group, ch.CanGrantOfficial checks
// again that the group's status allows it and that every step is met, and
// refuses with ECONFLICT naming the open steps. The status_changed event
// carries the note; notify's mails tell the organizers.
//
// The results are computed before the transaction: a verdict given in
// between is not seen. The window is a request long, and a community
// manager grants; revoking undoes a grant made on stale facts.
func (db *DB) GrantOfficial(ctx context.Context, slug, note string, results []ch.StepResult, by *ch.User, notify ch.Notify) (*ch.Group, error) {
	note = normalizeText(note)
	if utf8.RuneCountInString(note) > ch.MaxCommentLen {
		return nil, &ch.Error{Code: ch.EINVALID, Message: "The note is too long.", Fields: map[string]string{"note": "Use at most 5,000 characters."}}
	}
	if len(results) == 0 {
		// AllMet of nothing is true: never grant on a checklist not evaluated.
		return nil, ch.Errorf(ch.ECONFLICT, "The group's steps were not evaluated.")
	}
	now := db.now()
	var g *ch.Group
	err := db.tx(ctx, func(tx *sql.Tx) error {
		var err error
		if g, err = db.lockGroup(ctx, tx, slug); err != nil {
			return err
		}
		if err := ch.CanGrantOfficial(g.Status, results); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE groups SET status = $1, decline_reason = '', updated_at = $2 WHERE id = $3`,
			ch.StatusOfficial, now, g.ID); err != nil {
			return err
		}
		if err := addEvent(ctx, tx, ch.GroupEvent{GroupID: g.ID, At: now, ActorID: actorID(by), Kind: ch.EventStatusChanged,
			FromStatus: g.Status, ToStatus: ch.StatusOfficial, Detail: note}); err != nil {
			return err
		}
		g.Status, g.DeclineReason, g.UpdatedAt = ch.StatusOfficial, "", now
		if err := db.loadGroupDetails(ctx, tx, g); err != nil {
			return err
		}
		return enqueueAll(ctx, tx, now, notify, g)
	})
	db.counts.clear()
	if err != nil {
		return nil, err
	}
	return g, nil
}

// RevokeOfficial withdraws official status with a reason the group reads on
// its page (ch.Transition requires it). The group keeps its page, history
// and validations, and can be granted official status again.
func (db *DB) RevokeOfficial(ctx context.Context, slug, reason string, by *ch.User, notify ch.Notify) (*ch.Group, error) {
	g, err := db.ChangeStatus(ctx, slug, ch.StatusRevoked, reason, by, notify)
	if err != nil {
		return nil, err
	}
	return g, nil
}

// ── Queue ────────────────────────────────────────────────────────────────

// What a validation queue shows.
const (
	QueueAll         = ""            // steps to validate and groups to decide on
	QueueValidations = "validations" // steps waiting for a validation
	QueueDecisions   = "decisions"   // groups with every step met, not official
)

// QueueFilter selects a validation queue.
type QueueFilter struct {
	Kind         string      // QueueAll, QueueValidations or QueueDecisions
	Statuses     []ch.Status // default: new, official and revoked
	Country      string
	AmbassadorID int64          // only the groups this ambassador mentors
	Role         ch.Role        // only steps still waiting for this role
	StepID       string         // only this step
	States       []ch.StepState // default: awaiting_validation and expired
	Limit        int            // default 50, at most 200
}

// QueueItem is a group waiting for a reviewer.
type QueueItem struct {
	Group   *ch.Group
	Results []ch.StepResult // every step
	Waiting []ch.StepResult // the steps that match the filter
	// ReadyToGrant: every step is met and the group may become official.
	ReadyToGrant bool
}

// queueBatch is how many groups the queue evaluates per round of statements.
const queueBatch = 200

// ValidationQueue returns the groups waiting for a validation or for a
// decision, oldest group first, evaluated against p now.
//
// Whether a step waits depends on Evaluate (checks, verdicts, expiry), so
// the queue reads the candidate groups (listed statuses, filtered in SQL by
// country and mentor) in batches of queueBatch, gathers each batch's facts in
// about ten statements and evaluates in Go, until Limit groups are found.
// Its cost grows with the groups scanned, not with those shown: when few of
// 10,000 groups wait, one call reads all of them (some 500 statements and
// tens of milliseconds on SQLite). A page used often at that scale should
// keep each group's state in a column, refreshed by every write that changes
// a fact, and select on it.
func (db *DB) ValidationQueue(ctx context.Context, p ch.Program, f QueueFilter) ([]QueueItem, error) {
	if f.Limit <= 0 || f.Limit > 200 {
		f.Limit = 50
	}
	statuses := f.Statuses
	if len(statuses) == 0 {
		statuses = []ch.Status{ch.StatusNew, ch.StatusOfficial, ch.StatusRevoked}
	}
	states := f.States
	if len(states) == 0 {
		states = []ch.StepState{ch.StepAwaitingValidation, ch.StepExpired}
	}
	decisions := f.Kind != QueueValidations && f.StepID == "" && (f.Role == "" || f.Role == ch.RoleCommunityManager)
	validations := f.Kind != QueueDecisions
	reqs, err := db.Requirements(ctx)
	if err != nil {
		return nil, err
	}
	now := db.now()
	var out []QueueItem
	var after *ch.Group
	for len(out) < f.Limit {
		a := sqlArgs{d: db.d}
		in := make([]string, len(statuses))
		for i, s := range statuses {
			in[i] = a.add(s)
		}
		query := `SELECT ` + groupColumns + ` FROM groups g WHERE g.status IN (` + strings.Join(in, ", ") + `)`
		if f.Country != "" {
			query += ` AND g.country = ` + a.add(strings.ToUpper(f.Country))
		}
		if f.AmbassadorID != 0 {
			query += ` AND EXISTS (SELECT 1 FROM group_ambassadors a WHERE a.group_id = g.id AND a.user_id = ` + a.add(f.AmbassadorID) + ` AND ` + activeAmbassador + `)`
		}
		if after != nil {
			query += fmt.Sprintf(` AND (g.created_at > %s OR (g.created_at = %s AND g.id > %s))`, a.add(after.CreatedAt), a.add(after.CreatedAt), a.add(after.ID))
		}
		query += ` ORDER BY g.created_at, g.id LIMIT ` + strconv.Itoa(queueBatch)
		groups, err := db.queryGroups(ctx, query, a.vals...)
		if err != nil {
			return nil, err
		}
		if len(groups) == 0 {
			break
		}
		if err := db.loadDetailsBatch(ctx, db.sql, groups); err != nil {
			return nil, err
		}
		facts, err := db.groupFacts(ctx, db.sql, groups, reqs, now)
		if err != nil {
			return nil, err
		}
		vals, err := db.latestValidations(ctx, db.sql, groupIDs(groups))
		if err != nil {
			return nil, err
		}
		for i, g := range groups {
			results := p.Evaluate(facts[i], vals[g.ID], now)
			item := QueueItem{Group: g, Results: results}
			if validations {
				for _, r := range results {
					if slices.Contains(states, r.State) && (f.StepID == "" || r.Step.ID == f.StepID) &&
						(f.Role == "" || slices.Contains(r.MissingRoles, f.Role)) {
						item.Waiting = append(item.Waiting, r)
					}
				}
			}
			item.ReadyToGrant = decisions && ch.CanGrantOfficial(g.Status, results) == nil
			if len(item.Waiting) > 0 || item.ReadyToGrant {
				out = append(out, item)
				if len(out) == f.Limit {
					break
				}
			}
		}
		if len(groups) < queueBatch {
			break
		}
		after = groups[len(groups)-1]
	}
	return out, nil
}

// loadDetailsBatch does what loadGroupDetails does, for several groups in
// four statements.
func (db *DB) loadDetailsBatch(ctx context.Context, q querier, groups []*ch.Group) error {
	byID := make(map[int64]*ch.Group, len(groups))
	for _, g := range groups {
		g.OrganiserEmails, g.URLs, g.Channels, g.Coordinators, g.PolicyVersion = nil, nil, nil, nil, 0
		byID[g.ID] = g
	}
	ids := groupIDs(groups)
	a := sqlArgs{d: db.d}
	err := eachRow(ctx, q, `SELECT group_id, kind, value FROM group_contacts WHERE group_id IN (`+a.ids(ids)+`) ORDER BY group_id, kind, position`,
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
	err = eachRow(ctx, q, `SELECT group_id, type, url FROM group_channels WHERE group_id IN (`+a.ids(ids)+`) ORDER BY group_id, position`,
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
	err = eachRow(ctx, q, `SELECT group_id, email, name, employer FROM coordinators WHERE group_id IN (`+a.ids(ids)+`) ORDER BY group_id, position`,
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
		WHERE a.group_id IN (`+a.ids(ids)+`) GROUP BY a.group_id`, a.vals, func(rows *sql.Rows) error {
		var id int64
		var v int
		if err := rows.Scan(&id, &v); err != nil {
			return err
		}
		byID[id].PolicyVersion = v
		return nil
	})
}

// ── Program versions ─────────────────────────────────────────────────────

// ProgramVersion returns the program definition community managers last
// saved and its version, or the embedded default with version 0 when none
// was saved. (A deployment started with --program FILE uses its file; what
// wins is the caller's choice.)
func (db *DB) ProgramVersion(ctx context.Context) (ch.Program, int, error) {
	var version int
	var body string
	err := db.sql.QueryRowContext(ctx, `SELECT version, body FROM program_versions ORDER BY version DESC LIMIT 1`).Scan(&version, &body)
	if err == sql.ErrNoRows {
		return ch.DefaultProgram(), 0, nil
	}
	if err != nil {
		return ch.Program{}, 0, err
	}
	p, err := ch.ParseProgram(fmt.Sprintf("program version %d", version), []byte(body))
	return p, version, err
}

// SaveProgram stores an edited program definition as a new version and
// returns its number, which is also the definition's Version: one more than
// both the latest stored version and p.Version, so that editing the default
// (version 1) stores version 2 and numbers never go back. p is checked
// (Program.Validate) and stored as ExportProgram writes it.
func (db *DB) SaveProgram(ctx context.Context, p ch.Program, by *ch.User) (int, error) {
	p = p.Clone()
	var version int
	err := db.tx(ctx, func(tx *sql.Tx) error {
		var latest int
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(max(version), 0) FROM program_versions`).Scan(&latest); err != nil {
			return err
		}
		version = max(latest, p.Version) + 1
		p.Version = version
		if err := p.Validate(); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO program_versions (version, body, created_by, created_at) VALUES ($1, $2, $3, $4)`,
			version, string(ch.ExportProgram(p)), sql.NullInt64{Int64: actorID(by), Valid: by != nil}, db.now())
		if db.d.isUnique(err) {
			return ch.Errorf(ch.ECONFLICT, "Someone saved the program at the same moment: reload it and make your change again.")
		}
		return err
	})
	if err != nil {
		return 0, err
	}
	return version, nil
}

// ProgramChange is one saved version of the program definition.
type ProgramChange struct {
	Version int
	ByID    int64
	ByName  string
	At      time.Time
}

// ProgramHistory returns the saved versions of the program, newest first.
func (db *DB) ProgramHistory(ctx context.Context, limit int) ([]ProgramChange, error) {
	if limit <= 0 {
		limit = 50
	}
	var out []ProgramChange
	err := eachRow(ctx, db.sql, `SELECT p.version, COALESCE(p.created_by, 0), COALESCE(u.name, ''), p.created_at
		FROM program_versions p LEFT JOIN users u ON u.id = p.created_by ORDER BY p.version DESC LIMIT $1`, []any{limit},
		func(rows *sql.Rows) error {
			var c ProgramChange
			err := rows.Scan(&c.Version, &c.ByID, &c.ByName, &c.At)
			out = append(out, c)
			return err
		})
	return out, err
}

// ProgramFile returns a saved version of the program as its TOML file.
func (db *DB) ProgramFile(ctx context.Context, version int) ([]byte, error) {
	var body string
	err := db.sql.QueryRowContext(ctx, `SELECT body FROM program_versions WHERE version = $1`, version).Scan(&body)
	if err != nil {
		return nil, db.translate(err, "Program version")
	}
	return []byte(body), nil
}

// ── Helpers ──────────────────────────────────────────────────────────────

// groupWrite runs f in a transaction on the locked group, then queues
// notify's mails, with the group's contacts and coordinators loaded for
// them, in the same transaction.
func (db *DB) groupWrite(ctx context.Context, slug string, notify ch.Notify, f func(tx *sql.Tx, g *ch.Group, now time.Time) error) error {
	now := db.now()
	return db.tx(ctx, func(tx *sql.Tx) error {
		g, err := db.lockGroup(ctx, tx, slug)
		if err != nil {
			return err
		}
		if err := f(tx, g, now); err != nil {
			return err
		}
		if notify == nil {
			return nil
		}
		if err := db.loadGroupDetails(ctx, tx, g); err != nil {
			return err
		}
		return enqueueAll(ctx, tx, now, notify, g)
	})
}

func actorID(u *ch.User) int64 {
	if u == nil {
		return 0
	}
	return u.ID
}

// normalizeText trims a comment, note or reason and gives it \n line ends.
func normalizeText(s string) string {
	return strings.TrimSpace(strings.NewReplacer("\r\n", "\n", "\r", "\n").Replace(s))
}

func clipRunes(s string, n int) string {
	if utf8.RuneCountInString(s) > n {
		return string([]rune(s)[:n]) + "…"
	}
	return s
}
