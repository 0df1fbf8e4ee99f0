package chapterhouse

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/pelletier/go-toml/v2"
	"github.com/pelletier/go-toml/v2/unstable"
)

// Program files are TOML. go-toml decodes the values (and reports syntax
// errors with their line); its unstable AST, which keeps the byte range of
// every key, gives the line of each setting, so that every mistake — an
// unknown key, a wrong type, a threshold out of range — names its line, even
// inside the n-th [[steps]] or [[steps.checks]] table.

// ParseProgram reads a program definition. It refuses any mistake — unknown
// keys, wrong types, unknown check kinds or roles, duplicate step ids,
// missing titles, thresholds out of range — and reports all of them at once
// as a *ProgramError whose lines read "program.toml:23: step "meetings":
// ratio must be between 0 and 1". Thresholds left out take their defaults;
// titles and guidance are trimmed.
func ParseProgram(filename string, data []byte) (Program, error) {
	fail := func(line int, msg string) (Program, error) {
		return Program{}, &ProgramError{File: filename, Problems: []ProgramProblem{{line, msg}}}
	}
	if !utf8.Valid(data) {
		return fail(invalidUTF8Line(data), "the file is not valid UTF-8 text")
	}
	var doc map[string]any
	if err := toml.Unmarshal(data, &doc); err != nil {
		var de *toml.DecodeError
		if errors.As(err, &de) {
			line, _ := de.Position()
			return fail(line, "TOML syntax: "+strings.TrimPrefix(de.Error(), "toml: "))
		}
		return fail(0, "TOML syntax: "+strings.TrimPrefix(err.Error(), "toml: "))
	}
	idx, err := indexTOML(data)
	if err != nil {
		// toml.Unmarshal accepted the file, so the parser should too.
		return fail(0, "TOML syntax: "+err.Error())
	}
	d := &programDecoder{idx: idx, bad: map[string]bool{}, skip: map[string]bool{}}
	p := d.program(doc)
	for _, pr := range p.problems() {
		if !d.isBad(pr.path) && !d.skip[pr.path] {
			d.problems = append(d.problems, ProgramProblem{idx.line(pr.path), pr.msg})
		}
	}
	if len(d.problems) > 0 {
		slices.SortStableFunc(d.problems, func(a, b ProgramProblem) int { return a.Line - b.Line })
		return Program{}, &ProgramError{File: filename, Problems: d.problems}
	}
	return p, nil
}

func invalidUTF8Line(data []byte) int {
	line := 1
	for len(data) > 0 {
		r, n := utf8.DecodeRune(data)
		if r == utf8.RuneError && n == 1 {
			return line
		}
		if r == '\n' {
			line++
		}
		data = data[n:]
	}
	return line
}

// tomlIndex maps the path of every key, table and array element of a TOML
// document ("steps.2.checks.0.ratio") to the line where it is written.
type tomlIndex struct {
	lines  map[string]int
	arrays map[string]int // [[array]] table path → number of tables so far
}

func joinPath(prefix, part string) string {
	if prefix == "" {
		return part
	}
	return prefix + "." + part
}

// line returns the line of path, or of its closest ancestor written in the
// file (the [[steps]] header of a step whose title is missing), or 0.
func (x *tomlIndex) line(path string) int {
	for {
		if l, ok := x.lines[path]; ok {
			return l
		}
		i := strings.LastIndexByte(path, '.')
		if i < 0 {
			return 0
		}
		path = path[:i]
	}
}

