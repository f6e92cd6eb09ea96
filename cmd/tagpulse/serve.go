package main

import (
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
	"github.com/tagpulse/tagpulse/dashboard"
)

// serveOptions are what serve needs besides the aggregator.
type serveOptions struct {
	Addr     string
	Registry *prometheus.Registry // nil: dashboard.NewRegistry(agg)
	Sources  func() any           // collectors' health for /api/v1/sources
	Logger   *slog.Logger
	// Dashboard carries the dashboard section of the configuration (access, public links…).
	Dashboard DashboardConfig
	// BackupToken, from TAGPULSE_BACKUP_TOKEN, turns on GET /backup for
	// clients on this host that present it; "" leaves it off.
	BackupToken string
}

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
	h, err := dashboard.NewHandler(dashboardOptions(agg, reg, opts))
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", opts.Addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("/", h)
	mux.HandleFunc("GET /backup", backupHandler(agg, opts.BackupToken))
	srv := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
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
		Now:           agg.Now,
		Access:        d.Access.access(),
		MetricsAccess: d.Metrics.access(),
		Public:        d.Public,
	}
}

// backupHandler streams a consistent copy of the store (one read
// transaction) for `tagpulse backup -server`. The store holds every raw
// post, so it is off unless a token is set, and then answers only clients on
// this host that present it: a reverse proxy on the same host also connects
// from loopback, so the address alone proves nothing.
func backupHandler(agg *aggregator.Aggregator, token string) http.HandlerFunc {
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
		db := agg.DB()
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("Content-Length", strconv.FormatInt(db.Size(), 10))
		w.Header().Set("Content-Disposition", `attachment; filename="tagpulse-backup.db"`)
		if _, err := db.Backup(w); err != nil {
			// Headers are gone; the client sees a short body and fails.
			return
		}
	}
}
