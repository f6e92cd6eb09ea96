package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/tagpulse/tagpulse/internal/testneed"

	"github.com/tagpulse/tagpulse/deploy"
)

// TestPrometheusIntegration runs `tagpulse demo` and a real Prometheus
// (Debian's prometheus package) on loopback, scraping the demo every second
// with the shipped alert rules loaded. Once Prometheus has a few scrapes, it
// evaluates every PromQL expression of the Grafana dashboard and of the
// alert rules through the HTTP API: each must parse, and each dashboard
// query must return data. It also runs `promtool check metrics` on a real
// scrape and checks Prometheus evaluated every rule without error.
//
// Without prometheus/promtool on PATH it skips, except in CI (CI=true),
// where it fails.
func TestPrometheusIntegration(t *testing.T) {
	if testing.Short() {
		t.Skip("starts Prometheus; not in -short")
	}
	promBin, promtool := lookPromTool(t, "prometheus"), lookPromTool(t, "promtool")

	demo := startDemo(t)
	body := scrapeMetrics(t, demo)
	t.Run("PromtoolCheckMetrics", func(t *testing.T) {
		cmd := exec.Command(promtool, "check", "metrics")
		cmd.Stdin = strings.NewReader(body)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("promtool check metrics on the demo's /metrics: %v\n%s", err, out)
		}
	})

	prom := startPrometheus(t, promBin, demo)
	// Enough scrapes that every rate over the substituted $__rate_interval
	// (15s) has several samples, and the rules have been evaluated.
	prom.waitFor(t, 90*time.Second, func() (bool, string) {
		up, err := prom.query(`up{job="tagpulse"}`)
		if err != nil || len(up) != 1 || up[0].Value[1] != "1" {
			return false, fmt.Sprintf("up{job=\"tagpulse\"} = %v (%v)", up, err)
		}
		n, err := prom.query(`min(count_over_time(tagpulse_store_size_bytes[15s]))`)
		if err != nil || len(n) != 1 {
			return false, fmt.Sprintf("samples: %v (%v)", n, err)
		}
		if c, _ := strconv.Atoi(n[0].Value[1].(string)); c < 6 {
			return false, fmt.Sprintf("%d samples in the last 15s", c)
		}
		return true, ""
	})

	// The template variables, resolved in order as Grafana resolves their
	// label_values(SELECTOR, LABEL) queries, each with the values chosen
	// before it: the job must list tagpulse, the instance the demo, the
	// campaign the demo's.
	d, err := deploy.ReadDashboard()
	if err != nil {
		t.Fatal(err)
	}
	values := deploy.GrafanaValues("allforpalestine", "15s")
	want := map[string]string{"job": "tagpulse", "instance": demo, "campaign": "allforpalestine"}
	for _, v := range d.Templating.List {
		if v.Type != "query" {
			continue
		}
		selector, label, err := deploy.LabelValues(v.VariableQuery())
		if err != nil {
			t.Fatalf("variable %s: %v", v.Name, err)
		}
		if selector, err = deploy.Substitute(selector, values); err != nil {
			t.Fatalf("variable %s: %v", v.Name, err)
		}
		got, err := prom.labelValues(label, selector)
		if err != nil {
			t.Fatalf("variable %s: %v", v.Name, err)
		}
		if w, ok := want[v.Name]; !ok || !slices.Contains(got, w) {
			t.Fatalf("variable %s: label_values(%s, %s) = %v, want %q among them", v.Name, selector, label, got, w)
		}
		delete(want, v.Name)
	}
	if len(want) > 0 {
		t.Fatalf("the dashboard has no variables %v", want)
	}
	// The queries run with the instance variable on its All value, and
	// again on the demo alone, as Grafana gives a multi-valued variable:
	// regex-escaped, and the backslashes escaped for the PromQL string.
	one := maps.Clone(values)
	one["instance"] = strings.ReplaceAll(regexp.QuoteMeta(demo), `\`, `\\`)

	t.Run("Dashboard", func(t *testing.T) {
		exposed := scrapeMetrics(t, demo)
		qs, err := deploy.DashboardQueries()
		if err != nil {
			t.Fatal(err)
		}
		if len(qs) < 10 {
			t.Fatalf("%d dashboard queries; the extraction is broken", len(qs))
		}
		for _, q := range qs {
			for _, vs := range []map[string]string{values, one} {
				t.Run(q.Panel+"/"+q.RefID, func(t *testing.T) {
					expr, err := deploy.Substitute(q.Expr, vs)
					if err != nil {
						t.Fatal(err)
					}
					res, err := prom.query(expr)
					if err != nil {
						t.Fatalf("%s: %v", expr, err)
					}
					if len(res) == 0 {
						for m, why := range notYetInDemo {
							if strings.Contains(expr, m) && !strings.Contains(exposed, "\n"+m) {
								t.Skipf("%s: no data: the demo does not expose %s yet (%s)", expr, m, why)
							}
						}
						t.Fatalf("%s: no data from tagpulse demo", expr)
					}
				})
			}
		}
	})

	t.Run("Rules", func(t *testing.T) {
		rules, err := deploy.RuleExprs()
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rules {
			t.Run(r.Alert+r.Record, func(t *testing.T) {
				if _, err := prom.query(r.Expr); err != nil {
					t.Fatalf("%s: %v", r.Expr, err)
				}
			})
		}
		// Prometheus itself loaded and evaluated them all.
		var loaded struct {
			Groups []struct {
				Rules []struct {
					Name, Health, LastError string
				}
			}
		}
		if err := prom.api("/api/v1/rules", nil, &loaded); err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, g := range loaded.Groups {
			for _, r := range g.Rules {
				names = append(names, r.Name)
				if r.Health != "ok" || r.LastError != "" {
					t.Errorf("rule %s: health %q, error %q", r.Name, r.Health, r.LastError)
				}
			}
		}
		if len(names) != len(rules) {
			t.Errorf("Prometheus loaded rules %v, want %d", names, len(rules))
		}
		// A healthy demo raises no alert, not even a pending one, except
		// the aggregator's lag: the demo starts by backfilling 36 simulated
		// hours, tens of thousands of posts, and under -race the aggregator
		// may still be behind by more than the rule's 1000 posts.
		alerts, err := prom.query("ALERTS")
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range alerts {
			if a.Metric["alertname"] == "TagpulseAggregatorLagging" && a.Metric["alertstate"] == "pending" {
				t.Logf("alert %s pending while the demo backfills", a.Metric["alertname"])
				continue
			}
			t.Errorf("alert %s is %s on a healthy demo: %v", a.Metric["alertname"], a.Metric["alertstate"], a.Metric)
		}
	})
}

// TestPrometheusIntegrationMetricsToken runs `tagpulse run` with
// dashboard.metrics.token set and a real Prometheus with the shipped
// deploy/prometheus/prometheus.yml, its commented authorization block
// uncommented as the comment says: the shipped job must scrape (up 1, the
// store figures there), and the same job without the block must get 401.
func TestPrometheusIntegrationMetricsToken(t *testing.T) {
	if testing.Short() {
		t.Skip("starts Prometheus; not in -short")
	}
	promBin := lookPromTool(t, "prometheus")
	const token = "prometheus-scrapes-with-this-token"
	dir := t.TempDir()
	cfg := writeFile(t, filepath.Join(dir, "tagpulse.yml"), fmt.Sprintf(`db: %s
campaigns:
  - {name: afp, hashtags: [AllForPalestine], timezone: Asia/Gaza}
dashboard:
  metrics:
    token: ${TAGPULSE_METRICS_TOKEN}
`, filepath.Join(dir, "tagpulse.db")))
	r := startRun(t, func(k string) string {
		if k == "TAGPULSE_METRICS_TOKEN" {
			return token
		}
		return ""
	}, "-config", cfg, "-addr", "127.0.0.1:0")
	if resp, err := http.Get("http://" + r.addr + "/metrics"); err != nil {
		t.Fatal(err)
	} else if resp.Body.Close(); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("GET /metrics without the token: %s, want 401 Unauthorized", resp.Status)
	}

	shipped, err := deploy.Files.ReadFile(deploy.PrometheusConfig)
	if err != nil {
		t.Fatal(err)
	}
	uncommented, err := uncommentAuthorization(string(shipped))
	if err != nil {
		t.Fatal(err)
	}
	tokenFile := writeFile(t, filepath.Join(dir, "tagpulse-metrics.token"), token+"\n")
	var config map[string]any
	if err := yaml.Unmarshal([]byte(uncommented), &config); err != nil {
		t.Fatal(err)
	}
	config["global"] = map[string]any{"scrape_interval": "1s", "scrape_timeout": "1s", "evaluation_interval": "1s"}
	delete(config, "rule_files")
	jobs := config["scrape_configs"].([]any)
	job := jobs[0].(map[string]any)
	job["scrape_timeout"] = "1s"
	auth, ok := job["authorization"].(map[string]any)
	if !ok {
		t.Fatalf("the shipped job has no authorization block once uncommented:\n%s", uncommented)
	}
	auth["credentials_file"] = tokenFile
	job["static_configs"] = []any{map[string]any{"targets": []any{r.addr}}}
	// The same job without the token, as the documentation was before.
	bare := maps.Clone(job)
	delete(bare, "authorization")
	bare["job_name"] = "tagpulse-without-token"
	config["scrape_configs"] = []any{job, bare}
	b, err := yaml.Marshal(config)
	if err != nil {
		t.Fatal(err)
	}
	prom := startPrometheusConfig(t, promBin, string(b))

	prom.waitFor(t, 60*time.Second, func() (bool, string) {
		ok, err := prom.query(`up{job="tagpulse"} == 1 and on (instance) tagpulse_store_scrape_success == 1`)
		if err != nil || len(ok) != 1 {
			return false, fmt.Sprintf("the shipped job with the token: %v %v", ok, err)
		}
		var targets struct {
			ActiveTargets []struct {
				Labels    map[string]string `json:"labels"`
				Health    string            `json:"health"`
				LastError string            `json:"lastError"`
			} `json:"activeTargets"`
		}
		if err := prom.api("/api/v1/targets", nil, &targets); err != nil {
			return false, err.Error()
		}
		for _, tg := range targets.ActiveTargets {
			if tg.Labels["job"] == "tagpulse-without-token" {
				if tg.Health == "down" && strings.Contains(tg.LastError, "401") {
					return true, ""
				}
				return false, fmt.Sprintf("the job without the token: health %q, error %q; want down with 401", tg.Health, tg.LastError)
			}
		}
		return false, fmt.Sprintf("no target of the job without the token in %+v", targets.ActiveTargets)
	})
}

// uncommentAuthorization uncomments the commented "# authorization:" block
// of a scrape job in config: that line and the more deeply indented
// comment lines after it.
func uncommentAuthorization(config string) (string, error) {
	lines := strings.Split(config, "\n")
	for i, l := range lines {
		indent, rest, ok := strings.Cut(l, "# authorization:")
		if !ok || strings.TrimSpace(indent) != "" || strings.TrimSpace(rest) != "" {
			continue
		}
		lines[i] = indent + "authorization:"
		for j := i + 1; j < len(lines) && strings.HasPrefix(lines[j], indent+"#   "); j++ {
			lines[j] = indent + "  " + strings.TrimPrefix(lines[j], indent+"#   ")
		}
		return strings.Join(lines, "\n"), nil
	}
	return "", errors.New("no commented \"# authorization:\" block in the Prometheus configuration")
}

// notYetInDemo are metrics the dashboard uses that tagpulse demo does not
// expose yet, with the reason. A query on one of them that finds no data is
// skipped (visibly) only while the demo's /metrics lacks the metric
// altogether; once the demo exposes it, the query must return data.
var notYetInDemo = map[string]string{}

// lookPromTool finds a Prometheus program; see testneed.
func lookPromTool(t *testing.T, name string) string { t.Helper(); return testneed.Prometheus(t, name) }

// syncBuffer is a bytes.Buffer safe for concurrent writers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startDemo runs `tagpulse demo` in-process on a free loopback port and
// returns its address once it serves; cleanup stops it.
func startDemo(t *testing.T) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	log := &syncBuffer{}
	ready := make(chan string, 1)
	done := make(chan error, 1)
	env := &Env{Stdin: strings.NewReader(""), Stdout: log, Stderr: log, Getenv: func(string) string { return "" },
		Now: time.Now, Ready: func(addr string) { ready <- addr }}
	go func() {
		done <- run(ctx, env, []string{"demo", "-addr", "127.0.0.1:0", "-speed", "600", "-log-level", "warn"})
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("demo: %v\n%s", err, log)
			}
		case <-time.After(30 * time.Second):
			t.Errorf("demo did not stop within 30s")
		}
	})
	select {
	case addr := <-ready:
		return addr
	case err := <-done:
		done <- err
		t.Fatalf("demo ended before serving: %v\n%s", err, log)
	case <-time.After(30 * time.Second):
		t.Fatalf("demo did not serve within 30s\n%s", log)
	}
	return ""
}

func scrapeMetrics(t *testing.T, addr string) string {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics: %v %s", err, resp.Status)
	}
	return string(b)
}

// promServer is a Prometheus started by a test.
type promServer struct {
	base string // http://127.0.0.1:port
	log  *syncBuffer
	exit chan error
}

// startPrometheus starts Prometheus on a free loopback port with a
// temporary storage directory, scraping target every second (job
// "tagpulse", as in deploy/prometheus/prometheus.yml) with the shipped alert
// rules evaluated every second. Cleanup stops it.
func startPrometheus(t *testing.T, bin, target string) *promServer {
	t.Helper()
	rules, err := filepath.Abs(filepath.Join("..", "..", "deploy", deploy.Rules))
	if err != nil {
		t.Fatal(err)
	}
	return startPrometheusConfig(t, bin, fmt.Sprintf(`global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
rule_files:
  - %q
scrape_configs:
  - job_name: tagpulse
    static_configs:
      - targets: [%q]
`, rules, target))
}

// startPrometheusConfig starts Prometheus on a free loopback port with a
// temporary storage directory and the given configuration. Cleanup stops it.
func startPrometheusConfig(t *testing.T, bin, config string) *promServer {
	t.Helper()
	dir := t.TempDir()
	cfg := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(cfg, []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	// The port is free when we look; should another process take it before
	// Prometheus binds, Prometheus exits and we try another.
	for attempt := 0; ; attempt++ {
		port := freePort(t)
		p := &promServer{base: "http://127.0.0.1:" + port, log: &syncBuffer{}, exit: make(chan error, 1)}
		cmd := exec.Command(bin,
			"--config.file="+cfg,
			"--storage.tsdb.path="+filepath.Join(dir, "data-"+strconv.Itoa(attempt)),
			"--web.listen-address=127.0.0.1:"+port,
			"--log.level=warn")
		cmd.Stdout, cmd.Stderr = p.log, p.log
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		go func() { p.exit <- cmd.Wait() }()
		ok := p.waitReady(30 * time.Second)
		if ok == nil {
			t.Cleanup(func() {
				cmd.Process.Signal(os.Interrupt)
				select {
				case <-p.exit:
				case <-time.After(20 * time.Second):
					cmd.Process.Kill()
					<-p.exit
					t.Errorf("prometheus did not stop on SIGINT within 20s")
				}
			})
			return p
		}
		cmd.Process.Kill()
		<-p.exit
		if attempt == 2 {
			t.Fatalf("prometheus did not start: %v\n%s", ok, p.log)
		}
	}
}

func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	return port
}

// waitReady polls /-/ready until Prometheus answers 200, it exits, or the
// deadline passes.
func (p *promServer) waitReady(d time.Duration) error {
	deadline := time.After(d)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		resp, err := http.Get(p.base + "/-/ready")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case err := <-p.exit:
			p.exit <- err
			return fmt.Errorf("prometheus exited: %v", err)
		case <-deadline:
			return errors.New("not ready in time")
		case <-tick.C:
		}
	}
}

// waitFor polls cond until it holds or d passes; the test fails with cond's
// last explanation.
func (p *promServer) waitFor(t *testing.T, d time.Duration, cond func() (bool, string)) {
	t.Helper()
	deadline := time.After(d)
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	for {
		ok, why := cond()
		if ok {
			return
		}
		select {
		case err := <-p.exit:
			p.exit <- err
			t.Fatalf("prometheus exited: %v\n%s", err, p.log)
		case <-deadline:
			t.Fatalf("after %s: %s\nprometheus log:\n%s", d, why, p.log)
		case <-tick.C:
		}
	}
}

// promSample is one element of an instant query's vector result.
type promSample struct {
	Metric map[string]string `json:"metric"`
	Value  [2]any            `json:"value"` // [unix seconds, "value"]
}

// query runs an instant query and returns its samples (a scalar result
// counts as one sample). A parse error comes back as an error.
func (p *promServer) query(expr string) ([]promSample, error) {
	var data struct {
		ResultType string          `json:"resultType"`
		Result     json.RawMessage `json:"result"`
	}
	if err := p.api("/api/v1/query", url.Values{"query": {expr}}, &data); err != nil {
		return nil, err
	}
	switch data.ResultType {
	case "vector":
		var v []promSample
		err := json.Unmarshal(data.Result, &v)
		return v, err
	case "scalar":
		var s [2]any
		err := json.Unmarshal(data.Result, &s)
		return []promSample{{Value: s}}, err
	}
	return nil, fmt.Errorf("result type %q", data.ResultType)
}

func (p *promServer) labelValues(label, match string) ([]string, error) {
	var v []string
	err := p.api("/api/v1/label/"+label+"/values", url.Values{"match[]": {match}}, &v)
	return v, err
}

// api GETs a Prometheus API path and decodes its data.
func (p *promServer) api(path string, q url.Values, data any) error {
	u := p.base + path
	if q != nil {
		u += "?" + q.Encode()
	}
	resp, err := http.Get(u)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var r struct {
		Status    string          `json:"status"`
		ErrorType string          `json:"errorType"`
		Error     string          `json:"error"`
		Data      json.RawMessage `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		return fmt.Errorf("GET %s: %s: %w", path, resp.Status, err)
	}
	if r.Status != "success" {
		return fmt.Errorf("GET %s: %s: %s", path, r.ErrorType, r.Error)
	}
	return json.Unmarshal(r.Data, data)
}
