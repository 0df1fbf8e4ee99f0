package chapterhouse

// Who may do what to a group. Every page and API call asks these
// predicates, through the workflow of its action, so that the two entrances
// cannot disagree.

// Viewer is who looks at, or acts on, one group.
type Viewer struct {
	User       *User
	Organizer  bool // a coordinator of the group, by verified address
	Ambassador bool // an ambassador who mentors the group
}

// CanSee reports whether a viewer may see a group in status s: pending and
// declined applications are private to their organizers and program staff.
func (v Viewer) CanSee(s Status) bool {
	return s.Public() || v.Organizer || v.User.IsCommunityManager()
}

// CanEdit reports whether a viewer may edit a group's profile and record
// its meetings.
func (v Viewer) CanEdit() bool { return v.Organizer || v.User.IsCommunityManager() }

// CanSeeContacts reports whether a viewer may see the organisers' contact
// addresses: any verified account, as the README promises. An unverified
// account is anyone who typed an address, so it sees no more than the
// public.
func (v Viewer) CanSeeContacts() bool { return v.User.Verified() }

// CanSeeCoordinatorEmails reports whether a viewer may see the coordinators'
// own addresses: those who run the group, from a verified account.
func (v Viewer) CanSeeCoordinatorEmails() bool { return v.CanEdit() && v.CanSeeContacts() }

// IsManager reports whether the viewer is a community manager.
func (v Viewer) IsManager() bool { return v.User.IsCommunityManager() }

// CanSeeChecklist reports whether a viewer may see a group's checklist and
// take part in its step threads: its organizers, its mentoring ambassadors,
// community managers, and every ambassador when the program lets any of
// them validate any group (they could not validate what they cannot see).
func (v Viewer) CanSeeChecklist(p Program) bool {
	return v.Organizer || v.Ambassador || v.IsManager() ||
		(v.User.Has(RoleAmbassador) && p.AmbassadorsValidateAnyGroup)
}

// CanRequestReview reports whether a viewer may ask for a step to be
// validated: the group's organizers.
func (v Viewer) CanRequestReview() bool { return v.Organizer }

// CanMentor reports whether a viewer may sign up to mentor the group: an
// ambassador who does not mentor it yet.
func (v Viewer) CanMentor() bool { return v.User.Has(RoleAmbassador) && !v.Ambassador }

// CanRemoveAmbassador reports whether a viewer may end the mentoring of the
// ambassador with id: community managers, and the ambassador itself.
func (v Viewer) CanRemoveAmbassador(id int64) bool {
	return v.IsManager() || (v.User != nil && v.User.ID == id)
}

// HasCoordinator reports whether u coordinates g. Only a verified address
// counts: otherwise anyone could sign up with an organizer's address and
// take the group over.
func (g *Group) HasCoordinator(u *User) bool {
	if !u.Verified() {
		return false
	}
	for _, c := range g.Coordinators {
		if NormalizeEmail(c.Email) == u.Email {
			return true
		}
	}
	return false
}
