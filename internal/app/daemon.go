// Package app owns the running daemon: it builds a generation of workers
// (scheduler, dispatcher, inbound server, IMAP reader) from a config,
// runs them on one store and one HTTP listener, replaces them on reload
// without losing a job in flight, answers health and metrics, serves the
// admin socket, and tears everything down in order on stop. The binary
// turns flags and signals into calls to it.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coreos/go-systemd/v22/daemon"

	"github.com/npsd/npsd/dispatcher"
	"github.com/npsd/npsd/inbound"
	"github.com/npsd/npsd/inbound/mailbox"
	"github.com/npsd/npsd/internal/config"
	"github.com/npsd/npsd/scheduler"
	"github.com/npsd/npsd/store"
)

// generation is everything built from one config: it runs until its
// context ends, and a reload replaces it with the next one. The store, the
// HTTP listener and the set of jobs in flight are the daemon's and outlive
// generations.
type generation struct {
	cfg    *config.Config
	sched  *scheduler.Scheduler
	disp   *dispatcher.Dispatcher
	srv    *inbound.Server
	reader *mailbox.Reader
	close  func() error // transports
	// started is when this generation was built.
	started time.Time
}

// daemonParts are what every generation shares.
type daemonParts struct {
	st       *store.Store
	log      *slog.Logger
	health   *health
	metrics  *metrics
	inFlight *dispatcher.InFlight
	// journal is the outbox's outcome journal, beside the store.
	journal *dispatcher.Journal
	// admin is the dashboard's sessions and login throttle, kept across
	// reloads.
	admin *inbound.AdminState
}

func (wire wiring) build(cfg *config.Config, p daemonParts) (*generation, error) {
	sched, err := wire.newScheduler(cfg, p.st, p.log)
	if err != nil {
		return nil, err
	}
	sign, err := signer(context.Background(), p.st)
	if err != nil {
		return nil, err
	}
	tpl, err := LoadTemplates(cfg)
	if err != nil {
		return nil, err
	}
	disp, closeTransports, err := wire.newDispatcher(cfg, p.st, sign, p.log, p.metrics, tpl, sched.Timing(), p.inFlight, p.journal)
	if err != nil {
		return nil, err
	}
	srv, reader, err := wire.newInbound(cfg, p.st, sign, p.log, disp, p.health.check, p.metrics, tpl, sched.Timing(), p.admin)
	if err != nil {
		closeTransports()
		return nil, err
	}
	return &generation{cfg: cfg, sched: sched, disp: disp, srv: srv, reader: reader, close: closeTransports, started: time.Now()}, nil
}

// running is a generation at work.
type running struct {
	gen  *generation
	stop context.CancelFunc
	done chan struct{} // closed when every part has stopped
}

// start runs the generation's workers (the HTTP routes are the listener's
// business) until stop is called or ctx ends.
func (g *generation) start(ctx context.Context, log *slog.Logger) *running {
	ctx, stop := context.WithCancel(ctx)
	r := &running{gen: g, stop: stop, done: make(chan struct{})}
	go func() {
		defer close(r.done)
		var wg sync.WaitGroup
		if g.reader != nil {
			wg.Go(func() { _ = g.reader.Run(ctx) })
		}
		wg.Go(func() { _ = g.sched.Run(ctx) })
		wg.Go(func() { _ = g.disp.Run(ctx) })
		wg.Wait()
		if err := g.close(); err != nil {
			log.Warn("closing the SMTP connection", "err", err)
		}
	}()
	return r
}

// finish stops the generation and waits for its sends in progress at most
// shutdown_timeout; it reports whether they all ended.
func (r *running) finish() bool {
	r.stop()
	d := time.Duration(r.gen.cfg.ShutdownTimeout)
	if d <= 0 {
		d = 10 * time.Second
	}
	select {
	case <-r.done:
		return true
	case <-time.After(d):
		return false
	}
}

// Options are what the daemon takes from the process that runs it.
type Options struct {
	// Reload reads the config again for a reload, from where the first
	// one came from (the flag, the environment, the usual places).
	Reload func() (*config.Config, error)
	// Logger writes the daemon's log.
	Logger *slog.Logger
	// Now is the clock of every part.
	Now func() time.Time
	// Notify tells systemd the daemon's state (READY=1, WATCHDOG=1…); nil
	// outside systemd's reach.
	Notify func(state string)
	// Admin runs a data command a client sends on the admin socket, on the
	// daemon's store and current config; nil: no socket.
	Admin AdminRunner
}

// App is the daemon: New builds it, Start runs it, Reload replaces its
// workers with a new config, Stop ends it.
type App struct {
	o        Options
	log      *slog.Logger
	notify   func(string)
	wire     wiring
	parts    daemonParts
	listener *inbound.Listener
	addr     net.Addr
	current  atomic.Pointer[config.Config]
	gen      *generation
	run      *running
	// stopAdmin ends the admin socket; adminDone is closed once it has
	// stopped and its commands have ended, before the store closes.
	stopAdmin context.CancelFunc
	adminDone chan struct{}
	// teardown are the parts to close on stop, last opened first.
	teardown teardown
}

