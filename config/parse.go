package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// file is the file's layout. The YAML library refuses keys it does not
// have, at any depth (Decoder.KnownFields).
type file struct {
	DB        string         `yaml:"db"`
	Listen    string         `yaml:"listen"`
	Campaigns []campaignFile `yaml:"campaigns"`
	Sources   Sources        `yaml:"sources"`
	Geo       Geo            `yaml:"geo"`
	Dashboard Dashboard      `yaml:"dashboard"`
	Cluster   *Cluster       `yaml:"cluster"`
}

// values is file without the campaigns, which are decoded one by one so
// that errors name the right index (the library drops null items).
type values struct {
	DB        string    `yaml:"db"`
	Listen    string    `yaml:"listen"`
	Sources   Sources   `yaml:"sources"`
	Geo       Geo       `yaml:"geo"`
	Dashboard Dashboard `yaml:"dashboard"`
	Cluster   *Cluster  `yaml:"cluster"`
}

type parser struct {
	file   string
	getenv func(string) string
	// offline tolerates unset variables under the sections in
	// offlineSections (see LoadOffline); unset records the sections that
	// had one, whose checks are then skipped.
	offline bool
	unset   map[string]bool
	errs    []*Error
	root    *yaml.Node
	// msgs are the library's "line N: …" messages, given a key by
	// resolve once all are in.
	msgs []libMsg
	// vars are the variables substituted, by line, and substs the values
	// they made, to keep those out of messages: they may be secrets.
	vars   map[int][]string
	substs []substitution
}

type substitution struct{ value, orig string }

// libMsg is one of the YAML library's messages, with its line.
type libMsg struct {
	line int
	msg  string
}

// offlineSections hold only what run needs (credentials, addresses).
var offlineSections = map[string]bool{"sources": true, "dashboard": true, "cluster": true}

func parse(data []byte, name string, getenv func(string) string, offline bool) (*Config, error) {
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	p := &parser{file: name, getenv: getenv, offline: offline, unset: map[string]bool{}, vars: map[int][]string{}}
	cfg := p.parse(data)
	if len(p.errs) > 0 {
		return nil, p.result()
	}
	cfg.Path = name
	return cfg, nil
}

func (p *parser) errorf(line int, key, format string, args ...any) {
	err := fmt.Errorf(format, args...)
	msg := err.Error()
	for _, s := range p.substs {
		// Values are quoted (%q) in messages: show the reference instead.
		msg = strings.ReplaceAll(msg, strconv.Quote(s.value), strconv.Quote(s.orig))
	}
	if msg != err.Error() {
		err = errors.New(msg)
	}
	p.errs = append(p.errs, &Error{File: p.file, Line: line, Key: key, Err: err})
}

// errorAt reports a problem with the value at key, on its line.
func (p *parser) errorAt(key, format string, args ...any) {
	p.errorf(p.at(key), key, format, args...)
}

func (p *parser) result() error {
	slices.SortStableFunc(p.errs, func(a, b *Error) int { return a.Line - b.Line })
	errs := make([]error, len(p.errs))
	for i, e := range p.errs {
		errs[i] = e
	}
	return errors.Join(errs...)
}

func (p *parser) parse(data []byte) *Config {
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil && !errors.Is(err, io.EOF) {
		p.syntaxError(data, err)
		return nil
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		if err != nil {
			p.syntaxError(data, err)
		} else {
			p.errorf(extra.Line, "", "a second YAML document: a configuration is one document")
		}
		return nil
	}
	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	if root.Kind == 0 || root.Kind == yaml.ScalarNode && root.Tag == "!!null" {
		p.errorf(1, "campaigns", "the configuration is empty: it needs at least one campaign")
		return nil
	}
	if root.Kind != yaml.MappingNode {
		p.errorf(root.Line, "", "the configuration must be a mapping of keys (db, listen, campaigns, sources…)")
		return nil
	}
	p.root = root

	// Unknown keys, by the library, on the file as written (a ${NAME}
	// never makes a key). Its other complaints come from the decoding
	// below, after substitution.
	strict := yaml.NewDecoder(bytes.NewReader(data))
	strict.KnownFields(true)
	var te *yaml.TypeError
	if err := strict.Decode(&file{}); errors.As(err, &te) {
		for _, msg := range te.Errors {
			if strings.Contains(msg, " not found in type ") {
				p.libError(msg)
			}
		}
	}

	p.substitute(root, "")
	var f values
	if err := root.Decode(&f); err != nil {
		p.libErrors(err)
	}

	cfg := &Config{DB: f.DB, Listen: f.Listen, Sources: f.Sources, Geo: f.Geo, Dashboard: f.Dashboard, Cluster: f.Cluster}
	if cfg.DB == "" {
		cfg.DB = DefaultDB
	}
	if cfg.Listen == "" {
		cfg.Listen = DefaultListen
	}
	if _, _, err := net.SplitHostPort(cfg.Listen); err != nil {
		p.errorAt("listen", "%q is not host:port (e.g. 127.0.0.1:8080, or :8080 for all interfaces)", cfg.Listen)
	}
	cfg.Campaigns = p.campaigns()
	if !p.unset["sources"] {
		p.checkSources(&cfg.Sources)
	}
	p.checkGeo(&cfg.Geo)
	if !p.unset["dashboard"] {
		p.checkDashboard(&cfg.Dashboard, cfg.Campaigns)
	}
	if cfg.Cluster != nil && !p.unset["cluster"] {
		p.checkCluster(cfg.Cluster)
	}
	p.resolve()
	if len(p.errs) > 0 {
		return nil
	}
	cfg.lines = p.lines()
	return cfg
}

