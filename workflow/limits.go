package workflow

import (
	"context"
	"fmt"
	"strconv"
	"time"

	ch "chapterhouse"
	"chapterhouse/sqldb"
)

// Limits on what people can make the portal do, mail above all: the portal
// must not become a way to flood an inbox, whoever asks. They are counted in
// the database (sqldb.Take), so they hold across nodes and bursts.
const (
	// Account mail (verification, reset and change-of-address links, and
	// the notice that an address already has an account) to one address.
	accountMailPerAddress = 5
	// Links an account asks for itself: verification resends and changes
	// of address.
	linksPerAccount = 3
	// Applications one person sends in a day, and has waiting at once.
	applicationsPerDay     = 3
	maxPendingApplications = 3
	// Mails telling people that someone listed them as a coordinator: sent
	// by one person in a day (a full list of coordinators fits), and
	// received by one address in a day; beyond that the group is still
	// saved, without telling the address again.
	invitationsPerActor   = ch.MaxListLen
	invitationsPerAddress = 3
	// Sign-ups from one client address in an hour: each mails a link to an
	// address of the client's choosing, and a school or office behind one
	// address rarely signs up more people than this in an hour.
	signUpsPerClient = 20
)

func accountMailTo(email string) sqldb.Limit {
	return sqldb.Limit{Key: "account-mail-to:" + ch.Mailbox(email), Max: accountMailPerAddress, Per: time.Hour}
}

func signUpsFrom(client string) sqldb.Limit {
	return sqldb.Limit{Key: "sign-ups-from:" + client, Max: signUpsPerClient, Per: time.Hour}
}

func linksFor(u *ch.User) sqldb.Limit {
	return sqldb.Limit{Key: "links-for:" + strconv.FormatInt(u.ID, 10), Max: linksPerAccount, Per: time.Hour}
}

func applicationsBy(u *ch.User) sqldb.Limit {
	return sqldb.Limit{Key: "applications-by:" + strconv.FormatInt(u.ID, 10), Max: applicationsPerDay, Per: 24 * time.Hour}
}

func invitationsBy(u *ch.User) sqldb.Limit {
	return sqldb.Limit{Key: "invitations-by:" + strconv.FormatInt(u.ID, 10), Max: invitationsPerActor, Per: 24 * time.Hour}
}

func invitationsTo(email string) sqldb.Limit {
	return sqldb.Limit{Key: "invitations-to:" + ch.Mailbox(email), Max: invitationsPerAddress, Per: 24 * time.Hour}
}

// Refusals, each followed by when to try again.
const (
	tooMuchAccountMail = "We already sent several messages to this address recently. Check your inbox and spam folder for them."
	tooManyLinks       = "You asked for several links recently. Check your inbox and spam folder for them."
	tooManyApplied     = "You sent several applications today."
	tooManyInvited     = "Your applications and edits today already listed many coordinators, and each is told by mail."
	tooManySignUps     = "Several accounts were created from your network recently."
)

// take counts n hits against the limits, or refuses with refusal and how
// long to wait.
func (s *Service) take(ctx context.Context, refusal string, n int, limits ...sqldb.Limit) error {
	wait, err := s.DB.Take(ctx, n, limits...)
	if err != nil || wait == 0 {
		return err
	}
	return &Throttled{Err: ch.Errorf(ch.ETOOMANY, "%s Try again in %s.", refusal, aboutTime(wait)), Wait: wait.Round(time.Second)}
}

// aboutTime says a wait as a person would, rounded up.
func aboutTime(d time.Duration) string {
	switch m := int((d + time.Minute - 1) / time.Minute); {
	case m <= 1:
		return "a minute"
	case m < 120:
		return fmt.Sprintf("%d minutes", m)
	default:
		return fmt.Sprintf("%d hours", (m+59)/60)
	}
}

// invite keeps the coordinators (but the actor) whom the actor may still
// have told by mail: it refuses when the actor listed too many today, and
// leaves out the addresses told too often already.
func (s *Service) invite(ctx context.Context, actor *ch.User, coordinators []ch.Coordinator) (map[string]bool, error) {
	var others []string
	for _, c := range coordinators {
		if c.Email != actor.Email {
			others = append(others, c.Email)
		}
	}
	if len(others) == 0 {
		return nil, nil
	}
	if err := s.take(ctx, tooManyInvited, len(others), invitationsBy(actor)); err != nil {
		return nil, err
	}
	told := map[string]bool{}
	for _, email := range others {
		wait, err := s.DB.Take(ctx, 1, invitationsTo(email))
		if err != nil {
			return nil, err
		}
		told[email] = wait == 0
	}
	return told, nil
}
