package deploy_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode"

	"go.yaml.in/yaml/v3"

	"github.com/tagpulse/tagpulse/internal/testneed"

	"github.com/tagpulse/tagpulse/deploy"
)

// promtoolsEnv lists the promtool programs the tests run with, separated
// as in PATH; unset, the promtool on PATH. .ci/run sets it to Debian's
// promtool 2 and a promtool 3 built from the Prometheus module, so the
// rules and the dashboard queries hold on both.
const promtoolsEnv = "TAGPULSE_PROMTOOLS"

// promtoolBin is one promtool program and its version.
type promtoolBin struct {
	path    string
	version string // 2.42.0
	major   int
}

var promtoolVersionRE = regexp.MustCompile(`version (\d+)\.(\d+)\.(\d+)`)

// promtools finds the promtool programs to test with; see promtoolsEnv. A
// missing one fails the test in CI and skips it elsewhere (testneed).
func promtools(t *testing.T) []promtoolBin {
	t.Helper()
	names := filepath.SplitList(os.Getenv(promtoolsEnv))
	if len(names) == 0 {
		names = []string{"promtool"}
	}
	var out []promtoolBin
	for _, n := range names {
		bin := testneed.Program(t, "Debian: apt-get install prometheus; a promtool 3: .ci/run builds one (set "+promtoolsEnv+")", n)
		v, err := exec.Command(bin, "--version").CombinedOutput()
		m := promtoolVersionRE.FindStringSubmatch(string(v))
		if err != nil || m == nil {
			t.Fatalf("%s --version: %v\n%s", bin, err, v)
		}
		major, _ := strconv.Atoi(m[1])
		out = append(out, promtoolBin{path: bin, version: m[1] + "." + m[2] + "." + m[3], major: major})
	}
	return out
}

// eachPromtool runs f as a subtest for every promtool of promtools.
func eachPromtool(t *testing.T, f func(t *testing.T, bin string)) {
	t.Helper()
	for _, p := range promtools(t) {
		t.Run("promtool-"+p.version, func(t *testing.T) { f(t, p.path) })
	}
}

// TestPromtoolVersions: in CI the promtool tests run on a Prometheus 2 and
// a Prometheus 3, whose range selectors differ at the left edge.
func TestPromtoolVersions(t *testing.T) {
	majors := map[int]string{}
	for _, p := range promtools(t) {
		majors[p.major] = p.path
	}
	t.Logf("promtool versions: %v", majors)
	if majors[2] == "" || majors[3] == "" {
		testneed.Missing(t, fmt.Sprintf("want a promtool 2.x and a 3.x in %s (list separated by %q), have %v", promtoolsEnv, filepath.ListSeparator, majors))
	}
}