// ErrStore is a store that could not be opened (another process holds it,
// or the disk refuses): the config itself may be fine.
var ErrStore = errors.New("cannot open the store")

// New opens the store, builds the first generation and opens the HTTP
// listener. An error wrapping ErrStore is the store's; any other is the
// config's (it cannot be used as it is).
func New(cfg *config.Config, o Options) (*App, error) {
	a := &App{o: o, log: o.Logger, notify: o.Notify, wire: wiring{now: o.Now}}
	if a.notify == nil {
		a.notify = func(string) {}
	}
	st, err := OpenStore(cfg, a.log, o.Now)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrStore, err)
	}
	a.teardown.push("store", st.Close)
	journal, err := dispatcher.OpenJournal(JournalPath(cfg))
	if err != nil {
		a.teardown.run(a.log)
		return nil, fmt.Errorf("%w: %w", ErrStore, err)
	}
	a.teardown.push("outcome journal", journal.Close)
	a.parts = daemonParts{st: st, log: a.log, health: newHealth(st), metrics: newMetrics(st), inFlight: dispatcher.NewInFlight(), journal: journal, admin: inbound.NewAdminState()}
	gen, err := a.wire.build(cfg, a.parts)
	if err != nil {
		a.teardown.run(a.log)
		return nil, err
	}
	a.listener = inbound.NewListener(a.log)
	if a.addr, err = a.listener.Listen(cfg.HTTP.Listen); err != nil {
		_ = gen.close()
		a.teardown.run(a.log)
		return nil, fmt.Errorf("cannot start the HTTP server: http.listen: %w", err)
	}
	a.gen = gen
	a.current.Store(cfg)
	a.parts.metrics.reloaded(true)
	return a, nil
}

// OpenStore opens the store the config names, for the daemon and for a
// data command run without it.
func OpenStore(cfg *config.Config, log *slog.Logger, now func() time.Time) (*store.Store, error) {
	return store.Open(store.Options{Path: cfg.Store.Path, CreateDir: cfg.StoreDirIsDefault, Logger: log, Now: now})
}

// JournalPath is where the daemon keeps the outbox's outcome journal:
// beside the store, named after it, as SQLite keeps its -journal.
func JournalPath(cfg *config.Config) string { return cfg.Store.Path + "-journal" }

// Addr is the HTTP listener's address (its port when http.listen asked
// for port 0).
func (a *App) Addr() net.Addr { return a.addr }

// Config is the config running now.
func (a *App) Config() *config.Config { return a.current.Load() }

// Start runs the workers, the watchdog and the admin socket until ctx
// ends, and tells systemd the daemon is ready.
func (a *App) Start(ctx context.Context) {
	a.listener.Route(a.gen.srv)
	a.parts.health.follow(a.gen)
	a.run = a.gen.start(ctx, a.log)
	go a.parts.health.watchdog(ctx, a.notify, a.log)
	if a.o.Admin != nil {
		var actx context.Context
		actx, a.stopAdmin = context.WithCancel(ctx)
		a.adminDone = make(chan struct{})
		go func() {
			defer close(a.adminDone)
			if err := serveAdminSocket(actx, a, a.o.Admin); err != nil {
				a.log.Warn("admin socket unavailable: data commands need the daemon stopped", "err", err)
			}
		}()
	}
	a.ready()
}

func (a *App) ready() {
	st, gen := a.parts.st, a.gen
	var contacts int
	_ = st.View(func(tx *store.Tx) error { contacts = tx.CountContacts(); return nil })
	a.log.Info("npsd running", "config", gen.cfg.File, "store", st.Path(), "contacts", contacts, "http", a.addr.String(),
		"campaigns", len(gen.sched.Campaigns()), "email_transport", gen.cfg.Email.Transport, "sms_transport", gen.cfg.SMS.Transport)
	a.notify(daemon.SdNotifyReady)
}

// Serve starts the daemon and runs it until ctx ends (a stop, see Stop)
// or the HTTP server fails (see Abort), reloading the config at each
// value of reload. An error says the stop was not clean.
func (a *App) Serve(ctx context.Context, reload <-chan struct{}) error {
	if ctx.Err() != nil {
		// Stopped before it was ready: nothing ran, nothing to wait for.
		a.Abort()
		return nil
	}
	a.Start(ctx)
	for {
		select {
		case <-ctx.Done():
			return a.Stop()
		case err := <-a.Failed():
			a.log.Error("npsd stopped: the HTTP server failed", "err", err)
			a.Abort()
			return fmt.Errorf("the HTTP server failed: %w", err)
		case <-reload:
			a.Reload(ctx)
		}
	}
}

// Failed delivers the HTTP server's failure: the daemon cannot go on.
func (a *App) Failed() <-chan error { return a.listener.Failed() }

// ErrUnclean is a stop that did not finish in time: some sends were
// still in progress, or the store did not close.
var ErrUnclean = errors.New("stopped before everything finished")

