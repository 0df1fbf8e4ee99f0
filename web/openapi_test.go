package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"testing"

	ch "chapterhouse"
)

// oaMethods are the operation keys of an OpenAPI path item.
var oaMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

// openAPIDoc fetches the served document and checks it is OpenAPI 3.1 JSON.
func openAPIDoc(t *testing.T, p *testPortal) map[string]any {
	t.Helper()
	resp, err := http.Get(p.ts.URL + "/api/v1/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("GET /api/v1/openapi.json: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	var doc map[string]any
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatalf("the OpenAPI document is not valid JSON: %v", err)
	}
	if v, _ := doc["openapi"].(string); !strings.HasPrefix(v, "3.1") {
		t.Fatalf("openapi = %q, want 3.1.x", v)
	}
	return doc
}

// pointer resolves a local JSON pointer such as "#/components/schemas/Group".
func oaPointer(doc map[string]any, ref string) (any, bool) {
	rest, ok := strings.CutPrefix(ref, "#")
	if !ok {
		return nil, false
	}
	var cur any = doc
	if rest == "" {
		return cur, true
	}
	for _, tok := range strings.Split(strings.TrimPrefix(rest, "/"), "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = m[tok]; !ok {
			return nil, false
		}
	}
	return cur, true
}

// deref follows $ref until it reaches an object without one.
func oaDeref(t *testing.T, doc map[string]any, v any) map[string]any {
	t.Helper()
	for range 10 {
		m, ok := v.(map[string]any)
		if !ok {
			t.Fatalf("not an object: %v", v)
		}
		ref, ok := m["$ref"].(string)
		if !ok {
			return m
		}
		if v, ok = oaPointer(doc, ref); !ok {
			t.Fatalf("unresolved $ref %q", ref)
		}
	}
	t.Fatal("$ref loop")
	return nil
}

// operations lists "METHOD /path" → operation object of the document.
func oaOperations(t *testing.T, doc map[string]any) map[string]map[string]any {
	t.Helper()
	paths, ok := doc["paths"].(map[string]any)
	if !ok || len(paths) == 0 {
		t.Fatal("the document has no paths")
	}
	ops := map[string]map[string]any{}
	for path, item := range paths {
		pi := oaDeref(t, doc, item)
		for _, m := range oaMethods {
			if op, ok := pi[m]; ok {
				ops[strings.ToUpper(m)+" "+path] = oaDeref(t, doc, op)
			}
		}
	}
	return ops
}

func TestOpenAPIDocumentsEveryAPIRoute(t *testing.T) {
	p := newPortal(t)
	doc := openAPIDoc(t, p)
	documented := oaOperations(t, doc)

	registered := map[string]bool{}
	for _, r := range p.srv.Routes() {
		method, pattern, _ := strings.Cut(r, " ")
		if strings.HasPrefix(pattern, "/api/") {
			registered[method+" "+pattern] = true
		}
	}
	if len(registered) == 0 {
		t.Fatal("the server registers no API routes")
	}
	for op := range documented {
		if !registered[op] {
			t.Errorf("documented operation %s is not a route the server registers", op)
		}
	}
	for r := range registered {
		if _, ok := documented[r]; !ok {
			t.Errorf("API route %s is not documented", r)
		}
	}
}

