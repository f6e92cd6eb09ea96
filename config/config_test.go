package config_test

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tagpulse/tagpulse/config"
)

// env is a getenv over a fixed set of variables.
func env(vars map[string]string) func(string) string {
	return func(name string) string { return vars[name] }
}

const goodConfig = `db: /var/lib/tagpulse/tagpulse.db
listen: :9090
campaigns:
  - name: allforpalestine
    title: "#AllForPalestine — International Day of Solidarity"
    hashtags: [AllForPalestine, "#كلـنا_لفلسطين", "＃ALLFORPALESTINE"]
    timezone: Asia/Gaza
    from: 2026-11-22
    to: 2026-12-06
  - name: week-of-struggle_2026
    hashtags:
      - WeekOfPalestinianStruggle
    timezone: UTC
`

func TestParse(t *testing.T) {
	cfg, err := config.Parse([]byte(goodConfig), "tagpulse.yml", env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.DB != "/var/lib/tagpulse/tagpulse.db" || cfg.Listen != ":9090" || cfg.Path != "tagpulse.yml" {
		t.Errorf("DB, Listen, Path = %q, %q, %q", cfg.DB, cfg.Listen, cfg.Path)
	}
	if len(cfg.Campaigns) != 2 {
		t.Fatalf("%d campaigns, want 2", len(cfg.Campaigns))
	}
	c := cfg.Campaigns[0]
	if c.Name != "allforpalestine" || c.Title != "#AllForPalestine — International Day of Solidarity" ||
		c.Timezone != "Asia/Gaza" || c.From != "2026-11-22" || c.To != "2026-12-06" {
		t.Errorf("campaign = %+v", c)
	}
	if want := []string{"allforpalestine", "كلنا_لفلسطين"}; !slices.Equal(c.Hashtags, want) {
		t.Errorf("Hashtags = %q, want %q (normalised, deduplicated)", c.Hashtags, want)
	}
	if c.Location == nil || c.Location.String() != "Asia/Gaza" {
		t.Errorf("Location = %v, want Asia/Gaza", c.Location)
	}
	if c2 := cfg.Campaigns[1]; c2.From != "" || c2.To != "" || c2.Location.String() != "UTC" {
		t.Errorf("second campaign = %+v", c2)
	}
	if cfg.Cluster != nil || cfg.Sources.X != nil || cfg.Sources.Bluesky != nil {
		t.Errorf("absent sections: cluster %v, sources %+v", cfg.Cluster, cfg.Sources)
	}

	got, err := cfg.Campaign("week-of-struggle_2026")
	if err != nil || got != &cfg.Campaigns[1] {
		t.Errorf("Campaign(week-of-struggle_2026) = %p, %v; want %p", got, err, &cfg.Campaigns[1])
	}
	if _, err := cfg.Campaign("nope"); err == nil || !strings.Contains(err.Error(), `"nope"`) || !strings.Contains(err.Error(), "allforpalestine") {
		t.Errorf("Campaign(nope) error = %v", err)
	}
}

func TestParseDefaults(t *testing.T) {
	cfg, err := config.Parse([]byte("campaigns: [{name: a, hashtags: [a], timezone: UTC}]\n"), "min.yml", nil)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.DB != "tagpulse.db" || cfg.Listen != "127.0.0.1:8080" {
		t.Errorf("DB, Listen = %q, %q; want the defaults", cfg.DB, cfg.Listen)
	}
}

func TestParseEnv(t *testing.T) {
	vars := map[string]string{"TAGPULSE_DB": "/srv/tp.db", "TZ_NAME": "Asia/Gaza", "SECRET": "s3cr3t-token-value", "EVERY": "90s"}
	in := `db: ${TAGPULSE_DB}
listen: "127.0.0.1:$${PORT}"
campaigns:
  - name: a
    title: "costs $5 and ${TZ_NAME}"
    hashtags: [a]
    timezone: ${TZ_NAME}
sources:
  mastodon:
    instances: [https://mastodon.social]
    every: ${EVERY}
`
	cfg, err := config.Parse([]byte(in), "env.yml", env(vars))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.DB != "/srv/tp.db" {
		t.Errorf("DB = %q", cfg.DB)
	}
	if cfg.Listen != "127.0.0.1:${PORT}" {
		t.Errorf("Listen = %q, want the literal ${PORT}", cfg.Listen)
	}
	if c := cfg.Campaigns[0]; c.Timezone != "Asia/Gaza" || c.Title != "costs $5 and Asia/Gaza" {
		t.Errorf("campaign = %+v", c)
	}
	if m := cfg.Sources.Mastodon; m == nil || m.Every != 90*time.Second {
		t.Errorf("mastodon = %+v, want every 90s from ${EVERY}", m)
	}

	// A secret in a value that goes wrong never appears in the error.
	in = "campaigns:\n  - name: a\n    hashtags: ${SECRET}\n    timezone: \"${SECRET}\"\nlisten: ${SECRET}\nsources:\n  x: {bearer_token: t, every: \"${SECRET}\"}\n"
	_, err = config.Parse([]byte(in), "env.yml", env(vars))
	if err == nil {
		t.Fatal("no error")
	}
	if strings.Contains(err.Error(), "s3cr3t") {
		t.Errorf("error shows the secret: %v", err)
	}
	for _, want := range []string{"env.yml:3: campaigns[0].hashtags:", "env.yml:4: campaigns[0].timezone:", "env.yml:5: listen:", "env.yml:7: sources.x.every:"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error = %v\nwant one at %s", err, want)
		}
	}
}

