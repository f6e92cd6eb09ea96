package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
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
}

// serve runs the HTTP server until ctx ends, then shuts it down gracefully
// (5 s for open requests; event streams end with their request contexts).
func serve(ctx context.Context, env *Env, agg *aggregator.Aggregator, opts serveOptions) error {
	reg := opts.Registry
	if reg == nil {
		reg = dashboard.NewRegistry(agg)
	}
	h, err := dashboard.NewHandler(dashboardOptions(agg, reg, opts))
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", opts.Addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	srv := &http.Server{
		Handler:           h,
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
