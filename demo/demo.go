// Package demo fills a database with a believable program of user groups,
// with history, for demonstrations, screenshots and benchmarks.
package demo

import (
	"context"
	"encoding/binary"
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	ch "chapterhouse"
	"chapterhouse/password"
	"chapterhouse/sqldb"
)

// ShowcaseGroups is the size of the default program.
const ShowcaseGroups = 48

// DefaultPassword is the password of every demo account unless Options says
// otherwise.
const DefaultPassword = "chapterhouse-demo"

// Options shape the generated program.
type Options struct {
	Groups   int       // number of groups; 0 means the default showcase of 48
	Members  int       // extra member accounts (verified, no roles), e.g. 200,000 for benchmarks
	Now      time.Time // the "present" for generated history; zero means time.Now()
	Seed     int64     // random seed for reproducible programs (default 1)
	Password string    // password of every demo account; default "chapterhouse-demo"
	// Program is the path to official status the portal follows; the demo's
	// official groups meet its steps. Zero means ch.DefaultProgram().
	Program ch.Program
}

// Roles of demo accounts, as Account.Role gives them.
const (
	RoleCommunityManager = "community manager"
	RoleAmbassador       = "ambassador"
	RoleApprover         = "approver"
	RoleOrganizer        = "organizer"
	RoleMember           = "member"
)

// Account is a demo account to print, so that people can sign in.
type Account struct {
	Email, Name, Role, Password string
}

// person is a coordinator: applicants among them get an account.
type person struct {
	Name, Email, Employer string
}

// stepKind is one store call in a group's story.
type stepKind int

const (
	stepAccept   stepKind = iota // ReviewGroup: accept
	stepDecline                  // ReviewGroup: decline
	stepUpdate                   // UpdateGroup: the coordinators change
	stepStatus                   // ChangeStatus: revoke, archive, withdraw, or a grant brought in as history
	stepGrant                    // GrantOfficial: every step is met
	stepMentor                   // AddAmbassador
	stepUnmentor                 // RemoveAmbassador
	stepValidate                 // AddValidation
	stepMeeting                  // RecordMeeting
	stepComment                  // AddStepComment
	stepRequest                  // RequestReview
	stepFollow                   // FollowFacts, as the workflow and the periodic sweep do
	stepMark                     // no store call: a date the story hangs on
)

// markKind names the dates of a story that are no store call.
type markKind int

const (
	markQuiet     markKind = iota + 1 // the group stops meeting
	markResume                        // a new team meets again
	markVendor                        // a community manager finds the meetings promotional
	markChecklist                     // time for a new group to walk part of the path
)

type step struct {
	at     time.Time
	off    time.Duration // after the application, while planning
	kind   stepKind
	to     ch.Status
	reason string           // status reason, grant note, verdict or comment text, request note
	coords []ch.Coordinator // stepUpdate: the new list
	by     *ch.User         // who acts, when not the applicant (organizers) or the community manager
	user   *ch.User         // stepMentor, stepUnmentor: the ambassador
	mark   markKind
	// stepValidate, stepComment, stepRequest
	stepID  string
	role    ch.Role
	verdict ch.Verdict
	meeting ch.RecordedMeeting // stepMeeting
}

// groupSpec is a group to create and its story.
type groupSpec struct {
	Name, Short, Site string
	City              *city
	Tech              *tech
	Focus             *focus
	Blurb, Reason     string
	Employer          string
	Cadence           ch.Cadence
	Plan              plan
	Organizer         organizerRole
	Sketchy           bool
	Stage             stage
	Mentor            mentorRole
	Ending            int // 1-based index of the revoke or archive reason
	// quick groups skip the edits of their story (coordinators are there
	// from the application on), so that large programs need fewer store
	// calls; resubmitted applications still go through their edit.
	quick bool
	// full groups (the showcase) have their whole history written; the
	// others only what the checks look at (see process), since every
	// recorded meeting and verdict is a transaction of its own.
	full bool
	// alone: a mentored new group still has a single coordinator (rather
	// than too few meetings) to show a step that is not met yet.
	alone bool
	pair  [2]int // indexes of its city and technology

	lead    person
	app     ch.Application
	apply   time.Time
	steps   []step
	habits  habits
	founded time.Time // when the group began meeting
	mentor  *ch.User
}

type seeder struct {
	db       *sqldb.DB
	r        *rand.Rand
	now      time.Time // the present
	start    time.Time // when the program began, three years ago
	hash     string
	cm       *ch.User
	amb1     *ch.User // the demo ambassador
	amb2     *ch.User // the second demo ambassador
	approver *ch.User
	org      person
	users    map[string]*ch.User  // accounts by email
	emails   map[string]bool      // coordinator addresses in use
	people   map[string][]*person // each city's pool of organizers
	zones    map[string]*time.Location
	poolSize int
	regional map[string][]*ambassador
	// covered: city and technology pairs with a listed group, which a
	// duplicate application can be pointed to.
	covered map[[2]int]bool

	program ch.Program
	need    need
	reqs    []ch.Requirement
	policy  int // the policy version in force, which every group agreed to
	// historyGrants counts grants of full histories written with
	// ChangeStatus because their steps were not met (tests want none).
	historyGrants int
	// unmetNow counts official groups whose steps would not all be met at
	// the present (tests want none).
	unmetNow int
}

