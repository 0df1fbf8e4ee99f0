package sqldb

import (
	"context"
	"database/sql"
	"encoding/json"
	"slices"

	ch "chapterhouse"
)

const settingRequirements = "completeness_requirements"

// Requirements returns the program's required contact fields.
func (db *DB) Requirements(ctx context.Context) ([]ch.Requirement, error) {
	return requirements(ctx, db.sql)
}

func requirements(ctx context.Context, q querier) ([]ch.Requirement, error) {
	var raw string
	err := q.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = $1`, settingRequirements).Scan(&raw)
	if err == sql.ErrNoRows {
		// A copy: a caller that edits the list must not change the defaults.
		return slices.Clone(ch.DefaultRequirements), nil
	}
	if err != nil {
		return nil, err
	}
	var reqs []ch.Requirement
	if err := json.Unmarshal([]byte(raw), &reqs); err != nil {
		return nil, err
	}
	return reqs, nil
}

// SetRequirements replaces the program's required contact fields.
func (db *DB) SetRequirements(ctx context.Context, reqs []ch.Requirement) error {
	b, err := json.Marshal(reqs)
	if err != nil {
		return err
	}
	_, err = db.sql.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES ($1, $2)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`, settingRequirements, string(b))
	return err
}

// CurrentPolicy returns the newest version of a policy, publishing the
// default first if there is none yet.
func (db *DB) CurrentPolicy(ctx context.Context, kind string) (ch.Policy, error) {
	p, err := db.policy(ctx, kind)
	if err == sql.ErrNoRows && kind == ch.PolicySocialMedia {
		if _, err := db.PublishPolicy(ctx, kind, ch.DefaultSocialMediaPolicy, 0); err != nil {
			return p, err
		}
		return db.policy(ctx, kind)
	}
	return p, db.translate(err, "Policy")
}

func (db *DB) policy(ctx context.Context, kind string) (ch.Policy, error) {
	var p ch.Policy
	err := db.sql.QueryRowContext(ctx, `SELECT p.id, p.kind, p.version, p.body, COALESCE(u.name, ''), p.created_at
		FROM policies p LEFT JOIN users u ON u.id = p.created_by WHERE p.kind = $1 ORDER BY p.version DESC LIMIT 1`, kind).
		Scan(&p.ID, &p.Kind, &p.Version, &p.Body, &p.CreatedBy, &p.CreatedAt)
	return p, err
}

// PublishPolicy stores a new version of a policy; earlier agreements stay
// recorded against the version they were made on.
func (db *DB) PublishPolicy(ctx context.Context, kind, body string, by int64) (int, error) {
	return db.PublishPolicyAsking(ctx, kind, body, by, nil)
}

// PolicyRecipient is a coordinator of listed groups, asked to agree to a new
// policy version on their behalf.
type PolicyRecipient struct {
	Email, Name string
	Groups      []string // names of the listed groups they coordinate
}

// PublishPolicyAsking publishes a policy version and, in the same
// transaction, queues ask's mails to every coordinator of a listed group:
// each group must agree to the new version again.
func (db *DB) PublishPolicyAsking(ctx context.Context, kind, body string, by int64, ask func(version int, to []PolicyRecipient) []ch.Mail) (int, error) {
	var version int
	now := db.now()
	err := db.tx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(max(version), 0) + 1 FROM policies WHERE kind = $1`, kind).Scan(&version); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO policies (kind, version, body, created_by, created_at) VALUES ($1, $2, $3, $4, $5)`,
			kind, version, body, nullID(by), now)
		if err != nil || ask == nil {
			return err
		}
		var to []PolicyRecipient
		err = eachRow(ctx, tx, `SELECT c.email, c.name, g.name FROM coordinators c JOIN groups g ON g.id = c.group_id
			WHERE g.status IN ($1, $2, $3) ORDER BY c.email, g.name`, []any{ch.StatusNew, ch.StatusOfficial, ch.StatusRevoked},
			func(rows *sql.Rows) error {
				var email, name, group string
				if err := rows.Scan(&email, &name, &group); err != nil {
					return err
				}
				if n := len(to); n > 0 && to[n-1].Email == email {
					to[n-1].Groups = append(to[n-1].Groups, group)
				} else {
					to = append(to, PolicyRecipient{Email: email, Name: name, Groups: []string{group}})
				}
				return nil
			})
		if err != nil {
			return err
		}
		for _, m := range ask(version, to) {
			if err := enqueue(ctx, tx, now, m); err != nil {
				return err
			}
		}
		return nil
	})
	return version, err
}
