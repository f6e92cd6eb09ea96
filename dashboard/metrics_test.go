package dashboard_test

import (
	"bytes"
	"context"
	"flag"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tagpulse/tagpulse/internal/testneed"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"

	"github.com/tagpulse/tagpulse/aggregator"
	"github.com/tagpulse/tagpulse/dashboard"
	"github.com/tagpulse/tagpulse/store"
	"github.com/tagpulse/tagpulse/store/storetest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// storeMetrics are the store collector's metrics whose values are
// deterministic for a given store and clock (store size is not: it depends
// on bbolt's page allocation).
var storeMetrics = []string{
	"tagpulse_posts_total", "tagpulse_country_posts_total", "tagpulse_posts_today",
	"tagpulse_participants_today", "tagpulse_reach_today", "tagpulse_participants", "tagpulse_reach", "tagpulse_campaign_active",
	"tagpulse_aggregator_lag_posts", "tagpulse_store_scrape_success",
}

// metricsClock is "now" for the metrics tests: 29 November 2026, 12:00 UTC,
// 14:00 in Gaza.
var metricsClock = time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)

func metricsCampaigns(t testing.TB) []store.Campaign {
	gaza, err := time.LoadLocation("Asia/Gaza")
	if err != nil {
		t.Fatal(err)
	}
	return []store.Campaign{
		{Name: "allforpalestine", Hashtags: []string{"allforpalestine"}, Timezone: "Asia/Gaza", Location: gaza,
			From: "2026-11-22", To: "2026-12-06"},
		{Name: "sheikhjarrah", Hashtags: []string{"savesheikhjarrah"}, Timezone: "UTC", From: "2026-05-15", To: "2026-05-22"},
		{Name: "quiet", Hashtags: []string{"nobodyusesthis"}, Timezone: "UTC"},
	}
}

func mpost(id, source, author string, at time.Time, kind store.Kind, followers int64, country string, tags ...string) store.Post {
	return store.Post{Platform: "x", ID: id, Source: source, Kind: kind, CreatedAt: at, Hashtags: tags,
		Author: store.Author{ID: author, Followers: followers}, Signals: store.Signals{PlaceCountry: country}}
}

// attributeAsGiven passes the place country through unchecked, so the test
// can show the collector folding malformed codes into ZZ.
func attributeAsGiven(s store.Signals) aggregator.Attribution {
	if s.PlaceCountry == "" {
		return aggregator.Attribution{Country: store.UnknownCountry, Method: aggregator.MethodNone}
	}
	return aggregator.Attribution{Country: s.PlaceCountry, Method: aggregator.MethodPlace, Confidence: 1}
}

func metricsPosts() []store.Post {
	d28 := time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)
	d29 := time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC)
	return []store.Post{
		mpost("1", store.SourceMastodon, "amal", d28, store.KindOriginal, 100, "PS", "allforpalestine"),
		mpost("2", store.SourceMastodon, "amal", d29, store.KindRepost, 120, "PS", "allforpalestine"),
		mpost("3", store.SourceBluesky, "ben", d29, store.KindReply, 10, "", "allforpalestine"),
		mpost("4", store.SourceX, "cy", d29, store.KindQuote, 5, "GB", "allforpalestine"),
		// A source outside the enum and malformed country codes: folded.
		mpost("5", "carrier-pigeon", "dee", d29, store.KindOriginal, 7, "gb", "allforpalestine"),
		mpost("6", store.SourceDemo, "eve", d29, store.KindOriginal, 1, "Palestine", "allforpalestine"),
		mpost("7", store.SourceImport, "fay", time.Date(2026, 5, 15, 9, 0, 0, 0, time.UTC), store.KindOriginal, 50, "ZA", "savesheikhjarrah"),
	}
}

func newMetricsAggregator(t testing.TB, db *store.DB) *aggregator.Aggregator {
	return aggregator.New(db, metricsCampaigns(t), aggregator.Options{
		Attribute: attributeAsGiven, Now: func() time.Time { return metricsClock }})
}

