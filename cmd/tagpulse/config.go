package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/tagpulse/tagpulse/collector/hashtag"
	"github.com/tagpulse/tagpulse/store"
)

// Defaults for the configuration's top-level keys.
const (
	defaultDB     = "tagpulse.db"
	defaultListen = "127.0.0.1:8080"
)

// Config is the YAML configuration file of 'tagpulse run' and friends (see
// tagpulse.example.yml). Values may name environment variables as ${NAME},
// for secrets ("$${" is a literal "${"); inside [ ] or { } such values must
// be quoted. The file is refused, naming the line and key, when it has an
// unknown key (at any depth), an unset variable or a value that does not
// make sense. Messages never show a value that came from the environment.
//
// The sections (Sources, Geo, Dashboard) are decoded as their types say;
// a section type with a Validate() error method is checked with it when
// the section is present.
type Config struct {
	// DB is the store's file, tagpulse.db when not set. A relative path is
	// relative to the working directory tagpulse runs in, not to the
	// configuration file.
	DB     string
	Listen string // address of the dashboard, API and /metrics; 127.0.0.1:8080 when not set
	// Campaigns are checked: names unique and URL-safe, hashtags normalised
	// (hashtag.Normalize), Location loaded from Timezone, From ≤ To.
	Campaigns []store.Campaign
	Sources   SourcesConfig
	Geo       GeoConfig
	Dashboard DashboardConfig
	Path      string // the file it came from
}

// configFile is the file's layout, against which unknown keys are refused
// at any depth. The sections whose types live in other files are decoded
// as they are.
type configFile struct {
	DB        string           `yaml:"db"`
	Listen    string           `yaml:"listen"`
	Campaigns []campaignConfig `yaml:"campaigns"`
	Sources   SourcesConfig    `yaml:"sources"`
	Geo       GeoConfig        `yaml:"geo"`
	Dashboard DashboardConfig  `yaml:"dashboard"`
}

// configValues is configFile as decoded in one go: campaigns are decoded one
// by one so that errors name the right index (yaml.v3 drops null items).
type configValues struct {
	DB        string          `yaml:"db"`
	Listen    string          `yaml:"listen"`
	Sources   SourcesConfig   `yaml:"sources"`
	Geo       GeoConfig       `yaml:"geo"`
	Dashboard DashboardConfig `yaml:"dashboard"`
}

type campaignConfig struct {
	Name     string   `yaml:"name"`
	Title    string   `yaml:"title"`
	Hashtags []string `yaml:"hashtags"`
	Timezone string   `yaml:"timezone"`
	From     string   `yaml:"from"`
	To       string   `yaml:"to"`
}

// configError is one problem in a configuration file: where, and which key.
type configError struct {
	File string
	Line int    // 0 when not at one place
	Key  string // e.g. campaigns[0].timezone; "" for the file as a whole
	Err  error
}

func (e *configError) Error() string {
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

func (e *configError) Unwrap() error { return e.Err }

// LoadConfig reads and checks the configuration file at path; getenv looks
// up the ${NAME} variables it uses.
func LoadConfig(path string, getenv func(string) string) (*Config, error) {
	return loadConfig(path, getenv, false)
}

// loadConfigOffline is LoadConfig for commands that neither collect nor
// serve (import, report, export…): a ${NAME} left unset under sources: or
// dashboard: is no error for them, since they never use those values. It
// stands as "(unset NAME)".
func loadConfigOffline(path string, getenv func(string) string) (*Config, error) {
	return loadConfig(path, getenv, true)
}

func loadConfig(path string, getenv func(string) string, offline bool) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read configuration: %w", err)
	}
	return parseConfig(data, path, getenv, offline)
}

// ParseConfig checks the configuration in data, which came from the file
// name (used in errors and as Config.Path). getenv looks up the ${NAME}
// variables it uses; nil means none is set. Every problem found is returned,
// joined, each as "name:line: key: what".
func ParseConfig(data []byte, name string, getenv func(string) string) (*Config, error) {
	return parseConfig(data, name, getenv, false)
}

