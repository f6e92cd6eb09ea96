package deploy_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tagpulse/tagpulse/internal/testneed"

	"github.com/tagpulse/tagpulse/deploy"
)

// lookTool finds a Prometheus program; see testneed.
func lookTool(t *testing.T, name string) string { t.Helper(); return testneed.Prometheus(t, name) }

func promtool(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command(lookTool(t, "promtool"), args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("promtool %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

func TestPromtoolCheckConfig(t *testing.T) {
	out := promtool(t, "prometheus", "check", "config", "prometheus.yml")
	if !strings.Contains(out, "SUCCESS: 1 rule files found") {
		t.Fatalf("promtool check config: the rule file was not loaded:\n%s", out)
	}
}

func TestPromtoolCheckRules(t *testing.T) {
	rules, err := deploy.RuleExprs()
	if err != nil {
		t.Fatal(err)
	}
	out := promtool(t, "prometheus", "check", "rules", "tagpulse.rules.yml")
	if want := fmt.Sprintf("SUCCESS: %d rules found", len(rules)); !strings.Contains(out, want) {
		t.Fatalf("promtool check rules: want %q:\n%s", want, out)
	}
}

func TestPromtoolTestRules(t *testing.T) {
	out := promtool(t, "prometheus", "test", "rules", "tagpulse.rules.test.yml")
	if !strings.Contains(out, "SUCCESS") {
		t.Fatalf("promtool test rules:\n%s", out)
	}
}

// TestEveryAlertHasAUnitTest: an alert without a case in the promtool tests
// is an alert nobody has seen fire.
func TestEveryAlertHasAUnitTest(t *testing.T) {
	rules, err := deploy.RuleExprs()
	if err != nil {
		t.Fatal(err)
	}
	tests, err := deploy.Files.ReadFile(deploy.RulesTest)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rules {
		if r.Alert == "" {
			continue
		}
		if !strings.Contains(string(tests), "alertname: "+r.Alert+"\n") {
			t.Errorf("alert %s has no case in %s", r.Alert, deploy.RulesTest)
		}
	}
}

// grafanaBuiltins are the Grafana variables a dashboard may use without
// defining them.
var grafanaBuiltins = []string{"__interval", "__interval_ms", "__rate_interval", "__range", "__range_s", "__range_ms", "__name"}

// TestDashboardModel checks what makes the dashboard import cleanly and
// work with any Prometheus data source: the datasource and campaign
// variables, every panel and target on the datasource variable, unique panel
// ids and refIds, panels inside the 24-column grid without overlaps, and
// only known variables in the queries.
func TestDashboardModel(t *testing.T) {
	d, err := deploy.ReadDashboard()
	if err != nil {
		t.Fatal(err)
	}
	if d.UID == "" || d.Title == "" || d.SchemaVersion < 36 {
		t.Errorf("uid %q, title %q, schemaVersion %d: want both set and schemaVersion >= 36", d.UID, d.Title, d.SchemaVersion)
	}
	vars := map[string]deploy.GrafanaVariable{}
	for _, v := range d.Templating.List {
		vars[v.Name] = v
	}
	if ds, ok := vars["datasource"]; !ok || ds.Type != "datasource" || ds.Query != "prometheus" {
		t.Errorf("templating: want a variable datasource of type datasource for prometheus, got %+v", ds)
	}
	if c, ok := vars["campaign"]; !ok || c.Type != "query" || !strings.HasPrefix(c.Definition, "label_values(") ||
		c.Datasource == nil || c.Datasource.UID != "${datasource}" || c.Multi || c.IncludeAll {
		// Single-valued: participants and reach cannot be summed across campaigns.
		t.Errorf("templating: want a single-valued campaign variable from label_values on ${datasource}, got %+v", c)
	}

	ids := map[int]string{}
	type cell struct{ x, y int }
	taken := map[cell]string{}
	var check func(ps []deploy.GrafanaPanel)
	check = func(ps []deploy.GrafanaPanel) {
		for _, p := range ps {
			if other, dup := ids[p.ID]; dup || p.ID == 0 {
				t.Errorf("panel %q: id %d missing or also used by %q", p.Title, p.ID, other)
			}
			ids[p.ID] = p.Title
			g := p.GridPos
			if g.W <= 0 || g.H <= 0 || g.X < 0 || g.X+g.W > 24 {
				t.Errorf("panel %q: gridPos %+v outside the 24-column grid", p.Title, g)
			}
			for x := g.X; x < g.X+g.W; x++ {
				for y := g.Y; y < g.Y+g.H; y++ {
					if other, ok := taken[cell{x, y}]; ok {
						t.Errorf("panel %q overlaps %q at (%d,%d)", p.Title, other, x, y)
					}
					taken[cell{x, y}] = p.Title
				}
			}
			if p.Type == "row" {
				check(p.Panels)
				continue
			}
			if p.Datasource == nil || p.Datasource.Type != "prometheus" || p.Datasource.UID != "${datasource}" {
				t.Errorf("panel %q: datasource %+v, want prometheus ${datasource}", p.Title, p.Datasource)
			}
			if len(p.Targets) == 0 {
				t.Errorf("panel %q has no query", p.Title)
			}
			refs := map[string]bool{}
			for _, tg := range p.Targets {
				if tg.RefID == "" || refs[tg.RefID] {
					t.Errorf("panel %q: refId %q empty or repeated", p.Title, tg.RefID)
				}
				refs[tg.RefID] = true
				if strings.TrimSpace(tg.Expr) == "" {
					t.Errorf("panel %q %s: empty expression", p.Title, tg.RefID)
				}
				if tg.Datasource == nil || tg.Datasource.UID != "${datasource}" {
					t.Errorf("panel %q %s: target datasource %+v, want ${datasource}", p.Title, tg.RefID, tg.Datasource)
				}
				for _, v := range deploy.Variables(tg.Expr) {
					if _, ok := vars[v]; !ok && !slices.Contains(grafanaBuiltins, v) {
						t.Errorf("panel %q %s: unknown variable $%s", p.Title, tg.RefID, v)
					}
				}
			}
		}
	}
	check(d.Panels)
}

// TestDashboardRequiredPanels: the panels the operators' issue asks for.
func TestDashboardRequiredPanels(t *testing.T) {
	qs, err := deploy.DashboardQueries()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{ // panel title: metrics its queries must use
		"Posts per minute by source":               {"tagpulse_posts_total"},
		"Posts per campaign day":                   {"tagpulse_posts_today"},
		"Top countries, campaign to date":          {"tagpulse_country_posts_total"},
		"Participants and potential reach today":   {"tagpulse_participants", "tagpulse_reach"},
		"Time since last success":                  {"tagpulse_collector_last_success_timestamp_seconds"},
		"Requests per minute by source and result": {"tagpulse_collector_requests_total"},
		"Rate-limit headroom":                      {"tagpulse_collector_rate_limit_remaining"},
	}
	for title, metrics := range want {
		var exprs string
		for _, q := range qs {
			if q.Panel == title {
				exprs += q.Expr + "\n"
			}
		}
		if exprs == "" {
			t.Errorf("no panel %q", title)
			continue
		}
		for _, m := range metrics {
			if !strings.Contains(exprs, m) {
				t.Errorf("panel %q does not use %s", title, m)
			}
		}
	}
}

// TestDashboardQueriesParse parses every dashboard expression offline, as
// recording rules checked by promtool, with the Grafana variables replaced
// as Grafana would. The integration test in cmd/tagpulse runs them against
// a real Prometheus and tagpulse demo.
func TestDashboardQueriesParse(t *testing.T) {
	qs, err := deploy.DashboardQueries()
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	b.WriteString("groups:\n  - name: dashboard\n    rules:\n")
	for i, q := range qs {
		expr, err := deploy.Substitute(q.Expr, deploy.GrafanaValues("allforpalestine", "15s"))
		if err != nil {
			t.Fatalf("panel %q %s: %v", q.Panel, q.RefID, err)
		}
		fmt.Fprintf(&b, "      - record: dashboard:query_%d\n        expr: %q\n", i, expr)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "dashboard.rules.yml"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	out := promtool(t, dir, "check", "rules", "dashboard.rules.yml")
	if want := fmt.Sprintf("SUCCESS: %d rules found", len(qs)); !strings.Contains(out, want) {
		t.Fatalf("want %q:\n%s", want, out)
	}
}

func TestSubstitute(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string
		fail           bool
	}{
		{"Plain", `rate(x{c="$campaign"}[$__rate_interval])`, `rate(x{c="afp"}[15s])`, false},
		{"Braces", `x{c="${campaign}"}`, `x{c="afp"}`, false},
		{"Format", `x{c=~"${campaign:regex}"}`, `x{c=~"afp"}`, false},
		{"Brackets", `x{c="[[campaign]]"}`, `x{c="afp"}`, false},
		{"Unknown", `x{c="$nope"}`, "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := deploy.Substitute(tc.in, deploy.GrafanaValues("afp", "15s"))
			if (err != nil) != tc.fail || got != tc.want {
				t.Fatalf("Substitute(%q) = %q, %v; want %q (error: %v)", tc.in, got, err, tc.want, tc.fail)
			}
		})
	}
}
