package deploy_test

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/tagpulse/tagpulse/deploy"
)

// TestRulesGenerated: the shipped rules are the template rendered with the
// default selector, so what operators copy is what `tagpulse rules` prints.
func TestRulesGenerated(t *testing.T) {
	want, err := deploy.RenderRules(deploy.RulesOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got, err := deploy.Files.ReadFile(deploy.Rules)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s is not %s rendered with the default selector: run go generate ./deploy", deploy.Rules, deploy.RulesTemplate)
	}
}

// exprMetricRE finds the series a rule expression reads, with what follows
// the name (its selector braces, if any).
var exprMetricRE = regexp.MustCompile(`\b(up|tagpulse_[a-z_]+)\b(\{[^}]*\})?`)

// TestRulesSelectEverySeries: with an operator's selector, every series
// every rule reads is selected with it — no rule reads another job's
// tagpulse_* series or up.
func TestRulesSelectEverySeries(t *testing.T) {
	const sel = `job=~"tp-.*",env="production"`
	b, err := deploy.RenderRules(deploy.RulesOptions{Selector: sel, RunbookURL: "https://wiki.example/tagpulse"})
	if err != nil {
		t.Fatal(err)
	}
	rules := parseRules(t, b)
	if len(rules) < 8 {
		t.Fatalf("only %d rules rendered", len(rules))
	}
	for _, r := range rules {
		ms := exprMetricRE.FindAllStringSubmatch(r.Expr, -1)
		if len(ms) == 0 {
			t.Errorf("%s: no series found in %q", r.Alert, r.Expr)
		}
		for _, m := range ms {
			if !strings.HasPrefix(m[2], "{"+sel) {
				t.Errorf("%s: %s%s is not selected by %s", r.Alert, m[1], m[2], sel)
			}
		}
		if strings.Contains(r.Expr, `"tagpulse"`) {
			t.Errorf("%s: job name left in %q", r.Alert, r.Expr)
		}
		if u := r.Annotations["runbook_url"]; u != "https://wiki.example/tagpulse#"+strings.ToLower(r.Alert) {
			t.Errorf("%s: runbook_url %q", r.Alert, u)
		}
	}
}

// TestRulesSelectorPromtool: rules for another job's name check and fire on
// both promtools, for that job only.
func TestRulesSelectorPromtool(t *testing.T) {
	b, err := deploy.RenderRules(deploy.RulesOptions{Selector: `job="tp-prod"`})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "tagpulse.rules.yml"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	test := `rule_files: [tagpulse.rules.yml]
evaluation_interval: 1m
tests:
  - interval: 1m
    input_series:
      - series: 'up{job="tp-prod",instance="tp:8080"}'
        values: '0x10'
      - series: 'up{job="tagpulse",instance="other:8080"}'
        values: '0x10'
      - series: 'tagpulse_store_scrape_success{job="tp-prod",instance="tp:8080"}'
        values: '1x10'
      - series: 'tagpulse_store_scrape_success{job="tagpulse",instance="other:8080"}'
        values: '0x10'
    alert_rule_test:
      - eval_time: 8m
        alertname: TagpulseDown
        exp_alerts:
          - exp_labels: {severity: critical, job: tp-prod, instance: "tp:8080"}
            exp_annotations:
              summary: "tagpulse at tp:8080 cannot be scraped"
              description: "Prometheus has failed to scrape tp:8080 for 5 minutes: the process is down or /metrics does not answer."
              runbook_url: "` + deploy.DefaultRunbookURL + `#tagpulsedown"
      - eval_time: 8m
        alertname: TagpulseStoreUnreadable
        exp_alerts: []
`
	if err := os.WriteFile(filepath.Join(dir, "test.yml"), []byte(test), 0o644); err != nil {
		t.Fatal(err)
	}
	eachPromtool(t, func(t *testing.T, bin string) {
		promtool(t, bin, dir, "check", "rules", "tagpulse.rules.yml")
		if out := promtool(t, bin, dir, "test", "rules", "test.yml"); !strings.Contains(out, "SUCCESS") {
			t.Fatal(out)
		}
	})
}

func TestRulesBadOptions(t *testing.T) {
	for _, o := range []deploy.RulesOptions{
		{Selector: `job=tagpulse`},
		{Selector: `{job="tagpulse"}`},
		{Selector: `job="tagpulse"} or vector(1) or up{`},
		{Selector: "job=\"a\"\nfoo"},
		{Selector: `job="x"`, RunbookURL: "wiki/tagpulse"},
		{Selector: `job="x"`, RunbookURL: "https://wiki.example/p#frag"},
	} {
		if _, err := deploy.RenderRules(o); err == nil {
			t.Errorf("RenderRules(%+v) rendered", o)
		}
	}
	for _, sel := range []string{`job="tagpulse"`, ` job =~ "tp-.*" , env!="staging", `, `job="a\"b"`} {
		if _, err := deploy.RenderRules(deploy.RulesOptions{Selector: sel}); err != nil {
			t.Errorf("selector %q: %v", sel, err)
		}
	}
}

// TestRunbooks: every alert links a runbook, a heading of deploy/README.md.
func TestRunbooks(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	anchors := map[string]bool{}
	for _, h := range mdHeadingRE.FindAllStringSubmatch(string(readme), -1) {
		anchors[githubAnchor(h[1])] = true
	}
	b, err := deploy.Files.ReadFile(deploy.Rules)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range parseRules(t, b) {
		if r.Alert == "" {
			continue
		}
		u := r.Annotations["runbook_url"]
		page, anchor, ok := strings.Cut(u, "#")
		if !ok || page != deploy.DefaultRunbookURL || !anchors[anchor] {
			t.Errorf("%s: runbook_url %q: want %s#ANCHOR with a heading of README.md", r.Alert, u, deploy.DefaultRunbookURL)
		}
	}
}

type ruleDoc struct {
	Alert       string            `yaml:"alert"`
	Expr        string            `yaml:"expr"`
	Annotations map[string]string `yaml:"annotations"`
}

func parseRules(t *testing.T, b []byte) []ruleDoc {
	t.Helper()
	var f struct {
		Groups []struct {
			Rules []ruleDoc `yaml:"rules"`
		} `yaml:"groups"`
	}
	if err := yaml.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	var out []ruleDoc
	for _, g := range f.Groups {
		out = append(out, g.Rules...)
	}
	return out
}