// Stop stops the workers, letting the sends in progress finish within
// shutdown_timeout, shuts the HTTP server and closes the store.
func (a *App) Stop() error {
	a.notify(daemon.SdNotifyStopping)
	a.log.Info("npsd stopping: finishing the sends in progress")
	timeout := time.Duration(a.gen.cfg.ShutdownTimeout)
	var unclean error
	httpStopped := make(chan error, 1)
	go func() {
		sctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		httpStopped <- a.listener.Shutdown(sctx)
	}()
	if a.run != nil && !a.run.finish() {
		a.log.Error("stopping took longer than shutdown_timeout: exiting anyway", "timeout", timeout.String())
		unclean = ErrUnclean
	}
	<-httpStopped
	a.endAdmin(timeout)
	closed := make(chan struct{})
	go func() { a.teardown.run(a.log); close(closed) }()
	select {
	case <-closed:
	case <-time.After(2 * time.Second):
		return ErrUnclean
	}
	return unclean
}

// Abort stops after the HTTP server failed: the workers stop, the store
// closes, nothing is waited for beyond that.
func (a *App) Abort() {
	if a.run != nil {
		a.run.finish()
	}
	a.endAdmin(2 * time.Second)
	a.teardown.run(a.log)
}

// endAdmin stops the admin socket and waits, at most wait, for it and the
// commands it runs: a command let in as the daemon stops must not find the
// store closed under it ("database not open").
func (a *App) endAdmin(wait time.Duration) {
	if a.stopAdmin == nil {
		return
	}
	a.stopAdmin()
	select {
	case <-a.adminDone:
	case <-time.After(max(wait, time.Second)):
		a.log.Warn("admin socket: a command still running as the daemon stops")
	}
}

// Reload reads the config again and replaces the workers with ones built
// from it. A config that cannot be used (a problem, a store that moves,
// templates that do not load, a listen address that cannot be opened)
// changes nothing: the running generation goes on, each problem is
// logged with its key, and the reload metric says it failed.
func (a *App) Reload(ctx context.Context) bool {
	ok := a.reload(ctx)
	a.parts.metrics.reloaded(ok)
	return ok
}

func (a *App) reload(ctx context.Context) bool {
	const refused = "reload refused: the running config is kept"
	next, ok := a.readConfig(a.gen.cfg)
	if !ok {
		return false
	}
	newGen, err := a.wire.build(next, a.parts)
	if err != nil {
		a.log.Error(refused, "err", err)
		return false
	}
	// The new address is opened while the old one still serves; one that
	// cannot be opened refuses the reload.
	newAddr, err := a.listener.Listen(next.HTTP.Listen)
	if err != nil {
		a.log.Error(refused, "key", "http.listen", "err", err)
		_ = newGen.close()
		return false
	}
	a.notify(daemon.SdNotifyReloading)
	a.listener.Route(newGen.srv)
	// The old workers stop taking jobs; the jobs they are still sending
	// stay in the shared in-flight set until their outcome is recorded,
	// so the new dispatcher does not send them again even when they
	// outlast shutdown_timeout.
	if !a.run.finish() {
		a.log.Warn("the previous config's sends are still finishing", "in_flight", a.parts.inFlight.Len())
	}
	a.gen, a.addr = newGen, newAddr
	a.parts.health.follow(a.gen)
	a.run = a.gen.start(ctx, a.log)
	a.current.Store(next)
	a.log.Info("config reloaded", "config", next.File)
	a.ready()
	return true
}

// readConfig reads the config again for a reload. A broken config, or one
// that moves the store, is refused; each problem is logged on its own
// line with its key.
func (a *App) readConfig(running *config.Config) (*config.Config, bool) {
	const refused = "reload refused: the running config is kept"
	next, err := a.o.Reload()
	if err == nil {
		if next.Store.Path != running.Store.Path {
			a.log.Error(refused, "key", "store.path", "problem", "store.path cannot change while npsd runs: restart it")
			return nil, false
		}
		if _, err = LoadTemplates(next); err == nil {
			return next, true
		}
	}
	var ce *config.Error
	if errors.As(err, &ce) {
		for _, p := range ce.Problems {
			a.log.Error(refused, "config", ce.File, "line", p.Line, "key", p.Key, "problem", p.Msg)
		}
		return nil, false
	}
	a.log.Error(refused, "err", err)
	return nil, false
}

// teardown is the daemon's parts to close, by name, closed last opened
// first so that nothing is closed under a part still using it.
type teardown struct {
	mu    sync.Mutex
	steps []teardownStep
}

type teardownStep struct {
	name  string
	close func() error
}

func (t *teardown) push(name string, close func() error) {
	t.mu.Lock()
	t.steps = append(t.steps, teardownStep{name, close})
	t.mu.Unlock()
}

// run closes every part once, logging the ones that fail.
func (t *teardown) run(log *slog.Logger) {
	t.mu.Lock()
	steps := t.steps
	t.steps = nil
	t.mu.Unlock()
	for i := len(steps) - 1; i >= 0; i-- {
		if err := steps[i].close(); err != nil {
			log.Warn("closing "+steps[i].name, "err", err)
		}
	}
}
