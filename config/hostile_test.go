package config_test

import (
	"strings"
	"testing"

	"github.com/tagpulse/tagpulse/config"
)

func TestDashboardHostsConfig(t *testing.T) {
	cfg, err := config.Parse([]byte("db: x.db\ncampaigns:\n  - name: afp\n    hashtags: [AllForPalestine]\n    timezone: UTC\ndashboard:\n  hosts: [pulse.example.org]\n"), "t.yml", func(string) string { return "" })
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
	cfg, err := config.Parse([]byte("db: x.db\ncampaigns:\n  - name: afp\n    hashtags: [AllForPalestine]\n    timezone: UTC\nsources:\n  mastodon: {instances: [\"https://bob:hunter2-long@m.example\"], backfill_pages: 3}\n"), "t.yml", func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	s := strings.Join(cfg.Sources.Secrets(), "\n")
	if !strings.Contains(s, "hunter2-long") || !strings.Contains(s, "Ym9iOmh1bnRlcjItbG9uZw==") {
		t.Fatalf("secrets %q lack the instance URL's user info", s)
	}
	if cfg.Sources.Mastodon.BackfillPages != 3 {
		t.Fatalf("backfill_pages = %d", cfg.Sources.Mastodon.BackfillPages)
	}
}
