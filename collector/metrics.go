package collector

import (
	"errors"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Request results, the values of the metrics' result label.
const (
	ResultOK          = "ok"
	ResultError       = "error"
	ResultRateLimited = "rate_limited"
	ResultTimeout     = "timeout"
)

// Results lists every request result.
var Results = []string{ResultOK, ResultError, ResultRateLimited, ResultTimeout}

// metrics are the scheduler's Prometheus metrics. Every one has the labels
// source (the bounded enum x, mastodon, bluesky, demo; see SourceOf) and
// poller (the source's name, e.g. "mastodon:mastodon.social" or
// "x:allforpalestine"; not "instance", which Prometheus keeps for the scrape
// target): names come from the configuration, so they are bounded too, and
// they tell which of several Mastodon servers (or which campaign's X query)
// is failing. Sum over poller for per-platform figures.
//
// For a streamer, each batch it delivers and the store takes counts as an
// ok request (Jetstream delivers at least one a second, even when no post
// matches), and each failed or dropped connection as an error, so
// rate(requests_total{result="ok"}) is a liveness signal for every kind of
// source. Stream batches have no duration.
type metrics struct {
	requests    *prometheus.CounterVec
	duration    *prometheus.HistogramVec
	lastSuccess *prometheus.GaugeVec
	remaining   *prometheus.GaugeVec
	fetched     *prometheus.CounterVec
	duplicates  *prometheus.CounterVec
	malformed   *prometheus.CounterVec
	added       *prometheus.CounterVec
}

const metricsNamespace, metricsSubsystem = "tagpulse", "collector"

func newMetrics(reg prometheus.Registerer) *metrics {
	labels := []string{"source", "poller"}
	opts := func(name, help string) prometheus.Opts {
		return prometheus.Opts{Namespace: metricsNamespace, Subsystem: metricsSubsystem, Name: name, Help: help}
	}
	counter := func(name, help string, extra ...string) *prometheus.CounterVec {
		return prometheus.NewCounterVec(prometheus.CounterOpts(opts(name, help)), append(labels[:len(labels):len(labels)], extra...))
	}
	gauge := func(name, help string) *prometheus.GaugeVec {
		return prometheus.NewGaugeVec(prometheus.GaugeOpts(opts(name, help)), labels)
	}
	m := &metrics{
		requests: counter("requests_total",
			"Requests to the platform, by result (ok, error, rate_limited, timeout): one per poll, however many pages it fetched; for a stream, one ok per batch stored (Jetstream: at least one a second) and one error per failed or dropped connection.", "result"),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: metricsNamespace, Subsystem: metricsSubsystem, Name: "request_duration_seconds",
			Help:    "Duration of one poll (all its requests), in seconds. Streams observe none.",
			Buckets: []float64{.05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60},
		}, labels),
		lastSuccess: gauge("last_success_timestamp_seconds",
			"When the source last brought a page into the store (Unix time, seconds). Absent until its first success since the process started."),
		remaining: gauge("rate_limit_remaining",
			"Requests left in the platform's current rate-limit window, as its last response said. Absent until a response says."),
		fetched: counter("posts_fetched_total",
			"Items the platform returned, before matching campaign hashtags."),
		duplicates: counter("posts_duplicate_total",
			"Matching posts that were already stored (overlapping pages, replays, other instances)."),
		malformed: counter("posts_malformed_total",
			"Items the source could not parse, skipped."),
		added: counter("posts_added_total",
			"Matching posts newly stored."),
	}
	if reg != nil {
		m.requests = register(reg, m.requests)
		m.duration = register(reg, m.duration)
		m.lastSuccess = register(reg, m.lastSuccess)
		m.remaining = register(reg, m.remaining)
		m.fetched = register(reg, m.fetched)
		m.duplicates = register(reg, m.duplicates)
		m.malformed = register(reg, m.malformed)
		m.added = register(reg, m.added)
	}
	return m
}

// register registers c, or returns the collector already registered in its
// place (a second scheduler on the same registry shares the metrics).
func register[C prometheus.Collector](reg prometheus.Registerer, c C) C {
	if err := reg.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			if existing, ok := are.ExistingCollector.(C); ok {
				return existing
			}
		}
		panic(err)
	}
	return c
}

// init makes every series of a source exist from the start, at zero, so
// rate() and alerts see the first increase.
func (m *metrics) init(source, poller string) {
	for _, r := range Results {
		m.requests.WithLabelValues(source, poller, r)
	}
	m.duration.WithLabelValues(source, poller)
	m.fetched.WithLabelValues(source, poller)
	m.duplicates.WithLabelValues(source, poller)
	m.malformed.WithLabelValues(source, poller)
	m.added.WithLabelValues(source, poller)
}

func (m *metrics) countRequest(source, poller, result string) {
	m.requests.WithLabelValues(source, poller, result).Inc()
}

func (m *metrics) observeDuration(source, poller string, d time.Duration) {
	m.duration.WithLabelValues(source, poller).Observe(d.Seconds())
}

func (m *metrics) countIngest(source, poller string, res IngestResult, at time.Time) {
	m.fetched.WithLabelValues(source, poller).Add(float64(res.Fetched))
	m.duplicates.WithLabelValues(source, poller).Add(float64(res.Duplicates))
	m.malformed.WithLabelValues(source, poller).Add(float64(res.Malformed))
	m.added.WithLabelValues(source, poller).Add(float64(res.Added))
	m.lastSuccess.WithLabelValues(source, poller).Set(float64(at.UnixNano()) / 1e9)
}

func (m *metrics) setRateLimit(source, poller string, remaining int) {
	m.remaining.WithLabelValues(source, poller).Set(float64(remaining))
}