// Empty reports whether db has no groups and no users yet.
func Empty(ctx context.Context, db *sqldb.DB) (bool, error) {
	page, err := db.ListGroups(ctx, ch.GroupFilter{Statuses: ch.Statuses, Limit: 1})
	if err != nil {
		return false, err
	}
	if page.Total > 0 {
		return false, nil
	}
	users, err := db.ListUsers(ctx, "", 1)
	if err != nil {
		return false, err
	}
	return len(users) == 0, nil
}

// Seed fills db with a demo program and returns the demo accounts to print.
// It is meant for an empty database (see Empty): the demo accounts' addresses
// must be free. It sets db.Now while it works, to date the history it writes,
// and restores it before returning, so nothing else may use db meanwhile.
//
// The program follows its own rules: every official group meets every step
// of o.Program at o.Now, so the periodic sweep of official groups finds
// nothing to tell anyone.
func Seed(ctx context.Context, db *sqldb.DB, h *password.Hasher, o Options) ([]Account, error) {
	accounts, _, err := seed(ctx, db, h, o)
	return accounts, err
}

func seed(ctx context.Context, db *sqldb.DB, h *password.Hasher, o Options) ([]Account, *seeder, error) {
	if o.Groups < 0 {
		return nil, nil, fmt.Errorf("demo: negative number of groups %d", o.Groups)
	}
	o = o.withDefaults()
	if msg := ch.CheckPassword(o.Password); msg != "" {
		return nil, nil, fmt.Errorf("demo: password: %s", msg)
	}
	hash, err := h.Hash(ctx, o.Password) // once: argon2 is slow on purpose
	if err != nil {
		return nil, nil, err
	}
	s := newSeeder(db, hash, o)
	saved, savedRand := db.Now, db.Rand
	defer func() { db.Now, db.Rand = saved, savedRand }()
	var seed [32]byte
	binary.LittleEndian.PutUint64(seed[:], uint64(o.Seed))
	db.Rand = rand.NewChaCha8(seed)

	accounts, err := s.accounts(ctx, o.Password)
	if err != nil {
		return nil, nil, err
	}
	s.at(s.start.AddDate(0, 0, -25))
	policy, err := db.CurrentPolicy(ctx, ch.PolicySocialMedia)
	if err != nil {
		return nil, nil, fmt.Errorf("demo: publish policy: %w", err)
	}
	s.policy = policy.Version
	if s.reqs, err = db.Requirements(ctx); err != nil {
		return nil, nil, err
	}
	specs, err := s.groups(ctx, o.Groups)
	if err != nil {
		return nil, nil, err
	}
	for _, g := range specs {
		if err := s.run(ctx, g); err != nil {
			return nil, nil, fmt.Errorf("demo: group %q: %w", g.Name, err)
		}
	}
	if err := s.members(ctx, o.Members); err != nil {
		return nil, nil, fmt.Errorf("demo: members: %w", err)
	}
	return accounts, s, nil
}

// groups lists the groups of a program of n, with the milestones of their
// stories planned and their mentors' accounts opened, in the order they
// applied; run writes each.
func (s *seeder) groups(ctx context.Context, n int) ([]*groupSpec, error) {
	specs := s.specs(n)
	if err := s.ambassadors(ctx, specs); err != nil {
		return nil, err
	}
	for _, g := range specs {
		s.plan(g)
	}
	slices.SortStableFunc(specs, func(a, b *groupSpec) int { return a.apply.Compare(b.apply) })
	return specs, nil
}

func (o Options) withDefaults() Options {
	if o.Groups == 0 {
		o.Groups = ShowcaseGroups
	}
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	if o.Seed == 0 {
		o.Seed = 1
	}
	if o.Password == "" {
		o.Password = DefaultPassword
	}
	if len(o.Program.Steps) == 0 {
		o.Program = ch.DefaultProgram()
	}
	return o
}

func newSeeder(db *sqldb.DB, hash string, o Options) *seeder {
	now := o.Now.UTC().Truncate(time.Second)
	return &seeder{
		db: db, r: rand.New(rand.NewPCG(uint64(o.Seed), 0x636861707465)), hash: hash,
		now: now, start: now.AddDate(-3, 0, 0),
		users: map[string]*ch.User{}, emails: map[string]bool{}, people: map[string][]*person{}, zones: map[string]*time.Location{},
		poolSize: 4 + o.Groups/len(cities)/2,
		program:  o.Program, need: needOf(o.Program),
	}
}

// createUser opens a verified account. Without a database (tests that plan
// large programs without writing them) it makes one up.
func (s *seeder) createUser(ctx context.Context, email, name string, by int64, roles ...ch.Role) (*ch.User, error) {
	if s.db == nil {
		return &ch.User{ID: int64(len(s.users) + 1), Email: email, Name: name, Roles: roles}, nil
	}
	return s.db.CreateUser(ctx, email, name, s.hash, true, by, roles...)
}

