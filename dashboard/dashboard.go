// Package dashboard serves tagpulse over HTTP: the coordinators' pages
// (templates and assets embedded, no CDN), the JSON/CSV API under /api/v1/,
// server-sent events that tell pages the figures changed, /healthz, and
// /metrics from a private Prometheus registry. It reads rollups through the
// aggregator and never scans raw posts in a request.
package dashboard

import (
	"embed"
	"errors"
	"io/fs"
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/tagpulse/tagpulse/aggregator"
)

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed static
var staticFiles embed.FS

// Options are what the handler serves.
type Options struct {
	Aggregator *aggregator.Aggregator
	// Gatherer serves /metrics; nil leaves /metrics out.
	Gatherer prometheus.Gatherer
	// Sources returns the collectors' health for /api/v1/sources (JSON-encodable); nil: none.
	Sources func() any
	Logger  *slog.Logger
	Now     func() time.Time // for "today"; time.Now when nil
}

type handler struct {
	agg     *aggregator.Aggregator
	sources func() any
	log     *slog.Logger
	now     func() time.Time
	pages   *pages
}

// NewHandler returns the whole HTTP surface. It parses the templates now and
// fails if one is broken.
func NewHandler(opts Options) (http.Handler, error) {
	h := &handler{agg: opts.Aggregator, sources: opts.Sources, log: opts.Logger, now: opts.Now}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	if h.now == nil {
		h.now = time.Now
	}
	var err error
	if h.pages, err = parsePages(); err != nil {
		return nil, err
	}
	static, _ := fs.Sub(staticFiles, "static")

	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", h.healthz)
	mux.HandleFunc("GET /api/v1/campaigns", h.listCampaigns)
	mux.HandleFunc("GET /api/v1/campaigns/{name}", h.showCampaign)
	mux.HandleFunc("GET /api/v1/campaigns/{name}/totals", h.report(""))
	mux.HandleFunc("GET /api/v1/campaigns/{name}/days", h.report(aggregator.ByDay))
	mux.HandleFunc("GET /api/v1/campaigns/{name}/hours", h.report(aggregator.ByHour))
	mux.HandleFunc("GET /api/v1/campaigns/{name}/top", h.showTop)
	mux.HandleFunc("GET /api/v1/sources", h.listSources)
	mux.HandleFunc("GET /api/v1/events", h.events)
	if opts.Gatherer != nil {
		mux.Handle("GET /metrics", promhttp.HandlerFor(opts.Gatherer, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError}))
	}
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))
	mux.HandleFunc("GET /{$}", h.showIndex)
	mux.HandleFunc("GET /c/{name}", h.showCampaignPage)
	return secure(mux), nil
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
	http.Error(w, msg, code)
}
