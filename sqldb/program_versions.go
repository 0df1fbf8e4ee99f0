package sqldb

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	ch "chapterhouse"
)

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
			version, string(ch.ExportProgram(p)), nullID(actorID(by)), db.now())
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
