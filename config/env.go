package config

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// substitute replaces ${NAME} in every scalar value under n with the
// environment variable NAME; "$${" stands for a literal "${".
func (p *parser) substitute(n *yaml.Node, path string) {
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			p.substitute(n.Content[i+1], joinKey(path, n.Content[i].Value))
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			p.substitute(c, path+"["+strconv.Itoa(i)+"]")
		}
	case yaml.ScalarNode:
		if !strings.Contains(n.Value, "$") {
			return
		}
		getenv := p.getenv
		if section, _, _ := strings.Cut(path, "."); p.offline && offlineSections[section] {
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
			if section, _, _ := strings.Cut(path, "."); offlineSections[section] {
				p.unset[section] = true // said once: its checks would only repeat it
			}
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
