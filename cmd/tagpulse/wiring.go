package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"reflect"
	"strings"
	"sync"
	"time"

	"github.com/tagpulse/tagpulse/aggregator"
	"github.com/tagpulse/tagpulse/aggregator/geo"
	"github.com/tagpulse/tagpulse/config"
	"github.com/tagpulse/tagpulse/store"
)

// storeFlags are -config and -db, shared by every command that opens the store.
type storeFlags struct {
	config, db string
	// serving is set by the commands that collect and serve (run): only
	// they need the sources' and dashboard's secrets, so only they fail
	// when those variables are unset.
	serving bool
	// readOnly is set by the commands that only read (report, export,
	// check, backup): an existing store opens read-only (shared, and on
	// read-only media), and nothing is written to it, not even the
	// configuration on first use nor a catch-up of the figures.
	readOnly bool
}

func (sf *storeFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&sf.config, "config", "", "configuration file (YAML)")
	fs.StringVar(&sf.db, "db", "", "store file; stands in for -config where only the store is needed, and overrides the config's db")
}

// app is an opened store with its campaigns and aggregator.
type app struct {
	cfg *config.Config // nil when opened with -db alone
	db  *store.DB
	agg *aggregator.Aggregator
	log *slog.Logger
	// stale says why the rollups must be rebuilt, or is "": the
	// configuration (campaigns, geo overrides) differs from the one they
	// were built for, or this tagpulse derives figures by other rules. The
	// new configuration is recorded only by the rebuild (see rebuild).
	stale     string
	campaigns []store.Campaign
	geo       geo.Options
	readOnly  bool // opened read-only: figures are as stored, never caught up
}

func (a *app) Close() error { return a.db.Close() }

// open loads the config (if any), opens the store and builds the aggregator.
// With -db alone the campaigns are the ones last saved in the store.
func (sf *storeFlags) open(env *Env, log *slog.Logger) (*app, error) {
	if sf.config == "" && sf.db == "" {
		return nil, fmt.Errorf("%w: give -config FILE (or -db FILE for an existing store)", errUsage)
	}
	if sf.config == "" {
		// -db alone reads a store that exists: a mistyped name must not
		// leave a new, empty one behind.
		if _, err := os.Stat(sf.db); errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("no store at %s: check the name, or give -config FILE to start one", sf.db)
		}
		return openApp(nil, sf.db, log, sf.readOnly)
	}
	load := config.Load
	if !sf.serving {
		load = config.LoadOffline
	}
	cfg, err := load(sf.config, env.Getenv)
	if err != nil {
		return nil, err
	}
	path := sf.db
	if path == "" {
		path = cfg.DB
	}
	ro := sf.readOnly
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		ro = false // the configured store is started, as by any command
	}
	return openApp(cfg, path, log, ro)
}

// openApp opens the store at path for the configured campaigns (cfg nil: the
// campaigns recorded in the store), recording them on first use, and builds
// the aggregator. A changed configuration or rules set a.stale: the caller
// rebuilds, or refuses. Read-only, nothing is recorded.
func openApp(cfg *config.Config, path string, log *slog.Logger, readOnly bool) (*app, error) {
	db, err := store.Open(path, &store.Options{ReadOnly: readOnly})
	if errors.Is(err, store.ErrLocked) {
		return nil, fmt.Errorf("%w\n(is 'tagpulse run' or 'demo' using it? read its figures through its API, work on a copy made with 'tagpulse backup', or give this one its own -db)", err)
	}
	if err != nil {
		return nil, err
	}
	a := &app{cfg: cfg, db: db, log: log, readOnly: readOnly}
	stored, err := db.Campaigns()
	if err != nil {
		db.Close()
		return nil, err
	}
	var storedGeo geo.Options
	hasGeo, err := db.Setting("geo", &storedGeo)
	if err != nil {
		db.Close()
		return nil, err
	}
	var built string
	hasDerivation, err := db.Setting("derivation", &built)
	if err != nil {
		db.Close()
		return nil, err
	}
	if stored != nil && built != derivation() {
		if !hasDerivation {
			built = "rules 1"
		}
		a.stale = fmt.Sprintf("the figures were derived by an earlier tagpulse (%s; this one: %s)", built, derivation())
	}
	campaigns, gopts := stored, storedGeo
	if cfg != nil {
		campaigns, gopts = cfg.Campaigns, cfg.Geo.Options()
		if (stored != nil && !sameCampaigns(stored, campaigns)) ||
			(hasGeo && !reflect.DeepEqual(normGeo(storedGeo), normGeo(gopts))) {
			a.stale = msgConfigChanged
		}
		if (stored == nil || !hasGeo) && !readOnly {
			// First use: there are no figures yet to disagree with.
			if err := saveDefinitions(db, campaigns, gopts); err != nil {
				db.Close()
				return nil, err
			}
		}
	} else if len(campaigns) == 0 {
		db.Close()
		return nil, fmt.Errorf("%s has no campaigns recorded yet: give -config FILE", path)
	}
	a.campaigns, a.geo = campaigns, gopts
	a.agg = newAggregatorGeo(db, gopts, campaigns, log, nil)
	return a, nil
}