// TestParseErrors walks every check: each names the file, the line and
// the key.
func TestParseErrors(t *testing.T) {
	const campaign = "campaigns:\n  - name: a\n    hashtags: [a]\n    timezone: UTC\n" // lines 1–4
	for _, tt := range []struct {
		name, in string
		line     int
		key      string
		msg      string // substring of the message
	}{
		// The file as a whole.
		{"Empty", "", 1, "campaigns", "empty"},
		{"NotMapping", "- a\n- b\n", 1, "", "must be a mapping"},
		{"Syntax", "db: x\n  listen: y\n", 2, "", "mapping values are not allowed"},
		{"Tab", "db: x\n\tlisten: y\n", 2, "", "tabs are not allowed, use spaces"},
		{"TabInList", "campaigns:\n  - name: a\n\thashtags: [a]\n", 3, "", "tabs are not allowed, use spaces"},
		{"TabBeforeItem", "db: x\ncampaigns:\n\t- name: a\n", 3, "", "tabs are not allowed, use spaces"},
		{"FlowEnv", campaign + "sources:\n  x: {bearer_token: ${X}}\n", 6, "", `quote values that use ${NAME}`},
		{"SecondDocument", campaign + "---\ndb: y\n", 5, "", "second YAML document"},
		{"DuplicateKey", "db: a\ndb: b\n" + campaign, 2, "db", "already defined"},
		{"DuplicateInCampaign", "campaigns:\n  - name: a\n    hashtags: [a]\n    timezone: UTC\n    name: b\n", 5, "campaigns[0].name", "already defined"},

		// Unknown keys, at every depth.
		{"UnknownTop", "dbx: a\n" + campaign, 1, "dbx", "unknown key (known here: campaigns, cluster, dashboard, db, geo, listen, sources)"},
		{"UnknownInCampaign", campaign + "    hashtag: b\n", 5, "campaigns[0].hashtag", "unknown key (known here: from, hashtags, name, timezone, title, to)"},
		{"UnknownInMerged", "campaigns:\n  - <<: {name: a, hashtags: [a], zone: UTC}\n    timezone: UTC\n", 2, "campaigns[0].zone", "unknown key"},
		{"UnknownSource", campaign + "sources:\n  nosuchsource:\n    instances: [https://mastodon.social]\n", 6, "sources.nosuchsource", "unknown key (known here: bluesky, instagram, mastodon, poll_timeout, threads, twitter, x, youtube)"},
		{"UnknownInX", campaign + "sources:\n  x: {bearer: abc, bearer_token: t}\n", 6, "sources.x.bearer", "unknown key (known here: base_url, bearer_token,"},
		{"UnknownInMastodon", campaign + "sources:\n  mastodon:\n    instances: [a.example]\n    instance: b.example\n", 8, "sources.mastodon.instance", "unknown key"},
		{"UnknownInGeo", campaign + "geo: {nosuchkey: x}\n", 5, "geo.nosuchkey", "unknown key (known here: instance, overrides, prefer)"},
		{"UnknownInDashboard", campaign + "dashboard:\n  nosuchkey: x\n", 6, "dashboard.nosuchkey", "unknown key"},
		{"UnknownInAccess", campaign + "dashboard:\n  access: {token: a-long-token-0123456789, pass: b}\n", 6, "dashboard.access.pass", "unknown key (known here: password, token, user)"},
		{"UnknownInCluster", campaign + "cluster: {nats: nats://a:4222, replicas: 3}\n", 5, "cluster.replicas", "unknown key (known here: credentials, nats, role, stream)"},

		// Values of the wrong type.
		{"CampaignFieldType", campaign + "    title: {x: y}\n", 5, "campaigns[0].title", "cannot unmarshal"},
		{"HashtagsNotList", "campaigns:\n  - name: a\n    hashtags: a\n    timezone: UTC\n", 3, "campaigns[0].hashtags", "cannot unmarshal"},
		{"DurationType", campaign + "sources:\n  x: {bearer_token: t, every: soon}\n", 6, "sources.x.every", "a duration such as 30s"},
		{"IntType", campaign + "sources:\n  x:\n    bearer_token: t\n    max_results: many\n", 8, "sources.x.max_results", "cannot unmarshal !!str `many` into int"},
		{"BoolType", campaign + "geo:\n  instance: maybe\n", 6, "geo.instance", "into bool"},
		{"ListType", campaign + "geo:\n  prefer: PS\n", 6, "geo.prefer", "cannot unmarshal"},
		{"SectionType", campaign + "sources: [x]\n", 5, "sources", "cannot unmarshal"},

		// Top-level values.
		{"Listen", "listen: 8080\n" + campaign, 1, "listen", "not host:port"},
		{"EnvUnset", "db: ${TAGPULSE_NOPE}\n" + campaign, 1, "db", "TAGPULSE_NOPE is not set"},
		{"EnvUnsetNested", campaign + "    title: \"x ${TITLE}\"\n", 5, "campaigns[0].title", "TITLE is not set"},
		{"EnvMalformed", "db: ${TAGPULSE DB}\n" + campaign, 1, "db", "malformed variable reference"},
		{"EnvUnterminated", "db: ${TAGPULSE_DB\n" + campaign, 1, "db", "malformed variable reference"},

		// Campaigns.
		{"NoCampaigns", "db: x.db\ncampaigns: []\n", 2, "campaigns", "no campaigns"},
		{"NoCampaignsKey", "db: x.db\n", 1, "campaigns", "no campaigns"},
		{"CampaignsNotList", "campaigns: {name: a}\n", 1, "campaigns", "not a list"},
		{"EmptyCampaign", "campaigns:\n  -\n  - name: a\n    hashtags: [a]\n    timezone: UTC\n", 2, "campaigns[0]", "empty campaign"},
		{"IndexAfterEmpty", "campaigns:\n  - name: b\n    hashtags: [b]\n    timezone: UTC\n  - ~\n  - name: a\n    hashtags: [a]\n    timezone: UTC\n", 5, "campaigns[1]", "empty campaign"},
		{"CampaignNotMapping", "campaigns: [a]\n", 1, "campaigns[0]", "not a campaign"},
		{"NoName", "campaigns:\n  - hashtags: [a]\n    timezone: UTC\n", 2, "campaigns[0].name", "missing"},
		{"NameNotURLSafe", "campaigns:\n  - name: All For Palestine\n    hashtags: [a]\n    timezone: UTC\n", 2, "campaigns[0].name", "not URL-safe"},
		{"NameUpper", "campaigns:\n  - name: AllForPalestine\n    hashtags: [a]\n    timezone: UTC\n", 2, "campaigns[0].name", "not URL-safe"},
		{"NameLeadingDash", "campaigns:\n  - name: -a\n    hashtags: [a]\n    timezone: UTC\n", 2, "campaigns[0].name", "not URL-safe"},
		{"NameSlash", "campaigns:\n  - name: a/b\n    hashtags: [a]\n    timezone: UTC\n", 2, "campaigns[0].name", "not URL-safe"},
		{"NameDuplicate", campaign + "  - name: a\n    hashtags: [b]\n    timezone: UTC\n", 5, "campaigns[1].name", "already the name of campaigns[0]"},
		{"NoHashtags", "campaigns:\n  - name: a\n    timezone: UTC\n", 2, "campaigns[0].hashtags", "at least one hashtag"},
		{"EmptyHashtags", "campaigns:\n  - name: a\n    hashtags: []\n    timezone: UTC\n", 3, "campaigns[0].hashtags", "at least one hashtag"},
		{"EmptyHashtag", "campaigns:\n  - name: a\n    hashtags: [a, \"\"]\n    timezone: UTC\n", 3, "campaigns[0].hashtags[1]", "empty hashtag"},
		{"CommentHashtag", "campaigns:\n  - name: a\n    hashtags:\n      - a\n      - #Gaza\n    timezone: UTC\n", 5, "campaigns[0].hashtags[1]", "starts a comment"},
		{"HashtagSpace", "campaigns:\n  - name: a\n    hashtags:\n      - All For Palestine\n    timezone: UTC\n", 4, "campaigns[0].hashtags[0]", "contains a space"},
		{"HashtagPunct", "campaigns:\n  - name: a\n    hashtags: [\"!!!\"]\n    timezone: UTC\n", 3, "campaigns[0].hashtags[0]", "no letters"},
		{"HashtagNumeric", "campaigns:\n  - name: a\n    hashtags: [2021]\n    timezone: UTC\n", 3, "campaigns[0].hashtags[0]", "no letters"},
		{"HashtagDashEnd", "campaigns:\n  - name: a\n    hashtags: [all-for-palestine-]\n    timezone: UTC\n", 3, "campaigns[0].hashtags[0]", "ends in '-'"},
		{"HashtagSpace", "campaigns:\n  - name: a\n    hashtags: [\"all for palestine\"]\n    timezone: UTC\n", 3, "campaigns[0].hashtags[0]", "contains a space"},
		{"BadZone", "campaigns:\n  - name: a\n    hashtags: [a]\n\n    timezone: Asia/Gazza\n", 5, "campaigns[0].timezone", `unknown time zone "Asia/Gazza"`},
		{"LocalZone", "campaigns:\n  - name: a\n    hashtags: [a]\n    timezone: Local\n", 4, "campaigns[0].timezone", "depends on the host"},
		{"NoZone", "campaigns:\n  - name: a\n    hashtags: [a]\n", 2, "campaigns[0].timezone", "missing"},
		{"FromBad", campaign + "    from: 22/11/2026\n", 5, "campaigns[0].from", "not a day as YYYY-MM-DD"},
		{"ToBad", campaign + "    to: 2026-12-6\n", 5, "campaigns[0].to", "not a day"},
		{"ToTimestamp", campaign + "    to: 2026-12-06T10:00:00Z\n", 5, "campaigns[0].to", "not a day"},
		{"FromAfterTo", campaign + "    from: 2026-12-06\n    to: 2026-11-22\n", 6, "campaigns[0].to", "before from"},

		// Sources: what run needs, refused at load with its line.
		{"XNoToken", campaign + "sources:\n  x:\n    every: 1m\n", 6, "sources.x.bearer_token", "missing"},
		{"XEmptyToken", campaign + "sources:\n  x:\n    bearer_token: \"\"\n", 7, "sources.x.bearer_token", "missing"},
		{"XBaseURL", campaign + "sources:\n  x:\n    bearer_token: t\n    base_url: api.x.com\n", 8, "sources.x.base_url", "not a URL"},
		{"TwitterKeys", campaign + "sources:\n  twitter:\n    consumer_key: a\n", 6, "sources.twitter", "missing: access_secret, access_token, consumer_secret"},
		{"TwitterBaseURL", campaign + "sources:\n  twitter: {bearer_token: t, base_url: 'ftp://x'}\n", 6, "sources.twitter.base_url", "not a URL"},
		{"MastodonNoInstances", campaign + "sources:\n  mastodon:\n    every: 1m\n", 6, "sources.mastodon.instances", "missing"},
		{"MastodonBadInstance", campaign + "sources:\n  mastodon:\n    instances:\n      - https://mastodon.social\n      - 'ftp://x'\n", 9, "sources.mastodon.instances[1]", "not an http(s) URL"},
		{"MastodonTwice", campaign + "sources:\n  mastodon:\n    instances:\n      - a.example\n      - https://a.example/\n", 9, "sources.mastodon.instances[1]", "listed twice (as instances[0] too)"},
		{"MastodonSharedToken", campaign + "sources:\n  mastodon:\n    instances: [a.example, b.example]\n    token: t\n", 8, "sources.mastodon.token", "would be sent to every instance"},
		{"MastodonTokenHost", campaign + "sources:\n  mastodon:\n    instances: [a.example]\n    tokens:\n      b.example: t\n", 9, "sources.mastodon.tokens.b.example", "not the host of any of the instances"},
		{"BlueskyJetstream", campaign + "sources:\n  bluesky:\n    jetstream: 'ftp://x'\n", 7, "sources.bluesky.jetstream", "not a URL"},
		{"BlueskyAppView", campaign + "sources:\n  bluesky:\n    appview: 'wss://x'\n", 7, "sources.bluesky.appview", "not a URL"},
		{"BlueskyHandleWithoutPassword", campaign + "sources:\n  bluesky:\n    handle: me.bsky.social\n", 7, "sources.bluesky.handle", "TAGPULSE_BLUESKY_APP_PASSWORD"},
		{"BlueskyPasswordWithoutHandle", campaign + "sources:\n  bluesky:\n    app_password: pw\n", 7, "sources.bluesky.app_password", "handle"},

		// Geo.
		{"GeoOverrideCode", campaign + "geo:\n  overrides:\n    NYC: US\n    Atlantis: XX\n", 8, "geo.overrides.Atlantis", "not an ISO 3166-1 country code"},
		{"GeoOverrideText", campaign + "geo:\n  overrides:\n    \"!!\": US\n", 7, "geo.overrides.!!", "no letters"},
		{"GeoPreferCode", campaign + "geo:\n  prefer:\n    - PS\n    - XX\n", 8, "geo.prefer[1]", `"XX" is not an ISO 3166-1 alpha-2 country code`},
		{"GeoPreferLower", campaign + "geo:\n  prefer: [ps]\n", 6, "geo.prefer[0]", "upper case"},
		{"GeoPreferUnknown", campaign + "geo:\n  prefer: [ZZ]\n", 6, "geo.prefer[0]", "not an ISO 3166-1"},
		{"GeoPreferTwice", campaign + "geo:\n  prefer:\n    - PS\n    - JO\n    - PS\n", 9, "geo.prefer[2]", "listed twice (as prefer[0] too)"},

		// Dashboard.
		{"AccessNoPassword", campaign + "dashboard:\n  access:\n    user: coordinators\n", 6, "dashboard.access.password", "user and password go together"},
		{"AccessNoUser", campaign + "dashboard:\n  metrics:\n    password: a-long-password-123\n", 6, "dashboard.metrics.user", "user and password go together"},
		{"AccessShortPassword", campaign + "dashboard:\n  access:\n    user: coordinators\n    password: short\n", 8, "dashboard.access.password", "at least 16 characters"},
		{"AccessShortToken", campaign + "dashboard:\n  metrics: {token: short}\n", 6, "dashboard.metrics.token", "at least 16 characters"},
		{"PublicSecret", campaign + "dashboard:\n  public:\n    a: has/slash/in/it/long\n", 7, "dashboard.public.a", "at least 16 characters, without / ? #"},
		{"PublicUnknownCampaign", campaign + "dashboard:\n  public:\n    b: public-link-secret-42\n", 7, "dashboard.public.b", `no campaign is called "b"`},
		{"PublicSameSecret", campaign + "  - {name: b, hashtags: [b], timezone: UTC}\ndashboard:\n  public:\n    a: public-link-secret-42\n    b: public-link-secret-42\n", 9, "dashboard.public.b", "same secret as dashboard.public.a"},

		// Cluster.
		{"ClusterNoNATS", campaign + "cluster:\n  role: serve\n", 5, "cluster.nats", "missing"},
		{"ClusterBadNATS", campaign + "cluster:\n  nats: http://a:4222\n", 6, "cluster.nats", "not a NATS URL"},
		{"ClusterStream", campaign + "cluster:\n  nats: nats://a:4222\n  stream: tagpulse.posts\n", 7, "cluster.stream", "not a JetStream stream name"},
		{"ClusterRole", campaign + "cluster:\n  nats: nats://a:4222\n  role: leader\n", 7, "cluster.role", `"leader" is not a role: collect, serve or both`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := config.Parse([]byte(tt.in), "tagpulse.yml", env(nil))
			if err == nil {
				t.Fatalf("no error, want %d %s: %s", tt.line, tt.key, tt.msg)
			}
			var ce *config.Error
			if !errors.As(err, &ce) {
				t.Fatalf("error %v (%T) is not a *config.Error", err, err)
			}
			if ce.File != "tagpulse.yml" || ce.Line != tt.line || ce.Key != tt.key || !strings.Contains(ce.Err.Error(), tt.msg) {
				t.Errorf("error = %q\nwant    tagpulse.yml:%d: %s: …%s…", err, tt.line, tt.key, tt.msg)
			}
			if n := len(errs(err)); n != 1 {
				t.Errorf("%d errors, want 1:\n%v", n, err)
			}
		})
	}
}

