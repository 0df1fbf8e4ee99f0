package workflow_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	ch "chapterhouse"
	"chapterhouse/sqldb"
	"chapterhouse/workflow"
)

// burst runs f n times at once and counts the refusals over a limit; any
// other error fails the test.
func burst(t *testing.T, n int, f func(i int) error) (refused int) {
	t.Helper()
	var count atomic.Int32
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			switch err := f(i); ch.ErrorCode(err) {
			case "":
			case ch.ETOOMANY:
				count.Add(1)
			default:
				t.Errorf("%v %v", err, ch.ErrorFields(err))
			}
		})
	}
	wg.Wait()
	return int(count.Load())
}

// mailsTo returns the outbox rows to one address.
func (w *world) mailsTo(email string) []sqldb.OutboxEntry {
	w.t.Helper()
	entries, err := w.db.Outbox(context.Background(), 100000)
	w.must(err)
	var out []sqldb.OutboxEntry
	for _, e := range entries {
		if e.To == email {
			out = append(out, e)
		}
	}
	return out
}

func (w *world) unverified(email, name string) *ch.User {
	w.t.Helper()
	u, err := w.db.CreateUser(context.Background(), email, name, "x", false, 0)
	w.must(err)
	return u
}

// A burst of requests for account mail sends a few mails, not one per
// request, and unknown addresses answer alike.
func TestAccountMailUnderBurst(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	fay, err := w.db.CreateUser(ctx, "fay@example.org", "Fay", "x", true, 0)
	w.must(err)
	if refused := burst(t, 50, func(int) error { return w.flows.ForgotPassword(ctx, fay.Email) }); refused != 45 {
		t.Errorf("50 reset requests at once: %d refused, want 45", refused)
	}
	if got := len(w.mailsTo(fay.Email)); got != 5 {
		t.Errorf("50 reset requests at once queued %d mails, want 5", got)
	}
	if refused := burst(t, 50, func(int) error { return w.flows.ForgotPassword(ctx, "nobody@example.org") }); refused != 45 {
		t.Errorf("50 reset requests for an unknown address: %d refused, want 45 as for a known one", refused)
	}
	err = w.flows.ForgotPassword(ctx, fay.Email)
	var throttled *workflow.Throttled
	if ch.ErrorCode(err) != ch.ETOOMANY || !strings.Contains(ch.ErrorMessage(err), "Try again in") {
		t.Errorf("over the limit: %v", err)
	} else if !errors.As(err, &throttled) || throttled.Wait <= 0 {
		t.Errorf("over the limit, no wait to tell the client: %v", err)
	}

	nell := w.unverified("nell@example.org", "Nell Newbie")
	if refused := burst(t, 50, func(int) error { _, err := w.flows.ResendVerification(ctx, nell); return err }); refused != 47 {
		t.Errorf("50 verification resends at once: %d refused, want 47", refused)
	}
	if got := len(w.mailsTo(nell.Email)); got != 3 {
		t.Errorf("50 verification resends queued %d mails, want 3", got)
	}
}

// An account that asks again and again to move to a stranger's address
// reaches the stranger a few times, and its name reaches them only quoted.
func TestChangeEmailToStrangerUnderBurst(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	spammer := w.unverified("spam@example.org", "BUY NOW http://spam.example")
	refused := burst(t, 50, func(int) error {
		_, err := w.flows.ChangeEmail(ctx, spammer, "stranger@example.org")
		return err
	})
	got := w.mailsTo("stranger@example.org")
	if refused != 47 || len(got) != 3 {
		t.Fatalf("50 requests at once: %d refused, %d mails to the stranger; want 47 and 3", refused, len(got))
	}
	for _, m := range got {
		if strings.Contains(m.Subject, "BUY") || !strings.Contains(m.Body, "“BUY NOW http://spam.example”") {
			t.Errorf("the stranger got %q:\n%s", m.Subject, m.Body)
		}
	}
}

