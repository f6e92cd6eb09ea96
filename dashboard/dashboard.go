// Package dashboard serves tagpulse over HTTP: the coordinators' pages
// (templates and assets embedded, no CDN), the JSON/CSV API under /api/v1/,
// server-sent events that tell pages the figures changed, /healthz, and
// /metrics from a private Prometheus registry. It reads rollups through the
// aggregator and never scans raw posts in a request.
package dashboard

import (
	"cmp"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/tagpulse/tagpulse/aggregator"
	"github.com/tagpulse/tagpulse/store"
)

//go:embed templates/*
var templateFiles embed.FS

//go:embed static
var staticFiles embed.FS

// Options are what the handler serves.
type Options struct {
	Aggregator *aggregator.Aggregator
	// Gatherer serves /metrics; nil leaves /metrics out.
	Gatherer prometheus.Gatherer
	// Ready, when set, is one more condition of /readyz (a cluster's serve
	// node that has caught up with the stream); it returns the reason when
	// not.
	Ready func() (bool, string)
	// Sources returns the health of the collectors that serve a campaign
	// (campaign "": of every collector), for /api/v1/sources; nil: none.
	Sources func(campaign string) []store.SourceHealth
	Logger  *slog.Logger
	// Access protects the pages and the API; the zero value is open.
	Access Access
	// MetricsAccess protects /metrics, separately (Prometheus scrapes with
	// its own credentials); the zero value is open.
	MetricsAccess Access
	// Public maps a campaign name to the secret of its read-only public
	// link, /p/SECRET/: that campaign's page and API, without Access.
	Public map[string]string
	// MaxEventStreams caps the event streams open at once (each holds a
	// connection for as long as a page is open); beyond it /api/v1/events
	// answers 503 with Retry-After and pages poll instead. 0 means
	// DefaultMaxEventStreams.
	MaxEventStreams int
	// StreamWriteTimeout is how long one write to an event stream may take
	// before its client is given up (one that stopped reading); renewed for
	// every write. 0 means DefaultStreamWriteTimeout.
	StreamWriteTimeout time.Duration
	// EventKeepAlive is how often an idle event stream gets a comment, so
	// that proxies keep it open. 0 means DefaultEventKeepAlive.
	EventKeepAlive time.Duration
	// MaxEventStreamsPerClient caps the event streams one client address
	// holds open (see clientKey). 0 means DefaultMaxEventStreamsPerClient.
	MaxEventStreamsPerClient int
	// EventStreamMaxAge ends every event stream after this long; the
	// browser reconnects (retry: 3 s) and is told to refetch. 0 means
	// DefaultEventStreamMaxAge.
	EventStreamMaxAge time.Duration
}

// Defaults of the Options that bound event streams.
const (
	DefaultMaxEventStreams    = 1000
	DefaultStreamWriteTimeout = 30 * time.Second
	DefaultEventKeepAlive     = 25 * time.Second
	// DefaultMaxEventStreamsPerClient: a person's browser tabs, or an office
	// behind one address; never the whole of MaxEventStreams.
	DefaultMaxEventStreamsPerClient = 32
	DefaultEventStreamMaxAge        = 5 * time.Minute
)

type handler struct {
	agg     *aggregator.Aggregator
	sources func(campaign string) []store.SourceHealth
	ready   func() (bool, string)
	log     *slog.Logger
	pages   *pages
	locales map[string]*locale
	public  map[string]string // secret → campaign
	api     http.Handler      // the API routes, without access control
	cache   *responseCache

	maxStreams  int64
	streams     atomic.Int64 // event streams open now
	streamWrite time.Duration
	keepAlive   time.Duration
	slots       streamSlots // event streams open per client address
}

// root is the handler NewHandler returns; tests reach the parts through it.
type root struct {
	http.Handler
	h *handler
}

