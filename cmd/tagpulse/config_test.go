package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
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

func TestParseConfig(t *testing.T) {
	cfg, err := ParseConfig([]byte(goodConfig), "tagpulse.yml", env(nil))
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

	got, err := cfg.Campaign("week-of-struggle_2026")
	if err != nil || got != &cfg.Campaigns[1] {
		t.Errorf("Campaign(week-of-struggle_2026) = %p, %v; want %p", got, err, &cfg.Campaigns[1])
	}
	if _, err := cfg.Campaign("nope"); err == nil || !strings.Contains(err.Error(), `"nope"`) || !strings.Contains(err.Error(), "allforpalestine") {
		t.Errorf("Campaign(nope) error = %v", err)
	}
}

func TestParseConfigDefaults(t *testing.T) {
	cfg, err := ParseConfig([]byte("campaigns: [{name: a, hashtags: [a], timezone: UTC}]\n"), "min.yml", nil)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.DB != "tagpulse.db" || cfg.Listen != "127.0.0.1:8080" {
		t.Errorf("DB, Listen = %q, %q; want the defaults", cfg.DB, cfg.Listen)
	}
}

func TestParseConfigEnv(t *testing.T) {
	vars := map[string]string{"TAGPULSE_DB": "/srv/tp.db", "TZ_NAME": "Asia/Gaza", "SECRET": "s3cr3t-token-value"}
	in := `db: ${TAGPULSE_DB}
listen: "127.0.0.1:$${PORT}"
campaigns:
  - name: a
    title: "costs $5 and ${TZ_NAME}"
    hashtags: [a]
    timezone: ${TZ_NAME}
`
	cfg, err := ParseConfig([]byte(in), "env.yml", env(vars))
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

	// A secret in a value that goes wrong never appears in the error.
	in = "campaigns:\n  - name: a\n    hashtags: ${SECRET}\n    timezone: \"${SECRET}\"\nlisten: ${SECRET}\n"
	_, err = ParseConfig([]byte(in), "env.yml", env(vars))
	if err == nil {
		t.Fatal("no error")
	}
	if strings.Contains(err.Error(), "s3cr3t") {
		t.Errorf("error shows the secret: %v", err)
	}
	for _, want := range []string{"env.yml:3: campaigns[0].hashtags:", "env.yml:4: campaigns[0].timezone:", "env.yml:5: listen:"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error = %v\nwant one at %s", err, want)
		}
	}
}