// errs are the errors joined in err.
func errs(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

func TestParseErrorText(t *testing.T) {
	in := "db: x.db\ncampaigns:\n  - name: allforpalestine\n    hashtags: [AllForPalestine]\n\n\n    timezone: Asia/Gazza\n"
	_, err := config.Parse([]byte(in), "tagpulse.yml", nil)
	want := `tagpulse.yml:7: campaigns[0].timezone: unknown time zone "Asia/Gazza"`
	if err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("error = %v\nwant %s…", err, want)
	}
	_, err = config.Parse([]byte("db: x\n\tlisten: y\n"), "tagpulse.yml", nil)
	if want := "tagpulse.yml:2: tabs are not allowed, use spaces"; err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("error = %v\nwant %s…", err, want)
	}
}

func TestParseAllErrors(t *testing.T) {
	in := "dbx: a\ncampaigns:\n  - name: A\n    hashtags: [\"a b\"]\n    timezone: Mars/Base\nsources:\n  x: {every: 1m}\n"
	_, err := config.Parse([]byte(in), "t.yml", nil)
	if err == nil {
		t.Fatal("no error")
	}
	lines := strings.Split(err.Error(), "\n")
	want := []string{"t.yml:1: dbx:", "t.yml:3: campaigns[0].name:", "t.yml:4: campaigns[0].hashtags[0]:", "t.yml:5: campaigns[0].timezone:", "t.yml:7: sources.x.bearer_token:"}
	if len(lines) != len(want) {
		t.Fatalf("error =\n%v\nwant %d lines", err, len(want))
	}
	for i, w := range want {
		if !strings.HasPrefix(lines[i], w) {
			t.Errorf("line %d = %q, want %s…", i, lines[i], w)
		}
	}
}

