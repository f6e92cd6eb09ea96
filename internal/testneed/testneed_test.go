package testneed

import (
	"testing"
)

// recorder is a testing.TB that notes whether the test would have failed
// or skipped, and stops the helper there as the real ones do.
type recorder struct {
	testing.TB
	failed, skipped bool
}

type stop struct{}

func (r *recorder) Helper()               {}
func (r *recorder) Fatal(args ...any)     { r.failed = true; panic(stop{}) }
func (r *recorder) Skip(args ...any)      { r.skipped = true; panic(stop{}) }
func (r *recorder) Fatalf(string, ...any) { r.failed = true; panic(stop{}) }

func try(t *testing.T, fn func(tb testing.TB)) *recorder {
	r := &recorder{TB: t}
	func() {
		defer func() {
			if v := recover(); v != nil {
				if _, ok := v.(stop); !ok {
					panic(v)
				}
			}
		}()
		fn(r)
	}()
	return r
}

func TestMissingFailsInCISkipsElsewhere(t *testing.T) {
	missing := func(tb testing.TB) { Program(tb, "nowhere", "no-such-program-tagpulse") }
	t.Setenv("CI", "true")
	if r := try(t, missing); !r.failed || r.skipped {
		t.Fatalf("in CI: failed=%v skipped=%v, want a failure", r.failed, r.skipped)
	}
	t.Setenv("CI", "")
	if r := try(t, missing); r.failed || !r.skipped {
		t.Fatalf("outside CI: failed=%v skipped=%v, want a skip", r.failed, r.skipped)
	}
	if r := try(t, func(tb testing.TB) { Path(tb, t.TempDir()) }); r.failed || r.skipped {
		t.Fatal("an existing path was reported missing")
	}
	if r := try(t, func(tb testing.TB) { Program(tb, "", "sh") }); r.failed || r.skipped {
		t.Fatal("sh was reported missing")
	}
}
