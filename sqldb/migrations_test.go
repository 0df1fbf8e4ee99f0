package sqldb

import (
	"io/fs"
	"path"
	"regexp"
	"slices"
	"testing"
)

// TestMigrationsInStep checks that every migration exists for both engines
// and that each creates the same tables with the same columns.
func TestMigrationsInStep(t *testing.T) {
	list := func(engine string) []string {
		names, err := fs.Glob(migrations, "migrations/"+engine+"/*.sql")
		if err != nil {
			t.Fatal(err)
		}
		for i, n := range names {
			names[i] = path.Base(n)
		}
		return names
	}
	lite, pg := list("sqlite"), list("postgres")
	if !slices.Equal(lite, pg) || len(lite) == 0 {
		t.Fatalf("migrations differ: sqlite %v, postgres %v", lite, pg)
	}
	table := regexp.MustCompile(`(?s)CREATE TABLE (\w+) \((.*?)\n\);`)
	column := regexp.MustCompile(`(?m)^\s+(\w+)\s+[A-Z]`)
	shape := func(engine, name string) map[string][]string {
		b, err := migrations.ReadFile("migrations/" + engine + "/" + name)
		if err != nil {
			t.Fatal(err)
		}
		tables := map[string][]string{}
		for _, m := range table.FindAllStringSubmatch(string(b), -1) {
			for _, c := range column.FindAllStringSubmatch(m[2], -1) {
				if c[1] != "PRIMARY" && c[1] != "UNIQUE" {
					tables[m[1]] = append(tables[m[1]], c[1])
				}
			}
		}
		return tables
	}
	for _, name := range lite {
		a, b := shape("sqlite", name), shape("postgres", name)
		if len(a) == 0 {
			t.Errorf("%s: found no tables", name)
		}
		for tbl, cols := range a {
			if !slices.Equal(cols, b[tbl]) {
				t.Errorf("%s: table %s has columns %v on SQLite but %v on PostgreSQL", name, tbl, cols, b[tbl])
			}
		}
		for tbl := range b {
			if _, ok := a[tbl]; !ok {
				t.Errorf("%s: table %s exists only on PostgreSQL", name, tbl)
			}
		}
	}
}
