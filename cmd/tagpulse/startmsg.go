package main

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"net/url"
	"slices"
	"syscall"

	"github.com/tagpulse/tagpulse/config"
)

// printLinks tells, at start, where the dashboard is, how to get in and the
// campaigns' public links. It never prints a password or token: it says
// where that is set (the configuration's key, in its file) and how a browser
// signs in with it.
func printLinks(w io.Writer, addr string, cfg *config.Config, file string) {
	base := "http://" + addr
	if cfg == nil {
		return
	}
	where := "the configuration"
	if file != "" {
		where = file
	}
	acc := cfg.Dashboard.Access
	switch {
	case acc.Token != "" && acc.Password != "":
		fmt.Fprintf(w, "  dashboard: %s/ — sign in with the token of dashboard.access.token in %s (or %s/?token=TOKEN), or as user %q with the password of dashboard.access.password\n", base, where, base, acc.User)
	case acc.Token != "":
		fmt.Fprintf(w, "  dashboard: %s/ — sign in with the token of dashboard.access.token in %s (or open %s/?token=TOKEN)\n", base, where, base)
	case acc.Password != "":
		fmt.Fprintf(w, "  dashboard: %s/ — sign in as user %q with the password of dashboard.access.password in %s\n", base, acc.User, where)
	default:
		fmt.Fprintf(w, "  dashboard: %s/ — open to anyone who can reach this address (no dashboard.access in %s)\n", base, where)
	}
	for _, c := range slices.Sorted(maps.Keys(cfg.Dashboard.Public)) {
		fmt.Fprintf(w, "  public read-only link of %s: %s/p/%s/\n", c, base, url.PathEscape(string(cfg.Dashboard.Public[c])))
	}
	if m := cfg.Dashboard.Metrics; m.Token != "" || m.Password != "" {
		fmt.Fprintf(w, "  metrics: %s/metrics — with the credentials of dashboard.metrics in %s\n", base, where)
	} else {
		fmt.Fprintf(w, "  metrics: %s/metrics\n", base)
	}
}

// listenError explains a failure to listen; an address already in use
// (another tagpulse, or another server) says how to choose another.
func listenError(addr string, err error) error {
	if errors.Is(err, syscall.EADDRINUSE) {
		host, _, splitErr := net.SplitHostPort(addr)
		if splitErr != nil {
			host = "127.0.0.1"
		}
		return fmt.Errorf("listen on %s: the address is already in use (another tagpulse or server?): stop it, or choose another port with -addr %s (or the configuration's listen)", addr, net.JoinHostPort(host, "8081"))
	}
	return fmt.Errorf("listen: %w", err)
}