func TestParseConfigErrors(t *testing.T) {
	const campaign = "campaigns:\n  - name: a\n    hashtags: [a]\n    timezone: UTC\n"
	for _, tt := range []struct {
		name, in string
		line     int
		key      string
		msg      string // substring of the message
	}{
		{"Empty", "", 0, "campaigns", "empty"},
		{"NoCampaigns", "db: x.db\ncampaigns: []\n", 2, "campaigns", "no campaigns"},
		{"NoCampaignsKey", "db: x.db\n", 0, "campaigns", "no campaigns"},
		{"NotMapping", "- a\n- b\n", 1, "", "must be a mapping"},
		{"Syntax", "db: x\n  listen: y\n", 2, "", "mapping values are not allowed"},
		{"Tab", "db: x\n\tlisten: y\n", 2, "", "tab"},
		{"SecondDocument", campaign + "---\ndb: y\n", 5, "", "second YAML document"},
		{"UnknownTop", "dbx: a\n" + campaign, 1, "dbx", "unknown key"},
		{"UnknownInCampaign", "campaigns:\n  - name: a\n    hashtags: [a]\n    timezone: UTC\n    hashtag: b\n", 5, "campaigns[0].hashtag", "unknown key"},
		{"UnknownInSources", campaign + "sources:\n  nosuchsource:\n    instances: [https://mastodon.social]\n", 6, "sources.nosuchsource", "unknown key"},
		{"UnknownInGeo", campaign + "geo: {nosuchkey: x}\n", 5, "geo.nosuchkey", "unknown key"},
		{"UnknownInDashboard", campaign + "dashboard:\n  nosuchkey: x\n", 6, "dashboard.nosuchkey", "unknown key"},
		{"EmptyCampaign", "campaigns:\n  -\n  - name: a\n    hashtags: [a]\n    timezone: Nowhere/Nope\n", 2, "campaigns[0]", "empty campaign"},
		{"IndexAfterEmpty", "campaigns:\n  - name: b\n    hashtags: [b]\n    timezone: UTC\n  - ~\n  - name: a\n    hashtags: [a]\n    timezone: Nowhere/Nope\n", 5, "campaigns[1]", "empty campaign"},
		{"CampaignsNotList", "campaigns: {name: a}\n", 1, "campaigns", "not a list"},
		{"CampaignNotMapping", "campaigns: [a]\n", 1, "campaigns[0]", "not a campaign"},
		{"CampaignFieldType", "campaigns:\n  - name: a\n    hashtags: [a]\n    timezone: UTC\n    title: {x: y}\n", 5, "campaigns[0].title", "cannot unmarshal"},
		{"DuplicateKey", "db: a\ndb: b\n" + campaign, 2, "db", "already defined"},
		{"BadZone", "campaigns:\n  - name: a\n    hashtags: [a]\n\n    timezone: Asia/Gazza\n", 5, "campaigns[0].timezone", `unknown time zone "Asia/Gazza"`},
		{"LocalZone", "campaigns:\n  - name: a\n    hashtags: [a]\n    timezone: Local\n", 4, "campaigns[0].timezone", "depends on the host"},
		{"NoZone", "campaigns:\n  - name: a\n    hashtags: [a]\n", 2, "campaigns[0].timezone", "missing"},
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
		{"HashtagDash", "campaigns:\n  - name: a\n    hashtags: [all-for-palestine]\n    timezone: UTC\n", 3, "campaigns[0].hashtags[0]", "cannot be part of a hashtag"},
		{"HashtagsNotList", "campaigns:\n  - name: a\n    hashtags: a\n    timezone: UTC\n", 3, "campaigns[0].hashtags", "cannot unmarshal"},
		{"FromBad", campaign + "    from: 22/11/2026\n", 5, "campaigns[0].from", "not a day as YYYY-MM-DD"},
		{"ToBad", campaign + "    to: 2026-12-6\n", 5, "campaigns[0].to", "not a day"},
		{"ToTimestamp", campaign + "    to: 2026-12-06T10:00:00Z\n", 5, "campaigns[0].to", "not a day"},
		{"FromAfterTo", campaign + "    from: 2026-12-06\n    to: 2026-11-22\n", 6, "campaigns[0].to", "before from"},
		{"Listen", "listen: 8080\n" + campaign, 1, "listen", "not host:port"},
		{"EnvUnset", "db: ${TAGPULSE_NOPE}\n" + campaign, 1, "db", "TAGPULSE_NOPE is not set"},
		{"EnvUnsetNested", campaign + "    title: \"x ${TITLE}\"\n", 5, "campaigns[0].title", "TITLE is not set"},
		{"EnvMalformed", "db: ${TAGPULSE DB}\n" + campaign, 1, "db", "malformed variable reference"},
		{"EnvUnterminated", "db: ${TAGPULSE_DB\n" + campaign, 1, "db", "malformed variable reference"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseConfig([]byte(tt.in), "tagpulse.yml", env(nil))
			if err == nil {
				t.Fatalf("no error, want %d %s: %s", tt.line, tt.key, tt.msg)
			}
			var ce *configError
			if !errors.As(err, &ce) {
				t.Fatalf("error %v (%T) is not a configError", err, err)
			}
			if ce.File != "tagpulse.yml" || ce.Line != tt.line || ce.Key != tt.key || !strings.Contains(ce.Err.Error(), tt.msg) {
				t.Errorf("error = %q\nwant    tagpulse.yml:%d: %s: …%s…", err, tt.line, tt.key, tt.msg)
			}
		})
	}
}

func TestParseConfigErrorText(t *testing.T) {
	in := "db: x.db\ncampaigns:\n  - name: allforpalestine\n    hashtags: [AllForPalestine]\n\n\n    timezone: Asia/Gazza\n"
	_, err := ParseConfig([]byte(in), "tagpulse.yml", nil)
	want := `tagpulse.yml:7: campaigns[0].timezone: unknown time zone "Asia/Gazza"`
	if err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("error = %v\nwant %s…", err, want)
	}
}

func TestParseConfigAllErrors(t *testing.T) {
	in := "dbx: a\ncampaigns:\n  - name: A\n    hashtags: [\"a b\"]\n    timezone: Mars/Base\n"
	_, err := ParseConfig([]byte(in), "t.yml", nil)
	if err == nil {
		t.Fatal("no error")
	}
	lines := strings.Split(err.Error(), "\n")
	want := []string{"t.yml:1: dbx:", "t.yml:3: campaigns[0].name:", "t.yml:4: campaigns[0].hashtags[0]:", "t.yml:5: campaigns[0].timezone:"}
	if len(lines) != len(want) {
		t.Fatalf("error =\n%v\nwant %d lines", err, len(want))
	}
	for i, w := range want {
		if !strings.HasPrefix(lines[i], w) {
			t.Errorf("line %d = %q, want %s…", i, lines[i], w)
		}
	}
}

func TestParseConfigAliases(t *testing.T) {
	in := `base: &base
  hashtags: [a]
  timezone: UTC
`
	// An unknown top-level key, even one used only as an anchor, is refused.
	if _, err := ParseConfig([]byte(in+"campaigns: [{<<: *base, name: a}]\n"), "a.yml", nil); err == nil || !strings.Contains(err.Error(), "a.yml:1: base: unknown key") {
		t.Errorf("error = %v", err)
	}
	in = `campaigns:
  - &one
    name: a
    hashtags: [a]
    timezone: UTC
  - <<: *one
    name: b
`
	cfg, err := ParseConfig([]byte(in), "a.yml", nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Campaigns) != 2 || cfg.Campaigns[1].Name != "b" || cfg.Campaigns[1].Timezone != "UTC" {
		t.Errorf("campaigns = %+v", cfg.Campaigns)
	}
}

