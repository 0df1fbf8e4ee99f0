package chapterhouse

import (
	"slices"
	"strings"
	"unicode"

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

// SimilarGroups returns the groups whose name or short name is the same as,
// or close to, the proposed ones. self is skipped (a group is not similar to
// itself when edited).
func SimilarGroups(name, shortName, self string, groups []NamedGroup) []NamedGroup {
	key, skey := NameKey(name), ShortKey(shortName)
	var out []NamedGroup
	for _, g := range groups {
		if g.Slug == self {
			continue
		}
		if SimilarKeys(key, g.NameKey) || (skey != "" && len(skey) >= 2 && skey == g.ShortKey) {
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
