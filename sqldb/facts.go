package sqldb

import (
	"context"
	"database/sql"
	"time"

	ch "chapterhouse"
)

// The persistence of the Official User Group Process. The program (steps,
// checks, roles) is data the caller holds — loaded from a file or from
// ProgramVersion — so the store records facts, verdicts and decisions and
// leaves who may do what to the web layer (ch.CanValidate,
// ch.CanMarkNotNeeded…). It checks only what keeps the data sound: valid
// input, a role the validator holds, official status only when every step
// is met.

// GroupFacts gathers what Program.Evaluate needs to know about a group at
// time now under program p (whose validity decides which mentors count):
// g must be loaded with its contacts, channels, coordinators and agreed
// policy version, as GroupBySlug returns it.
func (db *DB) GroupFacts(ctx context.Context, g *ch.Group, p ch.Program, reqs []ch.Requirement, now time.Time) (ch.GroupFacts, error) {
	facts, err := db.groupFacts(ctx, db.sql, []*ch.Group{g}, p, reqs, now)
	if err != nil {
		return ch.GroupFacts{}, err
	}
	return facts[0], nil
}

// StepResults evaluates every step of p for a group (as GroupBySlug loads
// it) as it stands now: the checklist of the group's page.
func (db *DB) StepResults(ctx context.Context, g *ch.Group, p ch.Program) ([]ch.StepResult, error) {
	_, results, err := db.Checklist(ctx, g, p)
	return results, err
}

// Checklist is StepResults with the facts they were computed from, for
// pages that show both.
func (db *DB) Checklist(ctx context.Context, g *ch.Group, p ch.Program) (ch.GroupFacts, []ch.StepResult, error) {
	facts, results, err := db.evaluate(ctx, db.sql, p, db.now(), g)
	if err != nil {
		return ch.GroupFacts{}, nil, err
	}
	return facts[0], results[0], nil
}

// evaluate evaluates the steps of p at time now for groups loaded with
// their details, reading every other fact (requirements, current policy
// version, meetings, ambassadors, exemptions, verdicts) through q, in a
// fixed number of statements. It is the one evaluation of the portal: the
// checklist and the queue read through the database, GrantOfficial through
// the transaction that holds the group's row.
func (db *DB) evaluate(ctx context.Context, q querier, p ch.Program, now time.Time, groups ...*ch.Group) ([]ch.GroupFacts, [][]ch.StepResult, error) {
	if len(groups) == 0 {
		return nil, nil, nil // "IN ()" is not SQL
	}
	reqs, err := requirements(ctx, q)
	if err != nil {
		return nil, nil, err
	}
	facts, err := db.groupFacts(ctx, q, groups, p, reqs, now)
	if err != nil {
		return nil, nil, err
	}
	vals, err := db.latestValidations(ctx, q, groupIDs(groups))
	if err != nil {
		return nil, nil, err
	}
	terms, err := db.coordinatorTerms(ctx, q, groupIDs(groups))
	if err != nil {
		return nil, nil, err
	}
	results := make([][]ch.StepResult, len(groups))
	for i, g := range groups {
		results[i] = p.Evaluate(facts[i], p.IndependentValidations(vals[g.ID], terms[g.ID]), now)
	}
	return facts, results, nil
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
func (db *DB) groupFacts(ctx context.Context, q querier, groups []*ch.Group, p ch.Program, reqs []ch.Requirement, now time.Time) ([]ch.GroupFacts, error) {
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
		WHERE a.group_id IN (` + addList(&a, ids) + `) AND ` + independentMentor(&a, p.ReviewCutoff(now)) + ` GROUP BY a.group_id`
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
		FROM accepted_rhythms r LEFT JOIN users u ON u.id = r.by_id WHERE r.group_id IN (` + addList(&a, ids) + `)`
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
	query = `SELECT group_id, step_id, reason FROM step_exemptions WHERE group_id IN (` + addList(&a, ids) + `)`
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
	query := `SELECT m.group_id, count(*) FROM recorded_meetings m WHERE m.group_id IN (` + addList(&a, ids) + `)
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
