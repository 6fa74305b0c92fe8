package testpeers

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Chromium finds Debian's Chromium. CI installs it (.ci/run); elsewhere a
// browser test is skipped with a message rather than failed.
func Chromium(t *testing.T) string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("chromium is not installed: .ci/run must install Debian's chromium package")
	}
	t.Skip("chromium not installed (apt-get install chromium): browser test skipped")
	return ""
}

// Browser starts the headless Chromium at path with the flags this
// workplace needs (no sandbox as root, no background traffic), with more
// options (a window size) after them, for at most timeout.
func Browser(t *testing.T, path string, timeout time.Duration, more ...chromedp.ExecAllocatorOption) (context.Context, context.CancelFunc) {
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), append(opts, more...)...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, timeout)
	return ctx, func() { cancelTimeout(); cancelCtx(); cancelAlloc() }
}

// Screenshot saves a full-page PNG of the page, named name, in the test's
// artifact folder (go test -artifacts keeps it).
func Screenshot(t *testing.T, name string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, tgt *chromedp.Target) error {
		png, err := chromedp.FullScreenshot(100)(ctx, tgt)
		if err != nil {
			return err
		}
		file := filepath.Join(t.ArtifactDir(), name)
		t.Logf("screenshot: %s", file)
		return os.WriteFile(file, png, 0o644)
	})
}