func indexTOML(data []byte) (*tomlIndex, error) {
	x := &tomlIndex{lines: map[string]int{}, arrays: map[string]int{}}
	var p unstable.Parser
	p.Reset(data)
	lineOf := func(n *unstable.Node, fallback int) int {
		if n == nil || n.Raw.Length == 0 {
			return fallback
		}
		return p.Shape(n.Raw).Start.Line
	}
	set := func(path string, line int) {
		if _, ok := x.lines[path]; !ok {
			x.lines[path] = line
		}
	}
	// resolve follows a dotted key from the root, entering the last table of
	// every array of tables on the way, as TOML does for [[steps.checks]].
	resolve := func(prefix string, keys []*unstable.Node, line int) string {
		path := prefix
		for _, k := range keys {
			path = joinPath(path, string(k.Data))
			set(path, line)
			if n, ok := x.arrays[path]; ok {
				path = joinPath(path, strconv.Itoa(n-1))
			}
		}
		return path
	}
	keysOf := func(n *unstable.Node) []*unstable.Node {
		var ks []*unstable.Node
		it := n.Key()
		for it.Next() {
			ks = append(ks, it.Node())
		}
		return ks
	}
	var keyValue func(prefix string, kv *unstable.Node)
	var value func(path string, v *unstable.Node, line int)
	keyValue = func(prefix string, kv *unstable.Node) {
		ks := keysOf(kv)
		line := lineOf(ks[len(ks)-1], 0)
		value(resolve(prefix, ks, line), kv.Value(), line)
	}
	value = func(path string, v *unstable.Node, line int) {
		switch v.Kind {
		case unstable.InlineTable:
			it := v.Children()
			for it.Next() {
				if c := it.Node(); c.Kind == unstable.KeyValue {
					keyValue(path, c)
				}
			}
		case unstable.Array:
			i := 0
			it := v.Children()
			for it.Next() {
				c := it.Node()
				if c.Kind == unstable.Comment {
					continue
				}
				el := joinPath(path, strconv.Itoa(i))
				l := lineOf(c, line)
				set(el, l)
				value(el, c, l)
				i++
			}
		}
	}
	prefix := ""
	for p.NextExpression() {
		e := p.Expression()
		switch e.Kind {
		case unstable.KeyValue:
			keyValue(prefix, e)
		case unstable.Table:
			ks := keysOf(e)
			prefix = resolve("", ks, lineOf(ks[0], 0))
		case unstable.ArrayTable:
			ks := keysOf(e)
			line := lineOf(ks[0], 0)
			arr := resolve("", ks[:len(ks)-1], line)
			arr = joinPath(arr, string(ks[len(ks)-1].Data))
			set(arr, line)
			n := x.arrays[arr]
			x.arrays[arr] = n + 1
			prefix = joinPath(arr, strconv.Itoa(n))
			set(prefix, line)
		}
	}
	return x, p.Error()
}

// programDecoder turns the generic TOML document into a Program, recording
// every unknown key and wrong type with its line.
type programDecoder struct {
	idx      *tomlIndex
	problems []ProgramProblem
	bad      map[string]bool // paths already reported, not to be reported again
	// skip holds exact paths whose semantic problems follow from one already
	// reported: a step whose checks were malformed is not also "empty".
	skip map[string]bool
}

func (d *programDecoder) errorf(path, format string, args ...any) {
	d.bad[path] = true
	d.problems = append(d.problems, ProgramProblem{d.idx.line(path), fmt.Sprintf(format, args...)})
}

func (d *programDecoder) isBad(path string) bool {
	for {
		if d.bad[path] {
			return true
		}
		i := strings.LastIndexByte(path, '.')
		if i < 0 {
			return false
		}
		path = path[:i]
	}
}

// known reports every key of table m that is not in allowed.
func (d *programDecoder) known(path, ctx string, m map[string]any, allowed ...string) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if slices.Contains(allowed, k) {
			continue
		}
		where := ""
		if ctx != "" {
			where = ctx + ": "
		}
		if len(allowed) == 0 {
			d.errorf(joinPath(path, k), "%sunknown key %q (this table takes no other keys)", where, k)
		} else {
			d.errorf(joinPath(path, k), "%sunknown key %q (use %s)", where, k, strings.Join(allowed, ", "))
		}
	}
}

// tomlType names the type of a decoded TOML value for messages.
func tomlType(v any) string {
	switch v.(type) {
	case string:
		return "a string"
	case int64:
		return "an integer"
	case float64:
		return "a number with a fraction"
	case bool:
		return "true or false"
	case []any:
		return "an array"
	case map[string]any:
		return "a table"
	}
	return "a date or time"
}

func (d *programDecoder) wrongType(path, ctx, key, want string, v any) {
	if ctx != "" {
		ctx += ": "
	}
	d.errorf(path, "%s%s must be %s, not %s", ctx, key, want, tomlType(v))
}

func (d *programDecoder) str(m map[string]any, path, ctx, key string, dst *string) {
	v, ok := m[key]
	if !ok {
		return
	}
	s, ok := v.(string)
	if !ok {
		d.wrongType(joinPath(path, key), ctx, key, "a string", v)
		return
	}
	*dst = s
}

func (d *programDecoder) boolean(m map[string]any, path, ctx, key string, dst *bool) {
	v, ok := m[key]
	if !ok {
		return
	}
	b, ok := v.(bool)
	if !ok {
		d.wrongType(joinPath(path, key), ctx, key, "true or false", v)
		return
	}
	*dst = b
}

func (d *programDecoder) integer(m map[string]any, path, ctx, key string, dst *int) {
	v, ok := m[key]
	if !ok {
		return
	}
	n, ok := v.(int64)
	if !ok {
		d.wrongType(joinPath(path, key), ctx, key, "a whole number", v)
		return
	}
	if n > 1<<31-1 || n < -(1<<31) {
		d.errorf(joinPath(path, key), "%s%s is out of range", prefixCtx(ctx), key)
		return
	}
	*dst = int(n)
}