// syntaxError reports a YAML syntax error, with advice for the common ones.
func (p *parser) syntaxError(data []byte, err error) {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	line := 0
	if m := libLineRE.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = m[2]
	}
	if tab := tabLine(data, line); tab > 0 {
		p.errorf(tab, "", "tabs are not allowed, use spaces to indent (%s)", msg)
		return
	}
	if strings.Contains(msg, "did not find expected ',' or") {
		if n := lineWith(data, line, flowEnvRE); n > 0 {
			// {token: ${X}} is not YAML: braces inside braces.
			line = n
			msg += ` (inside [ ] or { }, quote values that use ${NAME}: {token: "${NAME}"})`
		}
	}
	if m := unknownAnchorRE.FindStringSubmatch(msg); m != nil && line == 0 {
		line = lineWith(data, 1, regexp.MustCompile(`\*`+regexp.QuoteMeta(m[1])+`\b`))
		msg += " (an alias *NAME must come after its anchor &NAME)"
	}
	p.errorf(line, "", "%s", msg)
}

// tabLine is the line, at or next to line, indented with a tab; 0 if none.
// The library reports a tab at the line it was parsing, which may be the
// one before.
func tabLine(data []byte, line int) int {
	lines := bytes.Split(data, []byte("\n"))
	indentedWithTab := func(n int) bool {
		if n < 1 || n > len(lines) {
			return false
		}
		l := lines[n-1]
		ws := l[:len(l)-len(bytes.TrimLeft(l, " \t"))]
		return bytes.IndexByte(ws, '\t') >= 0
	}
	for _, n := range []int{line, line + 1, line - 1} {
		if indentedWithTab(n) {
			return n
		}
	}
	return 0
}

var (
	libLineRE       = regexp.MustCompile(`^line (\d+): (.*)$`)
	flowEnvRE       = regexp.MustCompile(`[{\[][^"']*\$\{`)
	unknownAnchorRE = regexp.MustCompile(`^unknown anchor '(.*)' referenced$`)
)

// lineWith is the first line from line on (1 if line is 0) that matches
// re; 0 if none does.
func lineWith(data []byte, line int, re *regexp.Regexp) int {
	for i, l := range bytes.Split(data, []byte("\n")) {
		if i+1 >= line && re.Match(l) {
			return i + 1
		}
	}
	return 0
}

func (p *parser) libErrors(err error) {
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		p.libError(err.Error())
		return
	}
	for _, msg := range te.Errors {
		p.libError(msg)
	}
}

// libError takes one of the library's messages; resolve gives it its key.
func (p *parser) libError(msg string) {
	msg = strings.TrimPrefix(msg, "yaml: ")
	if m := libLineRE.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		p.msgs = append(p.msgs, libMsg{line, m[2]})
		return
	}
	p.errorf(0, "", "%s", msg)
}

var (
	unknownFieldRE = regexp.MustCompile(`^field (.+) not found in type (.+)$`)
	duplicateRE    = regexp.MustCompile(`^mapping key "(.*)" already defined at line \d+$`)
	unmarshalRE    = regexp.MustCompile("^cannot unmarshal !!\\w+ (?:`(.*)` )?into (.+)$")
	backquotedRE   = regexp.MustCompile("`[^`]*`")
)