func TestParseAliases(t *testing.T) {
	in := `base: &base
  hashtags: [a]
  timezone: UTC
`
	// An unknown top-level key, even one used only as an anchor, is refused.
	if _, err := config.Parse([]byte(in+"campaigns: [{<<: *base, name: a}]\n"), "a.yml", nil); err == nil || !strings.Contains(err.Error(), "a.yml:1: base: unknown key") {
		t.Errorf("error = %v", err)
	}
	valid := `campaigns:
  - &one
    name: a
    hashtags: [a]
    timezone: UTC
  - <<: *one
    name: b
  - name: d
    hashtags: &tags [d, e]
    timezone: UTC
  - {<<: *one, name: c, hashtags: *tags}
`
	// Aliases point back only: "*tags" before its anchor is an error.
	forward := strings.Replace(valid, "  - {<<: *one, name: c, hashtags: *tags}\n", "", 1)
	forward = strings.Replace(forward, "  - name: d\n", "  - {<<: *one, name: c, hashtags: *tags}\n  - name: d\n", 1)
	if _, err := config.Parse([]byte(forward), "a.yml", nil); err == nil || !strings.Contains(err.Error(), "a.yml:8") {
		t.Errorf("forward alias: error = %v", err)
	}
	cfg, err := config.Parse([]byte(valid), "a.yml", nil)
	if err != nil {
		t.Fatal(err)
	}
	// A merged key's problem is reported where the key is written, for the
	// campaign that uses it.
	_, err = config.Parse([]byte("campaigns:\n  - &c {name: a, hashtags: [a], timezone: Mars/Base}\n  - <<: *c\n    name: b\n"), "a.yml", nil)
	if want := "a.yml:2: campaigns[0].timezone: unknown time zone \"Mars/Base\"" + " (IANA names such as Asia/Gaza, Europe/London, UTC)\n" +
		"a.yml:2: campaigns[1].timezone: unknown time zone"; err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("merged zone: error = %v\nwant %s…", err, want)
	}
	var got []string
	for _, c := range cfg.Campaigns {
		got = append(got, c.Name+":"+strings.Join(c.Hashtags, ",")+":"+c.Timezone)
	}
	if want := []string{"a:a:UTC", "b:a:UTC", "d:d,e:UTC", "c:d,e:UTC"}; !slices.Equal(got, want) {
		t.Errorf("campaigns = %q, want %q\n%s", got, want, in)
	}
}