func parseConfig(data []byte, name string, getenv func(string) string, offline bool) (*Config, error) {
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	p := &configParser{
		file: name, getenv: getenv, offline: offline, unset: map[string]bool{},
		nodes: map[string]*yaml.Node{}, lineKey: map[int]string{}, seen: map[walked]bool{}, vars: map[int][]string{},
	}
	cfg, err := p.parse(data)
	if err != nil {
		return nil, err
	}
	cfg.Path = name
	return cfg, nil
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

type configParser struct {
	file   string
	getenv func(string) string
	// offline tolerates unset variables under sources: and dashboard:
	// (see loadConfigOffline); unset records the sections that had one.
	offline bool
	unset   map[string]bool
	errs    []*configError
	// nodes maps each key path (campaigns[0].timezone) to its value node;
	// lineKey maps a line to the first key path on it.
	nodes   map[string]*yaml.Node
	lineKey map[int]string
	// seen are the nodes walked, by path, and walked counts them: walk
	// gives up on files whose aliases expand them past maxWalk nodes.
	seen   map[walked]bool
	walked int
	// vars are the variables substituted, by line, and the values they
	// made, to keep those out of messages: they may be secrets.
	vars   map[int][]string
	substs []substitution
}

type substitution struct{ value, orig string }

type walked struct {
	n    *yaml.Node
	path string
}

const maxWalk = 100_000

func (p *configParser) errorf(line int, key, format string, args ...any) {
	err := fmt.Errorf(format, args...)
	msg := err.Error()
	for _, s := range p.substs {
		// Values are quoted (%q) in messages: show the reference instead.
		msg = strings.ReplaceAll(msg, strconv.Quote(s.value), strconv.Quote(s.orig))
	}
	if msg != err.Error() {
		err = errors.New(msg)
	}
	p.errs = append(p.errs, &configError{File: p.file, Line: line, Key: key, Err: err})
}

// at is the line of the value at key path, else of the nearest enclosing
// value, else 0.
func (p *configParser) at(path string) int {
	for {
		if n := p.nodes[path]; n != nil {
			return n.Line
		}
		i := strings.LastIndexAny(path, ".[")
		if i < 0 {
			return 0
		}
		path = path[:i]
	}
}

func (p *configParser) result() error {
	slices.SortStableFunc(p.errs, func(a, b *configError) int { return a.Line - b.Line })
	errs := make([]error, len(p.errs))
	for i, e := range p.errs {
		errs[i] = e
	}
	return errors.Join(errs...)
}

var yamlLineRE = regexp.MustCompile(`^(?:yaml: )?line (\d+): (.*)$`)

// yamlError turns one of yaml's "line N: what" messages into a configError.
func (p *configParser) yamlError(msg string) {
	line, key := 0, ""
	if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = m[2]
		key = p.lineKey[line]
	} else {
		msg = strings.TrimPrefix(msg, "yaml: ")
	}
	if names := p.vars[line]; len(names) > 0 {
		// yaml quotes (part of) the value in backquotes: it came from the
		// environment and may be a secret.
		msg = backquotedRE.ReplaceAllLiteralString(msg, "(the value of ${"+strings.Join(names, "}, ${")+"})")
	}
	p.errorf(line, key, "%s", msg)
}

var backquotedRE = regexp.MustCompile("`[^`]*`")

