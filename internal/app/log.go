package app

import (
	"io"
	"log/slog"

	"github.com/npsd/npsd/internal/config"
)

// Logger builds the slog logger the config asks for: text on a terminal,
// JSON for the journal or a log collector, unless log.format says. Data
// commands pass minLevel warn: they print their own results, and an info
// line about the store would only be noise around them. No full phone
// number reaches a log line, whatever a provider's error message quotes.
func Logger(cfg *config.Config, w io.Writer, terminal bool, minLevel slog.Level) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.Log.Level))
	opts := &slog.HandlerOptions{Level: max(level, minLevel)}
	if cfg.Log.Format == "json" || (cfg.Log.Format == "auto" && !terminal) {
		return slog.New(redactHandler{slog.NewJSONHandler(w, opts)})
	}
	return slog.New(redactHandler{slog.NewTextHandler(w, opts)})
}