func saveDefinitions(db *store.DB, campaigns []store.Campaign, gopts geo.Options) error {
	if err := db.SaveCampaigns(campaigns); err != nil {
		return err
	}
	if err := db.SaveSetting("geo", gopts); err != nil {
		return err
	}
	return db.SaveSetting("derivation", derivation())
}

// derivation names the rules figures are derived from posts by: the
// aggregator's and country attribution's. Figures built by other rules are
// rebuilt, as after a configuration change.
func derivation() string {
	return fmt.Sprintf("rules %d, geo %s", aggregator.RulesVersion, geo.Version)
}

// rebuild deletes the figures, records the configuration they are to be
// derived with, then derives them. In that order, a crash anywhere leaves
// either the old record (the next start rebuilds again) or reset figures
// that any catch-up completes: never stale figures under a new record.
func (a *app) rebuild(ctx context.Context) error {
	if err := a.agg.Reset(); err != nil {
		return err
	}
	if err := saveDefinitions(a.db, a.campaigns, a.geo); err != nil {
		return err
	}
	a.stale = ""
	_, err := a.agg.CatchUp(ctx)
	return err
}

// rebuildIfChanged rebuilds when the configuration or the rules changed
// since the figures were built, telling why through say.
func (a *app) rebuildIfChanged(ctx context.Context, say func(string)) error {
	if a.stale == "" {
		return nil
	}
	say(a.stale + ": rebuilding them")
	return a.rebuild(ctx)
}

// behind says, when the figures do not count every post in the log yet
// (a read-only command does not catch them up), how far behind they are.
func (a *app) behind() (string, error) {
	lag, err := a.agg.Lag()
	if err != nil || lag == 0 {
		return "", err
	}
	noun := "posts"
	if lag == 1 {
		noun = "post"
	}
	return fmt.Sprintf("figures are %s %s behind the log; run 'tagpulse rebuild' or start 'tagpulse run' to count them", thousands(int64(lag)), noun), nil
}

// reopenWritable closes a read-only app and opens it again read-write,
// for a command that found it must write after all (a rebuild).
func (sf *storeFlags) reopenWritable(env *Env, a *app) (*app, error) {
	if !a.readOnly {
		return a, nil
	}
	a.Close()
	rw := *sf
	rw.readOnly = false
	return rw.openQuiet(env)
}

// msgConfigChanged explains a rebuild, or check's refusal.
const msgConfigChanged = "the campaigns or country overrides changed since the figures were built"

// openQuiet opens the store for a one-shot command, logging warnings only.
func (sf *storeFlags) openQuiet(env *Env) (*app, error) {
	log, _ := newLogger(env, "text", "warn")
	return sf.open(env, log)
}

// normGeo makes empty and nil override tables and preference lists
// compare equal.
func normGeo(o geo.Options) geo.Options {
	if len(o.Overrides) == 0 {
		o.Overrides = nil
	}
	if len(o.Prefer) == 0 {
		o.Prefer = nil
	}
	return o
}

// sameCampaigns compares definitions as they affect figures.
func sameCampaigns(x, y []store.Campaign) bool {
	strip := func(cs []store.Campaign) []store.Campaign {
		out := make([]store.Campaign, len(cs))
		for i, c := range cs {
			c = c.Definition()
			c.Title = ""
			out[i] = c
		}
		return out
	}
	return reflect.DeepEqual(strip(x), strip(y))
}

// newAggregatorGeo builds the aggregator with country attribution by the
// embedded gazetteer and the given options; the gazetteer loads on first
// use (report and the API never need it).
func newAggregatorGeo(db *store.DB, gopts geo.Options, campaigns []store.Campaign, log *slog.Logger, now func() time.Time) *aggregator.Aggregator {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	var once sync.Once
	var attribute aggregator.AttributeFunc
	lazy := func(s store.Signals) aggregator.Attribution {
		once.Do(func() {
			g, err := geo.New(gopts)
			if err != nil {
				log.Error("country attribution is off: only platform places count", "err", err)
				attribute = aggregator.PlaceOnly
				return
			}
			attribute = aggregator.GeoAttribute(g)
		})
		return attribute(s)
	}
	return aggregator.New(db, campaigns, aggregator.Options{Logger: log, Now: now, Attribute: lazy})
}

// pickCampaign returns the campaign named, or the only one when name is empty.
func (a *app) pickCampaign(name string) (*store.Campaign, error) {
	cs := a.agg.Campaigns()
	if c := a.agg.Campaign(name); c != nil {
		return c, nil
	}
	if name == "" && len(cs) == 1 {
		return &cs[0], nil
	}
	var names []string
	for _, c := range cs {
		names = append(names, c.Name)
	}
	if name == "" {
		return nil, fmt.Errorf("%w: several campaigns, choose one with -campaign (%s)", errUsage, strings.Join(names, ", "))
	}
	return nil, fmt.Errorf("%w: unknown campaign %q (campaigns: %s)", errUsage, name, strings.Join(names, ", "))
}

// newLogger returns the logger commands write to stderr with.
func newLogger(env *Env, format, level string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("%w: -log-level %q: want debug, info, warn or error", errUsage, level)
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch format {
	case "text", "":
		return slog.New(slog.NewTextHandler(env.Stderr, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(env.Stderr, opts)), nil
	}
	return nil, fmt.Errorf("%w: -log-format %q: want text or json", errUsage, format)
}