// NewHandler returns the whole HTTP surface. It parses the templates now and
// fails if one is broken.
func NewHandler(opts Options) (http.Handler, error) {
	h := &handler{agg: opts.Aggregator, sources: opts.Sources, ready: opts.Ready, log: opts.Logger, cache: newResponseCache()}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	h.maxStreams = int64(cmp.Or(opts.MaxEventStreams, DefaultMaxEventStreams))
	h.streamWrite = cmp.Or(opts.StreamWriteTimeout, DefaultStreamWriteTimeout)
	h.keepAlive = cmp.Or(opts.EventKeepAlive, DefaultEventKeepAlive)
	h.slots.max = cmp.Or(opts.MaxEventStreamsPerClient, DefaultMaxEventStreamsPerClient)
	h.slots.maxAge = cmp.Or(opts.EventStreamMaxAge, DefaultEventStreamMaxAge)
	var err error
	if h.pages, err = parsePages(); err != nil {
		return nil, err
	}
	if h.locales, err = loadCatalogs(); err != nil {
		return nil, err
	}
	if err := opts.Access.validate("dashboard access"); err != nil {
		return nil, err
	}
	if err := opts.MetricsAccess.validate("metrics access"); err != nil {
		return nil, err
	}
	h.public = map[string]string{}
	for campaign, secret := range opts.Public {
		if h.agg.Campaign(campaign) == nil {
			return nil, fmt.Errorf("public link: %w %q", aggregator.ErrUnknownCampaign, campaign)
		}
		if len(secret) < minPublicSecret || strings.ContainsAny(secret, "/?#%") {
			return nil, fmt.Errorf("public link for %q: the secret must be at least %d characters, without / ? # %%", campaign, minPublicSecret)
		}
		if _, dup := h.public[secret]; dup {
			return nil, fmt.Errorf("public link for %q: secret used twice", campaign)
		}
		h.public[secret] = campaign
	}
	static, _ := fs.Sub(staticFiles, "static")

	// Answers that depend only on the rollups are cached (cache.go), keyed
	// by the query parameters listed here, which must be every one the
	// endpoint reads. The collectors' health and the platform counts change
	// without the rollups, so sources and crosscheck are not.
	report := reportParams
	api := http.NewServeMux()
	api.Handle("GET /api/v1/campaigns", h.cached(h.listCampaigns, false, "format"))
	api.Handle("GET /api/v1/campaigns/{name}", h.cached(h.showCampaign, false, "format"))
	api.Handle("GET /api/v1/campaigns/{name}/totals", h.cached(h.report(""), false, report...))
	api.Handle("GET /api/v1/campaigns/{name}/days", h.cached(h.days, false, daysParams...))
	api.Handle("GET /api/v1/campaigns/{name}/hours", h.cached(h.report(aggregator.ByHour), false, report...))
	api.Handle("GET /api/v1/campaigns/{name}/top", h.cached(h.showTop, false, "format", "list", "day"))
	api.Handle("GET /api/v1/campaigns/{name}/headline", h.cached(h.showHeadline, false, "format", "day"))
	api.HandleFunc("GET /api/v1/campaigns/{name}/crosscheck", h.showCrossCheck)
	api.Handle("GET /api/v1/campaigns/{name}/card.svg", h.cached(h.showCard, true, "format", "day"))
	api.Handle("GET /api/v1/campaigns/{name}/card.png", h.cached(h.showCardPNG, true, "format", "day"))
	api.HandleFunc("GET /api/v1/sources", h.listSources)
	api.HandleFunc("GET /api/v1/events", h.events)
	h.api = conditional(api)

	app := http.NewServeMux()
	app.Handle("GET /api/", h.api)
	app.HandleFunc("GET /{$}", h.showIndex)
	app.HandleFunc("GET /c/{name}", h.showCampaignPage)

	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", h.healthz)
	mux.HandleFunc("GET /readyz", h.readyz)
	if opts.Gatherer != nil {
		mux.Handle("GET /metrics", opts.MetricsAccess.guard("tagpulse metrics", metricsCookie, promhttp.HandlerFor(opts.Gatherer, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError, EnableOpenMetrics: true}), nil))
	}
	mux.Handle("GET /static/", http.StripPrefix("/static/", serveStatic(static)))
	mux.HandleFunc("GET /p/{secret}/{rest...}", h.servePublic)
	// Browsers ask for it on every SVG or CSV they open; no icon, no error.
	mux.HandleFunc("GET /favicon.ico", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	mux.Handle("/", opts.Access.guard("tagpulse", dashboardCookie, app, h.signIn))
	return &root{Handler: secure(compress(mux)), h: h}, nil
}

// secure sets the headers every response carries.
func secure(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("Referrer-Policy", "no-referrer")
		next.ServeHTTP(w, r)
	})
}

// httpError maps an error to a status in one place and shows people only
// what is safe: internal errors are logged and answered "internal error".
// The API answers in JSON, {"error": "…"}, with "allowed" listing the
// values a parameter takes when one had another.
func (h *handler) httpError(w http.ResponseWriter, r *http.Request, err error) {
	code := http.StatusInternalServerError
	msg := "internal error"
	switch {
	case errors.Is(err, aggregator.ErrUnknownCampaign):
		code, msg = http.StatusNotFound, err.Error()
	case errors.Is(err, aggregator.ErrBadQuery):
		code, msg = http.StatusBadRequest, err.Error()
	default:
		h.log.Error("request", "path", r.URL.Path, "err", err)
	}
	if !strings.HasPrefix(r.URL.Path, "/api/") {
		http.Error(w, msg, code)
		return
	}
	body := map[string]any{"error": msg}
	var bp *badParam
	if errors.As(err, &bp) {
		body["allowed"] = bp.allowed
	}
	w.Header().Del("Content-Disposition")
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(body)
}

// badParam is a query parameter with a value the endpoint does not take.
// The query parameters the report endpoints read (their cache keys):
// /days also reads zone.
var (
	reportParams = []string{"format", "by", "from", "to", "day"}
	daysParams   = slices.Concat(reportParams, []string{"zone"})
)

type badParam struct {
	name, value string
	allowed     []string
}

func (e *badParam) Error() string {
	q := make([]string, len(e.allowed))
	for i, a := range e.allowed {
		q[i] = strconv.Quote(a)
	}
	return fmt.Sprintf("%v: %s %q is not one this endpoint has: %s", aggregator.ErrBadQuery, e.name, e.value, strings.Join(q, ", "))
}

func (e *badParam) Unwrap() error { return aggregator.ErrBadQuery }

// param returns query parameter name, or def when it is absent or empty;
// any other value outside allowed is answered with a 400 naming them.
func (h *handler) param(w http.ResponseWriter, r *http.Request, name, def string, allowed ...string) (string, bool) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return def, true
	}
	if slices.Contains(allowed, v) {
		return v, true
	}
	h.httpError(w, r, &badParam{name: name, value: v, allowed: allowed})
	return "", false
}

// format returns the ?format= asked for, the first of formats when none
// is; one the endpoint does not have is answered with a 400.
func (h *handler) format(w http.ResponseWriter, r *http.Request, formats ...string) (string, bool) {
	return h.param(w, r, "format", formats[0], formats...)
}
