// Package contact owns the one rule for a valid contact: how an email, a
// phone number, a language and a time zone are read as people type them,
// and what a contact needs to be kept. The CSV import, the shop's API and
// the command line all check a contact here, so that a row refused by one
// is refused by the others with the same words.
package contact

import (
	"errors"
	"fmt"
	"net/mail"
	"regexp"
	"strings"
	"time"
	"unicode"

	"github.com/nyaruka/phonenumbers"

	"github.com/npsd/npsd/internal/textdist"
	"github.com/npsd/npsd/store"
)

// Fields is a contact as a person or a system gave it, before checking.
type Fields struct {
	ExternalID string
	Name       string
	Email      string
	Phone      string
	Language   string
	Timezone   string
	Attributes map[string]string
}

// FieldError names the field that breaks the rule, so that an API answer
// points at it and an import line says what is wrong.
type FieldError struct {
	Field string
	Err   error
}

func (e *FieldError) Error() string { return e.Err.Error() }
func (e *FieldError) Unwrap() error { return e.Err }

// InvalidValue is a value a field cannot hold. Kind says what is wrong
// (email, email_domain, phone, phone_extension, phone_letters,
// phone_after, language, timezone), so that a report can say it in the
// owner's language; Error is the English npsd has always written.
type InvalidValue struct {
	Kind, Value string
	english     string
}

func (e *InvalidValue) Error() string { return e.english }

func invalid(kind, value, english string) *InvalidValue {
	return &InvalidValue{Kind: kind, Value: value, english: english}
}

// ErrUnreachable is a contact with nothing to reach or find it by.
var ErrUnreachable = errors.New("no email and no phone, and no external_id: there is no way to reach or find this contact")

// Rule checks contacts; Region is the business's default phone region,
// used for numbers typed without a country code.
type Rule struct {
	Region string
}

// Check normalizes f into a store contact or says which field is wrong.
// A contact needs an email, a phone or an external id, the same rule the
// store enforces, so that an update by external id alone (a new name) is
// as valid in a file as in an API call.
func (r Rule) Check(f Fields) (store.Contact, error) {
	ct, dropped, err := r.check(f, false)
	if err == nil && len(dropped) > 0 {
		err = dropped[0]
	}
	return ct, err
}

// CheckKeeping is Check for a row of an owner's file: a field that breaks
// its rule (a phone that is not a number, an email with a typo, a language
// npsd has no texts in, an unknown time zone) is left out and returned in
// dropped, and the rest of the contact is kept, as long as something is
// left to find and reach them by. A field left out is never erased from a
// contact already stored: an import only sets the fields it has. The
// contact is refused only when it has nothing left to be found by.
func (r Rule) CheckKeeping(f Fields) (ct store.Contact, dropped []*FieldError, err error) {
	return r.check(f, true)
}

func (r Rule) check(f Fields, keep bool) (store.Contact, []*FieldError, error) {
	ct := store.Contact{ExternalID: strings.TrimSpace(f.ExternalID), Name: strings.TrimSpace(f.Name)}
	if len(ct.ExternalID) > store.MaxExternalID {
		return ct, nil, &FieldError{"external_id", fmt.Errorf("longer than %d bytes", store.MaxExternalID)}
	}
	var dropped []*FieldError
	// drop records a field that breaks its rule; it says whether to go on.
	drop := func(field string, err error) bool {
		dropped = append(dropped, &FieldError{field, err})
		return keep
	}
	var err error
	if strings.TrimSpace(f.Email) != "" {
		if ct.Email, err = Email(f.Email); err != nil && !drop("email", err) {
			return ct, dropped, nil
		}
	}
	if strings.TrimSpace(f.Phone) != "" {
		var ext string
		if ct.Phone, ext, err = PhoneWithExtension(f.Phone, r.Region); err != nil && !drop("phone", err) {
			return ct, dropped, nil
		}
		if ext != "" {
			ct.Attributes = map[string]string{ExtensionAttribute: ext}
		}
	}
	if ct.Email == "" && ct.Phone == "" && ct.ExternalID == "" {
		if len(dropped) > 0 {
			// Nothing left to find them by: the row goes, for what broke.
			return ct, nil, fmt.Errorf("%w, so nothing is left to find or reach this contact by", joinFields(dropped))
		}
		return ct, nil, &FieldError{"email", ErrUnreachable}
	}
	if strings.TrimSpace(f.Language) != "" {
		if ct.Language, err = LanguageOf(f.Language); err != nil && !drop("language", err) {
			return ct, dropped, nil
		}
	}
	if tz := strings.TrimSpace(f.Timezone); tz != "" {
		if err := Timezone(tz); err != nil {
			if !drop("timezone", err) {
				return ct, dropped, nil
			}
		} else {
			ct.TimeZone = tz
		}
	}
	for k, v := range f.Attributes {
		if strings.TrimSpace(k) == "" {
			return ct, nil, &FieldError{"attributes", errors.New("attribute names must not be empty")}
		}
		if v = strings.TrimSpace(v); v == "" {
			continue
		}
		if ct.Attributes == nil {
			ct.Attributes = map[string]string{}
		}
		ct.Attributes[AttributeKey(k)] = v
	}
	return ct, dropped, nil
}