// members imports n member accounts with names from every pool, all with
// the demo password.
func (s *seeder) members(ctx context.Context, n int) error {
	if n <= 0 {
		return nil
	}
	keys := slices.Sorted(maps.Keys(pools))
	users := make([]sqldb.NewUser, n)
	for i := range users {
		p := pools[keys[i%len(keys)]]
		name := fmt.Sprintf("Member %d", i+1)
		if len(p.Given) > 0 && len(p.Family) > 0 {
			name = p.Given[s.r.IntN(len(p.Given))] + " " + p.Family[s.r.IntN(len(p.Family))]
		}
		users[i] = sqldb.NewUser{Email: fmt.Sprintf("member%06d@members.demo.chapterhouse.example", i+1), Name: name, PasswordHash: s.hash, Verified: true}
	}
	s.at(s.now)
	_, err := s.db.ImportUsers(ctx, users)
	return err
}

// at sets the store's clock.
func (s *seeder) at(t time.Time) {
	if s.db == nil {
		return
	}
	t = t.UTC()
	s.db.Now = func() time.Time { return t }
}

// accounts creates the demo accounts, before the program starts.
func (s *seeder) accounts(ctx context.Context, pw string) ([]Account, error) {
	type demoAccount struct {
		email, name, role string
		roles             []ch.Role
		at                time.Time
		as                **ch.User // the seeder's field that holds it, if any
	}
	list := []demoAccount{
		{"cm@demo.chapterhouse.example", "Camille Moreau", RoleCommunityManager, []ch.Role{ch.RoleCommunityManager}, s.start.AddDate(0, 0, -30), &s.cm},
		{"ambassador@demo.chapterhouse.example", "Amara Okafor", RoleAmbassador, []ch.Role{ch.RoleAmbassador}, s.start.AddDate(0, 0, -28), &s.amb1},
		{"ambassador2@demo.chapterhouse.example", "Kenji Watanabe", RoleAmbassador, []ch.Role{ch.RoleAmbassador}, s.start.AddDate(0, 0, -28).Add(2 * time.Hour), &s.amb2},
		{"approver@demo.chapterhouse.example", "Priya Raman", RoleApprover, []ch.Role{ch.RoleApprover}, s.start.AddDate(0, 0, -27), &s.approver},
		{"organizer@demo.chapterhouse.example", "Léa Fontaine", RoleOrganizer, nil, s.start.AddDate(0, 0, -20), nil},
		{"member@demo.chapterhouse.example", "Marco Rossi", RoleMember, nil, s.now.AddDate(0, 0, -90-s.r.IntN(90)), nil},
	}
	var out []Account
	for _, a := range list {
		s.at(a.at.Add(time.Duration(9+s.r.IntN(8)) * time.Hour))
		var by int64
		if s.cm != nil {
			by = s.cm.ID
		}
		u, err := s.createUser(ctx, a.email, a.name, by, a.roles...)
		if err != nil {
			return nil, fmt.Errorf("demo: account %s: %w", a.email, err)
		}
		if a.as != nil {
			*a.as = u
		}
		s.users[u.Email] = u
		out = append(out, Account{Email: u.Email, Name: u.Name, Role: a.role, Password: pw})
	}
	s.org = person{Name: "Léa Fontaine", Email: "organizer@demo.chapterhouse.example", Employer: "Nimbus Labs"}
	s.emails[s.org.Email] = true
	return out, nil
}

// specs lists the groups of a program of n: the showcase first, then
// generated ones.
func (s *seeder) specs(n int) []*groupSpec {
	var out []*groupSpec
	slugs := map[string]bool{}
	pairs := map[[2]int]bool{}
	for _, sg := range showcase[:min(n, len(showcase))] {
		ci := slices.IndexFunc(cities, func(c city) bool { return c.Name == sg.City })
		ti := slices.IndexFunc(techs, func(t tech) bool { return t.Name == sg.Tech })
		if ci < 0 || ti < 0 {
			panic("demo: showcase group " + sg.Name + " names an unknown city or technology")
		}
		g := &groupSpec{Name: sg.Name, Short: sg.Short, City: &cities[ci], Tech: &techs[ti], Blurb: sg.Blurb, Reason: sg.Reason,
			Employer: sg.Employer, Cadence: sg.Cadence, Plan: sg.Plan, Organizer: sg.Organizer, Sketchy: sg.Sketchy,
			Stage: sg.Stage, Mentor: sg.Mentor, Ending: sg.Ending, full: true, pair: [2]int{ci, ti}}
		host := strings.ToLower(sg.Short)
		if host == "" {
			host = ch.Slugify(sg.Name)
		}
		g.Site = "https://" + host + ".example.org/"
		slugs[ch.Slugify(g.Name)] = true
		pairs[[2]int{ci, ti}] = true
		out = append(out, g)
	}
	if len(out) < n {
		out = s.generated(out, n, slugs, pairs)
	}
	s.covered = map[[2]int]bool{}
	for _, g := range out {
		if g.Stage == stageAuto {
			g.Stage = s.stageOf(g.Plan)
		}
		// A mentored group still misses a step: a second coordinator, or
		// enough meetings when it began lately (which a group meeting
		// twice a year or less cannot show: its first meeting is enough).
		g.alone = g.Stage == stageMentored && (s.r.IntN(2) == 0 || s.youngSpan(g.Cadence) < 120*24*time.Hour)
		switch g.Plan {
		case planNew, planOfficial, planRegranted, planResubmitted:
			s.covered[g.pair] = true
		}
	}
	return out
}