func (d *programDecoder) number(m map[string]any, path, ctx, key string, dst *float64) {
	v, ok := m[key]
	if !ok {
		return
	}
	switch n := v.(type) {
	case float64:
		*dst = n
	case int64:
		*dst = float64(n)
	default:
		d.wrongType(joinPath(path, key), ctx, key, "a number", v)
	}
}

// tables reads an array of tables ([[steps]] or steps = [{…}]).
func (d *programDecoder) tables(m map[string]any, path, ctx, key string) []map[string]any {
	v, ok := m[key]
	if !ok {
		return nil
	}
	arr, ok := v.([]any)
	if !ok {
		d.wrongType(joinPath(path, key), ctx, key, "an array of tables", v)
		return nil
	}
	out := make([]map[string]any, 0, len(arr))
	for i, el := range arr {
		t, ok := el.(map[string]any)
		if !ok {
			d.wrongType(joinPath(path, key+"."+strconv.Itoa(i)), ctx, key, "an array of tables", el)
			continue
		}
		out = append(out, t)
	}
	if len(out) < len(arr) {
		return nil
	}
	return out
}

func prefixCtx(ctx string) string {
	if ctx == "" {
		return ""
	}
	return ctx + ": "
}

func (d *programDecoder) program(doc map[string]any) Program {
	p := Program{Version: 1, ValidationValidity: DefaultValidationValidity}
	d.known("", "", doc, "version", "validation_validity", "ambassadors_validate_any_group", "steps")
	d.integer(doc, "", "", "version", &p.Version)
	var validity string
	d.str(doc, "", "", "validation_validity", &validity)
	if _, ok := doc["validation_validity"].(string); ok {
		period, err := ParsePeriod(validity)
		if err != nil {
			d.errorf("validation_validity", "validation_validity %s", err.Error())
		} else {
			p.ValidationValidity = period
		}
	}
	d.boolean(doc, "", "", "ambassadors_validate_any_group", &p.AmbassadorsValidateAnyGroup)
	steps := d.tables(doc, "", "", "steps")
	if _, ok := doc["steps"]; ok && steps == nil {
		d.bad["steps"] = true // reported already; do not also say "no steps"
	}
	for i, t := range steps {
		p.Steps = append(p.Steps, d.step(t, "steps."+strconv.Itoa(i), i))
	}
	return p
}

func (d *programDecoder) step(t map[string]any, path string, i int) Step {
	var s Step
	d.str(t, path, stepContext(i, ""), "id", &s.ID)
	ctx := stepContext(i, s.ID)
	d.known(path, ctx, t, "id", "title", "validated_by", "not_needed_allowed", "guidance", "checks")
	d.str(t, path, ctx, "title", &s.Title)
	d.str(t, path, ctx, "guidance", &s.Guidance)
	s.Title = strings.TrimSpace(s.Title)
	s.Guidance = strings.TrimSpace(strings.ReplaceAll(s.Guidance, "\r\n", "\n"))
	d.boolean(t, path, ctx, "not_needed_allowed", &s.NotNeededAllowed)
	if v, ok := t["validated_by"]; ok {
		rpath := joinPath(path, "validated_by")
		arr, ok := v.([]any)
		if !ok {
			d.wrongType(rpath, ctx, "validated_by", "an array of roles", v)
			d.skip[path] = true
		}
		for j, el := range arr {
			r, ok := el.(string)
			if !ok {
				d.wrongType(joinPath(rpath, strconv.Itoa(j)), ctx, "validated_by", "an array of role names", el)
				r = "?"
			}
			s.Roles = append(s.Roles, Role(r))
		}
	}
	checks := d.tables(t, path, ctx, "checks")
	if _, ok := t["checks"]; ok && checks == nil {
		d.skip[path] = true
	}
	for j, ct := range checks {
		s.Checks = append(s.Checks, d.check(ct, path+".checks."+strconv.Itoa(j), ctx))
	}
	return s
}

func (d *programDecoder) check(t map[string]any, path, ctx string) Check {
	v, ok := t["kind"]
	if !ok {
		d.errorf(path, "%s: a check has no kind (use %s)", ctx, quotedList(CheckKinds))
		return Check{Kind: "?"}
	}
	kind, ok := v.(string)
	if !ok {
		d.wrongType(path+".kind", ctx, "kind", "a string", v)
		return Check{Kind: "?"}
	}
	settings, known := checkSettings[CheckKind(kind)]
	if !known {
		// Reported by Program.problems, with the list of kinds.
		return Check{Kind: CheckKind(kind)}
	}
	c := NewCheck(CheckKind(kind))
	d.known(path, fmt.Sprintf("%s: check %q", ctx, kind), t, append([]string{"kind"}, settings...)...)
	for _, key := range settings {
		if key == "ratio" {
			d.number(t, path, ctx, key, &c.Ratio)
		} else {
			d.integer(t, path, ctx, key, c.intSetting(key))
		}
	}
	return c
}

