package main

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/tagpulse/tagpulse/aggregator"
	"github.com/tagpulse/tagpulse/config"
	"github.com/tagpulse/tagpulse/dashboard"
	"github.com/tagpulse/tagpulse/store/storetest"
)

const dashboardYAML = `
db: x.db
campaigns:
  - name: afp
    hashtags: [AllForPalestine]
    timezone: Asia/Gaza
dashboard:
  access:
    user: coordinators
    password: ${PW}
  metrics:
    token: ${MT}
  public:
    afp: ${PUB}
`

func TestDashboardConfig(t *testing.T) {
	env := map[string]string{"PW": "a-long-password-123", "MT": "metrics-token-0123456", "PUB": "public-link-secret-42"}
	cfg, err := config.Parse([]byte(dashboardYAML), "t.yml", func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	d := cfg.Dashboard
	if d.Access.User != "coordinators" || string(d.Access.Password) != env["PW"] || string(d.Metrics.Token) != env["MT"] || string(d.Public["afp"]) != env["PUB"] {
		t.Fatalf("section %+v", d)
	}
	agg := aggregator.New(storetest.Open(t), cfg.Campaigns, aggregator.Options{})
	h, err := serveHandler(agg, serveOptions{Dashboard: d})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		target, user, pass, bearer string
		want                       int
	}{
		{"/c/afp", "", "", "", 401},
		{"/c/afp", "coordinators", env["PW"], "", 200},
		{"/metrics", "coordinators", env["PW"], "", 401},
		{"/metrics", "", "", env["MT"], 200},
		{"/p/" + env["PUB"] + "/", "", "", "", 200},
	} {
		r := httptest.NewRequest("GET", c.target, nil)
		if c.user != "" {
			r.SetBasicAuth(c.user, c.pass)
		}
		if c.bearer != "" {
			r.Header.Set("Authorization", "Bearer "+c.bearer)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != c.want {
			t.Errorf("GET %s: %d, want %d", c.target, w.Code, c.want)
		}
	}
}

func TestDashboardConfigRefused(t *testing.T) {
	for name, c := range map[string]struct {
		env  map[string]string
		want string
	}{
		"short password": {map[string]string{"PW": "short", "MT": "metrics-token-0123456", "PUB": "public-link-secret-42"}, "dashboard.access.password"},
		"short token":    {map[string]string{"PW": "a-long-password-123", "MT": "short", "PUB": "public-link-secret-42"}, "dashboard.metrics.token"},
		"bad secret":     {map[string]string{"PW": "a-long-password-123", "MT": "metrics-token-0123456", "PUB": "has/slash/in/it/long"}, "dashboard.public.afp"},
	} {
		_, err := config.Parse([]byte(dashboardYAML), "t.yml", func(k string) string { return c.env[k] })
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err %v, want it to name %s", name, err, c.want)
			continue
		}
		for _, v := range c.env {
			if strings.Contains(err.Error(), v) {
				t.Errorf("%s: the error shows a secret: %v", name, err)
			}
		}
	}
}

// serveHandler builds the handler serve would, without listening.
func serveHandler(agg *aggregator.Aggregator, opts serveOptions) (http.Handler, error) {
	return dashboard.NewHandler(dashboardOptions(agg, dashboard.NewRegistry(agg), opts))
}