// fieldsError is the fields a row lost, said on one line (an import's
// report gives each row one line), each still found by errors.As.
type fieldsError []*FieldError

func (e fieldsError) Error() string {
	msgs := make([]string, len(e))
	for i, f := range e {
		msgs[i] = f.Error()
	}
	return strings.Join(msgs, "; ")
}

func (e fieldsError) Unwrap() []error {
	errs := make([]error, len(e))
	for i, f := range e {
		errs[i] = f
	}
	return errs
}

func joinFields(fields []*FieldError) error { return fieldsError(fields) }

// AttributeKey is how a column or attribute name is kept as a segment:
// lower-cased, so "--by city" finds a column headed "City".
func AttributeKey(name string) string { return strings.ToLower(strings.TrimSpace(name)) }

// Email checks that s is one bare address (no display name, no list) and
// returns it trimmed.
func Email(s string) (string, error) {
	s = strings.TrimSpace(s)
	a, err := mail.ParseAddress(s)
	if err != nil || a.Name != "" || a.Address != s {
		return "", invalid("email", s, fmt.Sprintf("invalid email %q", s))
	}
	at := strings.LastIndexByte(s, '@')
	if !strings.Contains(s[at+1:], ".") && s[at+1:] != "localhost" {
		return "", invalid("email_domain", s, fmt.Sprintf("invalid email %q: the domain has no dot", s))
	}
	return s, nil
}

// ExtensionAttribute is the attribute that keeps a phone's extension
// (poste 204): the number itself is what texts go to.
const ExtensionAttribute = "phone_extension"

// maxExtensionDigits bounds an extension: switchboards use up to six.
const maxExtensionDigits = 6

// extensionMark is an extension written after a number, as French and
// English exports write it: "poste 204", "p. 12", "ext. 5", "x5", "#33".
var extensionMark = regexp.MustCompile(`(?i)^(.*[0-9)])[\s,;]*(?:poste|post\.|p\.|extension|ext\.?|x|#)\s*([0-9]*)$`)

// Phone parses a phone number as a person types it (spaces, dots, a
// national 0 prefix, an extension after it) and returns the number in
// E.164 form, without its extension. Numbers without a country code are
// read in region, the business's default.
func Phone(s, region string) (string, error) {
	n, _, err := PhoneWithExtension(s, region)
	return n, err
}

// PhoneWithExtension is Phone that also returns the extension written
// after the number (poste 204 gives "204"), "" for none.
func PhoneWithExtension(s, region string) (number, ext string, err error) {
	s = strings.TrimSpace(s)
	digits := s
	if m := extensionMark.FindStringSubmatch(s); m != nil {
		digits, ext = m[1], m[2]
		if ext == "" || len(ext) > maxExtensionDigits {
			return "", "", invalid("phone_extension", s, fmt.Sprintf("invalid phone %q: an extension has 1 to %d digits", s, maxExtensionDigits))
		}
	}
	if strings.ContainsFunc(digits, unicode.IsLetter) {
		// The library would read 555-TAXI as a keypad spells it, and take
		// the number out of "cell 514…": a customer's number is digits.
		return "", "", invalid("phone_letters", s, fmt.Sprintf("invalid phone %q: a phone number is digits, with an extension after it (poste, ext., x)", s))
	}
	n, err := phonenumbers.Parse(digits, region)
	if err != nil {
		return "", "", invalid("phone", s, fmt.Sprintf("invalid phone %q: %v", s, err))
	}
	if !phonenumbers.IsValidNumber(n) {
		return "", "", invalid("phone", s, fmt.Sprintf("invalid phone %q: not a valid number in %s", s, regionOf(n, region)))
	}
	if n.GetExtension() != "" {
		// The library read an extension npsd's marks do not know.
		return "", "", invalid("phone_after", s, fmt.Sprintf("invalid phone %q: what follows the number is not an extension npsd reads (poste, ext., x, #)", s))
	}
	return phonenumbers.Format(n, phonenumbers.E164), ext, nil
}

