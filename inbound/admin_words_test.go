package inbound

import (
	"regexp"
	"strings"
	"testing"
	"unicode"
)

// TestAdminPagesHaveNoWordsOfTheirOwn: every word the owner reads on the
// dashboard, the customers' pages, the list of cases and a case's page
// comes from the catalogue
// (internal/i18n), so that a French business reads no English. What is
// left of the page once its actions, tags, styles and attribute values
// are taken out must hold no word.
func TestAdminPagesHaveNoWordsOfTheirOwn(t *testing.T) {
	if got := ownWords(`<p title="{{.P.T "x"}}">Overdue: {{.Due}}</p><style>b{color:red}</style>`); len(got) != 1 || got[0] != "Overdue" {
		t.Fatalf("ownWords finds %q in a page that writes Overdue", got)
	}
	for _, view := range []string{"dashboard", "customers", "customer", "cases"} {
		if !strings.Contains(adminHTML, `{{define "`+view+`"}}`) {
			t.Errorf("admin.html has no %s page: the test would not read its words", view)
		}
	}
	for name, page := range map[string]string{"admin.html": adminHTML, "the case page": casePageHTML} {
		for _, w := range ownWords(page) {
			t.Errorf("%s writes %q itself: put it in the catalogue", name, w)
		}
	}
}

// ownWords are the words a page's template writes itself.
func ownWords(text string) []string {
	for _, re := range []*regexp.Regexp{
		regexp.MustCompile(`(?s)<style>.*?</style>`),
		regexp.MustCompile(`(?s)<script>.*?</script>`),
		regexp.MustCompile(`(?s)\{\{.*?\}\}`),
		regexp.MustCompile(`(?s)<[^>]*>`),
	} {
		text = re.ReplaceAllString(text, " ")
	}
	// Words the page may write as they are: the product's measure and
	// the scale's ends.
	allowed := map[string]bool{"NPS": true}
	var own []string
	for _, w := range strings.FieldsFunc(text, func(r rune) bool { return !unicode.IsLetter(r) }) {
		if !allowed[w] {
			own = append(own, w)
		}
	}
	return own
}