func storeRegistry(agg *aggregator.Aggregator) *prometheus.Registry {
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(dashboard.NewStoreCollector(agg))
	return reg
}

// compareGolden compares reg's store metrics with testdata/name, or rewrites
// the file with -update.
func compareGolden(t *testing.T, reg prometheus.Gatherer, name string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		var buf bytes.Buffer
		mfs, err := reg.Gather()
		if err != nil {
			t.Fatal(err)
		}
		if err := writeText(&buf, mfs, storeMetrics); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer want.Close()
	if err := testutil.GatherAndCompare(reg, want, storeMetrics...); err != nil {
		t.Fatalf("%s (rerun with -update if the change is intended):\n%v", path, err)
	}
}

func TestStoreMetricsGolden(t *testing.T) {
	db := storetest.Open(t)
	agg := newMetricsAggregator(t, db)
	reg := storeRegistry(agg)

	t.Run("Empty", func(t *testing.T) {
		compareGolden(t, reg, "metrics-empty.txt")
	})

	if _, err := db.Append(metricsPosts(), nil); err != nil {
		t.Fatal(err)
	}
	t.Run("Lagging", func(t *testing.T) {
		if got := gatherValue(t, reg, "tagpulse_aggregator_lag_posts", nil); got != 7 {
			t.Fatalf("lag = %v, want 7 before the aggregator ran", got)
		}
	})
	if _, err := agg.CatchUp(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Run("Figures", func(t *testing.T) {
		compareGolden(t, reg, "metrics-figures.txt")
	})
	t.Run("Lint", func(t *testing.T) {
		problems, err := testutil.GatherAndLint(reg)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range problems {
			t.Errorf("%s: %s", p.Metric, p.Text)
		}
	})
	t.Run("StoreSize", func(t *testing.T) {
		if got := gatherValue(t, reg, "tagpulse_store_size_bytes", nil); got <= 0 {
			t.Fatalf("tagpulse_store_size_bytes = %v, want > 0", got)
		}
	})
}

// TestCountersSurviveRestart: the counters are read from the store, so a
// new process on the same file starts where the old one stopped, and more
// posts only ever raise them.
func TestCountersSurviveRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tagpulse.db")
	open := func() (*store.DB, *prometheus.Registry, *aggregator.Aggregator) {
		db, err := store.Open(path, nil)
		if err != nil {
			t.Fatal(err)
		}
		agg := newMetricsAggregator(t, db)
		return db, storeRegistry(agg), agg
	}
	psGB := func(reg prometheus.Gatherer) (float64, float64, float64) {
		return gatherValue(t, reg, "tagpulse_country_posts_total", map[string]string{"campaign": "allforpalestine", "country": "PS"}),
			gatherValue(t, reg, "tagpulse_posts_total", map[string]string{"campaign": "allforpalestine", "source": "mastodon", "kind": "original"}),
			gatherValue(t, reg, "tagpulse_participants", map[string]string{"campaign": "allforpalestine"})
	}

	db, reg, agg := open()
	if _, err := db.Append(metricsPosts(), nil); err != nil {
		t.Fatal(err)
	}
	if _, err := agg.CatchUp(context.Background()); err != nil {
		t.Fatal(err)
	}
	ps1, mo1, pa1 := psGB(reg)
	if ps1 != 2 || mo1 != 1 || pa1 != 5 {
		t.Fatalf("before restart: PS=%v mastodon/original=%v participants=%v, want 2 1 5", ps1, mo1, pa1)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	db, reg, agg = open()
	defer db.Close()
	ps2, mo2, pa2 := psGB(reg)
	if ps2 != ps1 || mo2 != mo1 || pa2 != pa1 {
		t.Fatalf("after restart: %v %v %v, want %v %v %v", ps2, mo2, pa2, ps1, mo1, pa1)
	}
	more := []store.Post{mpost("8", store.SourceMastodon, "gil", metricsClock, store.KindOriginal, 3, "PS", "allforpalestine")}
	if _, err := db.Append(more, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := agg.CatchUp(context.Background()); err != nil {
		t.Fatal(err)
	}
	ps3, mo3, _ := psGB(reg)
	if ps3 != ps1+1 || mo3 != mo1+1 {
		t.Fatalf("after one more post: PS=%v mastodon/original=%v, want %v %v", ps3, mo3, ps1+1, mo1+1)
	}
}

// TestStoreReadFailure: a store that cannot be read drops the figures and
// says so in tagpulse_store_scrape_success, without failing the scrape.
func TestStoreReadFailure(t *testing.T) {
	db, err := store.Open(filepath.Join(t.TempDir(), "tagpulse.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	reg := storeRegistry(newMetricsAggregator(t, db))
	if got := gatherValue(t, reg, "tagpulse_store_scrape_success", nil); got != 1 {
		t.Fatalf("open store: scrape_success = %v, want 1", got)
	}
	db.Close()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatalf("gather with a closed store: %v, want the failure reported as a metric", err)
	}
	if got := gatherValue(t, reg, "tagpulse_store_scrape_success", nil); got != 0 {
		t.Fatalf("closed store: scrape_success = %v, want 0", got)
	}
	for _, mf := range mfs {
		if n := mf.GetName(); n == "tagpulse_participants" || n == "tagpulse_campaign_active" {
			t.Errorf("closed store: %s still exposed", n)
		}
	}
}

// TestMetricsEndpoint scrapes /metrics through the real handler and checks
// the registry's collectors are all there; with promtool installed it also
// runs `promtool check metrics` on the body.
func TestMetricsEndpoint(t *testing.T) {
	db := storetest.Open(t)
	agg := newMetricsAggregator(t, db)
	if _, err := db.Append(metricsPosts(), nil); err != nil {
		t.Fatal(err)
	}
	if _, err := agg.CatchUp(context.Background()); err != nil {
		t.Fatal(err)
	}
	h, err := dashboard.NewHandler(dashboard.Options{Aggregator: agg, Gatherer: dashboard.NewRegistry(agg)})
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /metrics: %d %s", rec.Code, rec.Body)
	}
	body := rec.Body.String()
	for _, want := range []string{
		"go_goroutines ", "go_build_info{", "process_start_time_seconds ",
		`tagpulse_posts_total{campaign="allforpalestine",kind="original",source="mastodon"} 1`,
		`tagpulse_campaign_active{campaign="sheikhjarrah"} 0`,
		"tagpulse_store_size_bytes ",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}

	promtool := lookTool(t, "promtool")
	cmd := exec.Command(promtool, "check", "metrics")
	cmd.Stdin = strings.NewReader(body)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("promtool check metrics: %v\n%s", err, out)
	}
}

// lookTool finds a Prometheus program; see testneed.
func lookTool(t *testing.T, name string) string { t.Helper(); return testneed.Prometheus(t, name) }

// writeText writes the named metric families in the text exposition format.
func writeText(w *bytes.Buffer, mfs []*dto.MetricFamily, names []string) error {
	for _, mf := range mfs {
		if slices.Contains(names, mf.GetName()) {
			if _, err := expfmt.MetricFamilyToText(w, mf); err != nil {
				return err
			}
		}
	}
	return nil
}

// gatherValue returns the value of the one series of metric name with the
// given labels (a subset), failing the test when there is not exactly one.
func gatherValue(t testing.TB, reg prometheus.Gatherer, name string, labels map[string]string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var found []float64
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	series:
		for _, m := range mf.GetMetric() {
			have := map[string]string{}
			for _, lp := range m.GetLabel() {
				have[lp.GetName()] = lp.GetValue()
			}
			for k, v := range labels {
				if have[k] != v {
					continue series
				}
			}
			switch {
			case m.Counter != nil:
				found = append(found, m.GetCounter().GetValue())
			case m.Gauge != nil:
				found = append(found, m.GetGauge().GetValue())
			default:
				found = append(found, m.GetUntyped().GetValue())
			}
		}
	}
	if len(found) != 1 {
		t.Fatalf("%s%v: %d series, want 1", name, labels, len(found))
	}
	return found[0]
}