// PhoneKey reads a key that may be a phone number, so that "06 12 34 56
// 78" finds +33612345678; "" when it is not one.
func PhoneKey(key, region string) string {
	if strings.Contains(key, "@") {
		return ""
	}
	p, err := Phone(key, region)
	if err != nil {
		return ""
	}
	return p
}

// Resolve finds the contact a person names on the command line: by id
// (c42), external id, email or phone number in any usual writing.
func Resolve(st *store.Store, key, region string) (store.ContactID, error) {
	var id store.ContactID
	err := st.View(func(tx *store.Tx) error {
		var err error
		id, err = tx.ContactIDByKey(key, PhoneKey(key, region))
		return err
	})
	return id, err
}

func regionOf(n *phonenumbers.PhoneNumber, fallback string) string {
	if r := phonenumbers.GetRegionCodeForNumber(n); r != "" && r != "ZZ" {
		return r
	}
	return fallback
}

// languages are the ones npsd has templates for.
var languages = []string{"fr", "en"}

// Language reads a language as spreadsheets write it (fr-CA, fr_FR, EN)
// and returns the one the templates know.
func Language(s string) (string, error) {
	l := strings.ToLower(strings.TrimSpace(s))
	if i := strings.IndexAny(l, "-_"); i > 0 {
		l = l[:i]
	}
	for _, ok := range languages {
		if l == ok {
			return l, nil
		}
	}
	return "", invalid("language", s, fmt.Sprintf("unsupported language %q (use %s)", s, strings.Join(languages, " or ")))
}

// languageNames are the names spreadsheets give the languages, in French
// and English, lower case and without accents, with the codes of ISO 639.
var languageNames = map[string]string{
	"fr": "fr", "fra": "fr", "fre": "fr", "francais": "fr", "french": "fr", "francophone": "fr",
	"en": "en", "eng": "en", "anglais": "en", "english": "en", "anglophone": "en",
}

// noLanguage are the cells that say a customer's language is not known.
var noLanguage = map[string]bool{"": true, "-": true, "\u2013": true, "\u2014": true, "n/a": true, "na": true, "none": true, "aucune": true, "aucun": true}

// codeWithRegion is a language code with its region: fr-CA, en_us, es-419.
var codeWithRegion = regexp.MustCompile(`^([a-z]{2,3})[-_]([a-z]{2,4}|[0-9]{3})$`)

// regionNote is a region written after a language: Français (Canada).
var regionNote = regexp.MustCompile(`\s*\([^()]*\)\s*$`)

// LanguageOf reads a customer's language as an export writes it: a code
// (fr, fr-CA, EN_us, FRA), a name in French or English (Français, anglais,
// French, francophone), a region after it in brackets (Français (Canada)),
// both names of one language (Français/French). It returns "" for a cell
// that says there is none (N/A, -, aucune), and refuses anything else
// (another language, two languages, a typo), naming it: a customer is never
// written to in a language guessed.
func LanguageOf(s string) (string, error) {
	plain := strings.ToLower(strings.TrimSpace(textdist.WithoutAccents(s)))
	if noLanguage[plain] {
		return "", nil
	}
	found := ""
	for _, half := range strings.Split(plain, "/") {
		half = strings.TrimSpace(regionNote.ReplaceAllString(half, ""))
		if m := codeWithRegion.FindStringSubmatch(half); m != nil {
			half = m[1] // fr-CA, en_US: the region does not change the texts
		}
		l, ok := languageNames[half]
		if !ok || found != "" && l != found {
			return "", invalid("language", s, fmt.Sprintf("unsupported language %q (use %s, or their names in French or English)", s, strings.Join(languages, " or ")))
		}
		found = l
	}
	return found, nil
}

// Timezone checks an IANA time zone name.
func Timezone(s string) error {
	if s == "" {
		return errors.New("empty time zone")
	}
	if _, err := time.LoadLocation(s); err != nil {
		return invalid("timezone", s, fmt.Sprintf("unknown time zone %q (use an IANA name such as Europe/Paris or America/Montreal)", s))
	}
	return nil
}

// ValidRegion reports whether s is a phone region (FR, CA…) npsd can read
// numbers in.
func ValidRegion(s string) bool { return phonenumbers.GetSupportedRegions()[s] }
