package dashboard

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/tagpulse/tagpulse/store"
)

// BenchmarkAPI measures the handlers in process over a store of 20,000
// posts (bench/api.sh measures them over HTTP with 1,000,000).
func BenchmarkAPI(b *testing.B) {
	f := newFixture(b, nil)
	posts := make([]store.Post, 0, 20000)
	first := time.Date(2026, 11, 22, 0, 0, 0, 0, f.gaza)
	for i := 0; i < cap(posts); i++ {
		p := f.post("allforpalestine", first.Add(time.Duration(i)*f.now.Sub(first)/time.Duration(cap(posts))))
		p.Author.ID = p.Author.ID + "-" + string(rune('a'+i%26))
		posts = append(posts, p)
	}
	f.add(b, posts...)
	for _, target := range []string{
		"/api/v1/campaigns",
		"/api/v1/campaigns/afp/headline",
		"/api/v1/campaigns/afp/days",
		"/api/v1/campaigns/afp/days?by=country",
		"/api/v1/campaigns/afp/hours?day=2026-11-29",
		"/api/v1/campaigns/afp/totals?by=country",
		"/api/v1/campaigns/afp/top",
		"/api/v1/campaigns/afp/card.svg",
		"/c/afp",
	} {
		b.Run(target, func(b *testing.B) {
			r := httptest.NewRequest(http.MethodGet, target, nil)
			for b.Loop() {
				w := httptest.NewRecorder()
				f.h.ServeHTTP(w, r)
				if w.Code != http.StatusOK {
					b.Fatalf("%s: %d", target, w.Code)
				}
			}
		})
	}
}
