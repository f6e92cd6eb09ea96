//go:generate go run ../cmd/tagpulse rules -o prometheus/tagpulse.rules.yml

// Package deploy holds what operators deploy beside tagpulse — the example
// Prometheus configuration, the alert rules with their promtool tests, and
// the Grafana dashboard — embedded so tests can check every PromQL
// expression in them against a real Prometheus.
package deploy

import (
	"embed"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/common/model"
	"go.yaml.in/yaml/v3"
)

// Files are the deployable files, by path under deploy/.
//
//go:embed prometheus/*.yml prometheus/*.tmpl grafana/*.json
var Files embed.FS

// Paths of the files in Files.
const (
	PrometheusConfig = "prometheus/prometheus.yml"
	Rules            = "prometheus/tagpulse.rules.yml"
	RulesTest        = "prometheus/tagpulse.rules.test.yml"
	Dashboard        = "grafana/tagpulse-dashboard.json"
)

// Query is one PromQL expression of the Grafana dashboard.
type Query struct {
	Panel   string // panel title, or "variable NAME"
	RefID   string
	Expr    string // as written, with Grafana variables
	Instant bool
}

// DashboardQueries returns every panel target's expression, in panel order.
func DashboardQueries() ([]Query, error) {
	var d Grafana
	if err := readJSON(Dashboard, &d); err != nil {
		return nil, err
	}
	var out []Query
	var walk func(ps []GrafanaPanel)
	walk = func(ps []GrafanaPanel) {
		for _, p := range ps {
			for _, t := range p.Targets {
				out = append(out, Query{Panel: p.Title, RefID: t.RefID, Expr: t.Expr, Instant: t.Instant})
			}
			walk(p.Panels)
		}
	}
	walk(d.Panels)
	return out, nil
}

// Grafana is the part of the dashboard JSON model the checks read.
type Grafana struct {
	UID           string         `json:"uid"`
	Title         string         `json:"title"`
	SchemaVersion int            `json:"schemaVersion"`
	Panels        []GrafanaPanel `json:"panels"`
	Templating    struct {
		List []GrafanaVariable `json:"list"`
	} `json:"templating"`
}

// GrafanaPanel is a panel (or a row, whose panels are nested when collapsed).
type GrafanaPanel struct {
	ID         int                `json:"id"`
	Type       string             `json:"type"`
	Title      string             `json:"title"`
	Datasource *GrafanaDatasource `json:"datasource"`
	GridPos    struct {
		H, W, X, Y int
	} `json:"gridPos"`
	Targets []GrafanaTarget `json:"targets"`
	Panels  []GrafanaPanel  `json:"panels"`
}

// GrafanaTarget is a panel's query.
type GrafanaTarget struct {
	RefID      string             `json:"refId"`
	Expr       string             `json:"expr"`
	Instant    bool               `json:"instant"`
	Datasource *GrafanaDatasource `json:"datasource"`
}

// GrafanaDatasource refers to a data source by type and uid.
type GrafanaDatasource struct {
	Type string `json:"type"`
	UID  string `json:"uid"`
}

// GrafanaVariable is a templating variable.
type GrafanaVariable struct {
	Name       string             `json:"name"`
	Type       string             `json:"type"`
	Query      any                `json:"query"` // a string, or the Prometheus variable editor's object
	Definition string             `json:"definition"`
	Datasource *GrafanaDatasource `json:"datasource"`
	Multi      bool               `json:"multi"`
	IncludeAll bool               `json:"includeAll"`
}

// ReadDashboard decodes the dashboard.
func ReadDashboard() (*Grafana, error) {
	var d Grafana
	return &d, readJSON(Dashboard, &d)
}

// Rule is one alerting or recording rule.
type Rule struct {
	Group  string
	Alert  string `yaml:"alert"`
	Record string `yaml:"record"`
	Expr   string `yaml:"expr"`
}