// keyAt is a key (or list item) written on a line: its path and its value.
type keyAt struct {
	path, name string
	value      *yaml.Node
}

// resolve gives each of the library's messages the key it is about: the
// one on its line with the name it gives, or whose value it quotes, else
// the first on the line.
func (p *parser) resolve() {
	if len(p.msgs) == 0 {
		return
	}
	want := map[int][]keyAt{}
	for _, m := range p.msgs {
		want[m.line] = nil
	}
	eachKey(p.root, "", func(k keyAt, line int) {
		if list, ok := want[line]; ok {
			want[line] = append(list, k)
		}
	})
	seen := map[string]bool{}
	for _, m := range p.msgs {
		if seen[strconv.Itoa(m.line)+m.msg] {
			continue // the same value decoded twice (an alias)
		}
		seen[strconv.Itoa(m.line)+m.msg] = true
		keys := want[m.line]
		pick := func(match func(keyAt) bool) string {
			for _, k := range keys {
				if match(k) {
					return k.path
				}
			}
			if len(keys) > 0 {
				return keys[0].path
			}
			return ""
		}
		msg := m.msg
		var key string
		switch {
		case unknownFieldRE.MatchString(msg):
			sm := unknownFieldRE.FindStringSubmatch(msg)
			key = pick(func(k keyAt) bool { return k.name == sm[1] })
			msg = "unknown key (known here: " + knownKeys(sm[2]) + ")"
		case duplicateRE.MatchString(msg):
			name := duplicateRE.FindStringSubmatch(msg)[1]
			key = pick(func(k keyAt) bool { return k.name == name })
		case unmarshalRE.MatchString(msg):
			sm := unmarshalRE.FindStringSubmatch(msg)
			quoted := strings.TrimSuffix(sm[1], "...")
			key = pick(func(k keyAt) bool {
				v := deref(k.value)
				return sm[1] != "" && v.Kind == yaml.ScalarNode && strings.HasPrefix(v.Value, quoted)
			})
			if sm[2] == "time.Duration" {
				msg += " (a duration such as 30s, 5m or 1h)"
			}
		default:
			key = pick(func(keyAt) bool { return false })
		}
		if names := p.vars[m.line]; len(names) > 0 {
			// The library quotes (part of) the value in backquotes: it
			// came from the environment and may be a secret.
			msg = backquotedRE.ReplaceAllLiteralString(msg, "(the value of ${"+strings.Join(names, "}, ${")+"})")
		}
		p.errorf(m.line, key, "%s", msg)
	}
	p.msgs = nil
}

// eachKey calls fn with every key and list item under n, by path, and the
// line it is written on. Aliases are not followed: each node is visited
// once, however often it is referred to.
func eachKey(n *yaml.Node, path string, fn func(k keyAt, line int)) {
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Tag == "!!merge" {
				eachKey(v, path, fn) // its keys are the mapping's
				continue
			}
			key := joinKey(path, k.Value)
			fn(keyAt{key, k.Value, v}, k.Line)
			eachKey(v, key, fn)
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			key := path + "[" + strconv.Itoa(i) + "]"
			fn(keyAt{key, "", c}, c.Line)
			eachKey(c, key, fn)
		}
	}
}

// lines are the lines Config.At reports at: every key but the items of
// campaigns' hashtag lists (of which there may be hundreds of thousands).
func (p *parser) lines() map[string]int {
	lines := map[string]int{"": p.root.Line}
	var walk func(n *yaml.Node, path string, depth int)
	walk = func(n *yaml.Node, path string, depth int) {
		campaigns := strings.HasPrefix(path, "campaigns")
		if campaigns && depth > 2 {
			return
		}
		switch n.Kind {
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				k := n.Content[i]
				if k.Tag == "!!merge" {
					continue
				}
				key := joinKey(path, k.Value)
				lines[key] = k.Line
				walk(n.Content[i+1], key, depth+1)
			}
		case yaml.SequenceNode:
			for i, c := range n.Content {
				key := path + "[" + strconv.Itoa(i) + "]"
				lines[key] = c.Line
				walk(c, key, depth+1)
			}
		}
	}
	walk(p.root, "", 0)
	return lines
}

