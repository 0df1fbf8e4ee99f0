package sqldb

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"time"

	ch "chapterhouse"
)

// NewToken returns a random secret and the hash under which it is stored:
// the database never holds a usable session, reset or API token.
func NewToken(prefix string) (token, hash string) {
	b := make([]byte, 32)
	rand.Read(b)
	token = prefix + base64.RawURLEncoding.EncodeToString(b)
	return token, HashToken(token)
}

// HashToken is the stored form of a token.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

const userColumns = `id, email, name, verified_at, created_at`

func scanUser(row interface{ Scan(...any) error }) (*ch.User, error) {
	var u ch.User
	var verified sql.NullTime
	if err := row.Scan(&u.ID, &u.Email, &u.Name, &verified, &u.CreatedAt); err != nil {
		return nil, err
	}
	if verified.Valid {
		u.VerifiedAt = &verified.Time
	}
	return &u, nil
}

func (db *DB) loadRoles(ctx context.Context, q querier, u *ch.User) error {
	rows, err := q.QueryContext(ctx, `SELECT role FROM user_roles WHERE user_id = $1 ORDER BY role`, u.ID)
	if err != nil {
		return err
	}
	defer rows.Close()
	u.Roles = nil
	for rows.Next() {
		var r ch.Role
		if err := rows.Scan(&r); err != nil {
			return err
		}
		u.Roles = append(u.Roles, r)
	}
	return rows.Err()
}

type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// CreateUser adds an account. by is who granted the roles (0 for the command line).
func (db *DB) CreateUser(ctx context.Context, email, name, passwordHash string, verified bool, by int64, roles ...ch.Role) (*ch.User, error) {
	now := db.now()
	var verifiedAt *time.Time
	if verified {
		verifiedAt = &now
	}
	var id int64
	err := db.tx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO users (email, name, password_hash, verified_at, created_at)
			VALUES ($1, $2, $3, $4, $5) RETURNING id`, ch.NormalizeEmail(email), name, passwordHash, verifiedAt, now).Scan(&id)
		if err != nil {
			return db.translate(err, "An account with this email")
		}
		for _, r := range roles {
			if err := db.setRole(ctx, tx, id, r, true, by, now); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return db.UserByID(ctx, id)
}

// UserByID loads an account with its roles.
func (db *DB) UserByID(ctx context.Context, id int64) (*ch.User, error) {
	u, err := scanUser(db.sql.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE id = $1`, id))
	if err != nil {
		return nil, db.translate(err, "Account")
	}
	return u, db.loadRoles(ctx, db.sql, u)
}

// UserByEmail loads an account and its password hash.
func (db *DB) UserByEmail(ctx context.Context, email string) (*ch.User, string, error) {
	row := db.sql.QueryRowContext(ctx, `SELECT `+userColumns+`, password_hash FROM users WHERE email = $1`, ch.NormalizeEmail(email))
	var u ch.User
	var verified sql.NullTime
	var hash string
	if err := row.Scan(&u.ID, &u.Email, &u.Name, &verified, &u.CreatedAt, &hash); err != nil {
		return nil, "", db.translate(err, "Account")
	}
	if verified.Valid {
		u.VerifiedAt = &verified.Time
	}
	return &u, hash, db.loadRoles(ctx, db.sql, &u)
}

// PasswordHash returns the stored hash of a user's password.
func (db *DB) PasswordHash(ctx context.Context, userID int64) (string, error) {
	var hash string
	err := db.sql.QueryRowContext(ctx, `SELECT password_hash FROM users WHERE id = $1`, userID).Scan(&hash)
	return hash, db.translate(err, "Account")
}

