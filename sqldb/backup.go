package sqldb

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// Tables lists every table of the portal, each after the tables its foreign
// keys point to: the order in which Copy fills a database. It leaves out
// schema_migrations, which Migrate writes, and SQLite's groups_fts index,
// which triggers fill. TestTablesMatchSchema fails when a migration adds a
// table that is missing here.
var Tables = []string{
	"users", "user_roles", "role_changes", "sessions", "user_tokens", "api_tokens", "auth_throttle", "rate_limits",
	"outbox", "settings", "policies",
	"groups", "group_slugs", "group_contacts", "group_channels", "coordinators", "coordinator_terms", "group_events", "policy_agreements",
	"group_ambassadors", "step_validations", "step_comments", "step_exemptions", "accepted_rhythms",
	"recorded_meetings", "program_versions", "official_lapses", "pending_renames",
}

// seededTable is the one table Migrate fills (with the default policy), so a
// database holding rows only there is still empty enough for Copy.
const seededTable = "policies"

// ErrInUse is Restore's answer while a Chapterhouse process has the database open.
var ErrInUse = errors.New("the database is in use by a running Chapterhouse (stop serve first)")

// SQLitePath returns the file of the SQLite database that Open opens for
// dataDir and databaseURL; ok is false when databaseURL names a PostgreSQL
// server.
func SQLitePath(dataDir, databaseURL string) (path string, ok bool, err error) {
	if strings.HasPrefix(databaseURL, "postgres://") || strings.HasPrefix(databaseURL, "postgresql://") {
		return "", false, nil
	}
	path = filepath.Join(dataDir, "chapterhouse.db")
	if databaseURL != "" {
		p, ok := strings.CutPrefix(databaseURL, "sqlite:")
		if !ok {
			return "", false, fmt.Errorf("unsupported database URL %q: use sqlite:PATH or postgres://…", databaseURL)
		}
		path = strings.TrimPrefix(p, "//")
	}
	return path, true, nil
}

// Backup writes a consistent copy of the SQLite database to path, which must
// not exist yet, while the portal keeps serving: VACUUM INTO reads one
// snapshot of the database and writers carry on beside it. The copy is
// written next to path, synced and checked, and only then given its name.
func (db *DB) Backup(ctx context.Context, path string) error {
	if db.d.name != "sqlite" {
		return errors.New("backup copies SQLite databases: use pg_dump to back up PostgreSQL")
	}
	path, err := filepath.Abs(path)
	if err != nil {
		return err
	}
	if err := mustNotExist(path); err != nil {
		return err
	}
	dir, base := filepath.Split(path)
	tmp := filepath.Join(dir, "."+base+"."+randomHex()+".tmp")
	defer os.Remove(tmp)
	// The copy holds password hashes, sessions and queued mail: readable by
	// its owner only, from its first byte (VACUUM INTO accepts an empty file
	// and keeps its mode).
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if _, err := db.sql.ExecContext(ctx, `VACUUM INTO $1`, tmp); err != nil {
		return fmt.Errorf("back up to %s: %w", path, err)
	}
	if err := syncFile(tmp); err != nil {
		return err
	}
	if err := checkBackup(ctx, tmp, path); err != nil {
		return fmt.Errorf("the backup failed its check: %w", err)
	}
	// A link never replaces an existing file, so a backup that appeared
	// meanwhile is safe; some file systems have no links, hence the rename.
	if err := os.Link(tmp, path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return mustNotExist(path)
		}
		if err := mustNotExist(path); err != nil {
			return err
		}
		if err := os.Rename(tmp, path); err != nil {
			return err
		}
	}
	return syncDir(dir)
}

