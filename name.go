package chapterhouse

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/mtibben/confusables"
	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// fold lower-cases s and strips accents, so "Zürich" and "zurich" compare equal.
func fold(s string) string {
	t := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
	out, _, err := transform.String(t, s)
	if err != nil {
		out = s
	}
	return strings.ToLower(out)
}

// words splits folded text into runs of letters and digits.
func words(s string) []string {
	return strings.FieldsFunc(fold(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsNumber(r) })
}

// Slugify derives a URL slug from a group's name. Non-Latin names that leave
// nothing behind get "group"; the store appends a number to keep slugs unique.
func Slugify(name string) string {
	var b strings.Builder
	for _, w := range words(name) {
		for _, r := range w {
			if r < 128 {
				b.WriteRune(r)
			} else if t, ok := latinLetters[r]; ok {
				b.WriteString(t)
			}
		}
		if b.Len() > 0 && !strings.HasSuffix(b.String(), "-") {
			b.WriteByte('-')
		}
		if b.Len() > 60 {
			break
		}
	}
	s := strings.Trim(b.String(), "-")
	if len(s) > 60 {
		s = strings.Trim(s[:60], "-")
	}
	if s == "" {
		return "group"
	}
	return s
}

// latinLetters spells in ASCII the lower-case Latin letters that have no
// decomposition to strip an accent from, so that "Łódź" gives "lodz" and
// "Straße" gives "strasse" rather than losing letters.
var latinLetters = map[rune]string{
	'ß': "ss", 'æ': "ae", 'œ': "oe", 'ø': "o", 'ł': "l", 'đ': "d", 'ð': "d", 'þ': "th", 'ı': "i", 'ħ': "h",
}

// commonWords carry no identity in a group's name; "Lyon Python User Group"
// and "Python Lyon Meetup" are the same group to a reviewer.
var commonWords = map[string]bool{
	"user": true, "users": true, "group": true, "groups": true, "usergroup": true, "ug": true,
	"meetup": true, "meetups": true, "community": true, "club": true, "the": true, "of": true,
	"and": true, "de": true, "du": true, "la": true, "le": true, "les": true, "des": true, "in": true,
}

// NameKey is a group name reduced to what identifies it: folded, without
// punctuation or common words, and with words sorted so order does not matter.
func NameKey(name string) string {
	var kept []string
	for _, w := range words(name) {
		if !commonWords[w] {
			kept = append(kept, w)
		}
	}
	slices.Sort(kept)
	return strings.Join(kept, " ")
}

// SimilarKeys reports whether two name keys are close enough that a reviewer
// should look twice: equal, or a few typing slips apart.
func SimilarKeys(a, b string) bool {
	if a == "" || b == "" {
		return false
	}
	if a == b {
		return true
	}
	ra, rb := []rune(a), []rune(b)
	short := min(len(ra), len(rb))
	allowed := 0
	switch {
	case short >= 12:
		allowed = 2
	case short >= 5:
		allowed = 1
	}
	if d := len(ra) - len(rb); d > allowed || -d > allowed {
		return false
	}
	return levenshtein(ra, rb) <= allowed
}

func levenshtein(a, b []rune) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// ShortKey normalizes a short name or acronym for comparison.
func ShortKey(s string) string { return strings.Join(words(s), "") }

// NamedGroup is the little a similarity check needs to know of a group.
type NamedGroup struct {
	Slug, Name, ShortName, NameKey, ShortKey string
}

// skeleton reduces a name key (or short key) to what it looks like: each
// word mapped to its Unicode TR 39 skeleton and folded again, common words
// dropped and words sorted once more, so that "Lyоn" spelt with a Cyrillic
// о is the same key as "Lyon". Stored keys go through it at comparison
// time, so keys written before it need no rewriting; it is idempotent.
func skeleton(key string) string {
	var kept []string
	for _, w := range strings.Fields(key) {
		if w = lookalike(w); !commonWords[w] {
			kept = append(kept, w)
		}
	}
	slices.Sort(kept)
	return strings.Join(kept, " ")
}

// lookalike is a word's TR 39 skeleton, folded.
func lookalike(w string) string {
	var b strings.Builder
	for i := range len(w) {
		if w[i] >= utf8.RuneSelf {
			return fold(confusables.Skeleton(w))
		}
		b.WriteString(asciiLookalikes[w[i]])
	}
	return b.String()
}

// asciiLookalikes holds lookalike of each ASCII character. Most stored keys
// are ASCII, and the skeleton of an ASCII word is its characters'
// skeletons in a row, so the similarity check over every group needs no
// normalization for them.
var asciiLookalikes = func() (t [utf8.RuneSelf]string) {
	for c := range t {
		t[c] = fold(confusables.Skeleton(string(rune(c))))
	}
	return t
}()

// SimilarGroups returns the groups whose name or short name is the same as,
// or close to, the proposed ones, look-alike letters of other scripts
// included. self is skipped (a group is not similar to itself when edited).
func SimilarGroups(name, shortName, self string, groups []NamedGroup) []NamedGroup {
	key, skey := skeleton(NameKey(name)), lookalike(ShortKey(shortName))
	var out []NamedGroup
	for _, g := range groups {
		if g.Slug == self {
			continue
		}
		if SimilarKeys(key, skeleton(g.NameKey)) || (skey != "" && len(skey) >= 2 && skey == lookalike(g.ShortKey)) {
			out = append(out, g)
			if len(out) == 5 {
				break
			}
		}
	}
	return out
}

// SortName is the key the directory sorts names by: folded, so that "Ávila"
// sorts among the A's.
func SortName(name string) string { return strings.Join(words(name), " ") }

// SearchWords folds text into the words full-text search indexes and matches.
func SearchWords(s string) []string { return words(s) }

// hiddenInLine reports whether r has no place in a one-line field: control
// characters (line breaks, tabs, NUL, escape…), the Unicode line and
// paragraph separators, invisible format characters (bidirectional
// overrides, zero-width spaces, the byte order mark) other than the
// joiners some scripts need, and bytes that are not UTF-8. A line break in
// a name becomes a line of its own in mails sent to others; an override
// makes a name read otherwise than it compares.
func hiddenInLine(r rune) bool {
	switch {
	case r == '\u200c' || r == '\u200d': // zero-width non-joiner and joiner
		return false
	case r == utf8.RuneError, r == '\u2028', r == '\u2029':
		return true
	}
	return unicode.Is(unicode.Cc, r) || unicode.Is(unicode.Cf, r)
}

// OneLine trims s and turns each run of spaces inside it into one space.
// What CheckOneLine refuses stays, to be refused rather than silently
// joined: a tab or a line break is not taken for a space.
func OneLine(s string) string {
	var b strings.Builder
	space := false
	for _, r := range s {
		if unicode.IsSpace(r) && !hiddenInLine(r) {
			space = true
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
	}
	return b.String()
}

// CheckOneLine returns the hint next to a one-line field (a name, a city,
// a title…) that holds what it must not (see hiddenInLine), or "".
func CheckOneLine(s string) string {
	if strings.ContainsFunc(s, hiddenInLine) || !utf8.ValidString(s) {
		return "Write it on one line, without line breaks, tabs or invisible control characters."
	}
	return ""
}
