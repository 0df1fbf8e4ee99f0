package sqldb

import (
	"errors"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// dialect holds everything that differs between SQLite and PostgreSQL; all
// other SQL is written once, with $N placeholders both engines bind by number.
type dialect struct {
	name string
	// timestamp is the column type of a point in time.
	timestamp string
	// forUpdate locks the rows a read-modify-write transaction reads. SQLite
	// needs nothing: its write transactions are immediate and exclusive.
	forUpdate string
	// skipLocked lets concurrent workers claim different jobs.
	skipLocked string
	// migrationLock is the advisory lock key that serializes migrations
	// across processes ("" where transactions already do).
	migrationLock string
	// optimize refreshes planner statistics ("" where the server does it).
	optimize string
	// search returns the condition matching groups against a search query
	// (as built by searchQuery) held in the placeholder arg.
	search      func(arg string) string
	searchQuery func(words []string) string
	isUnique    func(error) bool
	isBusy      func(error) bool
	// param is the i-th (1-based) placeholder of a statement built piece by
	// piece (see sqlArgs): modernc's SQLite looks $N up by a linear search,
	// so thousand-value statements use plain ? there.
	param func(i int) string
}

var sqliteDialect = dialect{
	name:      "sqlite",
	param:     func(int) string { return "?" },
	timestamp: "TIMESTAMP",
	optimize:  "PRAGMA optimize=0x10002",
	search: func(arg string) string {
		return "g.id IN (SELECT rowid FROM groups_fts WHERE groups_fts MATCH " + arg + ")"
	},
	searchQuery: func(words []string) string {
		q := make([]string, len(words))
		for i, w := range words {
			q[i] = `"` + w + `"*`
		}
		return strings.Join(q, " ")
	},
	isBusy: func(err error) bool {
		var se *sqlite.Error
		return errors.As(err, &se) && se.Code()&0xff == sqlite3.SQLITE_BUSY
	},
	isUnique: func(err error) bool {
		var se *sqlite.Error
		return errors.As(err, &se) && (se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY)
	},
}

var postgresDialect = dialect{
	name:      "postgres",
	param:     func(i int) string { return "$" + strconv.Itoa(i) },
	timestamp: "TIMESTAMPTZ",
	forUpdate: " FOR UPDATE",
	// "chapterhouse-migrate" as a number: any constant works, one per app.
	migrationLock: "7243950561",
	skipLocked:    " FOR UPDATE SKIP LOCKED",
	search:        func(arg string) string { return "g.search @@ to_tsquery('simple', " + arg + ")" },
	searchQuery: func(words []string) string {
		q := make([]string, len(words))
		for i, w := range words {
			q[i] = w + ":*"
		}
		return strings.Join(q, " & ")
	},
	isBusy: func(error) bool { return false },
	isUnique: func(err error) bool {
		var pe *pgconn.PgError
		return errors.As(err, &pe) && pe.Code == "23505"
	},
}