// SetPassword replaces a password and ends every session of the account
// and every link mailed to it (reset, verification, change of address), so
// that whoever knew the old password, or read the mailbox, is locked out.
// revokeAPITokens ends the account's API tokens as well.
func (db *DB) SetPassword(ctx context.Context, userID int64, hash string, revokeAPITokens bool) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE users SET password_hash = $1 WHERE id = $2`, hash, userID); err != nil {
			return err
		}
		ends := []string{`DELETE FROM sessions WHERE user_id = $1`, `DELETE FROM user_tokens WHERE user_id = $1`}
		if revokeAPITokens {
			ends = append(ends, `DELETE FROM api_tokens WHERE user_id = $1`)
		}
		for _, q := range ends {
			if _, err := tx.ExecContext(ctx, q, userID); err != nil {
				return err
			}
		}
		return nil
	})
}

// SetName changes how a person is shown.
func (db *DB) SetName(ctx context.Context, userID int64, name string) error {
	_, err := db.sql.ExecContext(ctx, `UPDATE users SET name = $1 WHERE id = $2`, name, userID)
	return err
}

// MarkVerified records that the user proved they own their address.
func (db *DB) MarkVerified(ctx context.Context, userID int64) error {
	_, err := db.sql.ExecContext(ctx, `UPDATE users SET verified_at = COALESCE(verified_at, $1) WHERE id = $2`, db.now(), userID)
	return err
}

// ChangeEmail moves an account to a new, verified address. Coordinator rows
// follow the person so that they stay organizer of their groups.
func (db *DB) ChangeEmail(ctx context.Context, userID int64, newEmail string) error {
	newEmail = ch.NormalizeEmail(newEmail)
	return db.tx(ctx, func(tx *sql.Tx) error {
		var old string
		if err := tx.QueryRowContext(ctx, `SELECT email FROM users WHERE id = $1`, userID).Scan(&old); err != nil {
			return db.translate(err, "Account")
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET email = $1, verified_at = $2 WHERE id = $3`, newEmail, db.now(), userID); err != nil {
			return db.translate(err, "An account with this email")
		}
		if _, err := tx.ExecContext(ctx, `UPDATE coordinators SET email = $1 WHERE email = $2
			AND group_id NOT IN (SELECT group_id FROM coordinators WHERE email = $1)`, newEmail, old); err != nil {
			return err
		}
		// Where a group listed both addresses, the person keeps one row.
		if _, err := tx.ExecContext(ctx, `DELETE FROM coordinators WHERE email = $1`, old); err != nil {
			return err
		}
		// A past coordinator who changes address stays one.
		if _, err := tx.ExecContext(ctx, `UPDATE coordinator_terms SET email = $1 WHERE email = $2`, newEmail, old); err != nil {
			return err
		}
		// Links mailed to the old address (a reset, above all) must not
		// keep working for whoever reads that mailbox now.
		_, err := tx.ExecContext(ctx, `DELETE FROM user_tokens WHERE user_id = $1 AND email = $2`, userID, old)
		return err
	})
}

// ListUsers returns accounts whose name or email contains q (all when q is
// empty), people with roles first.
func (db *DB) ListUsers(ctx context.Context, q string, limit int) ([]*ch.User, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT `+userColumns+` FROM users
		WHERE lower(email) LIKE $1 ESCAPE '!' OR lower(name) LIKE $1 ESCAPE '!'
		ORDER BY (SELECT count(*) FROM user_roles r WHERE r.user_id = users.id) DESC, name LIMIT $2`, likePattern(q), limit)
	if err != nil {
		return nil, err
	}
	var users []*ch.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		users = append(users, u)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, u := range users {
		if err := db.loadRoles(ctx, db.sql, u); err != nil {
			return nil, err
		}
	}
	return users, nil
}

// SetRole grants or removes a program role and logs the change. Granting a
// role already held, or removing one not held, changes and logs nothing.
func (db *DB) SetRole(ctx context.Context, userID int64, role ch.Role, grant bool, by int64) error {
	return db.tx(ctx, func(tx *sql.Tx) error { return db.setRole(ctx, tx, userID, role, grant, by, db.now()) })
}

func (db *DB) setRole(ctx context.Context, tx *sql.Tx, userID int64, role ch.Role, grant bool, by int64, now time.Time) error {
	var res sql.Result
	var err error
	byID := nullID(by)
	if grant {
		res, err = tx.ExecContext(ctx, `INSERT INTO user_roles (user_id, role, granted_by, granted_at) VALUES ($1, $2, $3, $4)
			ON CONFLICT DO NOTHING`, userID, role, byID, now)
	} else {
		if role == ch.RoleCommunityManager {
			if err := lastManagerStays(ctx, tx, db.d, userID); err != nil {
				return err
			}
		}
		res, err = tx.ExecContext(ctx, `DELETE FROM user_roles WHERE user_id = $1 AND role = $2`, userID, role)
	}
	if err != nil {
		return db.translate(err, "Account")
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO role_changes (user_id, role, granted, by_id, at) VALUES ($1, $2, $3, $4, $5)`,
		userID, role, grant, byID, now)
	return err
}

