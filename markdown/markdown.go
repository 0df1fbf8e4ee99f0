// Package markdown renders user-written Markdown to HTML that is safe to
// embed in pages.
package markdown

import (
	"bytes"
	"html/template"
	"sync"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

var (
	md = goldmark.New(
		goldmark.WithExtensions(extension.GFM),
		goldmark.WithParserOptions(parser.WithASTTransformers(util.Prioritized(demoteHeadings{}, 100))),
	)
	// UGCPolicy drops scripts, event handlers and javascript: links; links
	// written by users get rel="nofollow".
	policy = func() *bluemonday.Policy {
		p := bluemonday.UGCPolicy()
		p.RequireNoFollowOnLinks(true)
		p.AddTargetBlankToFullyQualifiedLinks(false)
		return p
	}()
)

// demoteHeadings moves every heading one level down: user text is always
// shown inside a page that has its own <h1>, and a second <h1> would confuse
// screen readers' outline of the page.
type demoteHeadings struct{}

func (demoteHeadings) Transform(doc *ast.Document, _ text.Reader, _ parser.Context) {
	ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if h, ok := n.(*ast.Heading); ok && entering {
			h.Level = min(h.Level+1, 6)
		}
		return ast.WalkContinue, nil
	})
}

// HTML renders src and sanitises the result. Results are remembered: a
// checklist shows hundreds of comments on every view, and converting and
// sanitising each one again was most of that page's time.
func HTML(src string) template.HTML {
	if h, ok := rendered.get(src); ok {
		return h
	}
	var buf bytes.Buffer
	h := template.HTML(template.HTMLEscapeString(src))
	if err := md.Convert([]byte(src), &buf); err == nil {
		h = template.HTML(policy.SanitizeBytes(buf.Bytes()))
	}
	rendered.put(src, h)
	return h
}

// cache is a bounded map of rendered texts, emptied when full: simple, and
// the texts a page shows are rendered again on its next view.
type cache struct {
	mu sync.Mutex
	m  map[string]template.HTML
}

const cacheEntries = 5000

var rendered cache

func (c *cache) get(src string) (template.HTML, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	h, ok := c.m[src]
	return h, ok
}

func (c *cache) put(src string, h template.HTML) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= cacheEntries {
		c.m = make(map[string]template.HTML)
	}
	c.m[src] = h
}