// TestParseAliasBomb: aliases that expand exponentially are refused by the
// library, quickly.
func TestParseAliasBomb(t *testing.T) {
	in := "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
	prev := "a"
	for i := range 9 {
		name := fmt.Sprintf("b%d", i)
		in += fmt.Sprintf("%s: &%s [*%s, *%s, *%s, *%s, *%s, *%s, *%s, *%s, *%s, *%s]\n", name, name, prev, prev, prev, prev, prev, prev, prev, prev, prev, prev)
		prev = name
	}
	in += "campaigns:\n  - {name: a, timezone: UTC, hashtags: *" + prev + "}\n"
	_, err := config.Parse([]byte(in), "bomb.yml", nil)
	if err == nil {
		t.Fatal("accepted")
	}
	if len(errs(err)) > 20 {
		t.Errorf("%d errors", len(errs(err)))
	}
}

func TestParseOffline(t *testing.T) {
	in := `campaigns:
  - {name: afp, hashtags: [a], timezone: UTC}
sources:
  x: {bearer_token: "${TAGPULSE_X_BEARER_TOKEN}", base_url: "${X_URL}"}
dashboard:
  public: {afp: "${PUB}"}
cluster:
  nats: "${NATS_URL}"
`
	cfg, err := config.ParseOffline([]byte(in), "o.yml", nil)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Sources.X == nil || string(cfg.Sources.X.BearerToken) != "(unset TAGPULSE_X_BEARER_TOKEN)" {
		t.Errorf("x = %+v", cfg.Sources.X)
	}
	if _, err := config.Parse([]byte(in), "o.yml", nil); err == nil || len(errs(err)) != 4 {
		t.Errorf("online: error = %v, want the 4 unset variables", err)
	}
	// Outside those sections an unset variable is still an error.
	if _, err := config.ParseOffline([]byte(strings.Replace(in, "timezone: UTC", `timezone: "${TZ}"`, 1)), "o.yml", nil); err == nil || !strings.Contains(err.Error(), "o.yml:2: campaigns[0].timezone: environment variable TZ is not set") {
		t.Errorf("unset zone: error = %v", err)
	}
	// A missing key is no unset variable: refused offline too.
	if _, err := config.ParseOffline([]byte("campaigns: [{name: a, hashtags: [a], timezone: UTC}]\nsources:\n  x: {every: 1m}\n"), "o.yml", nil); err == nil || !strings.Contains(err.Error(), "o.yml:3: sources.x.bearer_token: missing") {
		t.Errorf("no token: error = %v", err)
	}
}

