package workflow

import (
	"fmt"
	"strings"

	ch "chapterhouse"
	"chapterhouse/sqldb"
)

// Mails writes every mail the portal sends: all texts live here.
type Mails struct {
	BaseURL string // the portal's public address, for links
}

func (s Mails) link(path string) string { return s.BaseURL + path }

func (s Mails) groupLink(g *ch.Group) string { return s.link("/groups/" + g.Slug) }

// Verify may reach a stranger, since anyone can sign up with any address:
// the account's name is quoted as someone else's words.
func (s Mails) Verify(u *ch.User, token string) ch.Mail {
	return ch.Mail{To: u.Email, Subject: "Verify your email address", Secret: token,
		Body: fmt.Sprintf("Hello,\n\nWelcome to the user group portal. An account named “%s” was created with this address; if it was you, follow this link to verify your address and sign in:\n\n%s\n\nThe link works for 48 hours. If you did not sign up, ignore this message.\n",
			u.Name, s.link("/verify?token="+token))}
}

// ConfirmEmail goes to an address nobody has proved yet, perhaps a
// stranger's: the account's name is quoted as someone else's words.
func (s Mails) ConfirmEmail(u *ch.User, email, token string) ch.Mail {
	return ch.Mail{To: email, Subject: "Confirm your new email address", Secret: token,
		Body: fmt.Sprintf("Hello,\n\nSomeone with an account named “%s” on the user group portal asked to use %s for it from now on. If it was you, follow this link:\n\n%s\n\nThe link works for 48 hours. If you did not ask for this, ignore this message; nothing changes.\n",
			u.Name, email, s.link("/email/confirm?token="+token))}
}

func (s Mails) Reset(u *ch.User, token string) ch.Mail {
	return ch.Mail{To: u.Email, Subject: "Reset your password", Secret: token,
		Body: fmt.Sprintf("Hello %s,\n\nFollow this link to choose a new password:\n\n%s\n\nThe link works for two hours. If you did not ask for it, ignore this message; your password stays the same.\n",
			u.Name, s.link("/password/reset?token="+token))}
}

// AccountExists tells the owner of an address that someone tried to sign up
// with it: the sign-up page answers alike either way.
func (s Mails) AccountExists(u *ch.User) ch.Mail {
	return ch.Mail{To: u.Email, Subject: "Your account on the user group portal",
		Body: fmt.Sprintf("Hello %s,\n\nSomeone tried to create an account on the user group portal with this address, which has one already. If it was you, sign in:\n\n%s\n\nor, if you forgot your password, choose a new one:\n\n%s\n\nIf it was not you, ignore this message; nothing changed.\n",
			u.Name, s.link("/signin"), s.link("/password/forgot"))}
}

// AddressTaken tells the owner of an address that another account asked to
// use it: the account page answers alike either way.
func (s Mails) AddressTaken(u *ch.User) ch.Mail {
	return ch.Mail{To: u.Email, Subject: "Your account on the user group portal",
		Body: fmt.Sprintf("Hello %s,\n\nSomeone asked to use this address for another account on the user group portal. It belongs to your account, so nothing changed and you need not do anything.\n\nYour account: %s\n",
			u.Name, s.link("/account"))}
}

// toCoordinators addresses one mail to each coordinator except skip.
func toCoordinators(g *ch.Group, skip, subject, body string) []ch.Mail {
	var out []ch.Mail
	for _, c := range g.Coordinators {
		if c.Email != skip {
			out = append(out, ch.Mail{To: c.Email, Subject: subject, Body: "Hello " + c.Name + ",\n\n" + body})
		}
	}
	return out
}

// listed tells the coordinators in invited that by listed them on a group.
// They may not know by, nor want the mail: the subject holds no words of
// anyone's choosing, and the body quotes them as someone else's.
func (s Mails) listed(by *ch.User, g *ch.Group, invited map[string]bool, how string) []ch.Mail {
	var out []ch.Mail
	for _, c := range g.Coordinators {
		if !invited[c.Email] {
			continue
		}
		out = append(out, ch.Mail{To: c.Email, Subject: "You were listed as the coordinator of a user group",
			Body: fmt.Sprintf("Hello,\n\n“%s” (%s) %s “%s” on the user group portal, as “%s”.\n\nIf you know about it, sign in (or create an account) with this address to help run the group:\n%s\n\nIf you do not, ignore this message: nothing happens unless you sign in.\n",
				by.Name, by.Email, how, g.Name, c.Name, s.groupLink(g))})
	}
	return out
}

