package main

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRunPrintsLinks: at start, run says where the dashboard is, where its
// token is set (never the token itself) and the campaigns' public links.
func TestRunPrintsLinks(t *testing.T) {
	dir := t.TempDir()
	cfg := writeConfig(t, dir)
	const token, secret = "s3cret-dashboard-token-0123", "public-link-secret-4567"
	b, _ := os.ReadFile(cfg)
	b = append(b, []byte("dashboard:\n  access:\n    token: "+token+"\n  public:\n    afp: "+secret+"\n")...)
	if err := os.WriteFile(cfg, b, 0o600); err != nil {
		t.Fatal(err)
	}
	r := startRun(t, func(string) string { return "" }, "-config", cfg, "-addr", "127.0.0.1:0")
	out := r.log.String()
	for _, want := range []string{
		"dashboard: http://" + r.addr + "/ — sign in with the token of dashboard.access.token in " + cfg,
		"public read-only link of afp: http://" + r.addr + "/p/" + secret + "/",
		"metrics: http://" + r.addr + "/metrics",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("start message lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, token) {
		t.Errorf("the token's value was printed:\n%s", out)
	}
	if _, err := r.stop(t); err != nil {
		t.Error(err)
	}
}

// TestRunPortInUse: an address another server holds is refused with a
// hint to choose another with -addr.
func TestRunPortInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	dir := t.TempDir()
	cfg := writeConfig(t, dir)
	_, errs, code := runCmd(t, "run", "-config", cfg, "-addr", ln.Addr().String(), "-db", filepath.Join(dir, "other.db"))
	if code == 0 || !strings.Contains(errs, "already in use") || !strings.Contains(errs, "-addr 127.0.0.1:") {
		t.Errorf("exit %d, stderr:\n%s", code, errs)
	}
}