func TestSources(t *testing.T) {
	yml := `campaigns: [{name: afp, hashtags: [a], timezone: UTC}]
sources:
  x: {bearer_token: "${X_TOKEN}", base_url: "http://127.0.0.1:1", every: 30s, counts_every: 1h, max_results: 50, timeout: 5s, max_query_length: 1024}
  twitter:
    consumer_key: ${CK}
    consumer_secret: ${CS}
    access_token: ${AT}
    access_secret: ${AS}
    base_url: http://127.0.0.1:2
    count: 20
  mastodon: {instances: [https://mastodon.social, "http://127.0.0.1:3"], every: 2m, tokens: {mastodon.social: "${MT}"}, max_pages: 3, timeout: 7s}
  bluesky: {jetstream: ws://127.0.0.1:4/subscribe, rewind: 10s}
  poll_timeout: 45s
`
	vars := map[string]string{"X_TOKEN": "xtok-secret", "CK": "ck-secret", "CS": "cs-secret", "AT": "at-secret", "AS": "as-secret", "MT": "mt-secret"}
	cfg, err := config.Parse([]byte(yml), "t.yml", env(vars))
	if err != nil {
		t.Fatal(err)
	}
	s := cfg.Sources
	wantX := config.X{BearerToken: "xtok-secret", BaseURL: "http://127.0.0.1:1", Every: 30 * time.Second, CountsEvery: time.Hour, MaxResults: 50, Timeout: 5 * time.Second, MaxQueryLength: 1024}
	if s.X == nil || *s.X != wantX {
		t.Errorf("x = %+v", s.X)
	}
	wantT := config.Twitter{ConsumerKey: "ck-secret", ConsumerSecret: "cs-secret", AccessToken: "at-secret", AccessSecret: "as-secret", BaseURL: "http://127.0.0.1:2", Count: 20}
	if s.Twitter == nil || *s.Twitter != wantT {
		t.Errorf("twitter = %+v", s.Twitter)
	}
	if m := s.Mastodon; m == nil || !slices.Equal(m.Instances, []string{"https://mastodon.social", "http://127.0.0.1:3"}) || m.Every != 2*time.Minute ||
		m.Tokens["mastodon.social"] != "mt-secret" || m.MaxPages != 3 || m.Timeout != 7*time.Second {
		t.Errorf("mastodon = %+v", s.Mastodon)
	}
	if s.Bluesky == nil || *s.Bluesky != (config.Bluesky{Jetstream: "ws://127.0.0.1:4/subscribe", Rewind: 10 * time.Second}) {
		t.Errorf("bluesky = %+v", s.Bluesky)
	}
	if s.PollTimeout != 45*time.Second {
		t.Errorf("poll_timeout = %s", s.PollTimeout)
	}
	got := s.Secrets()
	slices.Sort(got)
	if want := []string{"as-secret", "at-secret", "ck-secret", "cs-secret", "mt-secret", "xtok-secret"}; !slices.Equal(got, want) {
		t.Errorf("secrets = %v, want %v", got, want)
	}
	// The secrets stay out of fmt and slog.
	var logged strings.Builder
	slog.New(slog.NewTextHandler(&logged, nil)).Info("sources", "x", *s.X, "twitter", s.Twitter, "mastodon", s.Mastodon)
	for _, shown := range []string{fmt.Sprintf("%v %+v %#v %q", s, *s.X, *s.Twitter, s.X.BearerToken), fmt.Sprint(s.Mastodon.Tokens), logged.String()} {
		for _, v := range vars {
			if strings.Contains(shown, v) {
				t.Errorf("shows %s: %s", v, shown)
			}
		}
	}
	if !strings.Contains(fmt.Sprintf("%+v", *s.X), "BearerToken:(redacted)") {
		t.Errorf("%+v", *s.X)
	}

	// bluesky: {} collects with the defaults; bluesky: (null) does not.
	cfg, err = config.Parse([]byte("campaigns: [{name: a, hashtags: [a], timezone: UTC}]\nsources:\n  bluesky: {}\n  mastodon:\n"), "t.yml", nil)
	if err != nil || cfg.Sources.Bluesky == nil || cfg.Sources.Mastodon != nil {
		t.Errorf("bluesky {} and mastodon null: %+v, %v", cfg.Sources, err)
	}
}