// notifyApplied tells the applicant and the community managers of a new
// application, and the coordinators in invited that they are listed.
func (s Mails) notifyApplied(applicant *ch.User, managers []*ch.User, invited map[string]bool) ch.Notify {
	return func(g *ch.Group) []ch.Mail {
		page := s.groupLink(g)
		mails := []ch.Mail{{To: applicant.Email, Subject: "We received the application of " + g.Name,
			Body: fmt.Sprintf("Hello %s,\n\nThank you for applying to list %s. A community manager will review it soon; you will hear from us by mail.\n\nYou can follow and edit the application here:\n%s\n", applicant.Name, g.Name, page)}}
		for _, m := range managers {
			mails = append(mails, ch.Mail{To: m.Email, Subject: "A new application to review",
				Body: fmt.Sprintf("Hello %s,\n\n“%s” applied to list a group named “%s” (%s, %s). Review it here:\n%s\n\nAll applications waiting: %s\n",
					m.Name, applicant.Name, g.Name, g.City, g.Country, page, s.link("/admin/applications"))})
		}
		return append(mails, s.listed(applicant, g, invited, "listed you as a coordinator of an application to start a group named")...)
	}
}

// notifyEdited tells the coordinators in invited, added by an edit, that
// they were added.
func (s Mails) notifyEdited(editor *ch.User, invited map[string]bool) ch.Notify {
	return func(g *ch.Group) []ch.Mail {
		return s.listed(editor, g, invited, "added you as a coordinator of the group")
	}
}

func (s Mails) notifyReviewed(g *ch.Group) []ch.Mail {
	page := s.groupLink(g)
	if g.Status == ch.StatusDeclined {
		return toCoordinators(g, "", "Your application for "+g.Name+" needs changes",
			fmt.Sprintf("A community manager reviewed the application of %s and could not accept it yet:\n\n%s\n\nYou can change the application and send it again from its page:\n%s\n", g.Name, g.DeclineReason, page))
	}
	return toCoordinators(g, "", g.Name+" is now listed",
		fmt.Sprintf("Good news: %s is accepted and now listed in the user group directory as a new group:\n%s\n\nThe page of your group shows the steps towards official status.\n", g.Name, page))
}

// ── Official User Group Process ───────────────────────────────────────────

func (s Mails) checklistLink(g *ch.Group) string { return s.groupLink(g) + "/checklist" }

// notifyValidated tells the organizers that a step passed or needs work.
func (s Mails) notifyValidated(by *ch.User, st ch.Step, v ch.Validation) ch.Notify {
	return func(g *ch.Group) []ch.Mail {
		if v.Verdict == ch.VerdictNeedsWork {
			return toCoordinators(g, "", "“"+st.Title+"” needs work",
				fmt.Sprintf("%s (%s) looked at the step “%s” of %s and asks for changes:\n\n%s\n\nThe checklist says what to do next, and you can answer in the step's comments:\n%s\n",
					by.Name, v.Role.Label(), st.Title, g.Name, v.Comment, s.checklistLink(g)))
		}
		body := fmt.Sprintf("Good news: %s (%s) validated the step “%s” of %s.\n", by.Name, v.Role.Label(), st.Title, g.Name)
		if v.Comment != "" {
			body += "\n" + v.Comment + "\n"
		}
		return toCoordinators(g, "", "“"+st.Title+"” is validated", body+"\nThe group's checklist:\n"+s.checklistLink(g)+"\n")
	}
}

// notifyCommented tells the organizers (except the author) of a new comment.
func (s Mails) notifyCommented(by *ch.User, st ch.Step, body string) ch.Notify {
	return func(g *ch.Group) []ch.Mail {
		return toCoordinators(g, by.Email, "New comment on “"+st.Title+"”",
			fmt.Sprintf("%s commented on the step “%s” of %s:\n\n%s\n\nAnswer on the group's checklist:\n%s\n", by.Name, st.Title, g.Name, body, s.checklistLink(g)))
	}
}

