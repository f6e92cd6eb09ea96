package main

import (
	"cmp"
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tagpulse/tagpulse/aggregator"
	"github.com/tagpulse/tagpulse/config"
	"github.com/tagpulse/tagpulse/dashboard"
	"github.com/tagpulse/tagpulse/store"
)

// serveOptions are what serve needs besides the aggregator.
type serveOptions struct {
	Addr     string
	Registry *prometheus.Registry                       // nil: dashboard.NewRegistry(agg)
	Sources  func(campaign string) []store.SourceHealth // collectors' health for /api/v1/sources
	Logger   *slog.Logger
	// Dashboard carries the dashboard section of the configuration (access, public links…).
	Dashboard config.Dashboard
	// BackupToken, from TAGPULSE_BACKUP_TOKEN, turns on GET /backup for
	// clients on this host that present it; "" leaves it off.
	BackupToken string
	// Ready, when set, is one more condition of /readyz (a cluster's
	// serve node caught up with the stream); it returns the reason when not.
	Ready func() (bool, string)
	// Import, when set, turns on POST /import ('tagpulse import -server')
	// into the running tagpulse's store; its Token guards it like /backup's.
	Import *importTarget
	// limits bounds what a client may hold of the server; zero fields take
	// defaultLimits' (tests set their own).
	limits serveLimits
}

// serveLimits bound how long, and how much, a client may hold the server.
// No overall WriteTimeout: it would cut event streams and backups, which
// instead renew their own deadline with every write, so a client that
// reads slowly is served and one that stopped reading is let go.
type serveLimits struct {
	// ReadTimeout bounds reading a request, body included (headers alone
	// have 10 s). Once the body is read net/http lifts it, so it does not
	// limit how long a response may take.
	ReadTimeout time.Duration
	// WriteTimeout is how long any other response has to be written.
	WriteTimeout time.Duration
	// IdleTimeout closes keep-alive connections idle this long.
	IdleTimeout time.Duration
	// BackupWriteTimeout is how long one write of /backup may block: a
	// reader that stops is cut off, ending the store's read transaction,
	// which would otherwise keep the file from reusing pages (it grows) and
	// hold the memory map from being grown by writers.
	BackupWriteTimeout time.Duration
	// MaxEventStreams, StreamWriteTimeout and EventKeepAlive go to the
	// dashboard's options of those names.
	MaxEventStreams    int
	StreamWriteTimeout time.Duration
	EventKeepAlive     time.Duration
}

var defaultLimits = serveLimits{
	ReadTimeout:        30 * time.Second,
	WriteTimeout:       60 * time.Second,
	IdleTimeout:        2 * time.Minute,
	BackupWriteTimeout: 30 * time.Second,
	MaxEventStreams:    dashboard.DefaultMaxEventStreams,
	StreamWriteTimeout: dashboard.DefaultStreamWriteTimeout,
	EventKeepAlive:     dashboard.DefaultEventKeepAlive,
}

// orDefaults is l with defaultLimits in its zero fields.
func (l serveLimits) orDefaults() serveLimits {
	d := defaultLimits
	return serveLimits{
		ReadTimeout:        cmp.Or(l.ReadTimeout, d.ReadTimeout),
		WriteTimeout:       cmp.Or(l.WriteTimeout, d.WriteTimeout),
		IdleTimeout:        cmp.Or(l.IdleTimeout, d.IdleTimeout),
		BackupWriteTimeout: cmp.Or(l.BackupWriteTimeout, d.BackupWriteTimeout),
		MaxEventStreams:    cmp.Or(l.MaxEventStreams, d.MaxEventStreams),
		StreamWriteTimeout: cmp.Or(l.StreamWriteTimeout, d.StreamWriteTimeout),
		EventKeepAlive:     cmp.Or(l.EventKeepAlive, d.EventKeepAlive),
	}
}

// maxHeaderBytes bounds a request's headers (net/http's default is 1 MB);
// the dashboard's requests carry a few cookies and a language list.
const maxHeaderBytes = 64 << 10