// lastManagerStays refuses to remove the community manager role of userID
// from the program's last community manager. The managers' rows are locked
// (on PostgreSQL; SQLite runs one write at a time), so that two managers
// removing each other at once cannot both succeed.
func lastManagerStays(ctx context.Context, tx *sql.Tx, d dialect, userID int64) error {
	var others int
	holds := false
	err := eachRow(ctx, tx, `SELECT user_id FROM user_roles WHERE role = $1`+d.forUpdate, []any{ch.RoleCommunityManager}, func(rows *sql.Rows) error {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return err
		}
		if id == userID {
			holds = true
		} else {
			others++
		}
		return nil
	})
	if err == nil && holds && others == 0 {
		return ch.Errorf(ch.ECONFLICT, "The program needs a community manager: grant the role to someone else first.")
	}
	return err
}

// RoleChanges returns the latest role grants and removals, newest first.
func (db *DB) RoleChanges(ctx context.Context, limit int) ([]ch.RoleChange, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT c.user_id, u.email, c.role, c.granted, COALESCE(c.by_id, 0), COALESCE(b.name, 'command line'), c.at
		FROM role_changes c JOIN users u ON u.id = c.user_id LEFT JOIN users b ON b.id = c.by_id
		ORDER BY c.at DESC, c.id DESC LIMIT $1`, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ch.RoleChange
	for rows.Next() {
		var c ch.RoleChange
		if err := rows.Scan(&c.UserID, &c.UserEmail, &c.Role, &c.Granted, &c.ByID, &c.ByName, &c.At); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// CreateSession starts a session and returns its cookie value.
func (db *DB) CreateSession(ctx context.Context, userID int64, ttl time.Duration) (string, error) {
	token, hash := NewToken("")
	now := db.now()
	_, err := db.sql.ExecContext(ctx, `INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)`,
		hash, userID, now, now.Add(ttl))
	return token, err
}

// SessionUser returns the account behind a live session.
func (db *DB) SessionUser(ctx context.Context, token string) (*ch.User, error) {
	u, err := scanUser(db.sql.QueryRowContext(ctx, `SELECT u.id, u.email, u.name, u.verified_at, u.created_at
		FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1 AND s.expires_at > $2`, HashToken(token), db.now()))
	if err != nil {
		return nil, db.translate(err, "Session")
	}
	return u, db.loadRoles(ctx, db.sql, u)
}

// DeleteSession signs a session out.
func (db *DB) DeleteSession(ctx context.Context, token string) error {
	_, err := db.sql.ExecContext(ctx, `DELETE FROM sessions WHERE token_hash = $1`, HashToken(token))
	return err
}

// Token purposes for CreateUserToken.
const (
	PurposeVerify      = "verify"
	PurposeReset       = "reset"
	PurposeChangeEmail = "change_email"
)

// CreateUserToken makes a one-time token for a mailed link. Earlier tokens of
// the same purpose stop working, so only the newest link is valid.
func (db *DB) CreateUserToken(ctx context.Context, userID int64, purpose, email string, ttl time.Duration) (string, error) {
	token, hash := NewToken("")
	err := db.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM user_tokens WHERE user_id = $1 AND purpose = $2`, userID, purpose); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO user_tokens (token_hash, user_id, purpose, email, expires_at) VALUES ($1, $2, $3, $4, $5)`,
			hash, userID, purpose, ch.NormalizeEmail(email), db.now().Add(ttl))
		return err
	})
	return token, err
}

// ConsumeUserToken uses up a one-time token and returns its account and address.
func (db *DB) ConsumeUserToken(ctx context.Context, token, purpose string) (userID int64, email string, err error) {
	err = db.tx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `DELETE FROM user_tokens WHERE token_hash = $1 AND purpose = $2 AND expires_at > $3
			RETURNING user_id, email`, HashToken(token), purpose, db.now()).Scan(&userID, &email)
		if err == sql.ErrNoRows {
			return errLinkGone()
		}
		return err
	})
	return userID, email, err
}

// errLinkGone answers a mailed link that is unknown, used or expired.
func errLinkGone() error {
	return ch.Errorf(ch.ENOTFOUND, "This link is invalid or has expired. Ask for a new one.")
}

// LinkOwner returns the account a live one-time link of purpose was mailed
// to, without using the link up. A link for an address the account has
// left since is dead.
func (db *DB) LinkOwner(ctx context.Context, token, purpose string) (*ch.User, error) {
	u, err := scanUser(db.sql.QueryRowContext(ctx, `SELECT u.id, u.email, u.name, u.verified_at, u.created_at
		FROM user_tokens t JOIN users u ON u.id = t.user_id
		WHERE t.token_hash = $1 AND t.purpose = $2 AND t.expires_at > $3 AND t.email = u.email`, HashToken(token), purpose, db.now()))
	if err == sql.ErrNoRows {
		return nil, errLinkGone()
	} else if err != nil {
		return nil, err
	}
	return u, db.loadRoles(ctx, db.sql, u)
}

// ProveAddress uses up a verification link and marks its account verified.
// Whoever held the account before its address was proved (someone may
// sign up with another's address and wait) loses it: every session but
// keep, every other mailed link and every API token ends, in the same
// transaction.
func (db *DB) ProveAddress(ctx context.Context, token, keep string) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		var userID int64
		err := tx.QueryRowContext(ctx, `DELETE FROM user_tokens WHERE token_hash = $1 AND purpose = $2 AND expires_at > $3
			AND email = (SELECT email FROM users WHERE id = user_tokens.user_id)
			RETURNING user_id`, HashToken(token), PurposeVerify, db.now()).Scan(&userID)
		if err == sql.ErrNoRows {
			return errLinkGone()
		} else if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET verified_at = COALESCE(verified_at, $1) WHERE id = $2`, db.now(), userID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2`, userID, HashToken(keep)); err != nil {
			return err
		}
		for _, q := range []string{`DELETE FROM user_tokens WHERE user_id = $1`, `DELETE FROM api_tokens WHERE user_id = $1`} {
			if _, err := tx.ExecContext(ctx, q, userID); err != nil {
				return err
			}
		}
		return nil
	})
}

// APIToken describes a personal API token without its secret.
type APIToken struct {
	ID         int64
	Name       string
	CreatedAt  time.Time
	LastUsedAt *time.Time
}

// CreateAPIToken makes a personal API token and returns the secret, which is
// shown once and stored only hashed.
func (db *DB) CreateAPIToken(ctx context.Context, userID int64, name string) (string, error) {
	token, hash := NewToken("chp_")
	_, err := db.sql.ExecContext(ctx, `INSERT INTO api_tokens (user_id, name, token_hash, created_at) VALUES ($1, $2, $3, $4)`,
		userID, name, hash, db.now())
	return token, db.translate(err, "Account")
}

// APITokenUser returns the account behind an API token and notes its use.
func (db *DB) APITokenUser(ctx context.Context, token string) (*ch.User, error) {
	u, err := scanUser(db.sql.QueryRowContext(ctx, `SELECT u.id, u.email, u.name, u.verified_at, u.created_at
		FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1`, HashToken(token)))
	if err != nil {
		return nil, db.translate(err, "API token")
	}
	// Minute precision keeps a busy client from turning every read into a write.
	now := db.now().Truncate(time.Minute)
	if _, err := db.sql.ExecContext(ctx, `UPDATE api_tokens SET last_used_at = $1 WHERE token_hash = $2
		AND (last_used_at IS NULL OR last_used_at < $1)`, now, HashToken(token)); err != nil {
		return nil, err
	}
	return u, db.loadRoles(ctx, db.sql, u)
}

// APITokens lists a user's tokens.
func (db *DB) APITokens(ctx context.Context, userID int64) ([]APIToken, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT id, name, created_at, last_used_at FROM api_tokens WHERE user_id = $1 ORDER BY id`, userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []APIToken
	for rows.Next() {
		var t APIToken
		var used sql.NullTime
		if err := rows.Scan(&t.ID, &t.Name, &t.CreatedAt, &used); err != nil {
			return nil, err
		}
		if used.Valid {
			t.LastUsedAt = &used.Time
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// DeleteAPIToken revokes one of a user's tokens.
func (db *DB) DeleteAPIToken(ctx context.Context, userID, id int64) error {
	res, err := db.sql.ExecContext(ctx, `DELETE FROM api_tokens WHERE id = $1 AND user_id = $2`, id, userID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ch.Errorf(ch.ENOTFOUND, "API token not found.")
	}
	return nil
}

// UsersWithRole returns everyone who holds a program role.
func (db *DB) UsersWithRole(ctx context.Context, role ch.Role) ([]*ch.User, error) {
	return usersWithRole(ctx, db.sql, role)
}

func usersWithRole(ctx context.Context, q querier, role ch.Role) ([]*ch.User, error) {
	rows, err := q.QueryContext(ctx, `SELECT u.id, u.email, u.name, u.verified_at, u.created_at
		FROM users u JOIN user_roles r ON r.user_id = u.id WHERE r.role = $1 ORDER BY u.name`, role)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*ch.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, err
		}
		u.Roles = []ch.Role{role}
		out = append(out, u)
	}
	return out, rows.Err()
}

