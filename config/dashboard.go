package config

import (
	"maps"
	"slices"
	"strings"

	"github.com/tagpulse/tagpulse/store"
)

// Dashboard is the dashboard: section: who may read the dashboard, the API
// and /metrics, and which campaigns have a public read-only link. Secrets
// come from the environment.
//
//	dashboard:
//	  access:                       # pages and /api/v1 (read-only either way)
//	    user: coordinators          # HTTP basic auth…
//	    password: ${TAGPULSE_DASHBOARD_PASSWORD}
//	    token: ${TAGPULSE_DASHBOARD_TOKEN}   # …and/or "Authorization: Bearer"
//	  metrics:                      # /metrics, separately (Prometheus)
//	    token: ${TAGPULSE_METRICS_TOKEN}
//	  public:                       # campaign → secret: /p/SECRET/ shows that campaign read-only
//	    allforpalestine: ${TAGPULSE_PUBLIC_AFP}
//
// Without access (or metrics), that part is open: bind to 127.0.0.1 or put
// it behind a proxy that authenticates.
type Dashboard struct {
	Access  Access            `yaml:"access"`
	Metrics Access            `yaml:"metrics"`
	Public  map[string]Secret `yaml:"public"`
	// Hosts are the host names (without port) the dashboard is reached by,
	// besides localhost, 127.0.0.1 and [::1]. Listening on loopback, or
	// with hosts given, a request for any other Host is refused (421): a
	// page on another site cannot read the dashboard by DNS rebinding.
	Hosts []string `yaml:"hosts"`
}

// Access is one set of credentials: basic auth, a bearer token, or both.
type Access struct {
	User     string `yaml:"user"`
	Password Secret `yaml:"password"`
	Token    Secret `yaml:"token"`
}

// MinSecret is the shortest token, password or public-link secret
// accepted: shorter ones can be guessed.
const MinSecret = 16

// checkDashboard refuses credentials that would protect nothing or little,
// and public links to campaigns that do not exist. It never prints a
// secret.
func (p *parser) checkDashboard(d *Dashboard, campaigns []store.Campaign) {
	for _, part := range []struct {
		key string
		a   Access
	}{{"dashboard.access", d.Access}, {"dashboard.metrics", d.Metrics}} {
		a := part.a
		switch {
		case a.User != "" && a.Password == "":
			p.errorAt(part.key+".password", "missing: user and password go together")
		case a.User == "" && a.Password != "":
			p.errorAt(part.key+".user", "missing: user and password go together")
		}
		if a.Password != "" && len(a.Password) < MinSecret {
			p.errorAt(part.key+".password", "at least %d characters", MinSecret)
		}
		if a.Token != "" && len(a.Token) < MinSecret {
			p.errorAt(part.key+".token", "at least %d characters", MinSecret)
		}
	}
	names := make([]string, len(campaigns))
	for i, c := range campaigns {
		names[i] = c.Name
	}
	seen := map[Secret]string{}
	for _, c := range slices.Sorted(maps.Keys(d.Public)) {
		key := "dashboard.public." + c
		if !slices.Contains(names, c) {
			p.errorAt(key, "no campaign is called %q (campaigns: %s)", c, strings.Join(names, ", "))
		}
		s := d.Public[c]
		if len(s) < MinSecret || strings.ContainsAny(string(s), "/?#% ") {
			p.errorAt(key, "the secret must be at least %d characters, without / ? # %% or spaces", MinSecret)
		}
		if other, dup := seen[s]; dup {
			p.errorAt(key, "same secret as dashboard.public.%s", other)
		}
		seen[s] = c
	}
}
