package app

import (
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/npsd/npsd/store"
)

// metrics are npsd's Prometheus series, in a registry of their own (no
// package-level default registry): what went out and how, what came in,
// and the outbox's depth.
type metrics struct {
	reg       *prometheus.Registry
	messages  *prometheus.CounterVec
	latency   *prometheus.HistogramVec
	responses *prometheus.CounterVec
	forged    prometheus.Counter
	imapErrs  prometheus.Counter
	// reloadOK and reloadAt say whether the last config load worked and
	// when one last did, as alertmanager's reload series do: a reload
	// refused for a typo shows on a dashboard, not only in the journal.
	reloadOK prometheus.Gauge
	reloadAt prometheus.Gauge
}

func newMetrics(st *store.Store) *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		messages: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "npsd_messages_total", Help: "Send attempts by channel, outcome (sent, retry, failed) and provider code.",
		}, []string{"channel", "outcome", "reason"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "npsd_send_seconds", Help: "Time to hand one message to the SMTP server or Twilio.",
			Buckets: prometheus.ExponentialBuckets(0.01, 2, 12),
		}, []string{"channel"}),
		responses: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "npsd_responses_total", Help: "Scores recorded, by category.",
		}, []string{"category"}),
		forged: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "npsd_webhook_signature_rejections_total", Help: "Twilio webhooks refused for a missing or wrong signature.",
		}),
		imapErrs: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "npsd_imap_errors_total", Help: "IMAP sessions that ended in an error.",
		}),
	}
	m.reloadOK = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "npsd_config_last_reload_successful", Help: "Whether the last config load (start or reload) worked: 1 or 0.",
	})
	m.reloadAt = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "npsd_config_last_reload_success_timestamp_seconds", Help: "When the running config was loaded.",
	})
	storeFailures := prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name: "npsd_store_write_failures_total", Help: "Store transactions that failed to commit (disk full, I/O error); their callers were told to retry.",
	}, func() float64 { return float64(st.WriteFailures()) })
	storeCommits := prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name: "npsd_store_commits_total", Help: "Store write transactions committed; each syncs the file to disk.",
	}, func() float64 { return float64(st.Commits()) })
	depth := prometheus.NewDesc("npsd_outbox_jobs", "Outbox jobs by state.", []string{"state"}, nil)
	m.reg.MustRegister(m.reloadOK, m.reloadAt, m.messages, m.latency, m.responses, m.forged, m.imapErrs, storeFailures, storeCommits,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		outboxCollector{st: st, desc: depth})
	return m
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

func (m *metrics) observeSend(ch store.Channel, outcome, reason string, took time.Duration) {
	m.messages.WithLabelValues(string(ch), outcome, reason).Inc()
	if took > 0 {
		m.latency.WithLabelValues(string(ch)).Observe(took.Seconds())
	}
}

func (m *metrics) observeScore(category string) { m.responses.WithLabelValues(category).Inc() }

// outboxCollector counts the jobs by state when scraped.
type outboxCollector struct {
	st   *store.Store
	desc *prometheus.Desc
}

func (o outboxCollector) Describe(ch chan<- *prometheus.Desc) { ch <- o.desc }

func (o outboxCollector) Collect(ch chan<- prometheus.Metric) {
	var counts map[store.JobState]int
	if err := o.st.View(func(tx *store.Tx) (err error) { counts, err = tx.CountJobs(); return err }); err != nil {
		return
	}
	for _, s := range []store.JobState{store.JobPending, store.JobInflight, store.JobSent, store.JobFailed, store.JobCanceled} {
		ch <- prometheus.MustNewConstMetric(o.desc, prometheus.GaugeValue, float64(counts[s]), string(s))
	}
}

// reloaded records a config load, at start or on reload.
func (m *metrics) reloaded(ok bool) {
	if !ok {
		m.reloadOK.Set(0)
		return
	}
	m.reloadOK.Set(1)
	m.reloadAt.SetToCurrentTime()
}