// likePattern matches q anywhere, case-insensitively, with LIKE's wildcards
// in q taken literally.
func likePattern(q string) string {
	return "%" + strings.NewReplacer("!", "!!", "%", "!%", "_", "!_").Replace(strings.ToLower(q)) + "%"
}

// NewUser is an account to import.
type NewUser struct {
	Email, Name, PasswordHash string
	Verified                  bool
}

// ImportUsers adds accounts in bulk (an organization's staff directory, a
// demo program), skipping addresses that already have an account, and
// returns how many it added. Rows go in batches, each one statement.
func (db *DB) ImportUsers(ctx context.Context, users []NewUser) (int, error) {
	const batch = 500
	now := db.now()
	added := 0
	err := db.tx(ctx, func(tx *sql.Tx) error {
		for start := 0; start < len(users); start += batch {
			rows := users[start:min(start+batch, len(users))]
			a := sqlArgs{d: db.d}
			values := make([]string, len(rows))
			for i, u := range rows {
				var verified *time.Time
				if u.Verified {
					verified = &now
				}
				values[i] = "(" + addList(&a, []any{ch.NormalizeEmail(u.Email), u.Name, u.PasswordHash, verified, now}) + ")"
			}
			res, err := tx.ExecContext(ctx, `INSERT INTO users (email, name, password_hash, verified_at, created_at) VALUES `+
				strings.Join(values, ", ")+` ON CONFLICT (email) DO NOTHING`, a.vals...)
			if err != nil {
				return err
			}
			n, _ := res.RowsAffected()
			added += int(n)
		}
		return nil
	})
	return added, err
}