func promtool(t *testing.T, bin, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("promtool %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

func TestPromtoolCheckConfig(t *testing.T) {
	eachPromtool(t, func(t *testing.T, bin string) {
		out := promtool(t, bin, "prometheus", "check", "config", "prometheus.yml")
		if !strings.Contains(out, "SUCCESS: 1 rule files found") {
			t.Fatalf("promtool check config: the rule file was not loaded:\n%s", out)
		}
	})
}

func TestPromtoolCheckRules(t *testing.T) {
	rules, err := deploy.RuleExprs()
	if err != nil {
		t.Fatal(err)
	}
	eachPromtool(t, func(t *testing.T, bin string) {
		out := promtool(t, bin, "prometheus", "check", "rules", "tagpulse.rules.yml")
		if want := fmt.Sprintf("SUCCESS: %d rules found", len(rules)); !strings.Contains(out, want) {
			t.Fatalf("promtool check rules: want %q:\n%s", want, out)
		}
	})
}

func TestPromtoolTestRules(t *testing.T) {
	eachPromtool(t, func(t *testing.T, bin string) {
		out := promtool(t, bin, "prometheus", "test", "rules", "tagpulse.rules.test.yml")
		if !strings.Contains(out, "SUCCESS") {
			t.Fatalf("promtool test rules:\n%s", out)
		}
	})
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
	if j, ok := vars["job"]; !ok || j.Type != "query" || !strings.HasPrefix(j.Definition, "label_values(") ||
		j.Datasource == nil || j.Datasource.UID != "${datasource}" || j.Multi || j.IncludeAll {
		// Single-valued: the queries match it with job="$job".
		t.Errorf("templating: want a single-valued job variable from label_values on ${datasource}, got %+v", j)
	}
	if i, ok := vars["instance"]; !ok || i.Type != "query" || !strings.HasPrefix(i.Definition, "label_values(") ||
		i.Datasource == nil || i.Datasource.UID != "${datasource}" || !i.Multi || !i.IncludeAll {
		t.Errorf("templating: want a multi-valued instance variable with All from label_values on ${datasource}, got %+v", i)
	}
	// A variable's query may use only the variables before it: Grafana
	// resolves them in order.
	var before []string
	for _, v := range d.Templating.List {
		if v.Type == "query" {
			for _, used := range deploy.Variables(v.VariableQuery()) {
				if !slices.Contains(before, used) {
					t.Errorf("variable %s uses $%s, which is not defined before it", v.Name, used)
				}
			}
		}
		before = append(before, v.Name)
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

// metricNameRE finds the metric names in a dashboard query: tagpulse's own
// and the Go and process collectors'.
var metricNameRE = regexp.MustCompile(`\b(?:tagpulse|process|go)_[A-Za-z0-9_:]*`)

// selectorMatchers returns, for every metric a PromQL expression selects,
// its label matchers as written (nil for a metric without braces).
func selectorMatchers(expr string) map[int][]string {
	out := map[int][]string{}
	for _, loc := range metricNameRE.FindAllStringIndex(expr, -1) {
		rest := strings.TrimLeft(expr[loc[1]:], " ")
		var ms []string
		if strings.HasPrefix(rest, "{") {
			end := strings.Index(rest, "}")
			if end < 0 {
				end = len(rest)
			}
			for _, m := range strings.Split(rest[1:end], ",") {
				ms = append(ms, strings.TrimSpace(m))
			}
		}
		out[loc[0]] = ms
	}
	return out
}

// TestDashboardFilters: with several tagpulse jobs or instances scraped,
// every query, and every variable's but the job variable's own, must select
// only the chosen job and instances, else figures of several instances get
// added up and the campaign list mixes them.
func TestDashboardFilters(t *testing.T) {
	d, err := deploy.ReadDashboard()
	if err != nil {
		t.Fatal(err)
	}
	qs, err := deploy.DashboardQueries()
	if err != nil {
		t.Fatal(err)
	}
	type checked struct{ what, expr string }
	var all []checked
	for _, q := range qs {
		all = append(all, checked{fmt.Sprintf("panel %q %s", q.Panel, q.RefID), q.Expr})
	}
	for _, v := range d.Templating.List {
		if v.Type == "query" && v.Name != "job" {
			all = append(all, checked{"variable " + v.Name, v.VariableQuery()})
		}
	}
	if len(all) < 20 {
		t.Fatalf("only %d queries found; the extraction is broken", len(all))
	}
	for _, c := range all {
		sel := selectorMatchers(c.expr)
		if len(sel) == 0 {
			t.Errorf("%s: no metric found in %q", c.what, c.expr)
		}
		for at, ms := range sel {
			name := metricNameRE.FindString(c.expr[at:])
			if !slices.Contains(ms, `job="$job"`) {
				t.Errorf("%s: %s without job=\"$job\" in %q", c.what, name, c.expr)
			}
			if c.what != "variable instance" && !slices.Contains(ms, `instance=~"$instance"`) {
				t.Errorf("%s: %s without instance=~\"$instance\" in %q", c.what, name, c.expr)
			}
		}
	}
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
		"Participants and potential reach today":   {"tagpulse_participants_today", "tagpulse_reach_today"},
		"Time since last success":                  {"tagpulse_collector_last_success_timestamp_seconds"},
		"Requests per minute by poller and result": {"tagpulse_collector_requests_total"},
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
	eachPromtool(t, func(t *testing.T, bin string) {
		out := promtool(t, bin, dir, "check", "rules", "dashboard.rules.yml")
		if want := fmt.Sprintf("SUCCESS: %d rules found", len(qs)); !strings.Contains(out, want) {
			t.Fatalf("want %q:\n%s", want, out)
		}
	})
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

// dashboardCase is a dashboard query evaluated by promtool on made-up
// series: what a panel shows for them.
type dashboardCase struct {
	name         string
	panel, refID string
	values       map[string]string // overrides of GrafanaValues("afp", "5m")
	series       []string          // 'metric{labels} values', promtool's expanding notation
	evalTime     string
	want         map[string]float64 // sample labels ({a="b"}) to value
}

// twoInstances is what Prometheus holds with two tagpulse instances of job
// tagpulse and one of another job, all counting campaign afp.
var twoInstances = []string{
	`tagpulse_campaign_active{job="tagpulse",instance="tp:8080",env="production",campaign="afp"} 1x10`,
	`tagpulse_campaign_active{job="tagpulse",instance="tp:9090",env="production",campaign="afp"} 1x10`,
	`tagpulse_campaign_active{job="tagpulse-staging",instance="tp:8080",campaign="afp"} 1x10`,
	`tagpulse_participants_today{job="tagpulse",instance="tp:8080",env="production",campaign="afp"} 10x10`,
	`tagpulse_participants_today{job="tagpulse",instance="tp:9090",env="production",campaign="afp"} 7x10`,
	`tagpulse_participants_today{job="tagpulse-staging",instance="tp:8080",campaign="afp"} 100x10`,
	`tagpulse_posts_total{job="tagpulse",instance="tp:8080",env="production",campaign="afp",source="x",kind="original"} 0+1x10`,
	`tagpulse_posts_total{job="tagpulse",instance="tp:9090",env="production",campaign="afp",source="x",kind="original"} 0+2x10`,
	`tagpulse_posts_total{job="tagpulse-staging",instance="tp:8080",campaign="afp",source="x",kind="original"} 0+5x10`,
	// Campaign "new" has no post yet on tp:8080.
	`tagpulse_campaign_active{job="tagpulse",instance="tp:8080",env="production",campaign="new"} 1x10`,
}

var dashboardCases = []dashboardCase{
	{
		name: "participants today are never added across instances", panel: "Participants today", refID: "A",
		series: twoInstances, evalTime: "10m",
		want: map[string]float64{`{instance="tp:8080"}`: 10, `{instance="tp:9090"}`: 7},
	},
	{
		name: "participants today of the chosen instance", panel: "Participants today", refID: "A",
		values: map[string]string{"instance": "tp:9090"}, series: twoInstances, evalTime: "10m",
		want: map[string]float64{`{instance="tp:9090"}`: 7},
	},
	{
		name: "posts to date per instance of the chosen job", panel: "Posts, campaign to date", refID: "A",
		values: map[string]string{"job": "tagpulse"}, series: twoInstances, evalTime: "10m",
		want: map[string]float64{`{instance="tp:8080"}`: 10, `{instance="tp:9090"}`: 20},
	},
	{
		name: "posts to date are 0 for a campaign without posts", panel: "Posts, campaign to date", refID: "A",
		values: map[string]string{"campaign": "new"}, series: twoInstances, evalTime: "10m",
		want: map[string]float64{`{instance="tp:8080"}`: 0},
	},
	{
		name: "time since last success shows every poller, also one that never succeeded", panel: "Time since last success", refID: "A",
		values: map[string]string{"instance": "tp:8080"},
		series: []string{
			`process_start_time_seconds{job="tagpulse",instance="tp:8080"} 0x20`,
			// Healthy: succeeds every minute.
			`tagpulse_collector_last_success_timestamp_seconds{job="tagpulse",instance="tp:8080",source="mastodon",poller="mastodon:a"} 0+60x20`,
			`tagpulse_collector_requests_total{job="tagpulse",instance="tp:8080",source="mastodon",poller="mastodon:a",result="ok"} 0+1x20`,
			// Stalled since 10m, hidden behind mastodon:a by a max by source.
			`tagpulse_collector_last_success_timestamp_seconds{job="tagpulse",instance="tp:8080",source="mastodon",poller="mastodon:b"} 0+60x10 600x10`,
			`tagpulse_collector_requests_total{job="tagpulse",instance="tp:8080",source="mastodon",poller="mastodon:b",result="ok"} 0+1x10 10x10`,
			// Requests, never a success: the time since tagpulse started.
			`tagpulse_collector_requests_total{job="tagpulse",instance="tp:8080",source="x",poller="x:afp",result="ok"} 0x20`,
			`tagpulse_collector_requests_total{job="tagpulse",instance="tp:8080",source="x",poller="x:afp",result="error"} 0+1x20`,
		},
		evalTime: "20m",
		want: map[string]float64{
			`{instance="tp:8080",poller="mastodon:a"}`: 0,
			`{instance="tp:8080",poller="mastodon:b"}`: 600,
			`{instance="tp:8080",poller="x:afp"}`:      1200,
		},
	},
	{
		name: "top countries leave out ZZ", panel: "Top countries, campaign to date", refID: "A",
		series: []string{
			`tagpulse_country_posts_total{job="tagpulse",instance="tp:8080",campaign="afp",country="ZZ"} 30x5`,
			`tagpulse_country_posts_total{job="tagpulse",instance="tp:8080",campaign="afp",country="PS"} 50x5`,
			`tagpulse_country_posts_total{job="tagpulse",instance="tp:8080",campaign="afp",country="GB"} 20x5`,
		},
		evalTime: "5m",
		want:     map[string]float64{`{instance="tp:8080",country="PS"}`: 50, `{instance="tp:8080",country="GB"}`: 20},
	},
	{
		name: "unknown country share", panel: "Unknown country", refID: "A",
		series: []string{
			`tagpulse_country_posts_total{job="tagpulse",instance="tp:8080",campaign="afp",country="ZZ"} 30x5`,
			`tagpulse_country_posts_total{job="tagpulse",instance="tp:8080",campaign="afp",country="PS"} 50x5`,
			`tagpulse_country_posts_total{job="tagpulse",instance="tp:8080",campaign="afp",country="GB"} 20x5`,
			// No unknown posts at all: 0, not nothing.
			`tagpulse_country_posts_total{job="tagpulse",instance="tp:9090",campaign="afp",country="PS"} 50x5`,
		},
		evalTime: "5m",
		want:     map[string]float64{`{instance="tp:8080"}`: 0.3, `{instance="tp:9090"}`: 0},
	},
	{
		name: "poll duration only for sources that polled", panel: "Poll duration (p50, p90)", refID: "A",
		series: []string{
			// A poller: one poll a minute, each under 0.5 s.
			`tagpulse_collector_request_duration_seconds_bucket{job="tagpulse",instance="tp:8080",source="x",poller="x:afp",le="0.5"} 0+1x10`,
			`tagpulse_collector_request_duration_seconds_bucket{job="tagpulse",instance="tp:8080",source="x",poller="x:afp",le="1"} 0+1x10`,
			`tagpulse_collector_request_duration_seconds_bucket{job="tagpulse",instance="tp:8080",source="x",poller="x:afp",le="+Inf"} 0+1x10`,
			`tagpulse_collector_request_duration_seconds_count{job="tagpulse",instance="tp:8080",source="x",poller="x:afp"} 0+1x10`,
			// A stream: its histogram exists, empty, and gave NaN.
			`tagpulse_collector_request_duration_seconds_bucket{job="tagpulse",instance="tp:8080",source="bluesky",poller="bluesky",le="0.5"} 0x10`,
			`tagpulse_collector_request_duration_seconds_bucket{job="tagpulse",instance="tp:8080",source="bluesky",poller="bluesky",le="1"} 0x10`,
			`tagpulse_collector_request_duration_seconds_bucket{job="tagpulse",instance="tp:8080",source="bluesky",poller="bluesky",le="+Inf"} 0x10`,
			`tagpulse_collector_request_duration_seconds_count{job="tagpulse",instance="tp:8080",source="bluesky",poller="bluesky"} 0x10`,
		},
		evalTime: "10m",
		want:     map[string]float64{`{instance="tp:8080",source="x"}`: 0.25},
	},
}

// TestDashboardQueryResults evaluates dashboard queries with promtool on
// made-up series and checks what the panels would show.
func TestDashboardQueryResults(t *testing.T) {
	qs, err := deploy.DashboardQueries()
	if err != nil {
		t.Fatal(err)
	}
	type sample struct {
		Labels string  `yaml:"labels"`
		Value  float64 `yaml:"value"`
	}
	type exprTest struct {
		Expr     string   `yaml:"expr"`
		EvalTime string   `yaml:"eval_time"`
		Samples  []sample `yaml:"exp_samples"`
	}
	type series struct {
		Series string `yaml:"series"`
		Values string `yaml:"values"`
	}
	type group struct {
		Name     string     `yaml:"name"`
		Interval string     `yaml:"interval"`
		Series   []series   `yaml:"input_series"`
		Tests    []exprTest `yaml:"promql_expr_test"`
	}
	file := struct {
		RuleFiles []string `yaml:"rule_files"`
		Interval  string   `yaml:"evaluation_interval"`
		Tests     []group  `yaml:"tests"`
	}{RuleFiles: []string{}, Interval: "1m"}
	for _, c := range dashboardCases {
		var expr string
		for _, q := range qs {
			if q.Panel == c.panel && q.RefID == c.refID {
				expr = q.Expr
			}
		}
		if expr == "" {
			t.Errorf("%s: no panel %q with query %s", c.name, c.panel, c.refID)
			continue
		}
		values := deploy.GrafanaValues("afp", "5m")
		for k, v := range c.values {
			values[k] = v
		}
		expr, err := deploy.Substitute(expr, values)
		if err != nil {
			t.Fatal(err)
		}
		g := group{Name: c.name, Interval: "1m"}
		for _, s := range c.series {
			i := strings.LastIndex(s, "} ")
			g.Series = append(g.Series, series{s[:i+1], s[i+2:]})
		}
		et := exprTest{Expr: expr, EvalTime: c.evalTime, Samples: []sample{}}
		for l, v := range c.want {
			et.Samples = append(et.Samples, sample{l, v})
		}
		g.Tests = []exprTest{et}
		file.Tests = append(file.Tests, g)
	}
	b, err := yaml.Marshal(file)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "dashboard.test.yml"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	eachPromtool(t, func(t *testing.T, bin string) {
		cmd := exec.Command(bin, "test", "rules", "dashboard.test.yml")
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(out), "SUCCESS") {
			t.Fatalf("promtool test rules: %v\n%s", err, out)
		}
	})
}

var (
	mdLinkRE    = regexp.MustCompile(`\]\(([^)\s]+)\)`)
	mdPathRE    = regexp.MustCompile("`([A-Za-z0-9_.-]+/[A-Za-z0-9_./-]*\\.md)`")
	mdHeadingRE = regexp.MustCompile(`(?m)^#{1,6}\s+(.+?)\s*$`)
)

// githubAnchor is the anchor GitHub gives a Markdown heading.
func githubAnchor(heading string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(heading) {
		switch {
		case r == ' ':
			b.WriteRune('-')
		case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(r)
		}
	}
	return b.String()
}

// TestDocLinks: the operators' documents (deploy/README.md and the
// repository's README.md) link and name only files that exist, and
// anchors that are headings of the file they point into.
func TestDocLinks(t *testing.T) {
	for _, doc := range []string{"README.md", filepath.Join("..", "README.md")} {
		b, err := os.ReadFile(doc)
		if err != nil {
			t.Fatal(err)
		}
		text := string(b)
		dir := filepath.Dir(doc)
		var targets []string
		for _, m := range mdLinkRE.FindAllStringSubmatch(text, -1) {
			if !strings.Contains(m[1], "://") && !strings.HasPrefix(m[1], "mailto:") {
				targets = append(targets, m[1])
			}
		}
		for _, m := range mdPathRE.FindAllStringSubmatch(text, -1) {
			// A document named in backticks, by its path from the document
			// or from the repository root.
			_, err1 := os.Stat(filepath.Join(dir, m[1]))
			_, err2 := os.Stat(filepath.Join("..", m[1]))
			if err1 != nil && err2 != nil {
				t.Errorf("%s: `%s` does not exist", doc, m[1])
			}
		}
		for _, target := range targets {
			path, anchor, _ := strings.Cut(target, "#")
			file := doc
			if path != "" {
				file = filepath.Join(dir, path)
			}
			if _, err := os.Stat(file); err != nil {
				t.Errorf("%s: %s does not exist", doc, target)
				continue
			}
			if anchor == "" {
				continue
			}
			md, err := os.ReadFile(file)
			if err != nil {
				t.Errorf("%s: %s: %v", doc, target, err)
				continue
			}
			var found bool
			for _, h := range mdHeadingRE.FindAllStringSubmatch(string(md), -1) {
				found = found || githubAnchor(h[1]) == anchor
			}
			if !found {
				t.Errorf("%s: %s: no heading with anchor #%s in %s", doc, target, anchor, file)
			}
		}
	}
}