func TestGeo(t *testing.T) {
	cfg, err := config.Parse([]byte("campaigns: [{name: a, hashtags: [a], timezone: UTC}]\ngeo:\n  overrides: {NYC: US, Jerusalem: PS}\n  instance: false\n  prefer: [PS, JO, LB]\n"), "g.yml", nil)
	if err != nil {
		t.Fatal(err)
	}
	g := cfg.Geo
	if !slices.Equal(g.Prefer, []string{"PS", "JO", "LB"}) {
		t.Errorf("prefer = %q", g.Prefer)
	}
	o := g.Options()
	if !o.NoInstance || o.Overrides["Jerusalem"] != "PS" || len(o.Overrides) != 2 {
		t.Errorf("options = %+v", o)
	}
	if (config.Geo{}).Options().NoInstance {
		t.Error("instance unset: NoInstance, want the signal on")
	}
}

func TestCluster(t *testing.T) {
	const campaigns = "campaigns: [{name: a, hashtags: [a], timezone: UTC}]\n"
	cfg, err := config.Parse([]byte(campaigns+"cluster:\n  nats: nats://n1:4222, tls://n2:4222\n  role: collect\n  credentials: ${CREDS}\n"), "c.yml", env(map[string]string{"CREDS": "/run/secrets/tagpulse.creds"}))
	if err != nil {
		t.Fatal(err)
	}
	c := cfg.Cluster
	if c == nil || c.Role != config.RoleCollect || c.Stream != config.DefaultStream || c.Credentials != "/run/secrets/tagpulse.creds" ||
		!slices.Equal(c.URLs(), []string{"nats://n1:4222", "tls://n2:4222"}) {
		t.Errorf("cluster = %+v (urls %q)", c, c.URLs())
	}
	cfg, err = config.Parse([]byte(campaigns+"cluster: {nats: nats://127.0.0.1:4222, stream: posts-2026}\n"), "c.yml", nil)
	if err != nil || cfg.Cluster.Role != config.RoleBoth || cfg.Cluster.Stream != "posts-2026" {
		t.Errorf("cluster = %+v, %v", cfg.Cluster, err)
	}
	cfg, err = config.Parse([]byte(campaigns+"cluster:\n"), "c.yml", nil)
	if err != nil || cfg.Cluster != nil {
		t.Errorf("cluster: null = %+v, %v; want none", cfg.Cluster, err)
	}
}

func TestAt(t *testing.T) {
	in := "campaigns:\n  - name: a\n    hashtags:\n      - a\n    timezone: UTC\nsources:\n  mastodon:\n    instances: [a.example]\n    tokens: {a.example: t}\n  x:\n    bearer_token: t\n"
	cfg, err := config.Parse([]byte(in), "at.yml", nil)
	if err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string]string{
		"sources.x":                         "at.yml:10: sources.x: boom",
		"sources.x.max_query_length":        "at.yml:10: sources.x.max_query_length: boom", // not written: its section's line
		"campaigns[0].hashtags":             "at.yml:3: campaigns[0].hashtags: boom",
		"sources.mastodon.tokens.a.example": "at.yml:9: sources.mastodon.tokens.a.example: boom",
		"nowhere":                           "at.yml:1: nowhere: boom",
	} {
		err := cfg.At(key, errors.New("boom"))
		var ce *config.Error
		if err.Error() != want || !errors.As(err, &ce) {
			t.Errorf("At(%s) = %q, want %q", key, err, want)
		}
	}
}

func TestLoad(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tagpulse.yml")
	if err := os.WriteFile(path, []byte(goodConfig), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, load := range []func(string, func(string) string) (*config.Config, error){config.Load, config.LoadOffline} {
		cfg, err := load(path, nil)
		if err != nil {
			t.Fatal(err)
		}
		if cfg.Path != path || len(cfg.Campaigns) != 2 {
			t.Errorf("Path = %q, want %q; %d campaigns", cfg.Path, path, len(cfg.Campaigns))
		}
		if _, err := load(path+".missing", nil); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("missing file: error = %v", err)
		}
	}
}

