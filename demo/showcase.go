package demo

import ch "chapterhouse"

// plan is the story of a group in the program, from application to today.
type plan int

const (
	planPending          plan = iota // applied recently, under review
	planDeclined                     // application declined with a reason
	planResubmitted                  // declined, fixed by the organizers, then accepted
	planWithdrawn                    // applied, then archived at the applicants' request
	planNew                          // accepted, a new group
	planOfficial                     // accepted, later granted official status
	planRevoked                      // official, then revoked
	planRegranted                    // official, revoked, then official again with a new team
	planArchivedNew                  // accepted, then archived
	planArchivedOfficial             // official, then archived
)

// organizerRole says how the demo organizer takes part in a showcase group.
type organizerRole int

const (
	noOrganizer organizerRole = iota
	organizerLead
	organizerCo
)

// stage is how far a new group has walked the path to official status, so
// that the demo shows every state of the checklist and the review queue has
// real work in it.
type stage int

const (
	stageAuto      stage = iota // chosen at random
	stageFresh                  // just accepted: no mentor yet, the checklist barely started
	stageMentored               // a mentor; every step whose checks pass is validated; a check still fails
	stageWaiting                // a mentor; the organizers asked for a validation that has not come yet
	stageNeedsWork              // the mentor asked for changes on a step
	stageReady                  // every step met and validated: waiting for a community manager's decision
)

// mentorRole says which ambassador mentors a showcase group.
type mentorRole int

const (
	regionalMentor mentorRole = iota // an ambassador of the group's region
	demoMentor                       // the demo ambassador account
	demoMentor2                      // the second demo ambassador account
)

// showcaseGroup is one hand-picked group of the default demo program.
type showcaseGroup struct {
	City, Tech  string
	Name, Short string
	Cadence     ch.Cadence
	Plan        plan
	Organizer   organizerRole
	Blurb       string // first paragraph of the description, "" for a generated one
	Reason      string // decline reason, "" for a generated one
	Employer    string // when set, every coordinator works there
	// Sketchy applications say neither when nor where the group meets and
	// list no channel, as the decline reason of such a group says.
	Sketchy bool
	Stage   stage      // for new groups
	Mentor  mentorRole // for groups that get a mentor
	// Ending picks the revoke or archive reason, 1-based (1 + revokeAlone,
	// 1 + archiveMerged…) so that 0 picks a random one: each reason comes
	// with the facts that justify it.
	Ending int
}

