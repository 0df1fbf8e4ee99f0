package workflow_test

import (
	"context"
	"io"
	"log/slog"
	"testing"

	ch "chapterhouse"
	"chapterhouse/demo"
	"chapterhouse/password"
	"chapterhouse/sqldb/sqldbtest"
	"chapterhouse/workflow"
)

// BenchmarkSweepOfficial measures the periodic sweep over a demo program of
// 10,000 groups (some 4,000 of them official) when no group's facts
// changed, which is what almost every sweep finds: the groups are
// evaluated in batches, reading only.
func BenchmarkSweepOfficial(b *testing.B) {
	ctx := context.Background()
	db := sqldbtest.Open(b)
	hasher := password.NewHasher(password.Params{Time: 1, Memory: 1024, Threads: 1}, 2)
	if _, err := demo.Seed(ctx, db, hasher, demo.Options{Groups: 10000}); err != nil {
		b.Fatal(err)
	}
	flows := workflow.New(db, hasher, ch.DefaultProgram(), "http://portal.test", slog.New(slog.NewTextHandler(io.Discard, nil)))
	if n, err := flows.SweepOfficial(ctx); err != nil || n != 0 { // the demo follows its own rules
		b.Fatalf("the first sweep of the demo: %d newly lapsed, %v", n, err)
	}
	follow, err := db.GroupsToFollow(ctx)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if n, err := flows.SweepOfficial(ctx); err != nil || n != 0 {
			b.Fatalf("sweep: %d newly lapsed, %v", n, err)
		}
	}
	b.ReportMetric(float64(len(follow)), "groups")
}