// ExportProgram writes p as a complete, commented program file that
// ParseProgram reads back to an equal Program: a deployment starts from the
// default and edits it.
func ExportProgram(p Program) []byte {
	var b strings.Builder
	b.WriteString(programFileHeader)
	fmt.Fprintf(&b, "\n# The definition's version: raise it whenever you change the steps.\nversion = %d\n", p.Version)
	fmt.Fprintf(&b, "\n# How long a validation counts before the step is looked at again: days,\n# weeks, months or years, such as \"12 months\" or \"90 days\".\nvalidation_validity = %s\n", tomlString(p.ValidationValidity.String()))
	fmt.Fprintf(&b, "\n# false: an ambassador validates only the groups it mentors.\n# true: any ambassador may validate any group.\nambassadors_validate_any_group = %t\n", p.AmbassadorsValidateAnyGroup)
	for i, s := range p.Steps {
		fmt.Fprintf(&b, "\n# ── Step %d ", i+1)
		b.WriteString(strings.Repeat("─", 60))
		b.WriteString("\n\n[[steps]]\n")
		fmt.Fprintf(&b, "id = %s\n", tomlString(s.ID))
		fmt.Fprintf(&b, "title = %s\n", tomlString(s.Title))
		roles := make([]string, len(s.Roles))
		for j, r := range s.Roles {
			roles[j] = tomlString(string(r))
		}
		fmt.Fprintf(&b, "validated_by = [%s]\n", strings.Join(roles, ", "))
		fmt.Fprintf(&b, "not_needed_allowed = %t\n", s.NotNeededAllowed)
		fmt.Fprintf(&b, "guidance = %s\n", tomlMultiline(s.Guidance))
		for _, c := range s.Checks {
			fmt.Fprintf(&b, "\n[[steps.checks]]\nkind = %s\n", tomlString(string(c.Kind)))
			for _, key := range checkSettings[c.Kind] {
				if key == "ratio" {
					fmt.Fprintf(&b, "ratio = %s\n", strconv.FormatFloat(c.Ratio, 'f', -1, 64))
				} else {
					fmt.Fprintf(&b, "%s = %d\n", key, *c.intSetting(key))
				}
			}
		}
	}
	return []byte(b.String())
}

const programFileHeader = `# Chapterhouse program definition: the steps a user group takes to become
# official. Start the portal with it: chapterhouse serve --program FILE.toml
# Get the one in use with: chapterhouse program export
#
# Every [[steps]] table is one step, in the order groups see them:
#   id                  short name used in addresses and the API: a-z, 0-9, -
#   title               what the step asks, as groups see it
#   validated_by        roles whose validation the step needs once its checks
#                       pass: "community-manager", "ambassador", "approver";
#                       [] when the checks alone are enough
#   not_needed_allowed  true lets a community manager mark the step not
#                       needed for a group, with a reason
#   guidance            Markdown shown to organizers: how to meet the step
#
# Every [[steps.checks]] table under a step is something the portal computes
# (a setting left out takes the default shown):
#   kind = "policy"        agreed to the current Social Media and Event Policy
#   kind = "completeness"  contact information at least min_percent complete
#                          (0-100, default 100)
#   kind = "coordinators"  at least min_people coordinators (default 2) from
#                          min_employers different employers (default 2)
#   kind = "channels"      at least min_channels channels listed (default 1)
#   kind = "meetings"      meetings held in the last 12 months at least ratio
#                          times what the group's declared cadence promises,
#                          rounded up (0 < ratio <= 1, default 0.75)
#   kind = "ambassador"    at least min_ambassadors mentoring ambassadors
#                          (default 1), unless marked not needed
`

// tomlString writes s as a TOML basic string.
func tomlString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\t':
			b.WriteString(`\t`)
		case '\r':
			b.WriteString(`\r`)
		default:
			if r < 0x20 || r == 0x7f {
				fmt.Fprintf(&b, `\u%04X`, r)
			} else {
				b.WriteRune(r)
			}
		}
	}
	b.WriteByte('"')
	return b.String()
}

// tomlMultiline writes Markdown as a multi-line literal string, which keeps
// it readable, or as a basic string when it holds what a literal cannot.
func tomlMultiline(s string) string {
	literalOK := !strings.Contains(s, "'''") && !strings.HasSuffix(s, "'") &&
		!strings.ContainsFunc(s, func(r rune) bool { return (r < 0x20 && r != '\n' && r != '\t') || r == 0x7f })
	if s == "" || !literalOK {
		return tomlString(s)
	}
	return "'''\n" + s + "\n'''"
}