// at is the line of the value at key path, else of the nearest enclosing
// value, else 0.
func (p *parser) at(path string) int {
	if p.root == nil {
		return 0
	}
	for {
		if n := lookup(p.root, path); n != nil {
			return n.Line
		}
		i := strings.LastIndexAny(path, ".[")
		if i < 0 {
			return p.root.Line
		}
		path = path[:i]
	}
}

// lookup finds the key at path (a.b[2].c) under n, following aliases
// and merge keys, and returns its key node (the item, in a list); nil if
// there is none. Keys may contain dots (mastodon.social): the longest key
// that fits is taken.
func lookup(n *yaml.Node, path string) *yaml.Node {
	var at *yaml.Node
	for depth := 0; path != "" && n != nil && depth < 1000; depth++ {
		n = deref(n)
		switch {
		case strings.HasPrefix(path, "["):
			end := strings.IndexByte(path, ']')
			i, err := strconv.Atoi(path[1:max(end, 1)])
			if end < 0 || err != nil || n.Kind != yaml.SequenceNode || i < 0 || i >= len(n.Content) {
				return nil
			}
			n, path = n.Content[i], strings.TrimPrefix(path[end+1:], ".")
			at = n
		case n.Kind == yaml.MappingNode:
			var next, key *yaml.Node
			rest := ""
			best := -1
			eachPair(n, func(k, v *yaml.Node) {
				name := k.Value
				if len(name) <= best {
					return
				}
				switch {
				case path == name:
					next, key, rest, best = v, k, "", len(name)
				case strings.HasPrefix(path, name+"."):
					next, key, rest, best = v, k, path[len(name)+1:], len(name)
				case strings.HasPrefix(path, name+"["):
					next, key, rest, best = v, k, path[len(name):], len(name)
				}
			})
			n, path, at = next, rest, key
		default:
			return nil
		}
	}
	if path != "" || n == nil {
		return nil
	}
	return at
}

// eachPair calls fn with the pairs of mapping n, those written in it first,
// then those its merge keys ("<<") bring in, in the order that gives them
// precedence, as the library decodes them. Each mapping is visited once.
func eachPair(n *yaml.Node, fn func(k, v *yaml.Node)) {
	seen := map[*yaml.Node]bool{}
	var visit func(n *yaml.Node)
	visit = func(n *yaml.Node) {
		if n = deref(n); n == nil || seen[n] {
			return
		}
		seen[n] = true
		switch n.Kind {
		case yaml.SequenceNode: // <<: [*a, *b]
			for _, m := range n.Content {
				visit(m)
			}
			return
		case yaml.MappingNode:
		default:
			return
		}
		var merges []*yaml.Node
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Tag == "!!merge" {
				merges = append(merges, v)
				continue
			}
			fn(k, v)
		}
		for _, m := range merges {
			visit(m)
		}
	}
	visit(n)
}

// mapPair is the key node and value of key in mapping n (merges
// included), or nils.
func mapPair(n *yaml.Node, key string) (k, v *yaml.Node) {
	eachPair(n, func(kn, vn *yaml.Node) {
		if v == nil && kn.Value == key {
			k, v = kn, vn
		}
	})
	return k, v
}

// mapValue is the value of key in mapping n (merges included), or nil.
func mapValue(n *yaml.Node, key string) *yaml.Node {
	_, v := mapPair(n, key)
	return v
}

// deref follows aliases; nil stays nil.
func deref(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && n.Alias != nil && i < 100; i++ {
		n = n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool {
	return n == nil || n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}

func joinKey(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// knownKeys lists the keys of the file's type named typeName (as the
// library names it in its messages).
func knownKeys(typeName string) string {
	keys := keysByType()[typeName]
	if len(keys) == 0 {
		return "none"
	}
	return strings.Join(keys, ", ")
}

// keysByType maps each struct type of the file's layout to its keys.
func keysByType() map[string][]string {
	out := map[string][]string{}
	var visit func(t reflect.Type)
	visit = func(t reflect.Type) {
		for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Map {
			t = t.Elem()
		}
		if t.Kind() != reflect.Struct || out[t.String()] != nil {
			return
		}
		keys := []string{}
		out[t.String()] = keys
		for i := range t.NumField() {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
			if !f.IsExported() || name == "-" {
				continue
			}
			if name == "" {
				name = strings.ToLower(f.Name)
			}
			keys = append(keys, name)
			visit(f.Type)
		}
		slices.Sort(keys)
		out[t.String()] = keys
	}
	visit(reflect.TypeFor[file]())
	return out
}
