package sqldb

import (
	"sync"
	"time"
)

// countCache keeps directory totals ("1,234 groups found") for a few
// seconds: counting every listed group on each page view cost two thirds of
// the directory's database time at 10,000 groups. A change made through this
// process clears it at once; other instances see it within countTTL.
type countCache struct {
	mu      sync.Mutex
	entries map[string]countEntry
	version uint64
}

type countEntry struct {
	n  int
	at time.Time
}

const (
	countTTL     = 5 * time.Second
	countEntries = 1000
)

func (c *countCache) get(key string, now time.Time) (int, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	if !ok || now.Sub(e.at) > countTTL || now.Before(e.at) {
		return 0, false
	}
	return e.n, true
}

func (c *countCache) put(key string, n int, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil || len(c.entries) >= countEntries {
		c.entries = map[string]countEntry{}
	}
	c.entries[key] = countEntry{n: n, at: now}
}

func (c *countCache) clear() {
	c.mu.Lock()
	c.entries = nil
	c.version++
	c.mu.Unlock()
}

// GroupsVersion changes whenever this process changes a group, so caches of
// group listings know when to let go.
func (db *DB) GroupsVersion() uint64 {
	db.counts.mu.Lock()
	defer db.counts.mu.Unlock()
	return db.counts.version
}
