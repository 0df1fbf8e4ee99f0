package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"

	ch "chapterhouse"
)

// loadProgram reads a program definition file, or returns the default one
// when path is empty. Any mistake is refused with the file, line and reason,
// so the portal never starts half-configured.
func loadProgram(path string) (ch.Program, error) {
	if path == "" {
		return ch.DefaultProgram(), nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return ch.Program{}, fmt.Errorf("program: %w", err)
	}
	return ch.ParseProgram(path, data)
}

// programCmd runs "program export" and "program check".
func programCmd(_ context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || (args[0] != "export" && args[0] != "check") {
		return fmt.Errorf(`unknown command "program %s": use "program export [--program FILE]" or "program check FILE"`, first(args))
	}
	fs := flag.NewFlagSet("program "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	file := fs.String("program", env("PROGRAM", ""), "program definition to start from (CHAPTERHOUSE_PROGRAM); default: the built-in one")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if args[0] == "check" {
		if fs.NArg() != 1 {
			return fmt.Errorf("program check: name one file")
		}
		*file = fs.Arg(0)
	}
	p, err := loadProgram(*file)
	if err != nil {
		return err
	}
	if args[0] == "check" {
		fmt.Fprintf(stdout, "%s is a valid program definition with %d steps.\n", *file, len(p.Steps))
		return nil
	}
	_, err = stdout.Write(ch.ExportProgram(p))
	return err
}