// backupTokenEnv names the variable that holds the /backup token, for the
// server and for 'backup -server' alike.
const backupTokenEnv = "TAGPULSE_BACKUP_TOKEN"

// minBackupTokenLen is the shortest /backup token accepted.
const minBackupTokenLen = 16

// serve runs the HTTP server until ctx ends, then shuts it down gracefully
// (5 s for open requests; event streams end with their request contexts).
func serve(ctx context.Context, env *Env, agg *aggregator.Aggregator, opts serveOptions) error {
	reg := opts.Registry
	if reg == nil {
		reg = dashboard.NewRegistry(agg)
	}
	if t := opts.BackupToken; t != "" && len(t) < minBackupTokenLen {
		return fmt.Errorf("%s is %d characters: use at least %d (e.g. openssl rand -hex 16)", backupTokenEnv, len(t), minBackupTokenLen)
	}
	if opts.Import != nil {
		if t := opts.Import.Token; t != "" && len(t) < minBackupTokenLen {
			return fmt.Errorf("%s is %d characters: use at least %d (e.g. openssl rand -hex 16)", importTokenEnv, len(t), minBackupTokenLen)
		}
	}
	opts.limits = opts.limits.orDefaults()
	lim := opts.limits
	h, err := dashboard.NewHandler(dashboardOptions(agg, reg, opts))
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", opts.Addr)
	if err != nil {
		return listenError(opts.Addr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("/", h)
	mux.HandleFunc("GET /backup", backupHandler(agg, opts.BackupToken, lim.BackupWriteTimeout, opts.Logger))
	if opts.Import != nil {
		mux.HandleFunc("POST /import", importHandler(*opts.Import, opts.Logger))
	}
	var handler http.Handler = mux
	if tcp, ok := ln.Addr().(*net.TCPAddr); (ok && tcp.IP.IsLoopback()) || len(opts.Dashboard.Hosts) > 0 {
		handler = hostGuard(opts.Dashboard.Hosts, mux)
	}
	srv := &http.Server{
		Handler:           writeDeadline(lim.WriteTimeout, handler),
		ReadHeaderTimeout: min(10*time.Second, lim.ReadTimeout),
		ReadTimeout:       lim.ReadTimeout,
		IdleTimeout:       lim.IdleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		BaseContext:       func(net.Listener) context.Context { return ctx },
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	addr := ln.Addr().String()
	if opts.Logger != nil {
		opts.Logger.Info("serving", "addr", "http://"+addr+"/")
	}
	if env.Ready != nil {
		env.Ready(addr)
	}
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

// dashboardOptions builds the dashboard's options from the wiring and the
// dashboard config section.
func dashboardOptions(agg *aggregator.Aggregator, reg *prometheus.Registry, opts serveOptions) dashboard.Options {
	d := opts.Dashboard
	return dashboard.Options{
		Aggregator:    agg,
		Gatherer:      reg,
		Sources:       opts.Sources,
		Logger:        opts.Logger,
		Access:        dashboardAccess(d.Access),
		MetricsAccess: dashboardAccess(d.Metrics),
		Public:        publicLinks(d.Public),
		Ready:         opts.Ready,

		MaxEventStreams:    opts.limits.MaxEventStreams,
		StreamWriteTimeout: opts.limits.StreamWriteTimeout,
		EventKeepAlive:     opts.limits.EventKeepAlive,
	}
}

// dashboardAccess maps the configuration's credentials onto the dashboard's.
func dashboardAccess(a config.Access) dashboard.Access {
	return dashboard.Access{User: a.User, Password: string(a.Password), Token: string(a.Token)}
}

// publicLinks maps campaigns to the secrets of their public links.
func publicLinks(p map[string]config.Secret) map[string]string {
	if p == nil {
		return nil
	}
	out := make(map[string]string, len(p))
	for c, s := range p {
		out[c] = string(s)
	}
	return out
}

// writeDeadline gives every response d to be written, as a server's
// WriteTimeout would, but as a deadline that handlers of long responses
// (event streams, /backup) replace with their own.
func writeDeadline(d time.Duration, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.NewResponseController(w).SetWriteDeadline(time.Now().Add(d))
		next.ServeHTTP(w, r)
	})
}

// progressDeadline renews a response's write deadline before every write,
// so a long response lasts as long as its client keeps reading. It has
// only Write: io.Copy then writes in chunks (no sendfile), each with its
// own deadline.
type progressDeadline struct {
	w  http.ResponseWriter
	rc *http.ResponseController
	d  time.Duration
}

func (p *progressDeadline) Write(b []byte) (int, error) {
	if err := p.rc.SetWriteDeadline(time.Now().Add(p.d)); err != nil && !errors.Is(err, http.ErrNotSupported) {
		return 0, err
	}
	return p.w.Write(b)
}

// backupHandler streams a consistent copy of the store (one read
// transaction) for `tagpulse backup -server`. The store holds every raw
// post, so it is off unless a token is set, and then answers only clients on
// this host that present it: a reverse proxy on the same host also connects
// from loopback, so the address alone proves nothing.
//
// The copy is written within one read transaction, so each write has
// writeTimeout: a client that stops reading is cut off and the transaction
// ends (an open one keeps the file from reusing pages, so it grows, and
// keeps writers from growing the memory map).
func backupHandler(agg *aggregator.Aggregator, token string, writeTimeout time.Duration, log *slog.Logger) http.HandlerFunc {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return func(w http.ResponseWriter, r *http.Request) {
		if token == "" {
			http.Error(w, "backups over HTTP are off: start tagpulse with "+backupTokenEnv+" set, and give 'tagpulse backup -server' the same", http.StatusNotFound)
			return
		}
		host, _, err := net.SplitHostPort(r.RemoteAddr)
		if ip := net.ParseIP(host); err != nil || ip == nil || !ip.IsLoopback() {
			http.Error(w, "backups are served to this host only", http.StatusForbidden)
			return
		}
		got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || subtle.ConstantTimeCompare([]byte(got), []byte(token)) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="tagpulse backup"`)
			http.Error(w, "a backup needs the server's "+backupTokenEnv, http.StatusUnauthorized)
			return
		}
		size := agg.StoreSize()
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("Content-Length", strconv.FormatInt(size, 10))
		w.Header().Set("Content-Disposition", `attachment; filename="tagpulse-backup.db"`)
		rc := http.NewResponseController(w)
		if n, err := agg.Backup(&progressDeadline{w: w, rc: rc, d: writeTimeout}); err != nil {
			// Headers are gone; the client sees a short body and fails.
			log.Warn("backup cut short", "bytes", n, "of", size, "err", err)
			return
		}
	}
}

// hostGuard answers 421 Misdirected Request to a request whose Host is not
// localhost, a loopback address or one of hosts. A server on loopback is
// otherwise readable by any web page its user opens, through DNS
// rebinding: the page's own name, re-pointed at 127.0.0.1, reaches it with
// the page's origin.
func hostGuard(hosts []string, next http.Handler) http.Handler {
	allowed := map[string]bool{"localhost": true}
	for _, h := range hosts {
		allowed[strings.ToLower(strings.TrimSuffix(h, "."))] = true
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host := r.Host
		if h, _, err := net.SplitHostPort(host); err == nil {
			host = h
		}
		host = strings.ToLower(strings.TrimSuffix(strings.Trim(host, "[]"), "."))
		ip := net.ParseIP(host)
		if !allowed[host] && (ip == nil || !ip.IsLoopback()) && !strings.HasSuffix(host, ".localhost") {
			http.Error(w, "this tagpulse does not answer for host "+strconvQuote(r.Host)+": add it to dashboard.hosts", http.StatusMisdirectedRequest)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func strconvQuote(s string) string {
	if len(s) > 100 {
		s = s[:100]
	}
	return strconv.Quote(s)
}
