// Package testneed lets a test require something outside the repository —
// a program (Chromium, promtool), or the shared fixtures beside the clone.
// In CI (CI=true) a missing requirement fails the test: a green run must
// not have skipped it. Elsewhere the test skips and says what to install.
package testneed

import (
	"os"
	"os/exec"
	"testing"
)

// Missing fails the test in CI and skips it elsewhere, with msg.
func Missing(tb testing.TB, msg string) {
	tb.Helper()
	if os.Getenv("CI") == "true" {
		tb.Fatal(msg)
	}
	tb.Skip(msg)
}

// Program returns the path of the first of names found (as a path or on
// PATH); empty names are passed over. install says how to get it.
func Program(tb testing.TB, install string, names ...string) string {
	tb.Helper()
	for _, n := range names {
		if n == "" {
			continue
		}
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	Missing(tb, "none of "+joinNames(names)+" found: "+install)
	return ""
}

// Path returns path when it exists (a shared fixture, a data set).
func Path(tb testing.TB, path string) string {
	tb.Helper()
	if _, err := os.Stat(path); err != nil {
		Missing(tb, err.Error()+" (the shared folder sits beside the clone in CI)")
	}
	return path
}

// Chromium finds the browser: $CHROME, else Debian's chromium.
func Chromium(tb testing.TB) string {
	tb.Helper()
	return Program(tb, "Debian: apt-get install chromium (or set CHROME)", os.Getenv("CHROME"), "/usr/bin/chromium", "/usr/bin/chromium-browser")
}

// Prometheus finds one of Prometheus's programs (prometheus, promtool).
func Prometheus(tb testing.TB, name string) string {
	tb.Helper()
	return Program(tb, "Debian: apt-get install prometheus", name)
}

func joinNames(names []string) string {
	s := ""
	for _, n := range names {
		if n == "" {
			continue
		}
		if s != "" {
			s += ", "
		}
		s += n
	}
	return s
}