// showcase is the default program: 48 groups in 19 countries, in every
// status, with every cadence.
var showcase = []showcaseGroup{
	{City: "Lyon", Tech: "Python", Name: "Lyon Python User Group", Short: "LyPUG", Cadence: "monthly", Plan: planOfficial, Mentor: demoMentor, Organizer: organizerLead,
		Blurb: "LyPUG brings together Python developers from the Lyon area: scientists from the labs around Gerland, web developers, data engineers, sysadmins and students writing their first scripts."},
	{City: "Lyon", Tech: "Rust", Name: "Rust Lyon", Short: "RustLyon", Cadence: "bimonthly", Plan: planNew, Stage: stageWaiting, Mentor: demoMentor, Organizer: organizerLead},
	{City: "Grenoble", Tech: "Python", Name: "Grenoble Python Meetup", Short: "GrenoblePy", Cadence: "monthly", Plan: planDeclined, Sketchy: true, Organizer: organizerCo,
		Reason: "The description does not yet say when or where the group will meet, and no public channel is listed. Add the date of your first meetup and a chat or mailing list, then resubmit: we would love to have a Python group in Grenoble."},
	{City: "Lyon", Tech: "PostgreSQL", Name: "PostgreSQL Lyon", Short: "PGLyon", Cadence: "quarterly", Plan: planPending, Organizer: organizerLead},
	{City: "Paris", Tech: "Go", Name: "Paris Gophers", Short: "ParisGo", Cadence: "monthly", Plan: planOfficial,
		Blurb: "Paris Gophers is the meetup of the Go community in Paris, open to everyone from curious beginners to people running Go services at scale."},
	{City: "Paris", Tech: "Go", Name: "Paris Go Developers", Cadence: "monthly", Plan: planDeclined,
		Reason: "Paris Gophers already runs monthly Go meetups in Paris and is looking for speakers and co-organisers. Please get in touch with them before starting a second group; if you still want a separate group, tell us how it will differ."},
	{City: "Paris", Tech: "Kubernetes", Name: "Kubernetes Paris", Short: "K8sParis", Cadence: "monthly", Plan: planOfficial},
	{City: "Toulouse", Tech: "Linux", Name: "Toulouse Linux User Group", Short: "TLUG", Cadence: "quarterly", Plan: planOfficial,
		Blurb: "The Toulouse Linux User Group has helped people switch to free software for years. Four times a year we hold an install fest where volunteers help you install a Linux distribution on your own computer."},
	{City: "Berlin", Tech: "Rust", Name: "Rust Berlin", Short: "RustBER", Cadence: "monthly", Plan: planOfficial},
	{City: "Berlin", Tech: "PostgreSQL", Name: "Berlin PostgreSQL Meetup", Short: "PGBerlin", Cadence: "bimonthly", Plan: planNew, Stage: stageMentored},
	{City: "Munich", Tech: "OpenStack", Name: "OpenStack Munich", Short: "OSMUC", Cadence: "quarterly", Plan: planRevoked, Ending: 1 + revokeQuiet},
	{City: "Munich", Tech: "Cloud Native", Name: "Nimbus Labs Cloud Users Munich", Short: "NLCU", Cadence: "monthly", Plan: planDeclined, Employer: "Nimbus Labs",
		Blurb:  "The user group for customers of the Nimbus Labs Cloud Platform in Bavaria. Hear about our latest product releases first and get exclusive previews from the Nimbus Labs engineering team.",
		Reason: "The group is run entirely by Nimbus Labs staff and its description promotes Nimbus Labs products; the Social Media and Event Policy asks groups to stay impartial. Invite people from other companies to co-organise, broaden the scope to cloud-native technology in general, and apply again."},
	{City: "Hamburg", Tech: "Kotlin", Name: "Hamburg Kotlin User Group", Short: "HHKUG", Cadence: "monthly", Plan: planResubmitted, Stage: stageFresh},
	{City: "London", Tech: "Clojure", Name: "London Clojurians", Short: "LonClj", Cadence: "monthly", Plan: planOfficial,
		Blurb: "London Clojurians is one of the oldest Clojure communities in the world: a friendly crowd of functional programmers who love a good REPL session."},
	{City: "Manchester", Tech: "Python", Name: "Manchester Pythonistas", Short: "MancPy", Cadence: "fortnightly", Plan: planOfficial},
	{City: "Edinburgh", Tech: "Haskell", Name: "Edinburgh Haskell Meetup", Short: "EdiHs", Cadence: "bimonthly", Plan: planNew, Stage: stageFresh},
	{City: "Bristol", Tech: "JavaScript", Name: "BristolJS", Short: "BristolJS", Cadence: "monthly", Plan: planArchivedOfficial, Ending: 1 + archiveMerged},
	{City: "Amsterdam", Tech: "Elixir", Name: "Amsterdam Elixir Meetup", Short: "AmsEx", Cadence: "monthly", Plan: planNew, Stage: stageReady},
	{City: "Utrecht", Tech: "Cloud Native", Name: "Cloud Native Utrecht", Short: "CNUtrecht", Cadence: "bimonthly", Plan: planOfficial},
	{City: "Madrid", Tech: "Go", Name: "Golang Madrid", Short: "GoMAD", Cadence: "monthly", Plan: planOfficial},
	{City: "Barcelona", Tech: "Python", Name: "Python Barcelona", Short: "PyBCN", Cadence: "monthly", Plan: planOfficial,
		Blurb: "Python Barcelona is the home of the Python community in Barcelona, with monthly meetups, workshops for newcomers and a yearly day of talks."},
	{City: "Valencia", Tech: "Ruby", Name: "Valencia Ruby User Group", Short: "ValenciaRB", Cadence: "monthly", Plan: planArchivedNew, Ending: 1 + archiveMovedAway},
	{City: "Milan", Tech: "Kubernetes", Name: "Kubernetes Milano", Short: "K8sMI", Cadence: "monthly", Plan: planOfficial},
	{City: "Turin", Tech: "JavaScript", Name: "Torino JS", Short: "TorinoJS", Cadence: "monthly", Plan: planNew, Stage: stageNeedsWork},
	{City: "Nairobi", Tech: "Kubernetes", Name: "Nairobi Kubernetes Meetup", Short: "KubeNBO", Cadence: "monthly", Plan: planOfficial, Mentor: demoMentor,
		Blurb: "The Nairobi Kubernetes Meetup gathers the engineers who run containers in production across Kenya's banks, start-ups and telcos, and everyone who wants to join them."},
	{City: "Nairobi", Tech: "Python", Name: "Python Nairobi", Short: "PyNBO", Cadence: "fortnightly", Plan: planRegranted, Mentor: demoMentor},
	{City: "Mombasa", Tech: "Flutter", Name: "Flutter Mombasa", Short: "FlutterMSA", Cadence: "monthly", Plan: planNew, Stage: stageFresh},
	{City: "Lagos", Tech: "JavaScript", Name: "Lagos JavaScript Meetup", Short: "LagosJS", Cadence: "monthly", Plan: planNew, Stage: stageWaiting, Mentor: demoMentor},
	{City: "Abuja", Tech: "Go", Name: "Gophers Abuja", Short: "GoABJ", Cadence: "monthly", Plan: planPending},
	{City: "Cape Town", Tech: "Python", Name: "Cape Town Python User Group", Short: "CTPUG", Cadence: "monthly", Plan: planOfficial},
	{City: "Johannesburg", Tech: "DevOps", Name: "Jozi DevOps", Short: "JoziDevOps", Cadence: "monthly", Plan: planRevoked, Ending: 1 + revokeAlone},
	{City: "Accra", Tech: "Data Science", Name: "Accra Data Science Meetup", Short: "AccraDS", Cadence: "bimonthly", Plan: planNew, Stage: stageMentored, Mentor: demoMentor},
	{City: "São Paulo", Tech: "Go", Name: "São Paulo Gophers", Short: "SPGophers", Cadence: "monthly", Plan: planOfficial,
		Blurb: "São Paulo Gophers reúne a comunidade Go de São Paulo. We are one of the largest Go communities in Latin America and welcome everyone, whatever their level."},
	{City: "Rio de Janeiro", Tech: "Python", Name: "Python Rio", Short: "PyRio", Cadence: "monthly", Plan: planOfficial},
	{City: "Recife", Tech: "Linux", Name: "Recife Linux Users", Short: "RecifeLUG", Cadence: "twice-yearly", Plan: planOfficial,
		Blurb: "Recife Linux Users organises two big free-software days a year, with install fests, talks and workshops, and keeps the conversation going online in between."},
	{City: "Medellín", Tech: "JavaScript", Name: "MedellínJS", Short: "MedellinJS", Cadence: "monthly", Plan: planNew, Stage: stageReady},
	{City: "Mexico City", Tech: "Kubernetes", Name: "Kubernetes Ciudad de México", Short: "K8sCDMX", Cadence: "monthly", Plan: planPending},
	{City: "Austin", Tech: "Go", Name: "Austin Gophers", Short: "ATXGo", Cadence: "monthly", Plan: planOfficial},
	{City: "Boston", Tech: "PostgreSQL", Name: "Boston PostgreSQL Users Group", Short: "BostonPUG", Cadence: "quarterly", Plan: planOfficial},
	{City: "Seattle", Tech: "Scala", Name: "Seattle Scala User Group", Short: "SeaScala", Cadence: "bimonthly", Plan: planWithdrawn},
	{City: "Toronto", Tech: "Ruby", Name: "Toronto Rubyists", Short: "TorontoRB", Cadence: "monthly", Plan: planOfficial},
	{City: "Montréal", Tech: "Python", Name: "Montréal-Python", Short: "MTLPy", Cadence: "monthly", Plan: planOfficial,
		Blurb: "Montréal-Python est la communauté Python de Montréal. We hold bilingual monthly talks, coding sprints and workshops for people learning to program."},
	{City: "Tokyo", Tech: "Rust", Name: "Tokyo Rust Community", Short: "TokyoRS", Cadence: "monthly", Plan: planOfficial, Mentor: demoMentor2},
	{City: "Osaka", Tech: "Python", Name: "Osaka Python Study Group", Short: "OsakaPy", Cadence: "weekly", Plan: planNew, Stage: stageWaiting, Mentor: demoMentor2,
		Blurb: "Osaka Python Study Group is a weekly mokumoku-kai: we sit together, each working quietly on our own Python project, and share what we made in the last half hour."},
	{City: "Seoul", Tech: "Go", Name: "Seoul Go Meetup", Short: "GoSeoul", Cadence: "monthly", Plan: planNew, Stage: stageNeedsWork, Mentor: demoMentor2},
	{City: "Bangalore", Tech: "OpenStack", Name: "Bangalore OpenStack User Group", Short: "BOUG", Cadence: "quarterly", Plan: planOfficial, Mentor: demoMentor2,
		Blurb: "The Bangalore OpenStack User Group is a community of cloud operators, upstream contributors and students in India's technology capital."},
	{City: "Hyderabad", Tech: "Machine Learning", Name: "Hyderabad Machine Learning Meetup", Short: "HydML", Cadence: "monthly", Plan: planPending},
	{City: "Wellington", Tech: "OpenStreetMap", Name: "OpenStreetMap Wellington", Short: "OSMWlg", Cadence: "yearly", Plan: planNew, Stage: stageMentored,
		Blurb: "OpenStreetMap Wellington gets mappers together once a year for a weekend-long mapping party around the harbour, and coordinates small mapping walks online the rest of the year."},
}