// notifyReviewRequested tells the reviewers that the organizers ask for a
// step to be validated: the group's mentors, or the community managers while
// it has none, so that the request always reaches someone.
func (s Mails) notifyReviewRequested(by *ch.User, st ch.Step, note string, reviewers []*ch.User) ch.Notify {
	return func(g *ch.Group) []ch.Mail {
		var out []ch.Mail
		for _, a := range reviewers {
			body := fmt.Sprintf("Hello %s,\n\n%s, an organizer of %s, asks you to look at the step “%s”.\n", a.Name, by.Name, g.Name, st.Title)
			if note != "" {
				body += "\n" + note + "\n"
			}
			out = append(out, ch.Mail{To: a.Email, Subject: g.Name + " asks for a validation",
				Body: body + "\nThe group's checklist:\n" + s.checklistLink(g) + "\n"})
		}
		return out
	}
}

// notifyMentor tells the organizers and the ambassador that it mentors the
// group from now on.
func (s Mails) notifyMentor(amb, by *ch.User) ch.Notify {
	return func(g *ch.Group) []ch.Mail {
		how := "You now mentor"
		if by.ID != amb.ID {
			how = by.Name + " asked you to mentor"
		}
		out := []ch.Mail{{To: amb.Email, Subject: "You mentor " + g.Name,
			Body: fmt.Sprintf("Hello %s,\n\n%s %s. Its checklist shows where it stands and what it waits for:\n%s\n", amb.Name, how, g.Name, s.checklistLink(g))}}
		return append(out, toCoordinators(g, amb.Email, amb.Name+" mentors "+g.Name,
			fmt.Sprintf("%s, an ambassador of the program, now mentors %s. Ask for advice and validations on the group's checklist:\n%s\n", amb.Name, g.Name, s.checklistLink(g)))...)
	}
}

// notifyStatus tells the organizers that official status was granted (with
// the note) or revoked (with the reason), or that the group was archived.
func (s Mails) notifyStatus(text string) ch.Notify {
	return func(g *ch.Group) []ch.Mail {
		page := s.groupLink(g)
		if g.Status == ch.StatusOfficial {
			body := fmt.Sprintf("Congratulations: %s is now an official user group. The official logo is on the group's page:\n%s\n", g.Name, page)
			if text != "" {
				body += "\nThe community manager wrote:\n\n" + text + "\n"
			}
			return toCoordinators(g, "", g.Name+" is an official user group", body)
		}
		if g.Status == ch.StatusArchived {
			return toCoordinators(g, "", g.Name+" is archived",
				fmt.Sprintf("A community manager archived %s, for this reason:\n\n%s\n\nThe group's page and history stay; it is no longer listed. Reply to the community managers to bring it back.\n%s\n", g.Name, text, page))
		}
		return toCoordinators(g, "", g.Name+" is no longer an official user group",
			fmt.Sprintf("A community manager revoked the official status of %s, for this reason:\n\n%s\n\nThe group keeps its page and history, and can become official again: the checklist shows what to do.\n%s\n", g.Name, text, s.checklistLink(g)))
	}
}

// notifyMentorEnded tells the organizers and the ambassador that it no
// longer mentors the group.
func (s Mails) notifyMentorEnded(amb, by *ch.User) ch.Notify {
	return func(g *ch.Group) []ch.Mail {
		who := amb.Name + " stepped down"
		if by.ID != amb.ID {
			who = by.Name + " ended the mentoring of " + amb.Name
		}
		out := toCoordinators(g, "", amb.Name+" no longer mentors "+g.Name,
			fmt.Sprintf("%s: %s no longer mentors %s. Another ambassador can sign up on the group's checklist:\n%s\n", who, amb.Name, g.Name, s.checklistLink(g)))
		if by.ID != amb.ID {
			out = append(out, ch.Mail{To: amb.Email, Subject: "You no longer mentor " + g.Name,
				Body: fmt.Sprintf("Hello %s,\n\n%s ended your mentoring of %s. Thank you for your help.\n", amb.Name, by.Name, g.Name)})
		}
		return out
	}
}

