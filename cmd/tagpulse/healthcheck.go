package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"
)

// cmdHealthcheck asks a running tagpulse for /healthz (or /readyz) and
// exits 0 when it answers 200, 1 otherwise: a container's HEALTHCHECK on an
// image without curl or a shell.
func cmdHealthcheck(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "healthcheck", "[-addr 127.0.0.1:8080] [-path /healthz] [-timeout 5s]\n\nExits 0 when the tagpulse listening on addr answers 200 on path, 1 otherwise (with the reason).")
	addr := fs.String("addr", "127.0.0.1:8080", "address tagpulse listens on (host:port; \":8080\" means this host)")
	path := fs.String("path", "/healthz", "what to ask: /healthz (alive) or /readyz (ready for traffic)")
	timeout := fs.Duration("timeout", 5*time.Second, "give up after this long")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: healthcheck takes no arguments", errUsage)
	}
	if *path != "/healthz" && *path != "/readyz" {
		return fmt.Errorf("%w: -path is /healthz or /readyz, not %q", errUsage, *path)
	}
	host, port, err := net.SplitHostPort(*addr)
	if err != nil {
		return fmt.Errorf("%w: -addr %q: %v", errUsage, *addr, err)
	}
	switch host {
	case "", "0.0.0.0":
		host = "127.0.0.1"
	case "::":
		host = "::1"
	}
	url := "http://" + net.JoinHostPort(host, port) + *path
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	text := strings.TrimSpace(string(body))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("healthcheck: %s answered %s: %s", url, resp.Status, text)
	}
	fmt.Fprintf(env.Stdout, "%s: %s\n", url, text)
	return nil
}
