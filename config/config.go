// Package config reads tagpulse's YAML configuration file (see
// tagpulse.example.yml): the store, the listen address, the campaigns, and
// the sources:, geo:, dashboard: and cluster: sections, each a plain value
// the command line maps onto the constructors of the packages that use it.
//
// A file is refused as a whole, with every problem found, each naming the
// file, the line and the key (tagpulse.yml:7: campaigns[0].timezone:
// unknown time zone "Asia/Gazza"). The YAML library decodes strictly:
// unknown keys at any depth and values of the wrong type are errors.
// Values may name environment variables as ${NAME}, for secrets; messages
// never show a value that came from the environment.
//
// The package imports no collector: the sources' sections are its own
// types, checked here, so that a missing token is refused at load with its
// line rather than later, by a constructor, without one.
package config

import (
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"

	"github.com/tagpulse/tagpulse/store"
)

// Defaults of the top-level keys.
const (
	DefaultDB     = "tagpulse.db"
	DefaultListen = "127.0.0.1:8080"
)

// Config is a checked configuration file.
type Config struct {
	// DB is the store's file, DefaultDB when not set. A relative path is
	// relative to the working directory tagpulse runs in, not to the
	// configuration file.
	DB string
	// Listen is the address of the dashboard, API and /metrics,
	// DefaultListen when not set.
	Listen string
	// Campaigns are checked: names unique and URL-safe, hashtags
	// normalised (hashtag.Normalize) and deduplicated, Location loaded
	// from Timezone, From ≤ To.
	Campaigns []store.Campaign
	Sources   Sources
	Geo       Geo
	Dashboard Dashboard
	// Cluster is the cluster: section; nil without one (a single process).
	Cluster *Cluster
	// Path is the file it came from.
	Path string

	// lines are the lines of the keys outside campaigns' hashtag lists,
	// for At.
	lines map[string]int
}

// Campaign returns the configured campaign called name.
func (c *Config) Campaign(name string) (*store.Campaign, error) {
	names := make([]string, len(c.Campaigns))
	for i := range c.Campaigns {
		if c.Campaigns[i].Name == name {
			return &c.Campaigns[i], nil
		}
		names[i] = c.Campaigns[i].Name
	}
	return nil, fmt.Errorf("no campaign %q in %s (it has %s)", name, c.Path, strings.Join(names, ", "))
}

// At returns err as an *Error at key (e.g. "sources.x" or
// "campaigns[2].hashtags"), on the line the key was written on, else on
// the line of the nearest enclosing key that was. It is for the checks
// only a constructor can make (a platform's query limit), so that they too
// name the file, line and key.
func (c *Config) At(key string, err error) error {
	line := 0
	for k := key; ; {
		if l, ok := c.lines[k]; ok {
			line = l
			break
		}
		i := strings.LastIndexAny(k, ".[")
		if i < 0 {
			line = c.lines[""] // the file's first key
			break
		}
		k = k[:i]
	}
	return &Error{File: c.Path, Line: line, Key: key, Err: err}
}

// Error is one problem in a configuration file: where, and which key.
type Error struct {
	File string
	Line int    // 0 when not at one place (the file is empty)
	Key  string // e.g. campaigns[0].timezone; "" for the file as a whole
	Err  error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		b.WriteString(":" + strconv.Itoa(e.Line))
	}
	if e.Key != "" {
		b.WriteString(": " + e.Key)
	}
	b.WriteString(": " + e.Err.Error())
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// Load reads and checks the configuration file at path; getenv looks up
// the ${NAME} variables it uses (nil: none is set).
func Load(path string, getenv func(string) string) (*Config, error) {
	return load(path, getenv, false)
}

// LoadOffline is Load for commands that neither collect nor serve (import,
// report, export…): a ${NAME} left unset under sources:, dashboard: or
// cluster: is no error for them, since they never use those values. It
// stands as "(unset NAME)", and that section's checks are skipped.
func LoadOffline(path string, getenv func(string) string) (*Config, error) {
	return load(path, getenv, true)
}

func load(path string, getenv func(string) string, offline bool) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read configuration: %w", err)
	}
	return parse(data, path, getenv, offline)
}

// Parse checks the configuration in data, which came from the file name
// (used in errors and as Config.Path). getenv looks up the ${NAME}
// variables it uses; nil means none is set. Every problem found is
// returned, joined, each an *Error ("name:line: key: what"), in line order.
func Parse(data []byte, name string, getenv func(string) string) (*Config, error) {
	return parse(data, name, getenv, false)
}

// ParseOffline is Parse as LoadOffline reads.
func ParseOffline(data []byte, name string, getenv func(string) string) (*Config, error) {
	return parse(data, name, getenv, true)
}

// Secret is a value that must not be shown: a token, a password, a public
// link's secret. It formats itself redacted (fmt's %v, %s, %q and %#v, and
// slog); string(s) is the value.
type Secret string

// String keeps the secret out of fmt.
func (s Secret) String() string {
	if s == "" {
		return "(none)"
	}
	return "(redacted)"
}

// GoString keeps the secret out of %#v.
func (s Secret) GoString() string { return s.String() }

// LogValue keeps the secret out of slog.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }
