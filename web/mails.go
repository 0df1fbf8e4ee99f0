package web

import (
	"context"
	"fmt"
	"slices"
	"strings"

	ch "chapterhouse"
	"chapterhouse/sqldb"
)

func (s *Server) link(path string) string { return s.BaseURL + path }

func (s *Server) mailVerify(u *ch.User, token string) ch.Mail {
	return ch.Mail{To: u.Email, Subject: "Verify your email address",
		Body: fmt.Sprintf("Hello %s,\n\nWelcome to the user group portal. Follow this link to verify your address:\n\n%s\n\nThe link works for 48 hours. If you did not sign up, ignore this message.\n",
			u.Name, s.link("/verify?token="+token))}
}

func (s *Server) mailConfirmEmail(u *ch.User, email, token string) ch.Mail {
	return ch.Mail{To: email, Subject: "Confirm your new email address",
		Body: fmt.Sprintf("Hello %s,\n\nFollow this link to use %s for your account from now on:\n\n%s\n\nThe link works for 48 hours. If you did not ask for this, ignore this message; nothing changes.\n",
			u.Name, email, s.link("/email/confirm?token="+token))}
}

func (s *Server) mailReset(u *ch.User, token string) ch.Mail {
	return ch.Mail{To: u.Email, Subject: "Reset your password",
		Body: fmt.Sprintf("Hello %s,\n\nFollow this link to choose a new password:\n\n%s\n\nThe link works for two hours. If you did not ask for it, ignore this message; your password stays the same.\n",
			u.Name, s.link("/password/reset?token="+token))}
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

// createGroup records an application and tells the applicant, the other
// coordinators and the community managers who review it.
func (s *Server) createGroup(ctx context.Context, app ch.Application, applicant *ch.User) (*ch.Group, error) {
	managers, err := s.DB.UsersWithRole(ctx, ch.RoleCommunityManager)
	if err != nil {
		return nil, err
	}
	return s.DB.CreateGroup(ctx, app, applicant, s.notifyApplied(applicant, managers))
}

func (s *Server) notifyApplied(applicant *ch.User, managers []*ch.User) ch.Notify {
	return func(g *ch.Group) []ch.Mail {
		page := s.link("/groups/" + g.Slug)
		mails := []ch.Mail{{To: applicant.Email, Subject: "We received the application of " + g.Name,
			Body: fmt.Sprintf("Hello %s,\n\nThank you for applying to list %s. A community manager will review it soon; you will hear from us by mail.\n\nYou can follow and edit the application here:\n%s\n", applicant.Name, g.Name, page)}}
		for _, m := range managers {
			mails = append(mails, ch.Mail{To: m.Email, Subject: "New application: " + g.Name,
				Body: fmt.Sprintf("Hello %s,\n\n%s applied to list %s (%s, %s). Review it here:\n%s\n\nAll applications waiting: %s\n",
					m.Name, applicant.Name, g.Name, g.City, g.Country, page, s.link("/admin/applications"))})
		}
		return append(mails, toCoordinators(g, applicant.Email, "You are a coordinator of "+g.Name,
			fmt.Sprintf("%s listed you as a coordinator of %s on the user group portal.\n\nSign in (or create an account) with this address to help run the group:\n%s\n\nIf this is a mistake, reply to the organizers or ignore this message.\n", applicant.Name, g.Name, page))...)
	}
}

// notifyEdited tells coordinators added by an edit that they were added.
func (s *Server) notifyEdited(editor *ch.User, before []ch.Coordinator) ch.Notify {
	return func(g *ch.Group) []ch.Mail {
		var mails []ch.Mail
		for _, c := range g.Coordinators {
			if c.Email == editor.Email || slices.ContainsFunc(before, func(b ch.Coordinator) bool { return b.Email == c.Email }) {
				continue
			}
			mails = append(mails, ch.Mail{To: c.Email, Subject: "You are a coordinator of " + g.Name,
				Body: fmt.Sprintf("Hello %s,\n\n%s added you as a coordinator of %s.\n\nSign in (or create an account) with this address to help run the group:\n%s\n", c.Name, editor.Name, g.Name, s.link("/groups/"+g.Slug))})
		}
		return mails
	}
}

func (s *Server) notifyReviewed(g *ch.Group) []ch.Mail {
	page := s.link("/groups/" + g.Slug)
	if g.Status == ch.StatusDeclined {
		return toCoordinators(g, "", "Your application for "+g.Name+" needs changes",
			fmt.Sprintf("A community manager reviewed the application of %s and could not accept it yet:\n\n%s\n\nYou can change the application and send it again from its page:\n%s\n", g.Name, g.DeclineReason, page))
	}
	return toCoordinators(g, "", g.Name+" is now listed",
		fmt.Sprintf("Good news: %s is accepted and now listed in the user group directory as a new group:\n%s\n\nThe page of your group shows the steps towards official status.\n", g.Name, page))
}

// ── Official User Group Process ───────────────────────────────────────────

func (s *Server) checklistLink(g *ch.Group) string { return s.link("/groups/" + g.Slug + "/checklist") }

// notifyValidated tells the organizers that a step passed or needs work.
func (s *Server) notifyValidated(by *ch.User, st ch.Step, v ch.Validation) ch.Notify {
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
func (s *Server) notifyCommented(by *ch.User, st ch.Step, body string) ch.Notify {
	return func(g *ch.Group) []ch.Mail {
		return toCoordinators(g, by.Email, "New comment on “"+st.Title+"”",
			fmt.Sprintf("%s commented on the step “%s” of %s:\n\n%s\n\nAnswer on the group's checklist:\n%s\n", by.Name, st.Title, g.Name, body, s.checklistLink(g)))
	}
}

// notifyReviewRequested tells the mentoring ambassadors that the organizers
// ask for a step to be validated.
func (s *Server) notifyReviewRequested(by *ch.User, st ch.Step, ambassadors []*ch.User) ch.Notify {
	return func(g *ch.Group) []ch.Mail {
		var out []ch.Mail
		for _, a := range ambassadors {
			out = append(out, ch.Mail{To: a.Email, Subject: g.Name + " asks for a validation",
				Body: fmt.Sprintf("Hello %s,\n\n%s, an organizer of %s, asks you to look at the step “%s”.\n\nThe group's checklist:\n%s\n", a.Name, by.Name, g.Name, st.Title, s.checklistLink(g))})
		}
		return out
	}
}

// notifyMentor tells the organizers and the ambassador that it mentors the
// group from now on.
func (s *Server) notifyMentor(amb *ch.User) ch.Notify {
	return func(g *ch.Group) []ch.Mail {
		out := []ch.Mail{{To: amb.Email, Subject: "You mentor " + g.Name,
			Body: fmt.Sprintf("Hello %s,\n\nYou now mentor %s. Its checklist shows where it stands and what it waits for:\n%s\n", amb.Name, g.Name, s.checklistLink(g))}}
		return append(out, toCoordinators(g, amb.Email, amb.Name+" mentors "+g.Name,
			fmt.Sprintf("%s, an ambassador of the program, now mentors %s. Ask for advice and validations on the group's checklist:\n%s\n", amb.Name, g.Name, s.checklistLink(g)))...)
	}
}

// notifyStatus tells the organizers that official status was granted (with
// the note) or revoked (with the reason).
func (s *Server) notifyStatus(text string) ch.Notify {
	return func(g *ch.Group) []ch.Mail {
		page := s.link("/groups/" + g.Slug)
		if g.Status == ch.StatusOfficial {
			body := fmt.Sprintf("Congratulations: %s is now an official user group. The official logo is on the group's page:\n%s\n", g.Name, page)
			if text != "" {
				body += "\nThe community manager wrote:\n\n" + text + "\n"
			}
			return toCoordinators(g, "", g.Name+" is an official user group", body)
		}
		return toCoordinators(g, "", g.Name+" is no longer an official user group",
			fmt.Sprintf("A community manager revoked the official status of %s, for this reason:\n\n%s\n\nThe group keeps its page and history, and can become official again: the checklist shows what to do.\n%s\n", g.Name, text, s.checklistLink(g)))
	}
}

// askToAgree asks the coordinators of every listed group to agree to a new
// version of the Social Media and Event Policy: until a group does, its
// first step to official status shows as not met.
func (s *Server) askToAgree(version int, to []sqldb.PolicyRecipient) []ch.Mail {
	mails := make([]ch.Mail, 0, len(to))
	for _, r := range to {
		mails = append(mails, ch.Mail{To: r.Email, Subject: fmt.Sprintf("Please agree to version %d of the Social Media and Event Policy", version),
			Body: fmt.Sprintf("Hello %s,\n\nThe program published version %d of the Social Media and Event Policy:\n%s\n\nPlease read it and agree to it for %s: open the group's edit page and tick the box. Until then, the first step to official status shows as not met.\n",
				r.Name, version, s.link("/policy"), strings.Join(r.Groups, ", "))})
	}
	return mails
}