// stageOf picks how far a generated new group has come: most have a
// mentor, a few wait for one, some wait for a validation or a decision.
func (s *seeder) stageOf(p plan) stage {
	switch p {
	case planNew:
		return weighted(s.r, []stage{stageFresh, stageMentored, stageWaiting, stageNeedsWork, stageReady}, []int{15, 40, 15, 18, 12})
	case planResubmitted, planArchivedNew:
		return weighted(s.r, []stage{stageFresh, stageMentored}, []int{1, 2})
	}
	return stageAuto
}

// generated adds made-up groups to out until there are n: every city's
// group of every technology first, then groups with a focus.
func (s *seeder) generated(out []*groupSpec, n int, slugs map[string]bool, pairs map[[2]int]bool) []*groupSpec {
	type pair struct{ c, t, offset int }
	all := make([]pair, 0, len(cities)*len(techs))
	for ci := range cities {
		for ti := range techs {
			all = append(all, pair{ci, ti, s.r.IntN(len(focuses))})
		}
	}
	s.r.Shuffle(len(all), func(i, j int) { all[i], all[j] = all[j], all[i] })
	for k := 0; len(out) < n; k++ {
		p, gen := all[k%len(all)], k/len(all)
		if gen == 0 && pairs[[2]int{p.c, p.t}] {
			continue // the showcase already has this city's group for this technology
		}
		g := &groupSpec{City: &cities[p.c], Tech: &techs[p.t], pair: [2]int{p.c, p.t}}
		if gen == 0 {
			g.Name, g.Short = s.baseName(g.City, g.Tech)
		} else {
			f := &focuses[(gen-1+p.offset)%len(focuses)]
			rep := strings.NewReplacer("{city}", g.City.Name, "{tech}", g.Tech.Name)
			g.Name, g.Focus = rep.Replace(f.Name), f
			g.Short = compact(g.City.Name) + g.Tech.Tag + f.Short
			if round := (gen - 1) / len(focuses); round > 0 {
				g.Name += " Chapter " + strconv.Itoa(round+1)
				g.Short += strconv.Itoa(round + 1)
			}
		}
		if len([]rune(g.Short)) > ch.MaxShortNameLen {
			g.Short = ""
		}
		slug := ch.Slugify(g.Name)
		if slugs[slug] {
			continue
		}
		slugs[slug] = true
		g.Site = "https://" + slug + ".example.org/"
		g.Cadence = weighted(s.r, []ch.Cadence{"weekly", "fortnightly", "monthly", "bimonthly", "quarterly", "twice-yearly", "yearly"},
			[]int{4, 8, 45, 18, 15, 6, 4})
		g.Plan = weighted(s.r, []plan{planPending, planDeclined, planResubmitted, planWithdrawn, planNew, planOfficial,
			planRevoked, planRegranted, planArchivedNew, planArchivedOfficial}, []int{6, 4, 2, 1, 33, 38, 5, 2, 5, 4})
		g.quick = s.r.IntN(10) != 0
		out = append(out, g)
	}
	return out
}

// baseName names the first group of a technology in a city, in one of the
// forms groups choose.
func (s *seeder) baseName(c *city, t *tech) (name, short string) {
	cs := compact(c.Name)
	form := s.r.IntN(5)
	if form == 3 && t.People == "" {
		form = 0
	}
	switch form {
	case 0:
		return c.Name + " " + t.Name + " User Group", initials(c.Name) + t.UG + "UG"
	case 1:
		return t.Name + " " + c.Name, t.Tag + cs
	case 2:
		return c.Name + " " + t.Name + " Meetup", cs + t.Tag
	case 3:
		if t.People == "Perl Mongers" { // Lyon.pm
			return c.Name + " " + t.People, cs + ".pm"
		}
		return c.Name + " " + t.People, ""
	default:
		return c.Name + " " + t.Name + " Community", cs + t.Tag
	}
}

// compact writes a city's name without spaces or hyphens, for short names.
func compact(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) {
			return r
		}
		return -1
	}, s)
}

