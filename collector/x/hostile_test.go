package x_test

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/tagpulse/tagpulse/collector/x"
	"github.com/tagpulse/tagpulse/store"
)

func v1Status(id, followers string) []byte {
	return fmt.Appendf(nil, `{"id_str":%q,"created_at":"Sun Nov 29 10:00:00 +0000 2026","full_text":"#AllForPalestine",
"user":{"id_str":"7","screen_name":"a","followers_count":%s},"entities":{"hashtags":[{"text":"AllForPalestine","indices":[0,16]}]}}`, id, followers)
}

// TestV1HostileStatuses: ids X cannot produce are refused; follower counts
// are clamped to store.MaxFollowers, negatives read as 0.
func TestV1HostileStatuses(t *testing.T) {
	now := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	for _, id := range []string{" ", "javascript:alert(1)", "12\t34"} {
		if _, err := x.ParseTweetV1(v1Status(id, "1"), store.SourceImport, now); err == nil || !strings.Contains(err.Error(), "not a tweet id") && !strings.Contains(err.Error(), "control") {
			t.Errorf("id %q: %v, want it refused", id, err)
		}
	}
	for raw, want := range map[string]int64{fmt.Sprint(int64(math.MaxInt64)): store.MaxFollowers, "-5": 0, "12": 12} {
		p, err := x.ParseTweetV1(v1Status("1", raw), store.SourceImport, now)
		if err != nil {
			t.Fatal(err)
		}
		if p.Author.Followers != want {
			t.Errorf("followers_count %s → %d, want %d", raw, p.Author.Followers, want)
		}
	}
}
