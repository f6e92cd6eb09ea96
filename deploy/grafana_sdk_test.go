package deploy_test

import (
	"encoding/json"
	"testing"

	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/cog/plugins"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/grafana/grafana-foundation-sdk/go/prometheus"

	"github.com/tagpulse/tagpulse/deploy"
)

// TestDashboardFoundationSDK decodes the dashboard strictly with the
// Grafana Foundation SDK's types (unknown or mistyped fields fail),
// validates it, and checks it is at the SDK's current schema version, so
// Grafana does not migrate it on import, and that every query is a
// Prometheus one.
func TestDashboardFoundationSDK(t *testing.T) {
	plugins.RegisterDefaultPlugins()
	b, err := deploy.Files.ReadFile(deploy.Dashboard)
	if err != nil {
		t.Fatal(err)
	}
	// __requires and __inputs are the export wrapper Grafana's import reads
	// (which Grafana version and plugins it needs), not the dashboard model.
	var top map[string]json.RawMessage
	if err := json.Unmarshal(b, &top); err != nil {
		t.Fatal(err)
	}
	if _, ok := top["__requires"]; !ok {
		t.Error("no __requires: Grafana's import cannot tell which version and plugins the dashboard needs")
	}
	delete(top, "__requires")
	delete(top, "__inputs")
	if b, err = json.Marshal(top); err != nil {
		t.Fatal(err)
	}
	//lint:ignore SA1019 the shipped file is the classic JSON model Grafana imports (schemaVersion), which dashboardv2 does not describe
	var d dashboard.Dashboard
	if err := sdkErr(d.UnmarshalJSONStrict(b)); err != nil {
		t.Fatalf("%s: %v", deploy.Dashboard, err)
	}
	if err := sdkErr(d.Validate()); err != nil {
		t.Fatalf("%s: %v", deploy.Dashboard, err)
	}
	current := dashboard.NewDashboard().SchemaVersion
	if d.SchemaVersion != current {
		t.Errorf("schemaVersion %d: the SDK's current is %d", d.SchemaVersion, current)
	}
	// The SDK's strict decoding of a dashboard drops every panel (v0.0.22:
	// Panel.UnmarshalJSONStrict returns an empty but non-nil BuildErrors,
	// which PanelOrRowPanel takes for a failure; the same for targets):
	// decode each panel strictly here.
	var raws []json.RawMessage
	if err := json.Unmarshal(top["panels"], &raws); err != nil {
		t.Fatal(err)
	}
	var panels []dashboard.Panel
	for i, raw := range raws {
		var kind struct{ Type string }
		if err := json.Unmarshal(raw, &kind); err != nil {
			t.Fatal(err)
		}
		if kind.Type == "row" {
			var r dashboard.RowPanel
			if err := sdkErr(r.UnmarshalJSONStrict(raw)); err != nil {
				t.Errorf("panels[%d] (row): %v", i, err)
			}
			panels = append(panels, r.Panels...)
			continue
		}
		var strict, p dashboard.Panel
		if err := sdkErr(strict.UnmarshalJSONStrict(raw)); err != nil {
			t.Errorf("panels[%d]: %v", i, err)
		}
		// Strict decoding drops the targets the same way: take them from
		// the plain decoding, and decode each strictly as a Prometheus query.
		if err := json.Unmarshal(raw, &p); err != nil {
			t.Fatalf("panels[%d]: %v", i, err)
		}
		if err := sdkErr(p.Validate()); err != nil {
			t.Errorf("panels[%d]: %v", i, err)
		}
		var targets struct{ Targets []json.RawMessage }
		if err := json.Unmarshal(raw, &targets); err != nil {
			t.Fatal(err)
		}
		for j, tr := range targets.Targets {
			var q prometheus.Dataquery
			if err := sdkErr(q.UnmarshalJSONStrict(tr)); err != nil {
				t.Errorf("panels[%d].targets[%d]: %v", i, j, err)
			}
		}
		panels = append(panels, p)
	}
	queries := 0
	for _, p := range panels {
		for _, q := range p.Targets {
			pq, ok := q.(*prometheus.Dataquery)
			if !ok || pq.Expr == "" {
				t.Errorf("panel %q: query %T %+v is not a Prometheus query with an expression", deref(p.Title), q, q)
				continue
			}
			queries++
		}
	}
	want, err := deploy.DashboardQueries()
	if err != nil {
		t.Fatal(err)
	}
	if queries != len(want) {
		t.Errorf("the SDK sees %d Prometheus queries, the dashboard has %d", queries, len(want))
	}
}

// sdkErr is err, or nil for the SDK's empty cog.BuildErrors, which its
// functions return as a non-nil error when nothing failed.
func sdkErr(err error) error {
	if be, ok := err.(cog.BuildErrors); ok && len(be) == 0 {
		return nil
	}
	return err
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
