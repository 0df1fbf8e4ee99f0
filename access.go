package chapterhouse

// Viewer is what the visibility rules need to know about who is looking.
type Viewer struct {
	User      *User
	Organizer bool // a coordinator of the group being looked at
}

// CanSee reports whether a viewer may see a group in status s: pending and
// declined applications are private to their organizers and program staff.
func (v Viewer) CanSee(s Status) bool {
	return s.Public() || v.Organizer || v.User.IsCommunityManager()
}

// CanEdit reports whether a viewer may edit a group's profile.
func (v Viewer) CanEdit() bool { return v.Organizer || v.User.IsCommunityManager() }