func TestOpenAPIOperationsAndReferences(t *testing.T) {
	p := newPortal(t)
	doc := openAPIDoc(t, p)

	if info, _ := doc["info"].(map[string]any); info["title"] != "Chapterhouse API" || info["version"] != "1" {
		t.Errorf("info = %v", info)
	}
	if _, ok := oaPointer(doc, "#/components/securitySchemes/bearerAuth"); !ok {
		t.Error("no bearerAuth security scheme")
	}

	// Every $ref anywhere in the document resolves.
	var refs int
	var walk func(v any, at string)
	walk = func(v any, at string) {
		switch v := v.(type) {
		case map[string]any:
			if ref, ok := v["$ref"].(string); ok {
				refs++
				if _, ok := oaPointer(doc, ref); !ok {
					t.Errorf("%s: $ref %q does not resolve", at, ref)
				}
			}
			for k, e := range v {
				walk(e, at+"/"+k)
			}
		case []any:
			for i, e := range v {
				walk(e, fmt.Sprintf("%s/%d", at, i))
			}
		}
	}
	walk(doc, "#")
	if refs == 0 {
		t.Error("the document uses no $ref at all")
	}

	ids := map[string]string{}
	for name, op := range oaOperations(t, doc) {
		id, _ := op["operationId"].(string)
		if id == "" {
			t.Errorf("%s has no operationId", name)
		} else if other, dup := ids[id]; dup {
			t.Errorf("operationId %q used by %s and %s", id, other, name)
		}
		ids[id] = name
		responses, _ := op["responses"].(map[string]any)
		ok2xx := false
		for status, resp := range responses {
			if strings.HasPrefix(status, "2") {
				ok2xx = true
			}
			r := oaDeref(t, doc, resp)
			if _, ok := r["description"].(string); !ok {
				t.Errorf("%s response %s has no description", name, status)
			}
			if status[0] == '4' || status[0] == '5' {
				s, ok := oaPointer(r, "#/content/application~1json/schema/$ref")
				if !ok || s != "#/components/schemas/Error" {
					t.Errorf("%s error response %s does not use the Error schema", name, status)
				}
			}
		}
		if !ok2xx {
			t.Errorf("%s has no 2xx response", name)
		}
		// Path parameters in the template are declared.
		path := name[strings.IndexByte(name, ' ')+1:]
		declared := map[string]bool{}
		item, _ := oaPointer(doc, "#/paths/"+strings.ReplaceAll(path, "/", "~1"))
		for _, list := range []any{oaDeref(t, doc, item)["parameters"], op["parameters"]} {
			params, _ := list.([]any)
			for _, prm := range params {
				pm := oaDeref(t, doc, prm)
				if pm["in"] == "path" {
					declared[pm["name"].(string)] = true
				}
			}
		}
		for _, seg := range strings.Split(path, "/") {
			if strings.HasPrefix(seg, "{") && !declared[strings.Trim(seg, "{}")] {
				t.Errorf("%s does not declare path parameter %s", name, seg)
			}
		}
	}
}

// TestOpenAPIEnumsMatchTheDomain keeps the documented choices in step with
// the values the server accepts.
func TestOpenAPIEnumsMatchTheDomain(t *testing.T) {
	p := newPortal(t)
	doc := openAPIDoc(t, p)
	enum := func(ptr string) []string {
		v, ok := oaPointer(doc, ptr)
		if !ok {
			t.Fatalf("no %s", ptr)
		}
		var out []string
		for _, e := range v.([]any) {
			out = append(out, e.(string))
		}
		sort.Strings(out)
		return out
	}
	strs := func(in ...string) []string { sort.Strings(in); return in }
	var statuses, cadences, countries []string
	for _, s := range ch.Statuses {
		statuses = append(statuses, string(s))
	}
	for _, c := range ch.Cadences {
		cadences = append(cadences, string(c))
	}
	for _, c := range ch.Countries {
		countries = append(countries, c.Code)
	}
	for ptr, want := range map[string][]string{
		"#/components/schemas/Status/enum":                                 strs(statuses...),
		"#/components/schemas/Cadence/enum":                                strs(cadences...),
		"#/components/schemas/ChannelType/enum":                            strs(ch.ChannelTypes...),
		"#/components/schemas/Decision/enum":                               strs(string(ch.Accept), string(ch.Decline)),
		"#/components/schemas/CountryCode/enum":                            strs(countries...),
		"#/components/parameters/Sort/schema/enum":                         strs(ch.SortByName, ch.SortByNewest),
		"#/components/schemas/Error/properties/error/properties/code/enum": strs(ch.EBADREQUEST, ch.EINVALID, ch.ENOTFOUND, ch.ECONFLICT, ch.EFORBIDDEN, ch.EUNAUTHORIZED, ch.ETOOMANY, ch.EINTERNAL),
	} {
		if got := enum(ptr); !slices.Equal(got, want) {
			t.Errorf("%s = %v, want %v", ptr, got, want)
		}
	}
}