// Restore replaces the SQLite database that Open opens for dataDir and
// databaseURL with file: a Backup, or any Chapterhouse SQLite database no
// newer than this program (serve migrates it on start). It refuses with
// ErrInUse while any Chapterhouse process has the database open, and
// replaces the database in one rename: a crash leaves the old database or
// the new one, never a mixture.
func Restore(ctx context.Context, dataDir, databaseURL, file string) error {
	path, ok, err := SQLitePath(dataDir, databaseURL)
	if err != nil {
		return err
	}
	if !ok {
		return errors.New("restore replaces SQLite databases: restore PostgreSQL from pg_dump's output with pg_restore or psql")
	}
	if path, err = filepath.Abs(path); err != nil {
		return err
	}
	if file, err = filepath.Abs(file); err != nil {
		return err
	}
	src, err := os.Open(file)
	if err != nil {
		return err
	}
	defer src.Close()
	if fi, err := src.Stat(); err != nil {
		return err
	} else if old, err := os.Stat(path); err == nil && os.SameFile(fi, old) {
		return fmt.Errorf("%s is the database itself", file)
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return fmt.Errorf("create data directory: %w", err)
	}
	lock, err := lockFile(path+".lock", true)
	if errors.Is(err, errLocked) {
		return ErrInUse
	}
	if err != nil {
		return err
	}
	defer lock.release()

	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".restore-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	_, err = io.Copy(tmp, src)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("copy %s: %w", file, err)
	}
	// Check the very bytes about to become the database.
	if err := checkBackup(ctx, tmp.Name(), file); err != nil {
		return err
	}
	if old, err := os.Stat(path); err == nil {
		if err := os.Chmod(tmp.Name(), old.Mode().Perm()); err != nil {
			return err
		}
	}
	// A write-ahead log, shared-memory index or journal left behind by the
	// old database would be replayed into the new one and corrupt it.
	for _, suffix := range []string{"-wal", "-shm", "-journal"} {
		if err := os.Remove(path + suffix); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	return syncDir(dir)
}

// checkBackup checks that file (called name in messages) is an intact
// Chapterhouse SQLite database whose migrations this program knows.
func checkBackup(ctx context.Context, file, name string) error {
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	header := make([]byte, 16)
	_, err = io.ReadFull(f, header)
	f.Close()
	if err != nil || string(header) != "SQLite format 3\x00" {
		return fmt.Errorf("%s is not a SQLite database", name)
	}
	// Read-only and immutable: the check neither changes the file nor
	// reads a -wal beside it, which restore would not install.
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(file), RawQuery: "mode=ro&immutable=1"}
	sdb, err := sql.Open("sqlite", u.String())
	if err != nil {
		return err
	}
	defer sdb.Close()
	var verdict string
	if err := sdb.QueryRowContext(ctx, `PRAGMA quick_check`).Scan(&verdict); err != nil {
		return fmt.Errorf("%s is not a readable SQLite database: %w", name, err)
	}
	if verdict != "ok" {
		return fmt.Errorf("%s is damaged: %s", name, verdict)
	}
	var n int
	if err := sdb.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'`).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("%s is not a Chapterhouse database: it has no schema_migrations table", name)
	}
	versions, err := migrationVersions(ctx, sdb)
	if err != nil {
		return err
	}
	if len(versions) == 0 {
		return fmt.Errorf("%s is not a Chapterhouse database: no migration was ever applied to it", name)
	}
	known, err := knownMigrations(sqliteDialect.name)
	if err != nil {
		return err
	}
	for _, v := range versions {
		if !slices.Contains(known, v) {
			return fmt.Errorf("%s comes from a newer Chapterhouse (its migration %s is unknown to this one): upgrade chapterhouse first", name, v)
		}
	}
	return nil
}

// knownMigrations lists the versions of the migrations built into the program.
func knownMigrations(engine string) ([]string, error) {
	names, err := fs.Glob(migrations, "migrations/"+engine+"/*.sql")
	for i, n := range names {
		names[i] = strings.TrimSuffix(filepath.Base(n), ".sql")
	}
	return names, err
}

func migrationVersions(ctx context.Context, q querier) ([]string, error) {
	rows, err := q.QueryContext(ctx, `SELECT version FROM schema_migrations ORDER BY version`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var versions []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		versions = append(versions, v)
	}
	return versions, rows.Err()
}

func mustNotExist(path string) error {
	_, err := os.Lstat(path)
	if err == nil {
		return fmt.Errorf("%s already exists: choose another file name", path)
	}
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}

func syncFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// syncDir makes a rename in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, errors.ErrUnsupported) {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}

