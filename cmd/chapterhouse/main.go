// Command chapterhouse runs the user group portal and its maintenance tasks.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "chapterhouse:", err)
		os.Exit(1)
	}
}

const usage = `Chapterhouse runs a program of user groups.

Usage:
  chapterhouse serve [--addr 127.0.0.1:8080] [--data ./data] [--demo]   run the portal
  chapterhouse migrate                                                 apply database migrations
  chapterhouse user create --email E --name N [--role R]               create an account (password on standard input)
  chapterhouse token create --email E [--name N]                       print a new API token
  chapterhouse demo [--groups N]                                       fill the database with a demo program
  chapterhouse program export [--program FILE]                         print the program definition (steps to official status)
  chapterhouse program check FILE                                      check a program definition file
  chapterhouse backup FILE                                             copy the SQLite database to FILE, even while serve runs
  chapterhouse restore FILE                                            replace the SQLite database with a backup (stop serve first)
  chapterhouse copy --from URL --to URL                                copy the whole portal into an empty database (SQLite, PostgreSQL)

Every command takes --data DIR and --database-url URL (or CHAPTERHOUSE_DATA and
CHAPTERHOUSE_DATABASE_URL). Run "chapterhouse COMMAND --help" for its flags.
`

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("no command given")
	}
	switch cmd, rest := args[0], args[1:]; cmd {
	case "serve":
		return serve(ctx, rest, stdout, stderr)
	case "migrate":
		return migrate(ctx, rest, stdout, stderr)
	case "user":
		if len(rest) == 0 || rest[0] != "create" {
			return fmt.Errorf(`unknown command "user %s": use "user create"`, first(rest))
		}
		return userCreate(ctx, rest[1:], stdin, stdout, stderr)
	case "token":
		if len(rest) == 0 || rest[0] != "create" {
			return fmt.Errorf(`unknown command "token %s": use "token create"`, first(rest))
		}
		return tokenCreate(ctx, rest[1:], stdout, stderr)
	case "demo":
		return demoCmd(ctx, rest, stdout, stderr)
	case "program":
		return programCmd(ctx, rest, stdout, stderr)
	case "backup":
		return backupCmd(ctx, rest, stdout, stderr)
	case "restore":
		return restoreCmd(ctx, rest, stdout, stderr)
	case "copy":
		return copyCmd(ctx, rest, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	default:
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("unknown command %q", cmd)
	}
}

func first(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}
