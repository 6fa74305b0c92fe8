package csvimport

import (
	"cmp"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/npsd/npsd/internal/textdist"
)

// ParseWhen reads a date or a time written the ISO way (2026-11-25,
// 2026-11-25 14:30, RFC 3339). A date or a time without a zone is in the
// business's time zone. Slashed dates are read by ParseDate, which knows
// which comes first.
func ParseWhen(s string, loc *time.Location) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, errors.New("date is empty")
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	for _, layout := range []string{"2006-01-02", "2006-01-02 15:04", "2006-01-02 15:04:05", "2006-01-02T15:04", "2006-01-02T15:04:05"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("date %q is not YYYY-MM-DD, YYYY-MM-DD HH:MM or RFC 3339", s)
}

// clockPart is the time that may follow a date: 14:30, 14h30, 14h,
// 9:05, 14:30:15.
const clockPart = `(?:[ T]+(\d{1,2})(?:[:h](\d{2})(?::(\d{2}))?|h))?`

// numericDate is a date of numbers with / . or - between them, day and
// month in either order, the year last, and an optional time: 25/11/2026,
// 1.2.26, 25-11-2026 14h30.
var numericDate = regexp.MustCompile(`^(\d{1,2})([/.-])(\d{1,2})([/.-])(\d{4}|\d{2})` + clockPart + `$`)

// yearFirstDate is 2026/11/25: the year first leaves no doubt.
var yearFirstDate = regexp.MustCompile(`^(\d{4})/(\d{1,2})/(\d{1,2})` + clockPart + `$`)

// clockAlone is the time after a date written with its month's name.
var clockAlone = regexp.MustCompile(`^(\d{1,2})(?:[:h](\d{2})|h)$`)

// ParseDate reads a date as exports and owners write it: what ParseWhen
// reads; numbers with slashes, dots or dashes (25/11/2026, 11/25/2026), the
// day first when dayFirst (a French business), the month first otherwise;
// and the month by its name in French or English (25 nov. 2026, 1er
// décembre 2026, mercredi 25 novembre 2026, Nov 25, 2026), each with an
// optional time (14:30, 14h30, 14h). A day that does not exist (31/02) is
// refused, never moved to the next month; so is a number alone (an Excel
// serial date, which cannot be told from a typo). A two-digit year is read
// as Excel reads it: 00 to 29 in the 2000s, 30 to 99 in the 1900s.
func ParseDate(s string, loc *time.Location, dayFirst bool) (time.Time, error) {
	t, err := ParseWhen(s, loc)
	if err == nil || strings.TrimSpace(s) == "" {
		return t, err
	}
	s = strings.TrimSpace(s)
	order := "DD/MM/YYYY"
	if !dayFirst {
		order = "MM/DD/YYYY"
	}
	if m := yearFirstDate.FindStringSubmatch(s); m != nil {
		return dateOf(s, loc, m[1], m[2], m[3], m[4:])
	}
	if m := numericDate.FindStringSubmatch(s); m != nil && m[2] == m[4] {
		day, month := m[1], m[3]
		if !dayFirst {
			day, month = month, day
		}
		t, err := dateOf(s, loc, fullYear(m[5]), month, day, m[6:])
		if err != nil {
			return t, fmt.Errorf("%w (read as %s)", err, order)
		}
		return t, nil
	}
	if t, ok, err := namedMonthDate(s, loc); ok {
		return t, err
	}
	return time.Time{}, fmt.Errorf("date %q is not YYYY-MM-DD, %s or a day with its month's name", s, order)
}

// fullYear reads a two-digit year as Excel does.
func fullYear(year string) string {
	if len(year) != 2 {
		return year
	}
	if year < "30" {
		return "20" + year
	}
	return "19" + year
}

// dateOf builds the date, refusing one that does not exist rather than
// letting time.Date roll it into the next month.
func dateOf(s string, loc *time.Location, year, month, day string, clock []string) (time.Time, error) {
	y, _ := strconv.Atoi(year)
	mo, _ := strconv.Atoi(month)
	d, _ := strconv.Atoi(day)
	var h, mi, sec int
	if len(clock) > 0 && clock[0] != "" {
		h, _ = strconv.Atoi(clock[0])
		if len(clock) > 1 {
			mi, _ = strconv.Atoi(clock[1])
		}
		if len(clock) > 2 {
			sec, _ = strconv.Atoi(clock[2])
		}
	}
	t := time.Date(y, time.Month(mo), d, h, mi, sec, 0, loc)
	if mo < 1 || mo > 12 || t.Day() != d || t.Month() != time.Month(mo) || h > 23 || mi > 59 || sec > 59 {
		return time.Time{}, fmt.Errorf("date %q does not exist", s)
	}
	return t, nil
}

