package deploy

import (
	"bytes"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"text/template"
)

// RulesTemplate is the template the alert rules are generated from.
const RulesTemplate = "prometheus/tagpulse.rules.yml.tmpl"

// DefaultSelector selects tagpulse's series in the generated rules when the
// operator gives none: the scrape job of prometheus/prometheus.yml.
const DefaultSelector = `job="tagpulse"`

// DefaultRunbookURL is the page the alerts' runbook_url annotations point
// into, one anchor per alert (deploy/README.md, section Runbooks).
const DefaultRunbookURL = "https://github.com/tagpulse/tagpulse/blob/main/deploy/README.md"

// RulesOptions parameterise the alert rules, as a monitoring mixin's
// config does.
type RulesOptions struct {
	// Selector is a list of label matchers, as inside {…}, that selects
	// tagpulse's series and only them, e.g. job="tagpulse" or
	// job=~"tagpulse-.*",env="production". Every series the rules read is
	// selected with it. Empty means DefaultSelector.
	Selector string
	// RunbookURL is the page of the runbooks (an http or https URL without a
	// fragment); empty means DefaultRunbookURL.
	RunbookURL string
}

var selectorRE = regexp.MustCompile(`^\s*[A-Za-z_][A-Za-z0-9_]*\s*(=|!=|=~|!~)\s*"(?:[^"\\\n]|\\.)*"\s*(,\s*[A-Za-z_][A-Za-z0-9_]*\s*(=|!=|=~|!~)\s*"(?:[^"\\\n]|\\.)*"\s*)*,?\s*$`)

// RenderRules returns the alert rules for opts.
func RenderRules(opts RulesOptions) ([]byte, error) {
	if opts.Selector == "" {
		opts.Selector = DefaultSelector
	}
	if opts.RunbookURL == "" {
		opts.RunbookURL = DefaultRunbookURL
	}
	if !selectorRE.MatchString(opts.Selector) {
		return nil, fmt.Errorf(`selector %q: want label matchers as inside {…}, such as job="tagpulse" or job=~"tp-.*",env="production"`, opts.Selector)
	}
	sel := strings.TrimSuffix(strings.TrimSpace(opts.Selector), ",")
	u, err := url.Parse(opts.RunbookURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Fragment != "" || strings.ContainsAny(opts.RunbookURL, "\"\n") {
		return nil, fmt.Errorf("runbook URL %q: want an http(s) URL without a #fragment", opts.RunbookURL)
	}
	b, err := Files.ReadFile(RulesTemplate)
	if err != nil {
		return nil, err
	}
	tmpl, err := template.New(RulesTemplate).Delims("[[", "]]").Option("missingkey=error").Funcs(template.FuncMap{
		// sel returns the selector braces of a series: the operator's
		// matchers, then the rule's own.
		"sel": func(own ...string) string {
			return "{" + strings.Join(append([]string{sel}, own...), ",") + "}"
		},
	}).Parse(string(b))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", RulesTemplate, err)
	}
	var out bytes.Buffer
	if err := tmpl.Execute(&out, struct{ Selector, RunbookURL string }{sel, opts.RunbookURL}); err != nil {
		return nil, fmt.Errorf("%s: %w", RulesTemplate, err)
	}
	return out.Bytes(), nil
}