func (p *configParser) parse(data []byte) (*Config, error) {
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil && !errors.Is(err, io.EOF) {
		msg := err.Error()
		if strings.Contains(msg, "did not find expected ',' or") && bytes.Contains(data, []byte("${")) {
			// {token: ${X}} is not YAML: braces inside braces.
			msg += ` (inside [ ] or { }, quote values that use ${NAME}: {token: "${NAME}"})`
		}
		p.yamlError(msg)
		return nil, p.result()
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		line := extra.Line
		if err != nil {
			p.yamlError(err.Error())
		} else {
			p.errorf(line, "", "a second YAML document: a configuration is one document")
		}
		return nil, p.result()
	}
	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	if root.Kind == 0 || root.Kind == yaml.ScalarNode && root.Tag == "!!null" {
		p.errorf(0, "campaigns", "the configuration is empty: it needs at least one campaign")
		return nil, p.result()
	}
	if root.Kind != yaml.MappingNode {
		p.errorf(root.Line, "", "the configuration must be a mapping of keys (db, listen, campaigns, sources…)")
		return nil, p.result()
	}

	p.substitute(root, "")
	unknown := len(p.errs)
	p.walk(root, reflect.TypeFor[configFile](), "")
	unknown = len(p.errs) - unknown

	var f configValues
	if err := root.Decode(&f); err != nil {
		var te *yaml.TypeError
		if !errors.As(err, &te) {
			p.yamlError(err.Error())
			return nil, p.result()
		}
		for _, msg := range te.Errors {
			p.yamlError(msg)
		}
	}
	if unknown == 0 {
		p.strictCheck(data)
	}

	cfg := &Config{DB: f.DB, Listen: f.Listen, Sources: f.Sources, Geo: f.Geo, Dashboard: f.Dashboard}
	if cfg.DB == "" {
		cfg.DB = defaultDB
	}
	if cfg.Listen == "" {
		cfg.Listen = defaultListen
	}
	if _, _, err := net.SplitHostPort(cfg.Listen); err != nil {
		p.errorf(p.at("listen"), "listen", "%q is not host:port (e.g. 127.0.0.1:8080, or :8080 for all interfaces)", cfg.Listen)
	}
	p.validateSection("sources", f.Sources)
	p.validateSection("geo", f.Geo)
	p.validateSection("dashboard", f.Dashboard)
	cfg.Campaigns = p.campaigns()
	if len(p.errs) > 0 {
		return nil, p.result()
	}
	return cfg, nil
}

// strictCheck decodes the file once more, as written, with yaml's own
// unknown-field check: a safety net for whatever walk could not see.
func (p *configParser) strictCheck(data []byte) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var te *yaml.TypeError
	if err := dec.Decode(&configFile{}); errors.As(err, &te) {
		for _, msg := range te.Errors {
			if strings.Contains(msg, " not found in type ") {
				p.yamlError(msg)
			}
		}
	}
}

var campaignNameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`)

// validateSection reports the error of a section's Validate method, for
// section types that have one.
func (p *configParser) validateSection(key string, section any) {
	if p.unset[key] {
		return // placeholders for unset variables (offline): nothing to check
	}
	if v, ok := section.(interface{ Validate() error }); ok {
		if _, present := p.nodes[key]; present {
			if err := v.Validate(); err != nil {
				p.errorf(p.at(key), key, "%w", err)
			}
		}
	}
}

// campaigns decodes and checks the campaigns, from their nodes.
func (p *configParser) campaigns() []store.Campaign {
	n := deref(p.nodes["campaigns"])
	switch {
	case n == nil || n.Kind == yaml.ScalarNode && n.Tag == "!!null" || n.Kind == yaml.SequenceNode && len(n.Content) == 0:
		p.errorf(p.at("campaigns"), "campaigns", "no campaigns: at least one is needed (name, hashtags, timezone)")
		return nil
	case n.Kind != yaml.SequenceNode:
		p.errorf(n.Line, "campaigns", "not a list of campaigns (- name: …, hashtags: […], timezone: …)")
		return nil
	}
	out := make([]store.Campaign, 0, len(n.Content))
	names := map[string]int{}
	for i, cn := range n.Content {
		key := fmt.Sprintf("campaigns[%d]", i)
		cn = deref(cn)
		if cn.Kind == yaml.ScalarNode && cn.Tag == "!!null" {
			p.errorf(cn.Line, key, "empty campaign")
			continue
		}
		if cn.Kind != yaml.MappingNode {
			p.errorf(cn.Line, key, "not a campaign (name: …, hashtags: […], timezone: …)")
			continue
		}
		var cc campaignConfig
		if err := cn.Decode(&cc); err != nil {
			var te *yaml.TypeError
			if !errors.As(err, &te) {
				p.yamlError(err.Error())
				continue
			}
			for _, msg := range te.Errors {
				p.yamlError(msg)
			}
		}
		c := store.Campaign{Name: cc.Name, Title: cc.Title, Timezone: cc.Timezone, From: cc.From, To: cc.To}
		switch {
		case cc.Name == "":
			p.errorf(p.at(key+".name"), key+".name", "missing: every campaign needs a URL-safe name such as allforpalestine")
		case !campaignNameRE.MatchString(cc.Name):
			p.errorf(p.at(key+".name"), key+".name", "%q is not URL-safe: use lower-case letters, digits, '-' and '_', starting with a letter or digit", cc.Name)
		default:
			if j, dup := names[cc.Name]; dup {
				p.errorf(p.at(key+".name"), key+".name", "%q is already the name of campaigns[%d]", cc.Name, j)
			}
			names[cc.Name] = i
		}

		c.Hashtags = p.hashtags(key + ".hashtags")

		switch cc.Timezone {
		case "":
			p.errorf(p.at(key+".timezone"), key+".timezone", "missing: the zone campaign days are counted in, e.g. Asia/Gaza or UTC")
		case "Local":
			p.errorf(p.at(key+".timezone"), key+".timezone", `"Local" depends on the host: name the zone, e.g. Asia/Gaza or UTC`)
		default:
			loc, err := time.LoadLocation(cc.Timezone)
			if err != nil {
				p.errorf(p.at(key+".timezone"), key+".timezone", "unknown time zone %q (IANA names such as Asia/Gaza, Europe/London, UTC)", cc.Timezone)
			}
			c.Location = loc
		}

		from, fromOK := p.day(cc.From, key+".from")
		to, toOK := p.day(cc.To, key+".to")
		if fromOK && toOK && !from.IsZero() && !to.IsZero() && to.Before(from) {
			p.errorf(p.at(key+".to"), key+".to", "%q is before from (%q)", cc.To, cc.From)
		}
		out = append(out, c)
	}
	return out
}

// hashtags checks and normalises a campaign's hashtags, from their nodes
// (yaml.v3 would drop "- #tag", a comment, from the list).
func (p *configParser) hashtags(key string) []string {
	n := deref(p.nodes[key])
	if n == nil || n.Kind == yaml.ScalarNode && n.Tag == "!!null" || n.Kind == yaml.SequenceNode && len(n.Content) == 0 {
		p.errorf(p.at(key), key, "missing: a campaign needs at least one hashtag")
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		return nil // the decoder has said so
	}
	var tags []string
	for j, hn := range n.Content {
		hkey := fmt.Sprintf("%s[%d]", key, j)
		hn = deref(hn)
		if hn.Kind != yaml.ScalarNode {
			continue // the decoder has said so
		}
		h := hn.Value
		if hn.Tag == "!!null" {
			h = ""
		}
		if err := hashtag.Validate(h); err != nil {
			if strings.TrimSpace(h) == "" {
				err = fmt.Errorf("%w (in YAML a '#' after a space starts a comment: quote the hashtag or leave out the '#')", err)
			}
			p.errorf(hn.Line, hkey, "%w", err)
			continue
		}
		if t := hashtag.Normalize(h); !slices.Contains(tags, t) {
			tags = append(tags, t)
		}
	}
	return tags
}

// deref follows aliases; nil stays nil.
func deref(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}

// day parses an optional campaign day (YYYY-MM-DD).
func (p *configParser) day(s, key string) (time.Time, bool) {
	if s == "" {
		return time.Time{}, true
	}
	t, err := time.Parse(store.DayLayout, s)
	if err != nil {
		p.errorf(p.at(key), key, "%q is not a day as YYYY-MM-DD", s)
		return time.Time{}, false
	}
	return t, true
}

// substitute replaces ${NAME} in every scalar value under n with the
// environment variable NAME; "$${" stands for a literal "${".
func (p *configParser) substitute(n *yaml.Node, path string) {
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			p.substitute(n.Content[i+1], joinKey(path, n.Content[i].Value))
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			p.substitute(c, fmt.Sprintf("%s[%d]", path, i))
		}
	case yaml.ScalarNode:
		if !strings.Contains(n.Value, "$") {
			return
		}
		getenv := p.getenv
		if section, _, _ := strings.Cut(path, "."); p.offline && (section == "sources" || section == "dashboard") {
			getenv = func(name string) string {
				if v := p.getenv(name); v != "" {
					return v
				}
				p.unset[section] = true // its values are placeholders: skip its checks
				return "(unset " + name + ")"
			}
		}
		v, names, err := expandEnv(n.Value, getenv)
		if err != nil {
			p.errorf(n.Line, path, "%w", err)
			return
		}
		if len(names) > 0 {
			p.vars[n.Line] = append(p.vars[n.Line], names...)
			p.substs = append(p.substs, substitution{value: v, orig: n.Value})
			if n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle|yaml.LiteralStyle|yaml.FoldedStyle) == 0 {
				n.Tag = "" // resolve the value as if written plain: every: ${EVERY} may be a duration
			}
		}
		n.Value = v
	}
}

// expandEnv returns s with each ${NAME} replaced by getenv(NAME), and the
// names used. An unset (or empty) variable is an error naming it.
func expandEnv(s string, getenv func(string) string) (string, []string, error) {
	var b strings.Builder
	var names []string
	for {
		i := strings.IndexByte(s, '$')
		if i < 0 || i+1 >= len(s) {
			b.WriteString(s)
			return b.String(), names, nil
		}
		b.WriteString(s[:i])
		s = s[i:]
		switch {
		case strings.HasPrefix(s, "$${"):
			b.WriteString("${")
			s = s[3:]
		case strings.HasPrefix(s, "${"):
			end := strings.IndexByte(s, '}')
			if end < 0 || !envNameRE.MatchString(s[2:end]) {
				return "", nil, fmt.Errorf("malformed variable reference: write ${NAME}, NAME of letters, digits and '_' (or $${ for a literal ${)")
			}
			name := s[2:end]
			v := getenv(name)
			if v == "" {
				return "", nil, fmt.Errorf("environment variable %s is not set (or is empty)", name)
			}
			b.WriteString(v)
			names = append(names, name)
			s = s[end+1:]
		default:
			b.WriteByte('$')
			s = s[1:]
		}
	}
}

var envNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

func joinKey(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

var (
	unmarshalerType         = reflect.TypeFor[yaml.Unmarshaler]()
	obsoleteUnmarshalerType = reflect.TypeFor[interface {
		UnmarshalYAML(func(any) error) error
	}]()
	timeType = reflect.TypeFor[time.Time]()
)

// walk records the node of every key path under n and refuses keys that t,
// the Go type n decodes into, does not have, following yaml.v3's rules for
// field names (the yaml tag, else the lower-cased field name; ",inline").
// Values of types that unmarshal themselves are not looked into; wrong
// kinds of values are left to the decoder to report.
func (p *configParser) walk(n *yaml.Node, t reflect.Type, path string) {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	if p.seen[walked{n, path}] || p.walked >= maxWalk {
		return
	}
	p.seen[walked{n, path}] = true
	p.walked++
	if _, ok := p.nodes[path]; !ok {
		p.nodes[path] = n
	}
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil || t.Kind() == reflect.Interface || t == timeType ||
		reflect.PointerTo(t).Implements(unmarshalerType) || reflect.PointerTo(t).Implements(obsoleteUnmarshalerType) {
		p.walkAny(n, path)
		return
	}
	switch t.Kind() {
	case reflect.Struct:
		if n.Kind != yaml.MappingNode {
			return
		}
		fields, inline := structFields(t)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Value == "<<" && k.Tag == "!!merge" {
				continue // after the keys written here, which take precedence
			}
			key := joinKey(path, k.Value)
			p.keyLine(key, k)
			switch ft, ok := fields[k.Value]; {
			case ok:
				p.walk(v, ft, key)
			case inline != nil:
				p.walk(v, inline, key)
			default:
				p.errorf(k.Line, key, "unknown key (known here: %s)", knownKeys(fields))
			}
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			if k := n.Content[i]; k.Value == "<<" && k.Tag == "!!merge" {
				p.walkMerge(n.Content[i+1], t, path)
			}
		}
	case reflect.Map:
		if n.Kind != yaml.MappingNode {
			return
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			key := joinKey(path, n.Content[i].Value)
			p.keyLine(key, n.Content[i])
			p.walk(n.Content[i+1], t.Elem(), key)
		}
	case reflect.Slice, reflect.Array:
		if n.Kind != yaml.SequenceNode {
			return
		}
		for i, c := range n.Content {
			key := fmt.Sprintf("%s[%d]", path, i)
			p.keyLine(key, c)
			p.walk(c, t.Elem(), key)
		}
	}
}

// keyLine records key as the key on k's line unless one came first.
func (p *configParser) keyLine(key string, k *yaml.Node) {
	if _, ok := p.lineKey[k.Line]; !ok {
		p.lineKey[k.Line] = key
	}
}

// walkMerge walks the mapping(s) a "<<" merge key brings in as part of the
// mapping at path.
func (p *configParser) walkMerge(v *yaml.Node, t reflect.Type, path string) {
	for v.Kind == yaml.AliasNode && v.Alias != nil {
		v = v.Alias
	}
	if v.Kind == yaml.SequenceNode {
		for _, c := range v.Content {
			p.walkMerge(c, t, path)
		}
		return
	}
	p.walk(v, t, path)
}

// walkAny records the key paths under n without checking them.
func (p *configParser) walkAny(n *yaml.Node, path string) {
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			key := joinKey(path, n.Content[i].Value)
			p.keyLine(key, n.Content[i])
			p.walk(n.Content[i+1], nil, key)
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			p.walk(c, nil, fmt.Sprintf("%s[%d]", path, i))
		}
	}
}

// structFields returns the YAML keys of struct type t with their types, and
// the element type of its ",inline" map if it has one.
func structFields(t reflect.Type) (map[string]reflect.Type, reflect.Type) {
	fields := map[string]reflect.Type{}
	var inline reflect.Type
	for i := range t.NumField() {
		f := t.Field(i)
		if f.PkgPath != "" && !f.Anonymous {
			continue
		}
		tag := f.Tag.Get("yaml")
		if tag == "" && !strings.Contains(string(f.Tag), ":") {
			tag = string(f.Tag)
		}
		if tag == "-" {
			continue
		}
		name, flags, _ := strings.Cut(tag, ",")
		if slices.Contains(strings.Split(flags, ","), "inline") {
			ft := f.Type
			for ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			switch ft.Kind() {
			case reflect.Map:
				inline = ft.Elem()
			case reflect.Struct:
				sub, subInline := structFields(ft)
				for k, v := range sub {
					fields[k] = v
				}
				if subInline != nil {
					inline = subInline
				}
			}
			continue
		}
		if f.PkgPath != "" {
			continue // unexported embedded type without ",inline"
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		fields[name] = f.Type
	}
	return fields, inline
}

func knownKeys(fields map[string]reflect.Type) string {
	if len(fields) == 0 {
		return "none"
	}
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return strings.Join(keys, ", ")
}
