package web

import (
	"sync"
	"time"
)

// pageCache keeps rendered pages for a moment. Anonymous visitors are most
// of a public directory's traffic and all see the same listing; serving it
// from memory for a second or two spares the database and the template
// engine. An entry is dropped as soon as this process changes any group
// (version), and lives at most pageTTL, which bounds how stale a page can be
// when another instance made the change.
type pageCache struct {
	mu      sync.Mutex
	entries map[string]cachedPage
}

type cachedPage struct {
	body    []byte
	version uint64
	at      time.Time
}

const (
	pageTTL     = 2 * time.Second
	pageEntries = 500
)

func (c *pageCache) get(key string, version uint64, now time.Time) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	if !ok || e.version != version || now.Sub(e.at) > pageTTL || now.Before(e.at) {
		return nil, false
	}
	return e.body, true
}

func (c *pageCache) put(key string, body []byte, version uint64, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil || len(c.entries) >= pageEntries {
		c.entries = map[string]cachedPage{}
	}
	c.entries[key] = cachedPage{body: body, version: version, at: now}
}
