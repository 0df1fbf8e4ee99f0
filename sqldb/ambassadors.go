package sqldb

import (
	"context"
	"database/sql"
	"time"

	ch "chapterhouse"
)

// A mentoring row counts only while its user holds the ambassador role.
const activeAmbassador = `EXISTS (SELECT 1 FROM user_roles r WHERE r.user_id = a.user_id AND r.role = '` + string(ch.RoleAmbassador) + `')`

// independentMentor keeps a mentoring row (a) only when its ambassador has
// not coordinated the group since cutoff (see ch.Program.ReviewCutoff): one
// does not mentor one's own group.
func independentMentor(a *sqlArgs, cutoff time.Time) string {
	return `NOT EXISTS (SELECT 1 FROM coordinator_terms t JOIN users cu ON cu.email = t.email
		WHERE t.group_id = a.group_id AND cu.id = a.user_id AND (t.ended_at IS NULL OR t.ended_at > ` + a.add(cutoff.UTC()) + `))`
}

// Ambassadors returns the ambassadors mentoring a group, in the order they
// started.
func (db *DB) Ambassadors(ctx context.Context, groupID int64) ([]*ch.User, error) {
	return db.ambassadors(ctx, db.sql, groupID)
}

func (db *DB) ambassadors(ctx context.Context, q querier, groupID int64) ([]*ch.User, error) {
	var users []*ch.User
	err := eachRow(ctx, q, `SELECT u.id, u.email, u.name, u.verified_at, u.created_at
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
		if err := db.loadRoles(ctx, q, u); err != nil {
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
		AND (SELECT count(*) FROM group_ambassadors a WHERE a.group_id = g.id AND ` + activeAmbassador + ` AND ` +
		independentMentor(&a, p.ReviewCutoff(db.now())) + `) < ` + a.add(need)
	if len(steps) > 0 {
		query += ` AND NOT EXISTS (SELECT 1 FROM step_exemptions x WHERE x.group_id = g.id AND x.step_id IN (` + addList(&a, steps) + `))`
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
			g.ID, userID, nullID(actorID(by)), now)
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
