package app

import (
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/npsd/npsd/internal/config"
	"github.com/npsd/npsd/templates"
)

// LoadTemplates loads the built-in texts with the config's overrides.
func LoadTemplates(cfg *config.Config) (*templates.Set, error) {
	return templates.Load(templates.Options{OverrideDir: cfg.Templates.Dir, DefaultLanguage: cfg.Business.Language})
}

// SampleData is a made-up customer in this business, for previews and for
// `npsd check`: every field a template may print is filled.
func SampleData(cfg *config.Config) templates.Data {
	base := cfg.HTTP.PublicURL + "/s/SAMPLE"
	return templates.Data{
		Business: templates.Business{Name: cfg.Business.Name, ReviewURL: cfg.Business.ReviewURL},
		Contact: templates.Contact{
			Name: "Camille Martin", Email: "camille@example.com", Phone: "+15145550100",
			Attributes: map[string]string{"city": "Montréal"},
		},
		ScoreLinks:     templates.ScoreLinksOn(base),
		SurveyURL:      base,
		UnsubscribeURL: cfg.HTTP.PublicURL + "/u/SAMPLE",
		Score:          5,
		Category:       "detractor",
		Comment:        "Long wait at the counter",
		CaseURL:        cfg.HTTP.PublicURL + "/admin/cases/1",
	}
}

// CheckTemplates renders every template in every language for a sample
// contact, and prints how long each SMS is: an accent outside GSM-7 can
// triple what each survey costs.
func CheckTemplates(cfg *config.Config, w io.Writer) error {
	set, err := LoadTemplates(cfg)
	if err != nil {
		return err
	}
	d := SampleData(cfg)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, Printer(cfg).T("check.sms_header"))
	for _, lang := range templates.Languages() {
		for _, t := range templates.All() {
			m, err := set.Render(t, lang, d)
			if err != nil {
				return err
			}
			if t.Channel != templates.SMS {
				continue
			}
			info := templates.SMSLength(m.Text)
			fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%s\t\n", t.Kind, lang, info.Chars, info.Segments, info.Encoding)
		}
	}
	return tw.Flush()
}