// Sign-up and change of address answer alike whether or not an address
// has an account; its owner is told by mail instead.
func TestTakenAddressAnswersAlike(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	owner, err := w.db.CreateUser(ctx, "owner@example.org", "Owner", "x", true, 0)
	w.must(err)
	if err := w.flows.SignUp(ctx, ch.SignUp{Email: "new@example.org", Name: "New Person", Password: "a long passphrase"}, "192.0.2.1"); err != nil {
		t.Fatalf("sign-up with a new address: %v", err)
	}
	if err := w.flows.SignUp(ctx, ch.SignUp{Email: " Owner@Example.org", Name: "Intruder", Password: "a long passphrase"}, "192.0.2.1"); err != nil {
		t.Fatalf("sign-up with a taken address answers %v, want the same as a new one", err)
	}
	if u, hash, err := w.db.UserByEmail(ctx, owner.Email); err != nil || u.Name != owner.Name || hash != "x" {
		t.Errorf("the sign-up changed the existing account: %v %q %v", u, hash, err)
	}
	welcome := w.mailsTo("new@example.org")
	notice := w.mailsTo(owner.Email)
	if len(welcome) != 1 || welcome[0].Subject != "Verify your email address" {
		t.Errorf("the new address got %v", welcome)
	} else if !strings.Contains(welcome[0].Body, "An account named “New Person” was created") || strings.Contains(welcome[0].Body, "Hello New Person") {
		// Anyone may sign up with a stranger's address: the name they chose
		// is quoted, never used to greet.
		t.Errorf("the verification mail does not quote the chosen name as someone else's:\n%s", welcome[0].Body)
	}
	if len(notice) != 1 || !strings.Contains(notice[0].Body, "Someone tried to create an account") || strings.Contains(notice[0].Body, "Intruder") {
		t.Errorf("the owner of the taken address got %v", notice)
	}

	// The link of the new account verifies it and signs it in.
	nu, _, err := w.db.UserByEmail(ctx, "new@example.org")
	w.must(err)
	token, err := w.db.CreateUserToken(ctx, nu.ID, sqldb.PurposeVerify, nu.Email, time.Hour)
	w.must(err)
	session, err := w.flows.VerifyEmail(ctx, token, "a long passphrase", "192.0.2.1")
	w.must(err)
	if u, err := w.db.SessionUser(ctx, session); err != nil || u.ID != nu.ID || !u.Verified() {
		t.Errorf("the verification link signed in %v (%v), want the verified new account", u, err)
	}

	mover := w.unverified("mover@example.org", "Mover")
	taken, err := w.flows.ChangeEmail(ctx, mover, owner.Email)
	if err != nil || taken != owner.Email {
		t.Fatalf("change to a taken address answers %q, %v; want the same as a free one", taken, err)
	}
	free, err := w.flows.ChangeEmail(ctx, mover, "free@example.org")
	if err != nil || free != "free@example.org" {
		t.Fatalf("change to a free address: %q, %v", free, err)
	}
	// Newest first: the notice of the sign-up, then this one.
	if got := w.mailsTo(owner.Email); len(got) != 2 || strings.Contains(got[0].Body, "/email/confirm") || !strings.Contains(got[0].Body, "another account") {
		t.Errorf("the owner of the taken address got %v", got)
	}
	if got := w.mailsTo("free@example.org"); len(got) != 1 || !strings.Contains(got[0].Body, "/email/confirm?token=") {
		t.Errorf("the free address got %v", got)
	}
}

// A member who sends applications in a burst, each listing many strangers
// as coordinators, sends a bounded number of mails to them, none with words
// of its choosing in the subject.
func TestApplicationMailUnderBurst(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	mallory, err := w.db.CreateUser(ctx, "mallory@example.org", "Mallory", "x", true, 0)
	w.must(err)
	before := w.mark()
	refused := burst(t, 20, func(i int) error {
		app := lyon(fmt.Sprintf("Cheap pills %02d", i))
		app.Coordinators = nil
		for j := range 19 {
			app.Coordinators = append(app.Coordinators, ch.Coordinator{Email: fmt.Sprintf("victim%02d-%02d@example.org", i, j), Name: "Victim"})
		}
		_, _, err := w.flows.Apply(ctx, mallory, workflow.ProfileInput{Application: app, ConfirmDistinct: true})
		return err
	})
	var thirdParty []string
	for _, m := range w.since(before) {
		if strings.HasPrefix(m, "victim") {
			thirdParty = append(thirdParty, m)
		}
	}
	if refused != 19 || len(thirdParty) != 19 {
		t.Errorf("20 applications of 19 coordinators at once: %d refused and %d mails to strangers; want 19 and 19 (one application)", refused, len(thirdParty))
	}
	for _, m := range thirdParty {
		if strings.Contains(m, "pills") {
			t.Errorf("a stranger got the subject %q", m)
		}
	}

	// At most three applications wait for review at once.
	ann, err := w.db.CreateUser(ctx, "ann@example.org", "Ann", "x", true, 0)
	w.must(err)
	for i := range 3 {
		_, err := w.db.CreateGroup(ctx, lyon(fmt.Sprintf("Waiting %d", i)), ann, nil)
		w.must(err)
	}
	if _, _, err := w.flows.Apply(ctx, ann, workflow.ProfileInput{Application: lyon("A fourth"), ConfirmDistinct: true}); ch.ErrorCode(err) != ch.ECONFLICT {
		t.Errorf("a fourth waiting application: %v", err)
	}

	// One address listed by many applicants is told a few times a day; the
	// applications are saved all the same.
	for i := range 5 {
		u, err := w.db.CreateUser(ctx, fmt.Sprintf("applicant%d@example.org", i), "Applicant", "x", true, 0)
		w.must(err)
		app := lyon(fmt.Sprintf("Group of applicant %d", i))
		app.Coordinators = []ch.Coordinator{{Email: "popular@example.org", Name: "Popular"}}
		_, _, err = w.flows.Apply(ctx, u, workflow.ProfileInput{Application: app, ConfirmDistinct: true})
		w.must(err)
	}
	if got := len(w.mailsTo("popular@example.org")); got != 3 {
		t.Errorf("an address listed by 5 applicants got %d mails, want 3", got)
	}
}

