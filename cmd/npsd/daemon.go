package main

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coreos/go-systemd/v22/daemon"

	"npsd/dispatcher"
	"npsd/inbound"
	"npsd/scheduler"
	"npsd/store"
)

// generation is everything built from one config: it runs until its
// context ends, and a reload replaces it with the next one. The store is
// opened once and outlives generations.
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

func (c *cli) build(cfg *Config, st *store.Store, log *slog.Logger, h *health, m *metrics) (*generation, error) {
	sched, err := c.newScheduler(cfg, st, log)
	if err != nil {
		return nil, err
	}
	sign, err := signer(context.Background(), st)
	if err != nil {
		return nil, err
	}
	tpl, err := loadTemplates(cfg)
	if err != nil {
		return nil, err
	}
	disp, closeTransports, err := c.newDispatcher(cfg, st, sign, log, m, tpl, sched.Timing())
	if err != nil {
		return nil, err
	}
	srv, reader, err := c.newInbound(cfg, st, sign, log, disp.Wake, h.check, m, tpl, sched.Timing())
	if err != nil {
		closeTransports()
		return nil, err
	}
	return &generation{cfg: cfg, sched: sched, disp: disp, srv: srv, reader: reader, close: closeTransports, started: time.Now()}, nil
}

// run starts the generation's parts; ready receives the HTTP address once
// the listener is up. It returns when ctx ends and every part has stopped,
// or when the HTTP server cannot run.
func (g *generation) run(ctx context.Context, log *slog.Logger, ready chan<- net.Addr) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	var srvErr error
	listening := make(chan net.Addr, 1)
	wg.Go(func() {
		if err := g.srv.Run(ctx, listening); err != nil {
			srvErr = err
			cancel() // without its listener npsd cannot hear answers
		}
	})
	select {
	case a := <-listening:
		ready <- a
	case <-ctx.Done():
		wg.Wait()
		return srvErr
	}
	if g.reader != nil {
		wg.Go(func() { _ = g.reader.Run(ctx) })
	}
	wg.Go(func() { _ = g.sched.Run(ctx) })
	wg.Go(func() { _ = g.disp.Run(ctx) })
	wg.Wait()
	if err := g.close(); err != nil {
		log.Warn("closing the SMTP connection", "err", err)
	}
	return srvErr
}

// cmdRun runs the daemon: the store, the scheduler, the dispatcher, the
// HTTP server and the IMAP reader under one context. A stop (the context
// ends) lets sends in progress finish, within shutdown_timeout; a reload
// (SIGHUP) reads the config again and replaces everything but the store,
// or keeps the running config when the new one is broken.
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
	health, mets := newHealth(st), newMetrics(st)
	gen, err := c.build(cfg, st, log, health, mets)
	if err != nil {
		log.Error("cannot start", "err", err)
		st.Close()
		return exitUnusable
	}
	go health.watchdog(ctx, notify, log)
	var current atomic.Pointer[Config]
	current.Store(cfg)
	go func() {
		if err := c.serveAdminSocket(ctx, &current, st, log); err != nil {
			log.Warn("admin socket unavailable: data commands need the daemon stopped", "err", err)
		}
	}()

	for {
		genCtx, stopGen := context.WithCancel(ctx)
		ready := make(chan net.Addr, 1)
		done := make(chan error, 1)
		go func() { done <- gen.run(genCtx, log, ready) }()
		health.follow(gen)
		select {
		case addr := <-ready:
			var contacts int
			_ = st.View(func(tx *store.Tx) error { contacts = tx.CountContacts(); return nil })
			log.Info("npsd running", "config", gen.cfg.File, "store", st.Path(), "contacts", contacts, "http", addr.String(),
				"campaigns", len(gen.sched.Campaigns()), "email_transport", gen.cfg.Email.Transport, "sms_transport", gen.cfg.SMS.Transport)
			notify(daemon.SdNotifyReady)
		case err := <-done:
			stopGen()
			if ctx.Err() != nil && err == nil {
				// Stopped before it was ready: nothing ran, nothing to wait for.
				st.Close()
				return exitOK
			}
			log.Error("cannot start the HTTP server", "err", err)
			st.Close()
			return exitUnusable
		}
		select {
		case <-ctx.Done():
			notify(daemon.SdNotifyStopping)
			log.Info("npsd stopping: finishing the sends in progress")
			stopGen()
			code := exitOK
			if !waitDone(done, time.Duration(gen.cfg.ShutdownTimeout)) {
				log.Error("stopping took longer than shutdown_timeout: exiting anyway", "timeout", time.Duration(gen.cfg.ShutdownTimeout).String())
				code = exitPartial
			}
			closed := make(chan error, 1)
			go func() { closed <- st.Close() }()
			if !waitDone(closed, 2*time.Second) {
				return exitPartial
			}
			return code
		case err := <-done:
			stopGen()
			log.Error("npsd stopped", "err", err)
			st.Close()
			return exitPartial
		case <-c.reload:
			next, ok := c.reloadConfig(*config, cfg, log)
			if !ok {
				continue // the running generation goes on
			}
			newGen, err := c.build(next, st, log, health, mets)
			if err != nil {
				log.Error("reload refused: the running config is kept", "err", err)
				continue
			}
			notify(daemon.SdNotifyReloading)
			stopGen()
			if !waitDone(done, time.Duration(gen.cfg.ShutdownTimeout)) {
				log.Warn("the previous config's sends are still finishing")
			}
			cfg, gen = next, newGen
			current.Store(next)
			log.Info("config reloaded", "config", next.File)
		}
	}
}

// reloadConfig reads the config again for a SIGHUP. A broken config, or
// one that moves the store, is refused and the running one kept.
func (c *cli) reloadConfig(flagValue string, running *Config, log *slog.Logger) (*Config, bool) {
	path, err := findConfig(flagValue, c.getenv)
	if err == nil {
		var next *Config
		if next, err = loadConfig(path, c.getenv); err == nil {
			if next.Store.Path != running.Store.Path {
				err = errors.New("store.path cannot change while npsd runs: restart it")
			} else if _, err = loadTemplates(next); err == nil {
				return next, true
			}
		}
	}
	log.Error("reload refused: the running config is kept", "err", err)
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