// conform checks v against a JSON Schema subset: $ref, type, enum, required,
// properties, additionalProperties, items, minimum and maximum.
func oaConform(doc map[string]any, schema any, v any, at string) []string {
	s, ok := schema.(map[string]any)
	if !ok {
		if b, ok := schema.(bool); ok && !b {
			return []string{at + ": not allowed"}
		}
		return nil
	}
	if ref, ok := s["$ref"].(string); ok {
		target, ok := oaPointer(doc, ref)
		if !ok {
			return []string{at + ": unresolved $ref " + ref}
		}
		return oaConform(doc, target, v, at)
	}
	var errs []string
	if typ, ok := s["type"]; ok {
		var types []string
		switch typ := typ.(type) {
		case string:
			types = []string{typ}
		case []any:
			for _, e := range typ {
				types = append(types, e.(string))
			}
		}
		if !slices.ContainsFunc(types, func(tp string) bool { return oaJSONType(v, tp) }) {
			return []string{fmt.Sprintf("%s: %v is not of type %v", at, v, types)}
		}
	}
	if e, ok := s["enum"].([]any); ok && !slices.Contains(e, v) {
		errs = append(errs, fmt.Sprintf("%s: %v is not one of %v", at, v, e))
	}
	if n, ok := v.(float64); ok {
		if lo, ok := s["minimum"].(float64); ok && n < lo {
			errs = append(errs, fmt.Sprintf("%s: %v < minimum %v", at, n, lo))
		}
		if hi, ok := s["maximum"].(float64); ok && n > hi {
			errs = append(errs, fmt.Sprintf("%s: %v > maximum %v", at, n, hi))
		}
	}
	switch v := v.(type) {
	case map[string]any:
		for _, r := range oaStrings(s["required"]) {
			if _, ok := v[r]; !ok {
				errs = append(errs, fmt.Sprintf("%s: required property %q is missing", at, r))
			}
		}
		props, _ := s["properties"].(map[string]any)
		for k, e := range v {
			if ps, ok := props[k]; ok {
				errs = append(errs, oaConform(doc, ps, e, at+"."+k)...)
			} else if ap, ok := s["additionalProperties"]; ok {
				errs = append(errs, oaConform(doc, ap, e, at+"."+k)...)
			}
		}
	case []any:
		if items, ok := s["items"]; ok {
			for i, e := range v {
				errs = append(errs, oaConform(doc, items, e, fmt.Sprintf("%s[%d]", at, i))...)
			}
		}
	}
	return errs
}

func oaJSONType(v any, typ string) bool {
	switch v := v.(type) {
	case nil:
		return typ == "null"
	case bool:
		return typ == "boolean"
	case string:
		return typ == "string"
	case float64:
		return typ == "number" || (typ == "integer" && v == math.Trunc(v))
	case []any:
		return typ == "array"
	case map[string]any:
		return typ == "object"
	}
	return false
}

func oaStrings(v any) []string {
	list, _ := v.([]any)
	var out []string
	for _, e := range list {
		if s, ok := e.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// apiCall sends a JSON request, with a Bearer token when one is given, and
// decodes the JSON answer.
func oaCall(t *testing.T, p *testPortal, method, path, token string, body any) (*http.Response, map[string]any) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, p.ts.URL+path, rd)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("%s %s: %d, not JSON: %v\n%s", method, path, resp.StatusCode, err, raw)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("%s %s: Content-Type %q", method, path, ct)
	}
	return resp, out
}