func TestExampleConfig(t *testing.T) {
	cfg, err := config.Load(filepath.Join("..", "tagpulse.example.yml"), env(nil))
	if err != nil {
		t.Fatal(err)
	}
	c, err := cfg.Campaign("allforpalestine")
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"allforpalestine", "كلنا_لفلسطين"}; !slices.Equal(c.Hashtags, want) || c.Location.String() != "Asia/Gaza" || c.From != "2026-11-22" || c.To != "2026-12-06" {
		t.Errorf("campaign = %+v", c)
	}
	if cfg.DB != "tagpulse.db" || cfg.Listen != "127.0.0.1:8080" {
		t.Errorf("DB, Listen = %q, %q", cfg.DB, cfg.Listen)
	}
	// Its commented sections are valid too, once uncommented.
	data, err := os.ReadFile(filepath.Join("..", "tagpulse.example.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for line := range strings.Lines(string(data)) {
		if rest, ok := strings.CutPrefix(line, "# "); ok && (strings.HasPrefix(rest, " ") || strings.HasSuffix(strings.TrimSpace(rest), ":") && !strings.Contains(rest, " ")) {
			line = rest
		}
		b.WriteString(line)
	}
	vars := map[string]string{}
	for _, v := range []string{"TAGPULSE_X_BEARER_TOKEN", "TAGPULSE_DASHBOARD_PASSWORD", "TAGPULSE_METRICS_TOKEN", "TAGPULSE_PUBLIC_AFP", "TAGPULSE_NATS_CREDS", "TAGPULSE_TWITTER_CONSUMER_KEY", "TAGPULSE_TWITTER_CONSUMER_SECRET", "TAGPULSE_TWITTER_ACCESS_TOKEN", "TAGPULSE_TWITTER_ACCESS_SECRET",
		"TAGPULSE_INSTAGRAM_TOKEN", "TAGPULSE_THREADS_TOKEN", "TAGPULSE_YOUTUBE_API_KEY"} {
		vars[v] = "value-of-" + strings.ToLower(v)
	}
	cfg, err = config.Parse([]byte(b.String()), "example-uncommented.yml", env(vars))
	if err != nil {
		t.Fatalf("%v\n%s", err, b.String())
	}
	if cfg.Sources.X == nil || cfg.Sources.Mastodon == nil || cfg.Sources.Bluesky == nil || cfg.Sources.Twitter == nil ||
		cfg.Sources.Instagram == nil || cfg.Sources.Threads == nil || cfg.Sources.YouTube == nil ||
		cfg.Dashboard.Access.User == "" || len(cfg.Geo.Prefer) == 0 || cfg.Cluster == nil {
		t.Errorf("uncommented example: %+v", cfg)
	}
}

func FuzzParse(f *testing.F) {
	f.Add(goodConfig)
	f.Add("a: &a [*a]\n")
	f.Add("campaigns: [{<<: {name: a}, hashtags: [a], timezone: UTC}]\nsources: {x: {bearer_token: \"${T}\"}}\n")
	f.Add("campaigns:\n  - name: a\n    hashtags: [${X}]\n    timezone: UTC\ngeo: {overrides: {a: US}, prefer: [PS]}\ncluster: {nats: nats://a:1}\n")
	f.Fuzz(func(t *testing.T, in string) {
		cfg, err := config.Parse([]byte(in), "f.yml", env(map[string]string{"X": "x", "T": "secret"}))
		if err == nil {
			if len(cfg.Campaigns) == 0 || cfg.DB == "" || cfg.Listen == "" {
				t.Fatalf("accepted %q as %+v", in, cfg)
			}
			return
		}
		for _, e := range errs(err) {
			ce, ok := e.(*config.Error)
			if !ok || ce.File != "f.yml" {
				t.Fatalf("error %q (%T) is not a *config.Error of f.yml", e, e)
			}
		}
	})
}

// TestParseNestedMerges: keys merged through merges are found, with the
// library's precedence (written here, then the first merge).
func TestParseNestedMerges(t *testing.T) {
	in := `campaigns:
  - &zone {name: z, hashtags: [z], timezone: Asia/Gaza}
  - &tags {<<: *zone, name: t, hashtags: [t1, t2]}
  - <<: [*tags, {hashtags: [ignored], timezone: UTC}]
    name: n
`
	cfg, err := config.Parse([]byte(in), "m.yml", nil)
	if err != nil {
		t.Fatal(err)
	}
	c := cfg.Campaigns[2]
	if c.Name != "n" || !slices.Equal(c.Hashtags, []string{"t1", "t2"}) || c.Timezone != "Asia/Gaza" {
		t.Errorf("campaign = %+v", c)
	}
}

// A campaign may name a tag that Bluesky carries whole (issue 16): it is
// kept with its '-' and '.'.
func TestHashtagWithDashAndDot(t *testing.T) {
	cfg, err := config.ParseOffline([]byte("campaigns:\n  - name: a\n    hashtags: [Rstats-powered, \"#bsvars.org\", AllForPalestine]\n    timezone: UTC\n"), "tagpulse.yml", func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.Campaigns[0].Hashtags; !slices.Equal(got, []string{"rstats-powered", "bsvars.org", "allforpalestine"}) {
		t.Errorf("hashtags = %q", got)
	}
}
