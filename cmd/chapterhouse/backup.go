package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"chapterhouse/sqldb"
)

// parseWithFile parses args that hold one file name among the flags
// ("backup FILE --data DIR" as well as "backup --data DIR FILE").
func parseWithFile(flags *flag.FlagSet, args []string) (string, error) {
	var files []string
	for {
		if err := flags.Parse(args); err != nil {
			return "", err
		}
		if flags.NArg() == 0 {
			break
		}
		files = append(files, flags.Arg(0))
		args = flags.Args()[1:]
	}
	if len(files) != 1 {
		flags.Usage()
		return "", fmt.Errorf("%s takes one file name, not %d", flags.Name(), len(files))
	}
	return files[0], nil
}

func backupCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	flags, st := newFlags("backup", stderr)
	flags.Usage = func() {
		fmt.Fprintln(stderr, "Usage: chapterhouse backup FILE\n\nWrites a consistent copy of the SQLite database to FILE, which must not exist,\neven while serve runs. Back up PostgreSQL with pg_dump.")
		flags.PrintDefaults()
	}
	file, err := parseWithFile(flags, args)
	if err != nil {
		return err
	}
	path, ok, err := sqldb.SQLitePath(st.data, st.databaseURL)
	if err != nil {
		return err
	}
	if !ok {
		return errors.New("backup copies the SQLite database: use pg_dump to back up PostgreSQL")
	}
	// Opening would create an empty database.
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("there is no database at %s to back up", path)
	}
	db, err := sqldb.Open(ctx, st.data, st.databaseURL)
	if err != nil {
		return err
	}
	defer db.Close()
	start := time.Now()
	if err := db.Backup(ctx, file); err != nil {
		return err
	}
	size := ""
	if fi, err := os.Stat(file); err == nil {
		size = fmt.Sprintf(" (%d KiB)", (fi.Size()+1023)/1024)
	}
	fmt.Fprintf(stdout, "Backed up %s to %s%s in %s.\n", path, file, size, time.Since(start).Round(time.Millisecond))
	return nil
}

func restoreCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	flags, st := newFlags("restore", stderr)
	flags.Usage = func() {
		fmt.Fprintln(stderr, "Usage: chapterhouse restore FILE\n\nReplaces the SQLite database with FILE, a copy made by backup. Stop serve first.\nRestore PostgreSQL with pg_restore or psql.")
		flags.PrintDefaults()
	}
	file, err := parseWithFile(flags, args)
	if err != nil {
		return err
	}
	if err := sqldb.Restore(ctx, st.data, st.databaseURL, file); err != nil {
		return err
	}
	path, _, _ := sqldb.SQLitePath(st.data, st.databaseURL)
	if abs, err := filepath.Abs(path); err == nil {
		path = abs
	}
	fmt.Fprintf(stdout, "Restored %s from %s. Start serve again: it applies any newer migrations.\n", path, file)
	return nil
}

func copyCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	flags, st := newFlags("copy", stderr)
	from := flags.String("from", "", "database to copy: sqlite:PATH or postgres://… (default: the one --data or --database-url names)")
	to := flags.String("to", "", "empty database to copy into: sqlite:PATH or postgres://… (required)")
	flags.Usage = func() {
		fmt.Fprintln(stderr, "Usage: chapterhouse copy --from URL --to URL\n\nCopies the whole portal into an empty database, for example from SQLite to\nPostgreSQL, and checks every table. Stop serve first: changes made during the\ncopy are not copied.")
		flags.PrintDefaults()
	}
	if err := flags.Parse(args); err != nil {
		return err
	}
	if flags.NArg() > 0 {
		flags.Usage()
		return fmt.Errorf("copy takes no arguments, only --from and --to")
	}
	if *to == "" {
		flags.Usage()
		return errors.New("copy needs --to, the database to copy into")
	}
	if *from == "" {
		*from = st.databaseURL
	}
	if same, err := sameDatabase(st.data, *from, *to); err != nil {
		return err
	} else if same {
		return errors.New("--from and --to name the same database")
	}
	src, err := sqldb.Open(ctx, st.data, *from)
	if err != nil {
		return fmt.Errorf("open the source: %w", err)
	}
	defer src.Close()
	// The source speaks this program's schema, so its columns match the target's.
	if _, err := src.Migrate(ctx); err != nil {
		return fmt.Errorf("migrate the source: %w", err)
	}
	dst, err := sqldb.Open(ctx, st.data, *to)
	if err != nil {
		return fmt.Errorf("open the target: %w", err)
	}
	defer dst.Close()
	start := time.Now()
	if err := sqldb.Copy(ctx, src, dst, stdout); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Done in %s. Point serve at the new database with --database-url.\n", time.Since(start).Round(time.Millisecond))
	return nil
}

// sameDatabase reports whether two database URLs (relative to dataDir) name
// the same database, as far as can be told without opening them.
func sameDatabase(dataDir, a, b string) (bool, error) {
	pa, oka, err := sqldb.SQLitePath(dataDir, a)
	if err != nil {
		return false, err
	}
	pb, okb, err := sqldb.SQLitePath(dataDir, b)
	if err != nil {
		return false, err
	}
	if !oka || !okb {
		return a == b, nil
	}
	pa, _ = filepath.Abs(pa)
	pb, _ = filepath.Abs(pb)
	return pa == pb, nil
}
