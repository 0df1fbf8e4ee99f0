package chapterhouse

import "time"

// PolicySocialMedia is the Social Media and Event Policy every group agrees to.
const PolicySocialMedia = "social-media-and-event"

// Policy is one published version of a program policy, in Markdown.
type Policy struct {
	ID        int64
	Kind      string
	Version   int
	Body      string
	CreatedBy string
	CreatedAt time.Time
}

// DefaultSocialMediaPolicy is published on first start so that applicants
// always have a policy to read; community managers replace it.
const DefaultSocialMediaPolicy = `User groups are the public face of our community. When you run a group's
channels or events on behalf of the program:

- **Be welcoming.** Events and channels are open to everyone who follows the
  code of conduct, whatever their background or employer.
- **Stay impartial.** A group is not a sales channel. Vendors are welcome to
  speak and sponsor, but a group does not promote one company over others.
- **Say who you are.** Make clear that the group is run by volunteers and is
  not an official voice of the program.
- **Announce recordings.** If you record or stream an event, say so in the
  invitation and at the start, and respect those who ask not to appear.
- **Keep channels alive.** Answer questions, remove spam, and hand channels
  over when you step down.
- **Use the logo as given.** Use the user group logo the portal generates for
  your group, without changing it.
`