// initials abbreviates a city as acronyms do: "Ly" for Lyon, "CT" for Cape Town.
func initials(s string) string {
	words := strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == '-' })
	if len(words) == 1 {
		r := []rune(words[0])
		return string(r[:min(2, len(r))])
	}
	var b strings.Builder
	for _, w := range words {
		if r := []rune(w)[0]; unicode.IsUpper(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func weighted[T any](r *rand.Rand, items []T, weights []int) T {
	total := 0
	for _, w := range weights {
		total += w
	}
	n := r.IntN(total)
	for i, w := range weights {
		if n < w {
			return items[i]
		}
		n -= w
	}
	return items[len(items)-1]
}

// days returns a duration of lo to hi days, at a random time of day.
func (s *seeder) days(lo, hi int) time.Duration {
	return time.Duration(lo+s.r.IntN(hi-lo+1))*24*time.Hour + time.Duration(s.r.IntN(12*3600))*time.Second
}

// newPerson makes up someone from a city, working for employer (a random
// one when empty).
func (s *seeder) newPerson(c *city, employerName string) *person {
	name := s.name(c.Pool)
	e := pick(s.r, employers)
	if employerName != "" {
		i := slices.IndexFunc(employers, func(e employer) bool { return e.Name == employerName })
		e = employers[i]
	}
	domain := e.Domain
	if domain == "" {
		domain = pick(s.r, []string{"mail.example.com", "inbox.example.net", "post.example.org"})
	}
	return &person{Name: name, Email: s.email(name, domain), Employer: e.Name}
}

// name makes up someone's name from a pool of names.
func (s *seeder) name(poolName string) string {
	pool := pools[poolName]
	switch {
	case len(pool.Full) > 0:
		return pick(s.r, pool.Full)
	case pool.FamilyFirst:
		return pick(s.r, pool.Family) + " " + pick(s.r, pool.Given)
	}
	return pick(s.r, pool.Given) + " " + pick(s.r, pool.Family)
}

// email gives someone an address of their own at domain.
func (s *seeder) email(name, domain string) string {
	local := strings.ReplaceAll(ch.Slugify(strings.ReplaceAll(name, "'", "")), "-", ".")
	email := local + "@" + domain
	for i := 2; s.emails[email]; i++ {
		email = local + strconv.Itoa(i) + "@" + domain
	}
	s.emails[email] = true
	return email
}

// local returns someone from a city's pool of organizers, so that some
// people coordinate several groups.
func (s *seeder) local(c *city) *person {
	pool := s.people[c.Name]
	if pool == nil {
		pool = make([]*person, s.poolSize)
		s.people[c.Name] = pool
	}
	i := s.r.IntN(len(pool))
	if pool[i] == nil {
		pool[i] = s.newPerson(c, "")
	}
	return pool[i]
}

// coordinator picks someone to join coords: from another employer when
// possible, as the official process values diverse organisation.
func (s *seeder) coordinator(g *groupSpec, coords []ch.Coordinator) ch.Coordinator {
	taken := func(p *person) bool {
		return slices.ContainsFunc(coords, func(c ch.Coordinator) bool { return c.Email == p.Email })
	}
	var p *person
	for try := 0; try < 8; try++ {
		if g.Employer != "" {
			p = s.newPerson(g.City, g.Employer)
		} else {
			p = s.local(g.City)
		}
		sameEmployer := slices.ContainsFunc(coords, func(c ch.Coordinator) bool { return c.Employer == p.Employer })
		if !taken(p) && (!sameEmployer || g.Employer != "" || try >= 4) {
			break
		}
	}
	for taken(p) {
		p = s.newPerson(g.City, g.Employer)
	}
	return ch.Coordinator{Email: p.Email, Name: p.Name, Employer: p.Employer}
}

// employerCount counts coordinators' employers as the coordinators check
// does (ch.EmployerKey).
func employerCount(coords []ch.Coordinator) int {
	seen := map[string]bool{}
	for _, c := range coords {
		if k := ch.EmployerKey(c.Employer); k != "" {
			seen[k] = true
		}
	}
	return len(seen)
}

// plan writes a group's application and the milestones of its story, as
// offsets from the application, then dates them; run adds the official
// process that goes with them.
func (s *seeder) plan(g *groupSpec) {
	// Endings and decline reasons come with facts, so they are chosen first.
	switch g.Plan {
	case planRevoked:
		if g.Ending == 0 {
			g.Ending = 1 + s.r.IntN(len(revokeReasons))
		}
	case planRegranted:
		g.Ending = 1 + revokeQuiet // no meetings: a new team revives the group
	case planArchivedNew, planArchivedOfficial:
		if g.Ending == 0 {
			g.Ending = 1 + s.r.IntN(len(archiveReasons))
		}
	}
	declineAs := -1
	switch {
	case g.Plan == planResubmitted:
		declineAs = declineSingle // declined for want of a co-organiser, see below
	case g.Plan == planDeclined && g.Reason == "":
		declineAs = weighted(s.r, []int{declineSingle, declineVague, declineVendor, declineDuplicate}, []int{4, 3, 2, 2})
		if declineAs == declineDuplicate && !s.covered[g.pair] {
			declineAs = declineVague // no other group to point to
		}
	}
	if declineAs == declineVendor {
		vendors := slices.DeleteFunc(slices.Clone(employers), func(e employer) bool { return e.Domain == "" })
		g.Employer = pick(s.r, vendors).Name
		g.Blurb = strings.NewReplacer("{employer}", g.Employer, "{city}", g.City.Name, "{tech}", g.Tech.Name).Replace(vendorBlurb)
	}

	switch {
	case g.Organizer == organizerLead:
		g.lead = s.org
	case g.Employer != "":
		g.lead = *s.newPerson(g.City, g.Employer)
	default:
		g.lead = *s.local(g.City)
	}
	coords := []ch.Coordinator{{Email: g.lead.Email, Name: g.lead.Name, Employer: g.lead.Employer}}
	if g.Organizer == organizerCo {
		coords = append(coords, ch.Coordinator{Email: s.org.Email, Name: s.org.Name, Employer: s.org.Employer})
	}
	n := weighted(s.r, []int{1, 2, 3, 4}, []int{30, 40, 25, 5})
	if declineAs == declineSingle || g.alone {
		n = 1
	}
	for len(coords) < n {
		coords = append(coords, s.coordinator(g, coords))
	}
	if g.Stage == stageReady {
		coords = s.diversify(g, coords)
	}
	slug := ch.Slugify(g.Name)
	orgEmails := []string{"organisers@" + strings.TrimSuffix(strings.TrimPrefix(g.Site, "https://"), "/")}
	if s.r.IntN(5) < 2 {
		orgEmails = append(orgEmails, g.lead.Email)
	}
	urls := []string{g.Site}
	if s.r.IntN(10) < 3 {
		urls = append(urls, "https://code.example.com/"+slug)
	}
	lat := round4(g.City.Lat + (s.r.Float64()-0.5)*0.04)
	lon := round4(g.City.Lon + (s.r.Float64()-0.5)*0.04)
	g.app = ch.Application{
		Name: g.Name, ShortName: g.Short, City: g.City.Name, Country: g.City.Country,
		Latitude: &lat, Longitude: &lon, TimeZone: g.City.TimeZone,
		OrganiserEmails: orgEmails, URLs: urls, Channels: s.channels(g, slug),
		Coordinators: coords, Cadence: g.Cadence, PolicyAgreed: true,
	}
	if g.Sketchy {
		g.app.Channels = nil // "no public channel is listed"
	}
	g.app.Description = description(s.r, g, g.Sketchy || declineAs == declineVague)
	g.app.Normalize()

	// The story, as offsets from the application.
	var off time.Duration
	add := func(d time.Duration, st step) {
		off += d
		st.off = off
		g.steps = append(g.steps, st)
	}
	mark := func(d time.Duration, m markKind) { add(d, step{kind: stepMark, mark: m}) }
	accept := func() {
		notes := acceptNotes
		if len(g.app.Channels) < 3 {
			notes = notes[:1]
		}
		add(s.days(2, 14), step{kind: stepAccept, reason: pick(s.r, notes)})
	}
	// setCoordinators changes the team: in the application for quick
	// groups (one store call less), later as an edit for the others.
	setCoordinators := func(next []ch.Coordinator, lo, hi int, always bool) {
		coords = next
		if g.quick && !always {
			g.app.Coordinators = coords
			return
		}
		add(s.days(lo, hi), step{kind: stepUpdate, coords: coords})
	}
	addCoordinator := func(lo, hi int) {
		if len(coords) < 4 {
			setCoordinators(append(slices.Clone(coords), s.coordinator(g, coords)), lo, hi, false)
		}
	}
	// official is the path every official group walked: a team from
	// several employers, then the grant once every step is met.
	official := func(lo, hi int) {
		accept()
		switch {
		case !s.diverse(coords):
			setCoordinators(s.diversify(g, coords), 10, 40, false)
		case s.r.IntN(10) < 3:
			addCoordinator(10, 40)
		}
		add(s.days(lo, hi), step{kind: stepGrant, reason: pick(s.r, grantNotes)})
	}
	revoke := func(d time.Duration, reason int) {
		add(d, step{kind: stepStatus, to: ch.StatusRevoked, reason: revokeReasons[reason]})
	}
	archive := func() {
		reason := g.Ending - 1
		switch reason {
		case archiveMerged: // meets until the end
			add(s.days(150, 400), step{})
		case archiveInactive:
			mark(s.days(30, 150), markQuiet)
			add(s.days(380, 480), step{})
		case archiveMovedAway:
			mark(s.days(120, 300), markQuiet)
			add(s.days(60, 150), step{})
		}
		st := &g.steps[len(g.steps)-1]
		st.kind, st.to, st.reason = stepStatus, ch.StatusArchived, archiveReasons[reason]
	}
	decline := func() {
		reason := g.Reason
		if reason == "" {
			reason = declineReasons[declineAs]
		}
		add(s.days(3, 14), step{kind: stepDecline, reason: reason})
	}
	// A new group walks part of the path before the present.
	checklist := func() {
		if g.Stage == stageFresh {
			mark(s.days(5, 30), markChecklist)
		} else {
			mark(s.days(45, 120), markChecklist)
		}
	}
	recentDays := 0
	switch g.Plan {
	case planPending:
	case planDeclined:
		decline()
	case planResubmitted:
		decline()
		// The organizers find a co-organiser from another employer; any
		// edit sends the application back to review.
		setCoordinators(s.diversify(g, coords), 7, 40, true)
		accept()
		checklist()
		recentDays = 540
	case planWithdrawn:
		add(s.days(10, 40), step{kind: stepStatus, to: ch.StatusArchived, reason: pick(s.r, withdrawReasons)})
	case planNew:
		accept()
		if !g.alone && s.r.IntN(4) == 0 {
			addCoordinator(20, 200)
		}
		checklist()
		recentDays = 540
	case planOfficial:
		official(40, 120)
	case planRevoked:
		official(40, 120)
		switch g.Ending - 1 {
		case revokeQuiet: // more than a year without a meeting
			mark(s.days(30, 150), markQuiet)
			revoke(s.days(380, 430), revokeQuiet)
		case revokeAlone:
			setCoordinators(coords[:1], 120, 360, true)
			mark(s.days(0, 45), markQuiet)
			revoke(s.days(30, 120), revokeAlone)
		case revokeVendor:
			mark(s.days(150, 360), markVendor)
			revoke(s.days(30, 90), revokeVendor)
		}
	case planRegranted:
		// Tight enough to fit in three years: granted, quiet for more than
		// a year, revoked, revived by a new team, granted again.
		official(40, 100)
		mark(s.days(30, 90), markQuiet)
		revoke(s.days(375, 400), revokeQuiet)
		// A new team takes over: someone steps down, someone joins.
		next := slices.Clone(coords)
		if len(next) > 1 {
			next = next[:len(next)-1]
		}
		next = s.diversify(g, append(next, s.coordinator(g, next)))
		setCoordinators(next, 30, 60, true)
		mark(s.days(7, 21), markResume)
		add(s.regrantDelay(g.Cadence), step{kind: stepGrant, reason: pick(s.r, regrantNotes)})
	case planArchivedNew:
		accept()
		archive()
	case planArchivedOfficial:
		official(40, 120)
		archive()
	}
	if g.Stage == stageFresh {
		recentDays = 75 // still waiting for a mentor
	}

	// When it all began: recently for applications still under review, in
	// the last year and a half for new groups, any time for the others.
	if g.Plan == planPending {
		g.apply = s.now.Add(-s.days(1, 25))
	} else {
		hi := s.now.Add(-off - 24*time.Hour)
		lo := s.start
		if recentDays > 0 {
			if recent := hi.AddDate(0, 0, -recentDays); recent.After(lo) {
				lo = recent
			}
		}
		if g.Stage == stageMentored && !g.alone {
			// Too young to have met as often as the cadence asks.
			lo = later(lo, s.now.Add(24*time.Hour-s.youngSpan(g.Cadence)))
		}
		g.apply = hi
		if hi.After(lo) {
			g.apply = lo.Add(time.Duration(s.r.Int64N(int64(hi.Sub(lo)))))
		}
	}
	// People act in their working hours: applicants in the group's time
	// zone, the community manager in Paris.
	g.apply = s.daytime(g.apply, g.City.TimeZone)
	prev := g.apply
	for i := range g.steps {
		st := &g.steps[i]
		zone := cmTimeZone
		if st.kind == stepUpdate || st.kind == stepMark {
			zone = g.City.TimeZone
		}
		st.at = s.daytime(g.apply.Add(st.off), zone)
		if !st.at.After(prev) {
			st.at = prev.Add(time.Duration(30+s.r.IntN(300)) * time.Minute)
		}
		prev = st.at
	}
}

// cmTimeZone is where the demo community manager works.
const cmTimeZone = "Europe/Paris"

// daytime moves t to a random time between 9:00 and 19:00 on the same day
// in zone, but never after the present.
func (s *seeder) daytime(t time.Time, zone string) time.Time {
	loc := s.zone(zone)
	l := t.In(loc)
	d := time.Date(l.Year(), l.Month(), l.Day(), 9, 0, 0, 0, loc).Add(time.Duration(s.r.IntN(10*3600)) * time.Second)
	if d.After(s.now) {
		d = s.now.Add(-time.Duration(1+s.r.IntN(60)) * time.Minute)
	}
	return d.UTC()
}

// zone loads a time zone once.
func (s *seeder) zone(name string) *time.Location {
	loc := s.zones[name]
	if loc == nil {
		var err error
		if loc, err = time.LoadLocation(name); err != nil {
			loc = time.UTC
		}
		s.zones[name] = loc
	}
	return loc
}

func round4(f float64) float64 { return math.Round(f*10000) / 10000 }

// channels picks where a group talks to its members.
func (s *seeder) channels(g *groupSpec, slug string) []ch.Channel {
	handle := strings.ReplaceAll(slug, "-", "")
	if len(handle) > 30 {
		handle = handle[:30]
	}
	options := []struct {
		typ    string
		chance int // in 100
		urls   []string
	}{
		{"meetup", 70, []string{"https://meetup.example.com/" + slug + "/"}},
		{"chat", 60, []string{"https://chat.example.org/invite/" + slug, "https://discord.example.com/invite/" + handle, "https://" + slug + ".slack.example.com/"}},
		{"mailing_list", 40, []string{"mailto:" + slug + "@lists.example.org", "https://lists.example.org/mailman/listinfo/" + slug}},
		{"social", 50, []string{"https://social.example.net/@" + handle}},
		{"forum", 15, []string{"https://discuss.example.org/c/" + slug}},
		{"video", 25, []string{"https://video.example.com/@" + handle}},
		{"blog", 15, []string{g.Site + "blog/"}},
		{"other", 10, []string{"https://calendar.example.org/" + slug + ".ics"}},
	}
	var out []ch.Channel
	for _, o := range options {
		if s.r.IntN(100) < o.chance && len(out) < 5 {
			out = append(out, ch.Channel{Type: o.typ, URL: pick(s.r, o.urls)})
		}
	}
	if len(out) == 0 {
		out = append(out, ch.Channel{Type: "meetup", URL: options[0].urls[0]})
	}
	return out
}

// account returns the account of an applicant, opening it shortly before
// their first application.
func (s *seeder) account(ctx context.Context, p person, before time.Time) (*ch.User, error) {
	if u := s.users[p.Email]; u != nil {
		return u, nil
	}
	s.at(before.Add(-s.days(1, 20)))
	u, err := s.createUser(ctx, p.Email, p.Name, 0)
	if err != nil {
		return nil, fmt.Errorf("account %s: %w", p.Email, err)
	}
	s.users[p.Email] = u
	return u, nil
}

// story adds the official process to a group's dated milestones and checks
// it against the program, leaving the store calls to make.
func (s *seeder) story(g *groupSpec) {
	s.process(g)
	s.settle(g)
	g.steps = slices.DeleteFunc(g.steps, func(st step) bool { return st.kind == stepMark })
}

// run adds the official process to a group's dated milestones, checks the
// story against the program, then creates the group and plays its story
// through the store, each call at its date. The story is planned here, one
// group at a time, so that a large program's stories are not all in
// memory at once.
func (s *seeder) run(ctx context.Context, g *groupSpec) error {
	s.story(g)
	defer func() { g.steps = nil }()

	applicant, err := s.account(ctx, g.lead, g.apply)
	if err != nil {
		return err
	}
	app := g.app
	if err := app.Validate(true); err != nil {
		return err
	}
	s.at(g.apply)
	grp, err := s.db.CreateGroup(ctx, app, applicant, nil)
	if err != nil {
		return err
	}
	// The lapses a sweep records are told to nobody: they are history.
	quiet := func(*ch.Group, []ch.StepResult, []*ch.User, []*ch.User) []ch.Mail { return nil }
	for _, st := range g.steps {
		s.at(st.at)
		by := st.by
		if by == nil {
			by = applicant // the organizers
		}
		switch st.kind {
		case stepAccept:
			_, err = s.db.ReviewGroup(ctx, grp.Slug, ch.Accept, st.reason, s.cm, nil)
		case stepDecline:
			_, err = s.db.ReviewGroup(ctx, grp.Slug, ch.Decline, st.reason, s.cm, nil)
		case stepUpdate:
			edited := app
			edited.Coordinators = st.coords
			edited.Normalize()
			if err := edited.Validate(false); err != nil {
				return err
			}
			_, err = s.db.UpdateGroup(ctx, grp.Slug, edited, applicant, nil)
		case stepStatus:
			_, err = s.db.ChangeStatus(ctx, grp.Slug, st.to, st.reason, s.cm, nil)
		case stepGrant:
			_, err = s.db.GrantOfficial(ctx, grp.Slug, st.reason, s.program, s.cm, nil)
		case stepMentor:
			err = s.db.AddAmbassador(ctx, grp.Slug, st.user.ID, st.by, nil)
		case stepUnmentor:
			err = s.db.RemoveAmbassador(ctx, grp.Slug, st.user.ID, st.by, nil)
		case stepValidate:
			err = s.db.AddValidation(ctx, grp.Slug, ch.Validation{StepID: st.stepID, Role: st.role, Verdict: st.verdict, Comment: st.reason}, st.by, nil)
		case stepMeeting:
			_, err = s.db.RecordMeeting(ctx, grp.Slug, st.meeting, applicant)
		case stepComment:
			_, err = s.db.AddStepComment(ctx, grp.Slug, st.stepID, st.reason, by, nil)
		case stepRequest:
			err = s.db.RequestReview(ctx, grp.Slug, st.stepID, st.reason, by, nil)
		case stepFollow:
			_, err = s.db.FollowFacts(ctx, grp.Slug, s.program, quiet)
		}
		if err != nil {
			return fmt.Errorf("%v at %s: %w", st.kind, st.at.Format(time.RFC3339), err)
		}
	}
	return nil
}
