package config

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/tagpulse/tagpulse/collector/hashtag"
	"github.com/tagpulse/tagpulse/store"
)

// campaignFile is a campaign as written.
type campaignFile struct {
	Name     string   `yaml:"name"`
	Title    string   `yaml:"title"`
	Hashtags []string `yaml:"hashtags"`
	Timezone string   `yaml:"timezone"`
	From     string   `yaml:"from"`
	To       string   `yaml:"to"`
}

// MaxHashtags is the most hashtags a file may list over all its campaigns
// (aliases counted as often as they are used). A file with more is refused
// with one message saying so, not checked tag by tag.
const MaxHashtags = 1_000_000

var campaignNameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`)

// ValidCampaignName reports whether name may name a campaign: URL-safe,
// lower-case letters, digits, '-' and '_', starting with a letter or digit.
func ValidCampaignName(name string) bool { return campaignNameRE.MatchString(name) }

// campaigns decodes and checks the campaigns, from their nodes.
func (p *parser) campaigns() []store.Campaign {
	n := deref(mapValue(p.root, "campaigns"))
	switch {
	case isNull(n) || n.Kind == yaml.SequenceNode && len(n.Content) == 0:
		p.errorAt("campaigns", "no campaigns: at least one is needed (name, hashtags, timezone)")
		return nil
	case n.Kind != yaml.SequenceNode:
		p.errorf(n.Line, "campaigns", "not a list of campaigns (- name: …, hashtags: […], timezone: …)")
		return nil
	}
	total := 0
	for _, cn := range n.Content {
		if cn = deref(cn); cn.Kind == yaml.MappingNode {
			if hn := deref(mapValue(cn, "hashtags")); hn != nil && hn.Kind == yaml.SequenceNode {
				total += len(hn.Content)
			}
		}
	}
	if total > MaxHashtags {
		p.errorAt("campaigns", "%d hashtags in all: tagpulse takes at most %d in one configuration (split it over several)", total, MaxHashtags)
		return nil
	}

	out := make([]store.Campaign, 0, len(n.Content))
	names := make(map[string]int, len(n.Content))
	zones := map[string]*time.Location{}
	for i, cn := range n.Content {
		key := "campaigns[" + strconv.Itoa(i) + "]"
		cn = deref(cn)
		if isNull(cn) {
			p.errorf(cn.Line, key, "empty campaign")
			continue
		}
		if cn.Kind != yaml.MappingNode {
			p.errorf(cn.Line, key, "not a campaign (name: …, hashtags: […], timezone: …)")
			continue
		}
		var cc campaignFile
		if err := cn.Decode(&cc); err != nil {
			p.libErrors(err)
			var te *yaml.TypeError
			if !errors.As(err, &te) || slices.ContainsFunc(te.Errors, func(m string) bool {
				return duplicateRE.MatchString(strings.TrimPrefix(libLineRE.ReplaceAllString(m, "$2"), "yaml: "))
			}) {
				continue // the library gave up on it (a key twice): nothing to check
			}
		}
		// Lines of the campaign's keys: where written, in it or in what a
		// merge brought in, else the campaign's.
		line := func(k string) int {
			if kn, _ := mapPair(cn, k); kn != nil {
				return kn.Line
			}
			return cn.Line
		}
		c := store.Campaign{Name: cc.Name, Title: cc.Title, Timezone: cc.Timezone, From: cc.From, To: cc.To}
		switch {
		case cc.Name == "":
			p.errorf(line("name"), key+".name", "missing: every campaign needs a URL-safe name such as allforpalestine")
		case !ValidCampaignName(cc.Name):
			p.errorf(line("name"), key+".name", "%q is not URL-safe: use lower-case letters, digits, '-' and '_', starting with a letter or digit", cc.Name)
		default:
			if j, dup := names[cc.Name]; dup {
				p.errorf(line("name"), key+".name", "%q is already the name of campaigns[%d]", cc.Name, j)
			}
			names[cc.Name] = i
		}

		c.Hashtags = p.hashtags(mapValue(cn, "hashtags"), key+".hashtags", line("hashtags"))

		switch cc.Timezone {
		case "":
			p.errorf(line("timezone"), key+".timezone", "missing: the zone campaign days are counted in, e.g. Asia/Gaza or UTC")
		case "Local":
			p.errorf(line("timezone"), key+".timezone", `"Local" depends on the host: name the zone, e.g. Asia/Gaza or UTC`)
		default:
			loc, err := zones[cc.Timezone], error(nil)
			if loc == nil {
				// Loaded once per zone: each load reads the zone's file.
				loc, err = time.LoadLocation(cc.Timezone)
				zones[cc.Timezone] = loc
			}
			if err != nil {
				p.errorf(line("timezone"), key+".timezone", "unknown time zone %q (IANA names such as Asia/Gaza, Europe/London, UTC)", cc.Timezone)
			}
			c.Location = loc
		}

		from, fromErr := day(cc.From)
		if fromErr == nil && cc.From != "" {
			fromErr = store.CheckDay(cc.From) // the days tagpulse answers for, as the API's
		}
		if fromErr != nil {
			p.errorf(line("from"), key+".from", "%w", fromErr)
		}
		to, toErr := day(cc.To)
		if toErr == nil && cc.To != "" {
			toErr = store.CheckDay(cc.To)
		}
		if toErr != nil {
			p.errorf(line("to"), key+".to", "%w", toErr)
		}
		if fromErr == nil && toErr == nil && !from.IsZero() && !to.IsZero() && to.Before(from) {
			p.errorf(line("to"), key+".to", "%q is before from (%q)", cc.To, cc.From)
		}
		out = append(out, c)
	}
	return out
}

// hashtags checks and normalises a campaign's hashtags, from their node n
// (the library would drop "- #tag", a comment, from the list). line is
// the key's, or the campaign's when it is missing.
func (p *parser) hashtags(n *yaml.Node, key string, line int) []string {
	n = deref(n)
	if isNull(n) || n.Kind == yaml.SequenceNode && len(n.Content) == 0 {
		p.errorf(line, key, "missing: a campaign needs at least one hashtag")
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		return nil // the decoder has said so
	}
	tags := make([]string, 0, len(n.Content))
	seen := make(map[string]bool, len(n.Content))
	for j, hn := range n.Content {
		hn = deref(hn)
		if hn.Kind != yaml.ScalarNode {
			continue // the decoder has said so
		}
		h := hn.Value
		if hn.Tag == "!!null" {
			h = ""
		}
		if err := hashtag.ValidateTag(h); err != nil {
			if strings.TrimSpace(h) == "" {
				err = fmt.Errorf("%w (in YAML a '#' after a space starts a comment: quote the hashtag or leave out the '#')", err)
			}
			p.errorf(hn.Line, key+"["+strconv.Itoa(j)+"]", "%w", err)
			continue
		}
		if t := hashtag.NormalizeTag(h); !seen[t] {
			seen[t] = true
			tags = append(tags, t)
		}
	}
	return tags
}

// day parses an optional campaign day (YYYY-MM-DD).
func day(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(store.DayLayout, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not a day as YYYY-MM-DD", s)
	}
	return t, nil
}
