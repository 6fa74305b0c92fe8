package contact

import (
	"errors"
	"strings"
	"testing"
)

// TestRule: the one rule, with the field each refusal names. The CSV
// import, the shop's API and the command line all check here, so a
// contact refused by one is refused by the others in the same words.
func TestRule(t *testing.T) {
	rule := Rule{Region: "FR"}
	for _, tc := range []struct {
		name      string
		in        Fields
		field     string // "" when the contact is valid
		wantEmail string
		wantPhone string
	}{
		{"email only", Fields{Email: " ann@example.fr "}, "", "ann@example.fr", ""},
		{"national phone", Fields{Phone: "06 12 34 56 78"}, "", "", "+33612345678"},
		{"external id alone updates by id", Fields{ExternalID: "POS-1", Name: "Ann"}, "", "", ""},
		{"nothing to reach or find", Fields{Name: "Nobody"}, "email", "", ""},
		{"blank values are nothing", Fields{Email: "  ", Phone: " "}, "email", "", ""},
		{"display name is not an address", Fields{Email: "Ann <ann@example.fr>"}, "email", "", ""},
		{"no dot in the domain", Fields{Email: "ann@example"}, "email", "", ""},
		{"too short a phone", Fields{Email: "a@example.fr", Phone: "12"}, "phone", "", ""},
		{"language of a region", Fields{Email: "a@example.fr", Language: "fr_CA"}, "", "a@example.fr", ""},
		{"unknown language", Fields{Email: "a@example.fr", Language: "de"}, "language", "", ""},
		{"unknown zone", Fields{Email: "a@example.fr", Timezone: "Mars/Olympus"}, "timezone", "", ""},
		{"external id too long", Fields{ExternalID: strings.Repeat("x", 257)}, "external_id", "", ""},
		{"empty attribute name", Fields{Email: "a@example.fr", Attributes: map[string]string{" ": "x"}}, "attributes", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ct, err := rule.Check(tc.in)
			var fe *FieldError
			switch {
			case tc.field == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tc.field != "" && (!errors.As(err, &fe) || fe.Field != tc.field):
				t.Fatalf("err %v, want a refusal of %s", err, tc.field)
			case tc.field == "" && (ct.Email != tc.wantEmail || ct.Phone != tc.wantPhone):
				t.Errorf("contact %+v, want email %q phone %q", ct, tc.wantEmail, tc.wantPhone)
			}
		})
	}
	ct, err := rule.Check(Fields{Email: "a@example.fr", Language: "EN-gb", Attributes: map[string]string{" City ": " Lyon ", "empty": " "}})
	if err != nil || ct.Language != "en" || ct.Attributes["city"] != "Lyon" || len(ct.Attributes) != 1 {
		t.Errorf("normalized = %+v, %v", ct, err)
	}
	if _, err := rule.Check(Fields{Name: "Nobody"}); !errors.Is(err, ErrUnreachable) || !strings.HasPrefix(err.Error(), "no email and no phone") {
		t.Errorf("unreachable: %v", err)
	}
}
