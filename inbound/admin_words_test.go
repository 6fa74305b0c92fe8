package inbound

import (
	"regexp"
	"strings"
	"testing"
	"unicode"
)

// TestAdminPagesHaveNoWordsOfTheirOwn: every word the owner reads on the
// dashboard and the customers' pages comes from the catalogue
// (internal/i18n), so that a French business reads no English. What is
// left of the page once its actions, tags, styles and attribute values
// are taken out must hold no word.
func TestAdminPagesHaveNoWordsOfTheirOwn(t *testing.T) {
	text := adminHTML
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
	for _, w := range strings.FieldsFunc(text, func(r rune) bool { return !unicode.IsLetter(r) }) {
		if !allowed[w] {
			t.Errorf("admin.html writes %q itself: put it in the catalogue", w)
		}
	}
}
