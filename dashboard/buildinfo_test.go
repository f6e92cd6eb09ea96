package dashboard

import (
	"net/http"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"github.com/prometheus/common/expfmt"
)

// TestMetricsBuildInfoAndOpenMetrics: /metrics has tagpulse_build_info, and
// answers in OpenMetrics to a scraper that asks for it (Prometheus does),
// in the classic text format otherwise.
func TestMetricsBuildInfoAndOpenMetrics(t *testing.T) {
	f := newFixture(t, func(o *Options) { o.Gatherer = NewRegistry(o.Aggregator) })
	f.fill(t)

	w := f.get(t, "/metrics")
	if ct := w.Header().Get("Content-Type"); w.Code != http.StatusOK || !strings.HasPrefix(ct, "text/plain") {
		t.Fatalf("plain scrape: %d %q", w.Code, ct)
	}
	text := w.Body.String()
	re := regexp.MustCompile(`(?m)^tagpulse_build_info\{goversion="([^"]+)",revision="([^"]+)",version="([^"]+)"\} 1$`)
	m := re.FindStringSubmatch(text)
	if m == nil {
		t.Fatalf("no tagpulse_build_info{goversion,revision,version} 1 in:\n%s", grepLines(text, "build_info"))
	}
	if m[1] != runtime.Version() || m[3] == "" {
		t.Errorf("build info goversion %q version %q; want %q and a version", m[1], m[3], runtime.Version())
	}

	w = f.get(t, "/metrics", "Accept", "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5")
	ct := w.Header().Get("Content-Type")
	if w.Code != http.StatusOK || expfmt.ResponseFormat(w.Header()).FormatType() != expfmt.TypeOpenMetrics {
		t.Fatalf("OpenMetrics scrape: %d %q", w.Code, ct)
	}
	om := w.Body.String()
	if !strings.HasSuffix(om, "# EOF\n") {
		t.Errorf("OpenMetrics exposition does not end with # EOF")
	}
	for _, want := range []string{
		"# TYPE tagpulse_posts counter\n", `tagpulse_posts_total{campaign="afp",`,
		"# TYPE tagpulse_build_info gauge\n", "tagpulse_build_info{",
	} {
		if !strings.Contains(om, want) {
			t.Errorf("OpenMetrics exposition lacks %q", want)
		}
	}
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
