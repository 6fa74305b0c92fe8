package app

import (
	"github.com/npsd/npsd/internal/config"
	"github.com/npsd/npsd/internal/i18n"
)

// Printer writes the owner's words in the business's language and time
// zone.
func Printer(cfg *config.Config) i18n.Printer {
	return i18n.For(cfg.Business.Language, cfg.Location())
}
