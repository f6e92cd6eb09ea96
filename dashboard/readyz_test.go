package dashboard

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tagpulse/tagpulse/aggregator"
	"github.com/tagpulse/tagpulse/store"
)

// TestReadyz: ready once the aggregator has caught up with the post log,
// not while a backlog is waiting, and not once the store is closed;
// /healthz meanwhile says the process is alive.
func TestReadyz(t *testing.T) {
	db, err := store.Open(filepath.Join(t.TempDir(), "tagpulse.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	clock := func() time.Time { return gazaNow }
	agg := aggregator.New(db, campaigns(gazaNow.Location()), aggregator.Options{Now: clock})
	h, err := NewHandler(Options{Aggregator: agg, Access: Access{Token: "tok-dashboard-0123456789"}})
	if err != nil {
		t.Fatal(err)
	}
	get := func(path string) (int, map[string]any) {
		t.Helper()
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, path, nil))
		var body map[string]any
		if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
			t.Fatalf("GET %s: %d %q: %v", path, w.Code, w.Body, err)
		}
		return w.Code, body
	}

	// An empty store has nothing to catch up with: ready, without credentials.
	if code, body := get("/readyz"); code != http.StatusOK || body["status"] != "ready" || body["aggregator_lag_posts"] != 0.0 {
		t.Fatalf("empty store: %d %v", code, body)
	}

	// A backlog beyond ReadyMaxLag, as after downtime or an import.
	f := &fixture{now: gazaNow}
	var posts []store.Post
	for range ReadyMaxLag + 1 {
		posts = append(posts, f.post("allforpalestine", gazaNow.Add(-time.Hour)))
	}
	if _, err := db.Append(posts, nil); err != nil {
		t.Fatal(err)
	}
	code, body := get("/readyz")
	if code != http.StatusServiceUnavailable || body["status"] != "not_ready" || body["aggregator_lag_posts"] != float64(ReadyMaxLag+1) ||
		!strings.Contains(body["reason"].(string), "catching up: 1001 posts") {
		t.Fatalf("backlog: %d %v", code, body)
	}
	if code, _ := get("/healthz"); code != http.StatusOK {
		t.Errorf("healthz with a backlog: %d, want 200 (alive, only behind)", code)
	}

	if _, err := agg.CatchUp(t.Context()); err != nil {
		t.Fatal(err)
	}
	if code, body := get("/readyz"); code != http.StatusOK || body["status"] != "ready" || body["aggregator_lag_posts"] != 0.0 {
		t.Fatalf("caught up: %d %v", code, body)
	}

	// A few posts behind is caught up enough: the next batch folds them in.
	if _, err := db.Append([]store.Post{f.post("allforpalestine", gazaNow)}, nil); err != nil {
		t.Fatal(err)
	}
	if code, body := get("/readyz"); code != http.StatusOK || body["aggregator_lag_posts"] != 1.0 {
		t.Fatalf("one post behind: %d %v", code, body)
	}

	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	code, body = get("/readyz")
	if code != http.StatusServiceUnavailable || body["status"] != "not_ready" || !strings.HasPrefix(body["reason"].(string), "store: ") {
		t.Fatalf("store closed: %d %v", code, body)
	}
}

// Options.Ready adds a condition: a cluster's serve node that has not
// caught up with the stream is not ready, whatever the aggregator says.
func TestReadyzAsksReady(t *testing.T) {
	db, err := store.Open(filepath.Join(t.TempDir(), "tagpulse.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	agg := aggregator.New(db, campaigns(gazaNow.Location()), aggregator.Options{Now: func() time.Time { return gazaNow }})
	caughtUp := false
	h, err := NewHandler(Options{Aggregator: agg, Ready: func() (bool, string) {
		if caughtUp {
			return true, ""
		}
		return false, "catching up with the cluster's stream: 12 posts behind"
	}})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []int{http.StatusServiceUnavailable, http.StatusOK} {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/readyz", nil))
		if w.Code != want || (want != http.StatusOK && !strings.Contains(w.Body.String(), "12 posts behind")) {
			t.Errorf("caught up %v: %d %s", caughtUp, w.Code, w.Body)
		}
		caughtUp = true
	}
}