func randomHex() string {
	b := make([]byte, 6)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// SchemaTables lists the tables of the database that hold the portal's data:
// all but schema_migrations, SQLite's own tables and its full-text index.
// They should be exactly Tables.
func (db *DB) SchemaTables(ctx context.Context) ([]string, error) {
	query := `SELECT table_name FROM information_schema.tables
		WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`
	if db.d.name == "sqlite" {
		// Virtual tables (groups_fts) and their shadow tables have types of
		// their own in table_list.
		query = `SELECT name FROM pragma_table_list WHERE schema = 'main' AND type = 'table' AND name NOT LIKE 'sqlite\_%' ESCAPE '\'`
	}
	rows, err := db.sql.QueryContext(ctx, query)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var tables []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			return nil, err
		}
		if t != "schema_migrations" {
			tables = append(tables, t)
		}
	}
	slices.Sort(tables)
	return tables, rows.Err()
}

// column is a column Copy writes.
type column struct {
	name    string
	boolean bool // a PostgreSQL boolean, which SQLite stores as 0 or 1
}

// columns lists the columns of table that take values, in table order:
// PostgreSQL's generated search column is computed, not copied.
func (db *DB) columns(ctx context.Context, q querier, table string) ([]column, error) {
	query := `SELECT column_name, data_type FROM information_schema.columns
		WHERE table_schema = current_schema() AND table_name = $1 AND is_generated = 'NEVER' ORDER BY ordinal_position`
	if db.d.name == "sqlite" {
		query = `SELECT name, type FROM pragma_table_info($1) ORDER BY cid`
	}
	rows, err := q.QueryContext(ctx, query, table)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var cols []column
	for rows.Next() {
		var name, typ string
		if err := rows.Scan(&name, &typ); err != nil {
			return nil, err
		}
		cols = append(cols, column{name: name, boolean: db.d.name == "postgres" && typ == "boolean"})
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(cols) == 0 {
		return nil, fmt.Errorf("the %s database has no table %s", db.d.name, table)
	}
	return cols, nil
}

// tableSum summarizes a table's contents so that two copies can be compared
// without holding either in memory.
type tableSum struct {
	rows  int64
	maxID int64  // -1 for tables without an id column
	sum   uint64 // sum of the rows' hashes, so row order does not matter
}

// add counts one row; id is the index of the id column, or -1.
func (s *tableSum) add(vals []any, id int) {
	h := fnv.New64a()
	var buf []byte
	for _, v := range vals {
		buf = appendCanonical(buf[:0], v)
		buf = strconv.AppendInt(buf, int64(len(buf)), 10) // length-delimited, so values cannot run together
		h.Write(buf)
	}
	s.rows++
	s.sum += h.Sum64()
	if id >= 0 {
		if n, ok := vals[id].(int64); ok && n > s.maxID {
			s.maxID = n
		}
	}
}

// appendCanonical writes v the same way whichever engine it was read from.
func appendCanonical(b []byte, v any) []byte {
	switch v := v.(type) {
	case nil:
		return append(b, 'N')
	case int64:
		return strconv.AppendInt(append(b, 'i'), v, 10)
	case bool:
		if v {
			return append(b, 'i', '1')
		}
		return append(b, 'i', '0')
	case float64:
		return strconv.AppendFloat(append(b, 'f'), v, 'g', -1, 64)
	case string:
		return append(append(b, 's'), v...)
	case []byte:
		return append(append(b, 's'), v...)
	case time.Time:
		return v.UTC().Truncate(time.Microsecond).AppendFormat(append(b, 't'), time.RFC3339Nano)
	default:
		return fmt.Appendf(b, "%T:%v", v, v)
	}
}

// forTarget converts a value read from one engine for the other: times in
// UTC (SQLite compares them as text) at the microsecond PostgreSQL keeps,
// SQLite's 0 and 1 as PostgreSQL booleans.
func forTarget(v any, c column) any {
	switch v := v.(type) {
	case time.Time:
		return v.UTC().Truncate(time.Microsecond)
	case int64:
		if c.boolean {
			return v != 0
		}
	}
	return v
}

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

func columnList(cols []column) (list string, id int) {
	names := make([]string, len(cols))
	id = -1
	for i, c := range cols {
		names[i] = quoteIdent(c.name)
		if c.name == "id" {
			id = i
		}
	}
	return strings.Join(names, ", "), id
}

// maxParams bounds the placeholders of one INSERT, well under both engines' limits.
const maxParams = 4000

// copyTable copies every row of table from src into dst, whose engine's
// placeholders d writes (long INSERTs: see dialect.param), and summarizes the
// rows it read.
func copyTable(ctx context.Context, src, dst querier, d dialect, table string, cols []column) (tableSum, error) {
	list, id := columnList(cols)
	sum := tableSum{maxID: -1}
	if id >= 0 {
		sum.maxID = 0
	}
	query := `SELECT ` + list + ` FROM ` + quoteIdent(table)
	if id >= 0 {
		query += ` ORDER BY id`
	}
	rows, err := src.QueryContext(ctx, query)
	if err != nil {
		return sum, fmt.Errorf("read %s: %w", table, err)
	}
	defer rows.Close()
	perInsert := max(1, min(500, maxParams/len(cols)))
	a := sqlArgs{d: d}
	var values []string // one "(…)" per row
	flush := func() error {
		if len(values) == 0 {
			return nil
		}
		if _, err := dst.ExecContext(ctx, `INSERT INTO `+quoteIdent(table)+` (`+list+`) VALUES `+strings.Join(values, ", "), a.vals...); err != nil {
			return fmt.Errorf("write %s: %w", table, err)
		}
		a.vals, values = a.vals[:0], values[:0]
		return nil
	}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return sum, fmt.Errorf("read %s: %w", table, err)
		}
		sum.add(vals, id)
		for i, v := range vals {
			vals[i] = forTarget(v, cols[i])
		}
		values = append(values, "("+addList(&a, vals)+")")
		if len(values) == perInsert {
			if err := flush(); err != nil {
				return sum, err
			}
		}
	}
	if err := rows.Err(); err != nil {
		return sum, fmt.Errorf("read %s: %w", table, err)
	}
	return sum, flush()
}