// lyon is a valid application named name.
func lyon(name string) ch.Application {
	return ch.Application{Name: name, Description: "Go in Lyon.", City: "Lyon", Country: "FR", TimeZone: "Europe/Paris",
		OrganiserEmails: []string{"team@lyon.example.org"}, URLs: []string{"https://lyon.example.org"}, Cadence: "monthly", PolicyAgreed: true,
		Channels: []ch.Channel{{Type: "chat", URL: "https://chat.example.org/lyon"}}, Employer: "Acme"}
}

// Edits that add coordinators count against the same daily limit as
// applications: removing and adding strangers again is no way around it.
func TestEditInvitationsLimited(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	edit := func(round int) error {
		app := lyon("Lyon Gophers")
		app.Coordinators = []ch.Coordinator{{Email: w.org.Email, Name: w.org.Name, Employer: "Acme"}}
		for j := range 9 {
			app.Coordinators = append(app.Coordinators, ch.Coordinator{Email: fmt.Sprintf("edit%d-%02d@example.org", round, j), Name: "Added"})
		}
		_, _, err := w.flows.EditGroup(ctx, w.org, w.slug, workflow.ProfileInput{Application: app})
		return err
	}
	// The application listed one coordinator already: 1 + 9 + 9 fit in 20.
	before := w.mark()
	w.must(edit(1))
	w.must(edit(2))
	if err := edit(3); ch.ErrorCode(err) != ch.ETOOMANY {
		t.Errorf("a third edit listing 9 new coordinators the same day: %v", err)
	}
	var told int
	for _, m := range w.since(before) {
		if strings.HasPrefix(m, "edit") {
			told++
		}
	}
	if told != 18 {
		t.Errorf("edits told %d added coordinators, want 18", told)
	}
}

// Anyone may sign up with any address, so sign-up mail is limited per inbox
// (tags and Gmail's dots do not make a new one) and per client address.
func TestSignUpMailLimited(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	refused := burst(t, 30, func(i int) error {
		// A client address each: only the inbox's limit applies.
		return w.flows.SignUp(ctx, ch.SignUp{Email: fmt.Sprintf("victim+%d@example.org", i), Name: "Buy now", Password: "a long passphrase"}, fmt.Sprintf("192.0.2.%d", i))
	})
	var reached int
	entries, err := w.db.Outbox(ctx, 1000)
	w.must(err)
	for _, e := range entries {
		if ch.Mailbox(e.To) == "victim@example.org" {
			reached++
		}
	}
	if reached != 5 || refused != 25 {
		t.Errorf("30 sign-ups with tagged addresses of one inbox: %d mails reached it, %d refused; want 5 and 25", reached, refused)
	}

	// One client address signing up many inboxes.
	var mailed, limited int
	for i := range 25 {
		err := w.flows.SignUp(ctx, ch.SignUp{Email: fmt.Sprintf("person%d@example.net", i), Name: "Person", Password: "a long passphrase"}, "198.51.100.9")
		switch ch.ErrorCode(err) {
		case "":
			mailed++
		case ch.ETOOMANY:
			limited++
			if !strings.Contains(err.Error(), "Try again in") {
				t.Errorf("the refusal does not say when to try again: %v", err)
			}
		default:
			t.Fatal(err)
		}
	}
	if mailed != 20 || limited != 5 || len(w.mailsTo("person24@example.net")) != 0 {
		t.Errorf("25 sign-ups from one client: %d went through, %d refused; want 20 and 5", mailed, limited)
	}
	// Another client is not held back by that one.
	if err := w.flows.SignUp(ctx, ch.SignUp{Email: "else@example.net", Name: "Else", Password: "a long passphrase"}, "203.0.113.1"); err != nil {
		t.Errorf("a sign-up from another client: %v", err)
	}
}