// checkAnswer checks that an answer's status is documented for the
// operation and that its body conforms to the documented schema.
func oaCheckAnswer(t *testing.T, doc map[string]any, op string, resp *http.Response, body map[string]any) {
	t.Helper()
	o, ok := oaOperations(t, doc)[op]
	if !ok {
		t.Fatalf("%s is not documented", op)
	}
	status := fmt.Sprint(resp.StatusCode)
	r, ok := o["responses"].(map[string]any)[status]
	if !ok {
		t.Errorf("%s answered %s, which is not documented", op, status)
		return
	}
	schema, ok := oaPointer(oaDeref(t, doc, r), "#/content/application~1json/schema")
	if !ok {
		t.Errorf("%s %s documents no JSON schema", op, status)
		return
	}
	for _, e := range oaConform(doc, schema, body, "body") {
		t.Errorf("%s %s: %s", op, status, e)
	}
}

func TestOpenAPIAnswersConform(t *testing.T) {
	p := newPortal(t)
	doc := openAPIDoc(t, p)
	ctx := context.Background()
	ann := p.user("ann@example.org", "Ann Applicant")
	cm := p.user("cm@example.org", "Cora Manager", ch.RoleCommunityManager)
	annToken, err := p.db.CreateAPIToken(ctx, ann.ID, "test")
	if err != nil {
		t.Fatal(err)
	}
	cmToken, err := p.db.CreateAPIToken(ctx, cm.ID, "test")
	if err != nil {
		t.Fatal(err)
	}
	lat, lon := 45.76, 4.84
	app := ch.Application{Name: "Lyon Python User Group", ShortName: "PyLyon", Description: "We meet to talk about **Python**.",
		City: "Lyon", Country: "FR", Latitude: &lat, Longitude: &lon, TimeZone: "Europe/Paris", Cadence: "monthly",
		OrganiserEmails: []string{"contact@lyon.example.org"}, URLs: []string{"https://lyon.example.org"},
		Channels:     []ch.Channel{{Type: "mailing_list", URL: "https://lists.example.org/lyon"}},
		Coordinators: []ch.Coordinator{{Email: ann.Email, Name: ann.Name, Employer: "Initech"}, {Email: "bea@example.org", Name: "Bea Other", Employer: "Acme"}},
		PolicyAgreed: true}
	g, err := p.db.CreateGroup(ctx, app, ann, nil)
	if err != nil {
		t.Fatal(err)
	}
	path := "/api/v1/groups/" + g.Slug
	const getOp, listOp = "GET /api/v1/groups/{slug}", "GET /api/v1/groups"

	// Pending: 404 to the public, visible to its organizer.
	resp, body := oaCall(t, p, "GET", path, "", nil)
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("public GET of a pending group: %d", resp.StatusCode)
	}
	oaCheckAnswer(t, doc, getOp, resp, body)
	resp, body = oaCall(t, p, "GET", path, annToken, nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("organizer GET of a pending group: %d %v", resp.StatusCode, body)
	}
	oaCheckAnswer(t, doc, getOp, resp, body)

	resp, body = oaCall(t, p, "POST", path+"/review", cmToken, map[string]string{"decision": "accept"})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("accept: %d %v", resp.StatusCode, body)
	}
	oaCheckAnswer(t, doc, "POST /api/v1/groups/{slug}/review", resp, body)
	resp, body = oaCall(t, p, "POST", path+"/review", cmToken, map[string]string{"decision": "accept"})
	if resp.StatusCode != http.StatusConflict {
		t.Errorf("accepting twice: %d", resp.StatusCode)
	}
	oaCheckAnswer(t, doc, "POST /api/v1/groups/{slug}/review", resp, body)

	// The public answer has every property the Group schema requires, and
	// no coordinator's email.
	resp, body = oaCall(t, p, "GET", path, "", nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("public GET: %d %v", resp.StatusCode, body)
	}
	oaCheckAnswer(t, doc, getOp, resp, body)
	group, _ := body["group"].(map[string]any)
	required := oaStrings(oaDeref(t, doc, map[string]any{"$ref": "#/components/schemas/Group"})["required"])
	if len(required) == 0 {
		t.Fatal("the Group schema requires nothing")
	}
	for _, r := range required {
		if _, ok := group[r]; !ok {
			t.Errorf("GET %s lacks required property %q", path, r)
		}
	}
	for _, c := range group["coordinators"].([]any) {
		if _, ok := c.(map[string]any)["email"]; ok {
			t.Error("the public sees a coordinator's email")
		}
	}

	resp, body = oaCall(t, p, "PATCH", path, annToken, map[string]any{"description": "First Tuesday of the month."})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("PATCH: %d %v", resp.StatusCode, body)
	}
	oaCheckAnswer(t, doc, "PATCH /api/v1/groups/{slug}", resp, body)
	resp, body = oaCall(t, p, "PATCH", path, annToken, map[string]any{"nmae": "typo"})
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("PATCH with an unknown field: %d", resp.StatusCode)
	}
	oaCheckAnswer(t, doc, "PATCH /api/v1/groups/{slug}", resp, body)

	// A similar name must be confirmed as another group; the refusal and
	// the group created then both name the similar groups.
	in := map[string]any{"name": "Python Lyon Meetup", "city": "Lyon", "country": "fr", "time_zone": "Europe/Paris",
		"cadence": "quarterly", "policy_agreed": true, "employer": "Initech"}
	resp, body = oaCall(t, p, "POST", "/api/v1/groups", annToken, in)
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("POST a similar name unconfirmed: %d %v", resp.StatusCode, body)
	}
	oaCheckAnswer(t, doc, "POST /api/v1/groups", resp, body)
	in["confirm_distinct"] = true
	resp, body = oaCall(t, p, "POST", "/api/v1/groups", annToken, in)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("POST: %d %v", resp.StatusCode, body)
	}
	oaCheckAnswer(t, doc, "POST /api/v1/groups", resp, body)
	if similar, _ := body["group"].(map[string]any)["similar_groups"].([]any); len(similar) != 1 {
		t.Errorf("similar_groups = %v, want the Lyon group", similar)
	}
	resp, body = oaCall(t, p, "POST", "/api/v1/groups", "", in)
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("POST without a token: %d", resp.StatusCode)
	}
	oaCheckAnswer(t, doc, "POST /api/v1/groups", resp, body)
	delete(in, "policy_agreed")
	resp, body = oaCall(t, p, "POST", "/api/v1/groups", annToken, in)
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("POST without policy agreement: %d", resp.StatusCode)
	}
	oaCheckAnswer(t, doc, "POST /api/v1/groups", resp, body)

	resp, body = oaCall(t, p, "GET", "/api/v1/groups?"+url.Values{"sort": {"newest"}, "limit": {"1"}}.Encode(), "", nil)
	if resp.StatusCode != http.StatusOK || body["total"] != 1.0 {
		t.Errorf("list: %d %v", resp.StatusCode, body)
	}
	oaCheckAnswer(t, doc, listOp, resp, body)
	resp, body = oaCall(t, p, "GET", "/api/v1/groups?limit=0", "", nil)
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("list with limit=0: %d", resp.StatusCode)
	}
	oaCheckAnswer(t, doc, listOp, resp, body)
	resp, body = oaCall(t, p, "GET", "/api/v1/groups", "chp_wrong", nil)
	if resp.StatusCode != http.StatusUnauthorized || resp.Header.Get("WWW-Authenticate") == "" {
		t.Errorf("list with a bad token: %d", resp.StatusCode)
	}
	oaCheckAnswer(t, doc, listOp, resp, body)
}