// RuleExprs returns every rule of the alert rules file, in file order.
func RuleExprs() ([]Rule, error) {
	b, err := Files.ReadFile(Rules)
	if err != nil {
		return nil, err
	}
	var f struct {
		Groups []struct {
			Name  string `yaml:"name"`
			Rules []Rule `yaml:"rules"`
		} `yaml:"groups"`
	}
	if err := yaml.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("%s: %w", Rules, err)
	}
	var out []Rule
	for _, g := range f.Groups {
		for _, r := range g.Rules {
			r.Group = g.Name
			out = append(out, r)
		}
	}
	return out, nil
}

// GrafanaValues are the values Grafana would give the dashboard's variables
// for a campaign and a rate interval (a Prometheus duration such as "15s"),
// with the job variable on "tagpulse" and the instance variable on All
// (its allValue, ".+"). $__interval gets the rate interval too, $__range
// five minutes.
func GrafanaValues(campaign, rateInterval string) map[string]string {
	ms := "15000"
	if d, err := model.ParseDuration(rateInterval); err == nil {
		ms = strconv.FormatInt(time.Duration(d).Milliseconds(), 10)
	}
	return map[string]string{
		"campaign": campaign, "datasource": "prometheus", "job": "tagpulse", "instance": ".+",
		"__rate_interval": rateInterval, "__interval": rateInterval, "__interval_ms": ms,
		"__range": "5m", "__range_s": "300", "__range_ms": "300000",
	}
}

// VariableQuery returns a query variable's PromQL query as Grafana runs it:
// its definition, else the query string or the query editor's object.
func (v GrafanaVariable) VariableQuery() string {
	if v.Definition != "" {
		return v.Definition
	}
	switch q := v.Query.(type) {
	case string:
		return q
	case map[string]any:
		if s, ok := q["query"].(string); ok {
			return s
		}
	}
	return ""
}

var labelValuesRE = regexp.MustCompile(`^label_values\(\s*(.*?)\s*,\s*([A-Za-z_][A-Za-z0-9_]*)\s*\)$`)

// LabelValues splits a variable query label_values(SELECTOR, LABEL) into
// its series selector and label.
func LabelValues(query string) (selector, label string, err error) {
	m := labelValuesRE.FindStringSubmatch(strings.TrimSpace(query))
	if m == nil || m[1] == "" {
		return "", "", fmt.Errorf("%q is not label_values(SELECTOR, LABEL)", query)
	}
	return m[1], m[2], nil
}

var variableRE = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)(?::[a-z]+)?\}|\$([A-Za-z_][A-Za-z0-9_]*)|\[\[([A-Za-z_][A-Za-z0-9_]*)\]\]`)

// Variables returns the names of the Grafana variables expr uses, sorted.
func Variables(expr string) []string {
	seen := map[string]bool{}
	for _, m := range variableRE.FindAllStringSubmatch(expr, -1) {
		seen[m[1]+m[2]+m[3]] = true
	}
	var out []string
	for v := range seen {
		out = append(out, v)
	}
	sort.Strings(out)
	return out
}

// Substitute replaces Grafana variables ($name, ${name}, ${name:fmt},
// [[name]]) with values; it fails on a variable with no value, so an unknown
// one cannot reach Prometheus looking like PromQL.
func Substitute(expr string, values map[string]string) (string, error) {
	var missing []string
	out := variableRE.ReplaceAllStringFunc(expr, func(s string) string {
		m := variableRE.FindStringSubmatch(s)
		name := m[1] + m[2] + m[3]
		v, ok := values[name]
		if !ok {
			missing = append(missing, name)
			return s
		}
		return v
	})
	if len(missing) > 0 {
		return "", fmt.Errorf("no value for Grafana variable(s) %s in %q", strings.Join(missing, ", "), expr)
	}
	return out, nil
}

func readJSON(path string, v any) error {
	b, err := Files.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}
