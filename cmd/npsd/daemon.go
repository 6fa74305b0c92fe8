package main

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coreos/go-systemd/v22/daemon"

	"github.com/npsd/npsd/dispatcher"
	"github.com/npsd/npsd/inbound"
	"github.com/npsd/npsd/scheduler"
	"github.com/npsd/npsd/store"
)

// generation is everything built from one config: it runs until its
// context ends, and a reload replaces it with the next one. The store, the
// HTTP listener and the set of jobs in flight are the daemon's and outlive
// generations.
type generation struct {
	cfg    *Config
	sched  *scheduler.Scheduler
	disp   *dispatcher.Dispatcher
	srv    *inbound.Server
	reader *inbound.IMAPReader
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
	// admin is the dashboard's sessions and login throttle, kept across
	// reloads.
	admin *inbound.AdminState
}

func (c *cli) build(cfg *Config, p daemonParts) (*generation, error) {
	sched, err := c.newScheduler(cfg, p.st, p.log)
	if err != nil {
		return nil, err
	}
	sign, err := signer(context.Background(), p.st)
	if err != nil {
		return nil, err
	}
	tpl, err := loadTemplates(cfg)
	if err != nil {
		return nil, err
	}
	disp, closeTransports, err := c.newDispatcher(cfg, p.st, sign, p.log, p.metrics, tpl, sched.Timing(), p.inFlight)
	if err != nil {
		return nil, err
	}
	srv, reader, err := c.newInbound(cfg, p.st, sign, p.log, disp.Wake, p.health.check, p.metrics, tpl, sched.Timing(), p.admin)
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

// cmdRun runs the daemon: the store, the scheduler, the dispatcher, the
// HTTP server and the IMAP reader under one context. A stop (the context
// ends) lets sends in progress finish, within shutdown_timeout; a reload
// (SIGHUP) reads the config again and replaces everything but the store,
// the HTTP socket and the jobs in flight, or changes nothing at all when
// the new config cannot be used.
func (c *cli) cmdRun(ctx context.Context, args []string) int {
	fs, config := c.flags("run")
	if _, err := parse(fs, args); err != nil {
		return exitUnusable
	}
	cfg, ok := c.config(*config)
	if !ok {
		return exitUnusable
	}
	notify := c.notify
	if notify == nil {
		notify = func(string) {}
	}
	log := c.logger(cfg, slog.LevelDebug)
	st, err := c.openStore(cfg, log)
	if err != nil {
		log.Error("cannot open the store", "err", err)
		return exitPartial
	}
	parts := daemonParts{st: st, log: log, health: newHealth(st), metrics: newMetrics(st), inFlight: dispatcher.NewInFlight(), admin: inbound.NewAdminState()}
	gen, err := c.build(cfg, parts)
	if err != nil {
		log.Error("cannot start", "err", err)
		st.Close()
		return exitUnusable
	}
	listener := inbound.NewListener(log)
	addr, err := listener.Listen(cfg.HTTP.Listen)
	if err != nil {
		log.Error("cannot start the HTTP server", "key", "http.listen", "err", err)
		_ = gen.close()
		st.Close()
		return exitUnusable
	}
	if ctx.Err() != nil {
		// Stopped before it was ready: nothing ran, nothing to wait for.
		_ = listener.Shutdown(context.Background())
		_ = gen.close()
		st.Close()
		return exitOK
	}
	listener.Route(gen.srv)
	parts.health.follow(gen)
	run := gen.start(ctx, log)
	go parts.health.watchdog(ctx, notify, log)
	var current atomic.Pointer[Config]
	current.Store(cfg)
	go func() {
		if err := c.serveAdminSocket(ctx, &current, st, log); err != nil {
			log.Warn("admin socket unavailable: data commands need the daemon stopped", "err", err)
		}
	}()
	ready := func() {
		var contacts int
		_ = st.View(func(tx *store.Tx) error { contacts = tx.CountContacts(); return nil })
		log.Info("npsd running", "config", gen.cfg.File, "store", st.Path(), "contacts", contacts, "http", addr.String(),
			"campaigns", len(gen.sched.Campaigns()), "email_transport", gen.cfg.Email.Transport, "sms_transport", gen.cfg.SMS.Transport)
		notify(daemon.SdNotifyReady)
	}
	ready()

	for {
		select {
		case <-ctx.Done():
			notify(daemon.SdNotifyStopping)
			log.Info("npsd stopping: finishing the sends in progress")
			code := exitOK
			httpStopped := make(chan error, 1)
			go func() {
				sctx, cancel := context.WithTimeout(context.Background(), time.Duration(gen.cfg.ShutdownTimeout))
				defer cancel()
				httpStopped <- listener.Shutdown(sctx)
			}()
			if !run.finish() {
				log.Error("stopping took longer than shutdown_timeout: exiting anyway", "timeout", time.Duration(gen.cfg.ShutdownTimeout).String())
				code = exitPartial
			}
			<-httpStopped
			closed := make(chan error, 1)
			go func() { closed <- st.Close() }()
			if !waitDone(closed, 2*time.Second) {
				return exitPartial
			}
			return code
		case err := <-listener.Failed():
			log.Error("npsd stopped: the HTTP server failed", "err", err)
			run.finish()
			st.Close()
			return exitPartial
		case <-c.reload:
			next, ok := c.reloadConfig(*config, cfg, log)
			if !ok {
				continue // nothing changed: the running generation goes on
			}
			newGen, err := c.build(next, parts)
			if err != nil {
				log.Error("reload refused: the running config is kept", "err", err)
				continue
			}
			// The new address is opened while the old one still serves;
			// one that cannot be opened refuses the reload.
			newAddr, err := listener.Listen(next.HTTP.Listen)
			if err != nil {
				log.Error("reload refused: the running config is kept", "key", "http.listen", "err", err)
				_ = newGen.close()
				continue
			}
			notify(daemon.SdNotifyReloading)
			listener.Route(newGen.srv)
			// The old workers stop taking jobs; the jobs they are still
			// sending stay in the shared in-flight set until their outcome
			// is recorded, so the new dispatcher does not send them again
			// even when they outlast shutdown_timeout.
			if !run.finish() {
				log.Warn("the previous config's sends are still finishing", "in_flight", parts.inFlight.Len())
			}
			cfg, gen, addr = next, newGen, newAddr
			parts.health.follow(gen)
			run = gen.start(ctx, log)
			current.Store(next)
			log.Info("config reloaded", "config", next.File)
			ready()
		}
	}
}

// reloadConfig reads the config again for a SIGHUP. A broken config, or
// one that moves the store, is refused and the running one kept; each
// problem is logged on its own line with its key.
func (c *cli) reloadConfig(flagValue string, running *Config, log *slog.Logger) (*Config, bool) {
	const refused = "reload refused: the running config is kept"
	path, err := findConfig(flagValue, c.getenv)
	if err == nil {
		var next *Config
		if next, err = loadConfig(path, c.getenv); err == nil {
			if next.Store.Path != running.Store.Path {
				log.Error(refused, "key", "store.path", "problem", "store.path cannot change while npsd runs: restart it")
				return nil, false
			} else if _, err = loadTemplates(next); err == nil {
				return next, true
			}
		}
	}
	var ce *ConfigError
	if errors.As(err, &ce) {
		for _, p := range ce.Problems {
			log.Error(refused, "config", ce.File, "line", p.Line, "key", p.Key, "problem", p.Msg)
		}
		return nil, false
	}
	log.Error(refused, "err", err)
	return nil, false
}

// waitDone waits for a result at most d; it reports whether one came.
func waitDone(ch <-chan error, d time.Duration) bool {
	if d <= 0 {
		d = 10 * time.Second
	}
	select {
	case <-ch:
		return true
	case <-time.After(d):
		return false
	}
}
