package dashboard

import (
	"encoding/json"
	"html"
	"net/http"
	"strings"
	"testing"

	"github.com/tagpulse/tagpulse/internal/buildinfo"
)

// TestSourceLink: AGPL-3.0 §13 — every page's footer links to the source
// code, in the page's language, and /healthz names the source and version.
func TestSourceLink(t *testing.T) {
	f := newFixture(t, nil)
	for _, lang := range []string{"en", "ar"} {
		w := f.get(t, "/?lang="+lang)
		if w.Code != http.StatusOK {
			t.Fatalf("/?lang=%s: %d", lang, w.Code)
		}
		body := w.Body.String()
		foot := body[strings.Index(body, "<footer>"):]
		want := `href="` + html.EscapeString(buildinfo.Source()) + `" class="source-link"`
		if !strings.Contains(foot, want) {
			t.Errorf("%s footer has no source link %s: %s", lang, want, foot)
		}
	}
	var hz struct{ Source, Version string }
	w := f.get(t, "/healthz")
	if err := json.Unmarshal(w.Body.Bytes(), &hz); err != nil {
		t.Fatalf("healthz: %v %s", err, w.Body)
	}
	if hz.Source != buildinfo.Source() || hz.Source == "" || hz.Version != buildinfo.Get().Version {
		t.Errorf("healthz source/version = %q %q", hz.Source, hz.Version)
	}
}