// monthNames are the months' names in French and English without accents,
// lower case. A month is written by its whole name or by its first three
// or four letters (janv., févr., Sept, Nov): a longer piece of a name is a
// typo npsd does not guess at.
var monthNames = [12][]string{
	{"janvier", "january"}, {"fevrier", "february"}, {"mars", "march"}, {"avril", "april"},
	{"mai", "may"}, {"juin", "june"}, {"juillet", "july"}, {"aout", "august"},
	{"septembre", "september"}, {"octobre", "october"}, {"novembre", "november"}, {"decembre", "december"},
}

// weekdayNames are the days' names, which a date may open with
// (mercredi 25 novembre 2026); Sunday first, as time.Weekday counts.
var weekdayNames = [7][]string{
	{"dimanche", "sunday"}, {"lundi", "monday"}, {"mardi", "tuesday"}, {"mercredi", "wednesday"},
	{"jeudi", "thursday"}, {"vendredi", "friday"}, {"samedi", "saturday"},
}

// nameIn finds a word among names by its whole name or its first three or
// four letters, when only one entry matches.
func nameIn[T ~int](word string, names [][]string, first T) (T, bool) {
	found, n := T(-1), 0
	for i, entry := range names {
		for _, name := range entry {
			if word == name || (len(word) == 3 || len(word) == 4) && strings.HasPrefix(name, word) {
				if found != first+T(i) {
					found, n = first+T(i), n+1
				}
			}
		}
	}
	return found, n == 1 // jui: juin or juillet
}

// namedMonthDate reads "25 nov. 2026", "1er décembre 2026", "le 25
// novembre 2026 14h30", "Wednesday, Nov 25, 2026". ok is false when s is
// not written so; err says why a date so written does not exist.
func namedMonthDate(s string, loc *time.Location) (t time.Time, ok bool, err error) {
	plain := strings.ToLower(textdist.WithoutAccents(s))
	words := strings.FieldsFunc(plain, func(r rune) bool { return r == ' ' || r == '.' || r == ',' })
	if len(words) > 0 && words[0] == "le" {
		words = words[1:]
	}
	// A first word may be the weekday; "mar" is Tuesday in French and
	// March in English: the date is read with it as a weekday first, then
	// as a month.
	if len(words) > 0 {
		if wd, found := nameIn(words[0], weekdayNames[:], time.Sunday); found {
			if t, ok, err := dayMonthYear(s, loc, words[1:], wd); ok {
				return t, ok, err
			}
		}
	}
	return dayMonthYear(s, loc, words, -1)
}

// dayMonthYear reads "25 novembre 2026 [14h30]" or "Nov 25 2026" from its
// words; weekday, when not -1, must be the date's.
func dayMonthYear(s string, loc *time.Location, words []string, weekday time.Weekday) (time.Time, bool, error) {
	var clock []string
	if len(words) == 4 {
		m := clockAlone.FindStringSubmatch(words[3])
		if m == nil {
			return time.Time{}, false, nil
		}
		clock, words = m[1:], words[:3]
	}
	if len(words) != 3 {
		return time.Time{}, false, nil
	}
	day, month, year := words[0], words[1], words[2]
	if _, err := strconv.Atoi(strings.TrimSuffix(day, "er")); err != nil {
		day, month = words[1], words[0]
	}
	mo, found := nameIn(month, monthNames[:], time.January)
	d, err := strconv.Atoi(strings.TrimSuffix(day, "er"))
	if !found || err != nil || len(year) != 4 || strings.HasSuffix(day, "er") && d != 1 {
		return time.Time{}, false, nil
	}
	if _, err := strconv.Atoi(year); err != nil {
		return time.Time{}, false, nil
	}
	t, err := dateOf(s, loc, year, strconv.Itoa(int(mo)), strconv.Itoa(d), clock)
	if err == nil && weekday >= 0 && t.Weekday() != weekday {
		err = fmt.Errorf("date %q: the %d is a %s, not the day it names", s, d, t.Weekday())
	}
	return t, true, err
}

// currencyMarks are the currency signs and codes an amount may carry,
// before or after it, the longest first so that CA$ is not read as $.
var currencyMarks = []string{"$ CA", "$CA", "CA$", "US$", "CAD", "USD", "EUR", "GBP", "$", "€", "£"}