// AskToAgree asks the coordinators of every listed group to agree to a new
// version of the Social Media and Event Policy: until a group does, its
// first step to official status shows as not met.
func (s Mails) AskToAgree(version int, to []sqldb.PolicyRecipient) []ch.Mail {
	mails := make([]ch.Mail, 0, len(to))
	for _, r := range to {
		mails = append(mails, ch.Mail{To: r.Email, Subject: fmt.Sprintf("Please agree to version %d of the Social Media and Event Policy", version),
			Body: fmt.Sprintf("Hello %s,\n\nThe program published version %d of the Social Media and Event Policy:\n%s\n\nPlease read it and agree to it for %s: open the group's edit page and tick the box. Until then, the first step to official status shows as not met.\n",
				r.Name, version, s.link("/policy"), strings.Join(r.Groups, ", "))})
	}
	return mails
}

// stepLines lists steps with what each needs next, one per line.
func stepLines(steps []ch.StepResult) string {
	var b strings.Builder
	for _, r := range steps {
		fmt.Fprintf(&b, "- %s: %s", r.Step.Title, strings.ToLower(r.State.Label()))
		if r.Next != "" {
			b.WriteString(". " + r.Next)
		}
		b.WriteString("\n")
	}
	return b.String()
}

// lapsed tells the organizers, the mentors and managers that an official
// group no longer meets some steps. Nothing is revoked: the organizers have
// time to put it right, and a community manager decides.
func (s Mails) lapsed(g *ch.Group, newly []ch.StepResult, mentors, managers []*ch.User) []ch.Mail {
	what := stepLines(newly)
	subject := g.Name + ": a step to official status is no longer met"
	if len(newly) > 1 {
		subject = g.Name + ": some steps to official status are no longer met"
	}
	out := toCoordinators(g, "", subject, fmt.Sprintf(
		"%s is an official user group, and it no longer meets:\n\n%s\nThe group stays official for now: a community manager will look at it with you. Put it right on the checklist:\n%s\n",
		g.Name, what, s.checklistLink(g)))
	for _, u := range mentors {
		out = append(out, ch.Mail{To: u.Email, Subject: subject, Body: fmt.Sprintf(
			"Hello %s,\n\n%s, which you mentor, no longer meets:\n\n%s\nIts organizers were told. The checklist:\n%s\n", u.Name, g.Name, what, s.checklistLink(g))})
	}
	for _, u := range managers {
		out = append(out, ch.Mail{To: u.Email, Subject: subject, Body: fmt.Sprintf(
			"Hello %s,\n\nThe official group %s no longer meets:\n\n%s\nIts organizers and mentors were told; nothing was revoked. It waits in the review queue as \"official, step no longer met\":\n%s\n",
			u.Name, g.Name, what, s.link("/review/queue#lapsed-h"))})
	}
	return out
}

// lapsedDigest tells each community manager, in one mail, of the official
// groups that newly failed steps in a sweep.
func (s Mails) lapsedDigest(groups []LapsedGroup, managers []*ch.User) []ch.Mail {
	var b strings.Builder
	for _, l := range groups {
		fmt.Fprintf(&b, "%s (%s)\n%s\n", l.Group.Name, s.checklistLink(l.Group), stepLines(l.Newly))
	}
	subject := fmt.Sprintf("%d official groups no longer meet a step", len(groups))
	if len(groups) == 1 {
		subject = groups[0].Group.Name + ": a step to official status is no longer met"
	}
	var out []ch.Mail
	for _, u := range managers {
		out = append(out, ch.Mail{To: u.Email, Subject: subject, Body: fmt.Sprintf(
			"Hello %s,\n\nThese official groups no longer meet steps to official status:\n\n%sTheir organizers and mentors were told; nothing was revoked. They wait in the review queue:\n%s\n",
			u.Name, b.String(), s.link("/review/queue#lapsed-h"))})
	}
	return out
}

// notifyRenameDecided tells the organizers of an official group that a
// community manager accepted its new name, or restored the old one.
func (s Mails) notifyRenameDecided(d ch.RenameDecision, r ch.Rename, note string) ch.Notify {
	return func(g *ch.Group) []ch.Mail {
		body := fmt.Sprintf("A community manager accepted the new name of your official group: %s.\n", g.Name)
		subject := "New name accepted: " + g.Name
		if d == ch.RenameRollBack {
			subject = "Name restored: " + g.Name
			body = fmt.Sprintf("A community manager restored the name of your official group to %s, instead of %s.\n", g.Name, r.NewName)
		}
		if note != "" {
			body += "\n" + note + "\n"
		}
		return toCoordinators(g, "", subject, body+"\nThe group's page:\n"+s.groupLink(g)+"\n")
	}
}
