package main

import (
	"net/http"
	"strings"
	"testing"
)

// TestHostHeaderGuard: a server on loopback answers only for localhost, the
// loopback addresses and dashboard.hosts; another Host (a DNS-rebinding
// page's own name) gets 421 Misdirected Request.
func TestHostHeaderGuard(t *testing.T) {
	_, agg := testAggregator(t)
	addr, _ := startServe(t, agg, serveOptions{Dashboard: DashboardConfig{Hosts: []string{"Pulse.Example.org"}}})
	for host, want := range map[string]int{
		addr:                     http.StatusOK,
		"localhost:8080":         http.StatusOK,
		"[::1]:8080":             http.StatusOK,
		"pulse.example.org":      http.StatusOK,
		"attacker.example":       http.StatusMisdirectedRequest,
		"attacker.example:8080":  http.StatusMisdirectedRequest,
		"127.0.0.1.attacker.com": http.StatusMisdirectedRequest,
	} {
		req, _ := http.NewRequest("GET", "http://"+addr+"/api/v1/campaigns", nil)
		req.Host = host
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("Host %s: %d, want %d", host, resp.StatusCode, want)
		}
	}
}

func TestDashboardHostsConfig(t *testing.T) {
	cfg, err := ParseConfig([]byte("db: x.db\ncampaigns:\n  - name: afp\n    hashtags: [AllForPalestine]\n    timezone: UTC\ndashboard:\n  hosts: [pulse.example.org]\n"), "t.yml", func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Dashboard.Hosts) != 1 || cfg.Dashboard.Hosts[0] != "pulse.example.org" {
		t.Fatalf("hosts = %v", cfg.Dashboard.Hosts)
	}
}

// TestSourceSecretsIncludeURLUserInfo: credentials in a configured address
// are scrubbed from errors like tokens are.
func TestSourceSecretsIncludeURLUserInfo(t *testing.T) {
	cfg, err := ParseConfig([]byte("db: x.db\ncampaigns:\n  - name: afp\n    hashtags: [AllForPalestine]\n    timezone: UTC\nsources:\n  mastodon: {instances: [\"https://bob:hunter2-long@m.example\"]}\n"), "t.yml", func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	s := strings.Join(cfg.Sources.secrets(), "\n")
	if !strings.Contains(s, "hunter2-long") || !strings.Contains(s, "Ym9iOmh1bnRlcjItbG9uZw==") {
		t.Fatalf("secrets %q lack the instance URL's user info", s)
	}
}