// isSpace is a space of any kind exports put in amounts: a no-break space
// (U+00A0) and a narrow no-break space (U+202F) included.
func isSpace(r rune) bool { return unicode.IsSpace(r) || r == '\u00a0' || r == '\u202f' }

// ParseAmount reads an amount as exports and owners write it: 12.50,
// 12,50, 12,50 $, $12.50, CA$12.50, 1 234,56 € (with any kind of space),
// 1.234,56, 1,234.56, 1'234.50, -12,50, with at most one currency sign or
// code (CA$, US$, $ CA, CAD, USD, EUR, GBP, $, €, £). When both a comma
// and a dot appear, the last is the decimal mark. A lone comma or dot
// followed by three digits is a thousands separator when it is a comma
// (12,345 is 12345) and a decimal point when it is a dot (12.345), as in
// the exports of both languages. Groups of thousands have three digits.
// Anything else (two numbers, a letter, 12€50, 12.) is refused with the
// value named.
func ParseAmount(s string) (float64, error) {
	bad := fmt.Errorf("amount %q is not a number", s)
	text := strings.TrimFunc(s, isSpace)
	marks := 0
	for _, mark := range currencyMarks {
		if len(text) > len(mark) && strings.EqualFold(text[:len(mark)], mark) {
			text, marks = strings.TrimLeftFunc(text[len(mark):], isSpace), marks+1
			break
		}
	}
	for _, mark := range currencyMarks {
		if len(text) > len(mark) && strings.EqualFold(text[len(text)-len(mark):], mark) {
			text, marks = strings.TrimRightFunc(text[:len(text)-len(mark)], isSpace), marks+1
			break
		}
	}
	if marks > 1 {
		return 0, fmt.Errorf("amount %q has two currencies", s)
	}
	sign := ""
	if rest, ok := strings.CutPrefix(text, "-"); ok {
		sign, text = "-", rest
	}
	whole, fraction, ok := splitDecimal(text)
	if !ok {
		return 0, bad
	}
	digits, ok := ungroup(whole)
	if !ok || digits == "" && fraction == "" {
		return 0, bad
	}
	if fraction != "" {
		digits = cmp.Or(digits, "0") + "." + fraction
	}
	a, err := strconv.ParseFloat(sign+digits, 64)
	if err != nil {
		return 0, bad
	}
	return a, nil
}

// splitDecimal cuts a number at its decimal mark: the last of a comma and
// a dot when both appear; a lone dot; a lone comma unless three digits
// follow it (then it groups thousands); none when the mark repeats (it
// groups). The fraction, when there is a mark, is digits only.
func splitDecimal(text string) (whole, fraction string, ok bool) {
	dot, comma := strings.LastIndexByte(text, '.'), strings.LastIndexByte(text, ',')
	point := max(dot, comma)
	switch {
	case point < 0:
		return text, "", true
	case dot >= 0 && comma >= 0:
		// Both: the last is the decimal mark, and appears once.
	case strings.Count(text, text[point:point+1]) > 1:
		return text, "", true // 1.234.567: the mark groups thousands
	case text[point] == ',' && len(text)-point-1 == 3 && point > 0:
		return text, "", true // 1,234: thousands
	}
	whole, fraction = text[:point], text[point+1:]
	if fraction == "" || strings.ContainsFunc(fraction, func(r rune) bool { return r < '0' || r > '9' }) {
		return "", "", false
	}
	return whole, fraction, true
}

// ungroup takes the thousands separators out of the whole part, all of
// one kind (any space, an apostrophe, a dot or a comma), between groups
// of three digits after a first group of one to three.
func ungroup(whole string) (string, bool) {
	if whole == "" {
		return "", true
	}
	var sep rune = -1
	groups := strings.FieldsFunc(whole, func(r rune) bool {
		if r >= '0' && r <= '9' {
			return false
		}
		kind := r
		if isSpace(r) {
			kind = ' '
		}
		if sep == -1 {
			sep = kind
		} else if sep != kind {
			sep = -2
		}
		return true
	})
	if sep == -2 || !strings.ContainsRune(" '.,", sep) && sep != -1 {
		return "", false
	}
	if sep == -1 {
		return whole, true
	}
	// FieldsFunc drops empty fields: every separator must stand between
	// two groups, so count them against the groups.
	if strings.Count(strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return -1
		}
		return 'x'
	}, whole), "x") != len(groups)-1 || len(groups[0]) > 3 {
		return "", false
	}
	for _, g := range groups[1:] {
		if len(g) != 3 {
			return "", false
		}
	}
	return strings.Join(groups, ""), true
}
