package main

import (
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"

	"github.com/nyaruka/phonenumbers"
)

// normalizeEmail checks that s is one bare address (no display name, no
// list) and returns it trimmed.
func normalizeEmail(s string) (string, error) {
	s = strings.TrimSpace(s)
	a, err := mail.ParseAddress(s)
	if err != nil || a.Name != "" || a.Address != s {
		return "", fmt.Errorf("invalid email %q", s)
	}
	at := strings.LastIndexByte(s, '@')
	if !strings.Contains(s[at+1:], ".") && s[at+1:] != "localhost" {
		return "", fmt.Errorf("invalid email %q: the domain has no dot", s)
	}
	return s, nil
}

// normalizePhone parses a phone number as a person types it (spaces, dots,
// a national 0 prefix) and returns it in E.164 form. Numbers without a
// country code are read in region, the business's default.
func normalizePhone(s, region string) (string, error) {
	s = strings.TrimSpace(s)
	n, err := phonenumbers.Parse(s, region)
	if err != nil {
		return "", fmt.Errorf("invalid phone %q: %v", s, err)
	}
	if !phonenumbers.IsValidNumber(n) {
		return "", fmt.Errorf("invalid phone %q: not a valid number in %s", s, regionOf(n, region))
	}
	return phonenumbers.Format(n, phonenumbers.E164), nil
}

func regionOf(n *phonenumbers.PhoneNumber, fallback string) string {
	if r := phonenumbers.GetRegionCodeForNumber(n); r != "" && r != "ZZ" {
		return r
	}
	return fallback
}

// languages are the ones npsd has templates for.
var languages = []string{"fr", "en"}

func normalizeLanguage(s string) (string, error) {
	l := strings.ToLower(strings.TrimSpace(s))
	// Spreadsheets say fr-CA or fr_FR; the templates only need the language.
	if i := strings.IndexAny(l, "-_"); i > 0 {
		l = l[:i]
	}
	for _, ok := range languages {
		if l == ok {
			return l, nil
		}
	}
	return "", fmt.Errorf("unsupported language %q (use %s)", s, strings.Join(languages, " or "))
}

func validTimezone(s string) error {
	if s == "" {
		return errors.New("empty time zone")
	}
	if _, err := time.LoadLocation(s); err != nil {
		return fmt.Errorf("unknown time zone %q (use an IANA name such as Europe/Paris or America/Montreal)", s)
	}
	return nil
}

func validRegion(s string) bool { return phonenumbers.GetSupportedRegions()[s] }
