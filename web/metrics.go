package web

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// LedgerCounts counts the delivery ledger's parts by state, for
// wxdigest_deliveries{state}.
type LedgerCounts interface {
	DeliveryCounts(ctx context.Context) (map[string]int, error)
}

// ArticleCounter counts the stored articles (withdrawn ones not), for
// wxdigest_articles_total.
type ArticleCounter interface {
	ArticleCount(ctx context.Context) (int, error)
}

// ChannelStater reports each channel's state (ChannelUp, …); Health has
// it.
type ChannelStater interface {
	ChannelStates(ctx context.Context) map[string]string
}

// MetricsConfig says where the gauges read at scrape time come from; a nil
// source leaves its metric out.
type MetricsConfig struct {
	Ledger   LedgerCounts
	Articles ArticleCounter
	Channels ChannelStater
	Logger   *slog.Logger // scrape-time read failures; default: discard
	// Timeout bounds the reads of one scrape; default 5s.
	Timeout time.Duration
	// GoRuntime adds the Go and process collectors.
	GoRuntime bool
}

// Metrics is wxdigest's Prometheus metrics, on a registry of its own. The
// bot calls its methods as things happen; the ledger, article and channel
// gauges are read when /metrics is scraped. Its methods are safe for
// concurrent use, and a nil *Metrics ignores them.
type Metrics struct {
	reg       *prometheus.Registry
	sent      *prometheus.CounterVec
	replies   *prometheus.CounterVec
	failures  *prometheus.CounterVec
	commands  *prometheus.HistogramVec
	fetchErrs *prometheus.CounterVec
}

// NewMetrics registers wxdigest's metrics on a new registry.
func NewMetrics(cfg MetricsConfig) *Metrics {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 5 * time.Second
	}
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		sent: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wxdigest_messages_sent_total",
			Help: "Digest messages sent (ledger parts), by channel.",
		}, []string{"channel"}),
		replies: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wxdigest_replies_sent_total",
			Help: "Replies and notices sent (not ledger parts), by channel.",
		}, []string{"channel"}),
		failures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wxdigest_send_failures_total",
			Help: "Failed sends, by channel and reason (rate_limited, logged_out, rejected, undeliverable, error).",
		}, []string{"channel", "reason"}),
		commands: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "wxdigest_command_duration_seconds",
			Help:    "Time to answer a chat command, by command.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"command"}),
		fetchErrs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wxdigest_source_fetch_errors_total",
			Help: "Failed fetches of a source, by source.",
		}, []string{"source"}),
	}
	m.reg.MustRegister(m.sent, m.replies, m.failures, m.commands, m.fetchErrs, newScrape(cfg))
	if cfg.GoRuntime {
		m.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	}
	return m
}

// SentMessage counts one digest message (a ledger part) sent on channel.
func (m *Metrics) SentMessage(channel string) {
	if m != nil {
		m.sent.WithLabelValues(channel).Inc()
	}
}

// sendReasons are the reason label's values (bot.SendEvent.Reason).
var sendReasons = []string{"rate_limited", "logged_out", "rejected", "undeliverable", "error"}

// InitChannel shows channel's counters at zero before anything happens,
// so a scrape sees every series a dashboard or alert rule may name.
func (m *Metrics) InitChannel(channel string) {
	if m == nil {
		return
	}
	m.sent.WithLabelValues(channel)
	m.replies.WithLabelValues(channel)
	for _, r := range sendReasons {
		m.failures.WithLabelValues(channel, r)
	}
}

// InitCommands shows each chat command's histogram before it is used.
func (m *Metrics) InitCommands(commands []string) {
	if m == nil {
		return
	}
	for _, c := range commands {
		m.commands.WithLabelValues(c)
	}
}

// InitSource shows a source's fetch errors at zero.
func (m *Metrics) InitSource(source string) {
	if m != nil {
		m.fetchErrs.WithLabelValues(source)
	}
}

// SentReply counts one reply or notice sent on channel.
func (m *Metrics) SentReply(channel string) {
	if m != nil {
		m.replies.WithLabelValues(channel).Inc()
	}
}

// SendFailed counts one failed send on channel; reason is a short fixed
// word, never an error text (labels must stay few).
func (m *Metrics) SendFailed(channel, reason string) {
	if m != nil {
		m.failures.WithLabelValues(channel, reason).Inc()
	}
}

// CommandDone observes how long a chat command took.
func (m *Metrics) CommandDone(command string, d time.Duration) {
	if m != nil {
		m.commands.WithLabelValues(command).Observe(d.Seconds())
	}
}

// FetchFailed counts one failed fetch of a source.
func (m *Metrics) FetchFailed(source string) {
	if m != nil {
		m.fetchErrs.WithLabelValues(source).Inc()
	}
}

// Registry is the registry the metrics live on, for a caller that adds
// its own.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})
}

// scrape collects the gauges read at scrape time.
type scrape struct {
	cfg                                     MetricsConfig
	descDeliveries, descLogin, descArticles *prometheus.Desc
}

func newScrape(cfg MetricsConfig) *scrape {
	return &scrape{cfg: cfg,
		descDeliveries: prometheus.NewDesc("wxdigest_deliveries", "Delivery ledger parts, by state.", []string{"state"}, nil),
		descLogin:      prometheus.NewDesc("wxdigest_login_state", "1 when the channel is up (logged in, not paused), else 0.", []string{"channel"}, nil),
		descArticles:   prometheus.NewDesc("wxdigest_articles_total", "Articles stored (withdrawn ones not counted).", nil, nil),
	}
}

func (c *scrape) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.descDeliveries
	ch <- c.descLogin
	ch <- c.descArticles
}

func (c *scrape) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), c.cfg.Timeout)
	defer cancel()
	if c.cfg.Ledger != nil {
		counts, err := c.cfg.Ledger.DeliveryCounts(ctx)
		if err != nil {
			c.cfg.Logger.Warn("web: metrics: ledger", "err", err)
			ch <- prometheus.NewInvalidMetric(c.descDeliveries, err)
		}
		for state, n := range counts {
			ch <- prometheus.MustNewConstMetric(c.descDeliveries, prometheus.GaugeValue, float64(n), state)
		}
	}
	if c.cfg.Articles != nil {
		n, err := c.cfg.Articles.ArticleCount(ctx)
		if err != nil {
			c.cfg.Logger.Warn("web: metrics: articles", "err", err)
			ch <- prometheus.NewInvalidMetric(c.descArticles, err)
		} else {
			ch <- prometheus.MustNewConstMetric(c.descArticles, prometheus.GaugeValue, float64(n))
		}
	}
	if c.cfg.Channels != nil {
		for name, state := range c.cfg.Channels.ChannelStates(ctx) {
			v := 0.0
			if state == ChannelUp {
				v = 1
			}
			ch <- prometheus.MustNewConstMetric(c.descLogin, prometheus.GaugeValue, v, name)
		}
	}
}
