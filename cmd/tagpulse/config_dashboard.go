package main

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/tagpulse/tagpulse/dashboard"
)

// DashboardConfig is the 'dashboard:' section of the configuration file:
// who may read the dashboard, the API and /metrics, and which campaigns
// have a public read-only link. Secrets come from the environment.
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
type DashboardConfig struct {
	Access  AccessConfig      `yaml:"access"`
	Metrics AccessConfig      `yaml:"metrics"`
	Public  map[string]string `yaml:"public"`
	// Hosts are the host names (without port) the dashboard is reached by,
	// besides localhost, 127.0.0.1 and [::1]. Listening on loopback, or
	// with hosts given, a request for any other Host is refused (421): a
	// page on another site cannot read the dashboard by DNS rebinding.
	Hosts []string `yaml:"hosts"`
}

// AccessConfig is one set of credentials: basic auth, a bearer token, or both.
type AccessConfig struct {
	User     string `yaml:"user"`
	Password string `yaml:"password"`
	Token    string `yaml:"token"`
}

func (a AccessConfig) access() dashboard.Access {
	return dashboard.Access{User: a.User, Password: a.Password, Token: a.Token}
}

// minSecret is the shortest token, password or public-link secret accepted:
// shorter ones can be guessed.
const minSecret = 16

// Validate refuses credentials that would protect nothing or little. It
// never prints a secret: they come from the environment.
func (d DashboardConfig) Validate() error {
	var errs []error
	for name, a := range map[string]AccessConfig{"dashboard.access": d.Access, "dashboard.metrics": d.Metrics} {
		if (a.User == "") != (a.Password == "") {
			errs = append(errs, fmt.Errorf("%s: user and password go together", name))
		}
		if a.Password != "" && len(a.Password) < minSecret {
			errs = append(errs, fmt.Errorf("%s.password: at least %d characters", name, minSecret))
		}
		if a.Token != "" && len(a.Token) < minSecret {
			errs = append(errs, fmt.Errorf("%s.token: at least %d characters", name, minSecret))
		}
	}
	names := make([]string, 0, len(d.Public))
	for c := range d.Public {
		names = append(names, c)
	}
	sort.Strings(names)
	seen := map[string]string{}
	for _, c := range names {
		s := d.Public[c]
		if len(s) < minSecret || strings.ContainsAny(s, "/?#% ") {
			errs = append(errs, fmt.Errorf("dashboard.public.%s: the secret must be at least %d characters, without / ? # %% or spaces", c, minSecret))
		}
		if other, dup := seen[s]; dup {
			errs = append(errs, fmt.Errorf("dashboard.public.%s: same secret as %s", c, other))
		}
		seen[s] = c
	}
	sort.Slice(errs, func(i, j int) bool { return errs[i].Error() < errs[j].Error() })
	return errors.Join(errs...)
}