func TestLoadConfig(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tagpulse.yml")
	if err := os.WriteFile(path, []byte(goodConfig), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := LoadConfig(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Path != path {
		t.Errorf("Path = %q, want %q", cfg.Path, path)
	}
	if _, err := LoadConfig(path+".missing", nil); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: error = %v", err)
	}
}

func TestExampleConfig(t *testing.T) {
	cfg, err := LoadConfig(filepath.Join("..", "..", "tagpulse.example.yml"), env(nil))
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
}

func FuzzParseConfig(f *testing.F) {
	f.Add(goodConfig)
	f.Add("a: &a [*a]\n")
	f.Add("campaigns: [{<<: {name: a}, hashtags: [a], timezone: UTC}]\nsources: {x: {bearer_token: \"${T}\"}}\n")
	f.Add("campaigns:\n  - name: a\n    hashtags: [${X}]\n    timezone: UTC\ngeo: {overrides: {a: US}}\n")
	f.Fuzz(func(t *testing.T, in string) {
		cfg, err := ParseConfig([]byte(in), "f.yml", env(map[string]string{"X": "x", "T": "secret"}))
		if err == nil {
			if len(cfg.Campaigns) == 0 || cfg.DB == "" || cfg.Listen == "" {
				t.Fatalf("accepted %q as %+v", in, cfg)
			}
			return
		}
		errs := []error{err}
		if j, ok := err.(interface{ Unwrap() []error }); ok {
			errs = j.Unwrap()
		}
		for _, e := range errs {
			ce, ok := e.(*configError)
			if !ok || ce.File != "f.yml" {
				t.Fatalf("error %q (%T) is not a configError of f.yml", e, e)
			}
		}
	})
}

type failingSection struct{}

func (failingSection) Validate() error { return errors.New("bad section") }

func TestValidateSection(t *testing.T) {
	p := &configParser{file: "s.yml", nodes: map[string]*yaml.Node{"geo": {Line: 4}}}
	p.validateSection("geo", failingSection{})
	p.validateSection("dashboard", failingSection{}) // absent: not checked
	p.validateSection("geo", struct{}{})             // no Validate method
	if err := p.result(); err == nil || err.Error() != "s.yml:4: geo: bad section" {
		t.Errorf("error = %v", err)
	}
}

type selfDecoding struct{ v string }

func (s *selfDecoding) UnmarshalYAML(n *yaml.Node) error { return n.Decode(&s.v) }

type walkInner struct {
	Every string `yaml:"every"`
}

type walkType struct {
	walkInner `yaml:",inline"`
	Name      string                `yaml:"name,omitempty"`
	Plain     int                   // key "plain"
	Skipped   string                `yaml:"-"`
	Ptr       *walkInner            `yaml:"ptr"`
	ByName    map[string]walkInner  `yaml:"by_name"`
	List      []*walkInner          `yaml:"list"`
	Any       any                   `yaml:"any"`
	Self      selfDecoding          `yaml:"self"`
	Extra     map[string]*walkInner `yaml:",inline"`
}

// TestWalk checks the unknown-key check against yaml.v3's field rules.
func TestWalk(t *testing.T) {
	in := `every: 1m
name: a
plain: 1
skipped: x
ptr: {every: 1m, nope: 1}
by_name: {a: {every: 1m}, b: {nope: 2}}
list: [{every: 1m}, {nope: 3}]
any: {whatever: {deep: [1]}}
self: {anything: goes}
extra_key: {every: 1m, nope: 4}
`
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(in), &doc); err != nil {
		t.Fatal(err)
	}
	p := &configParser{file: "w.yml", nodes: map[string]*yaml.Node{}, lineKey: map[int]string{}, seen: map[walked]bool{}}
	p.walk(doc.Content[0], reflect.TypeFor[walkType](), "")
	var got []string
	for _, e := range p.errs {
		got = append(got, fmt.Sprintf("%d %s", e.Line, e.Key))
	}
	// "skipped" is unknown: yaml:"-"; the inline map takes it as a walkInner.
	want := []string{"5 ptr.nope", "6 by_name.b.nope", "7 list[1].nope", "10 extra_key.nope"}
	if !slices.Equal(got, want) {
		t.Errorf("unknown keys at %q, want %q", got, want)
	}
	if n := p.nodes["any.whatever.deep[0]"]; n == nil || n.Line != 8 {
		t.Errorf("node of any.whatever.deep[0] = %v, want line 8", n)
	}
}