// summarize reads table back and summarizes it as copyTable did.
func summarize(ctx context.Context, q querier, table string, cols []column) (tableSum, error) {
	list, id := columnList(cols)
	sum := tableSum{maxID: -1}
	if id >= 0 {
		sum.maxID = 0
	}
	rows, err := q.QueryContext(ctx, `SELECT `+list+` FROM `+quoteIdent(table))
	if err != nil {
		return sum, err
	}
	defer rows.Close()
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return sum, err
		}
		sum.add(vals, id)
	}
	return sum, rows.Err()
}

// checkEmpty refuses a target for Copy that holds any of the portal's data.
func (db *DB) checkEmpty(ctx context.Context) error {
	existing, err := db.SchemaTables(ctx)
	if err != nil {
		return err
	}
	for _, t := range Tables {
		if t == seededTable || !slices.Contains(existing, t) {
			continue
		}
		var n int
		if err := db.sql.QueryRowContext(ctx, `SELECT count(*) FROM (SELECT 1 FROM `+quoteIdent(t)+` LIMIT 1) AS x`).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return fmt.Errorf("the target database is not empty (table %s has rows): copy fills only an empty database", t)
		}
	}
	return nil
}

// Copy copies the whole portal in from into to, say from SQLite to
// PostgreSQL or back: every table of Tables with its ids, in one
// transaction on to, which must be empty (Copy migrates it) and whose
// migrations must then match from's. It then moves to's id sequences past
// the copied ids, rebuilds SQLite's search index, compares each table's row
// count, largest id and a checksum of its rows with what it read, and
// writes a per-table report. On any error or difference the copy is rolled
// back: to stays migrated but empty, ready for another attempt.
//
// Copy reads from in one snapshot: what is written there meanwhile is not
// copied, so stop serve first.
func Copy(ctx context.Context, from, to *DB, report io.Writer) error {
	if from == to {
		return errors.New("copy: the source and the target are the same database")
	}
	tables, err := from.SchemaTables(ctx)
	if err != nil {
		return fmt.Errorf("list the source's tables: %w", err)
	}
	var unknown, missing []string
	for _, t := range tables {
		if !slices.Contains(Tables, t) {
			unknown = append(unknown, t)
		}
	}
	for _, t := range Tables {
		if !slices.Contains(tables, t) {
			missing = append(missing, t)
		}
	}
	if len(unknown) > 0 {
		return fmt.Errorf("the source database has tables copy does not know (%s): they would be lost", strings.Join(unknown, ", "))
	}
	if len(missing) > 0 {
		return fmt.Errorf("the source database lacks the tables %s: is it a Chapterhouse database?", strings.Join(missing, ", "))
	}
	if err := to.checkEmpty(ctx); err != nil {
		return err
	}
	if _, err := to.Migrate(ctx); err != nil {
		return fmt.Errorf("migrate the target: %w", err)
	}
	fromVersions, err := migrationVersions(ctx, from.sql)
	if err != nil {
		return err
	}
	toVersions, err := migrationVersions(ctx, to.sql)
	if err != nil {
		return err
	}
	if !slices.Equal(fromVersions, toVersions) {
		return fmt.Errorf("the source has the migrations %v and the target %v: migrate the source first", fromVersions, toVersions)
	}

	snapshot := &sql.TxOptions{ReadOnly: true}
	if from.d.name == "postgres" {
		snapshot.Isolation = sql.LevelRepeatableRead
	}
	src, err := from.sql.BeginTx(ctx, snapshot)
	if err != nil {
		return err
	}
	defer src.Rollback()
	dst, err := to.sql.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer dst.Rollback()
	// The default policy Migrate published: the source has its own.
	if _, err := dst.ExecContext(ctx, `DELETE FROM `+seededTable); err != nil {
		return err
	}
	cols := make([][]column, len(Tables))
	sums := make([]tableSum, len(Tables))
	for i, t := range Tables {
		if cols[i], err = to.columns(ctx, dst, t); err != nil {
			return err
		}
		fromCols, err := from.columns(ctx, src, t)
		if err != nil {
			return err
		}
		a, _ := columnList(fromCols)
		b, _ := columnList(cols[i])
		if a != b {
			return fmt.Errorf("table %s has the columns %s in the source but %s in the target", t, a, b)
		}
		if sums[i], err = copyTable(ctx, src, dst, to.d, t, cols[i]); err != nil {
			return err
		}
	}

	switch to.d.name {
	case "postgres":
		// Explicit ids leave identity sequences where they were.
		for i, t := range Tables {
			if _, id := columnList(cols[i]); id < 0 {
				continue
			}
			if _, err := dst.ExecContext(ctx, `SELECT setval(pg_get_serial_sequence($1, 'id'), COALESCE(max(id), 0) + 1, false) FROM `+quoteIdent(t), t); err != nil {
				return fmt.Errorf("reset the id sequence of %s: %w", t, err)
			}
		}
	case "sqlite":
		for _, cmd := range []string{"rebuild", "integrity-check"} {
			if _, err := dst.ExecContext(ctx, `INSERT INTO groups_fts(groups_fts) VALUES ($1)`, cmd); err != nil {
				return fmt.Errorf("search index %s: %w", cmd, err)
			}
		}
	}

	tw := tabwriter.NewWriter(report, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "table\trows\tlargest id\tchecksum")
	var total int64
	for i, t := range Tables {
		got, err := summarize(ctx, dst, t, cols[i])
		if err != nil {
			return fmt.Errorf("verify %s: %w", t, err)
		}
		if got != sums[i] {
			tw.Flush()
			return fmt.Errorf("table %s differs after copying: the source has %d rows (largest id %d, checksum %016x), the copy %d (largest id %d, checksum %016x); nothing was copied",
				t, sums[i].rows, sums[i].maxID, sums[i].sum, got.rows, got.maxID, got.sum)
		}
		maxID := "-"
		if got.maxID >= 0 {
			maxID = strconv.FormatInt(got.maxID, 10)
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%016x\n", t, got.rows, maxID, got.sum)
		total += got.rows
	}
	tw.Flush()
	if err := dst.Commit(); err != nil {
		return err
	}
	to.counts.clear()
	if to.d.name == "postgres" {
		// Fresh planner statistics, rather than waiting for autovacuum.
		for _, t := range Tables {
			if _, err := to.sql.ExecContext(ctx, `ANALYZE `+quoteIdent(t)); err != nil {
				return err
			}
		}
	} else if err := to.Optimize(ctx); err != nil {
		return err
	}
	fmt.Fprintf(report, "Copied %d rows in %d tables from %s to %s; every table's row count, largest id and checksum match.\n",
		total, len(Tables), from.d.name, to.d.name)
	return nil
}
