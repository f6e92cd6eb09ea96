package dashboard

import (
	"slices"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	dto "github.com/prometheus/client_model/go"

	"github.com/tagpulse/tagpulse/aggregator"
	"github.com/tagpulse/tagpulse/store"
)

// NewRegistry returns a private registry with the Go, process and build-info
// collectors and the store-derived figures, read from the rollups at scrape
// time so counters stay monotonic across restarts and nothing goes stale.
// Collectors of other packages (the collector's request metrics) register on
// it too.
func NewRegistry(agg *aggregator.Aggregator) *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		collectors.NewBuildInfoCollector(),
		NewStoreCollector(agg),
		NewBuildInfoCollector(),
	)
	return reg
}

const namespace = "tagpulse"

// Label values used by the store collector besides the enums in store.
const (
	// SourceOther stands in for a source outside store.Sources, so a bug
	// elsewhere cannot add unbounded label values.
	SourceOther = "other"
)

// StoreCollector exposes the rollups as metrics, read at scrape time. Every
// label comes from a bounded set: configured campaign names, the source and
// kind enums, ISO 3166-1 alpha-2 codes and ZZ. "Today" (the current
// campaign day, in the campaign's zone) is always in the name
// (tagpulse_posts_today, tagpulse_participants_today, tagpulse_reach_today),
// never a label: a sum over such a label would add a day to the campaign
// that contains it. It reads
// only campaign-total and today's rollup cells, never raw posts, so a scrape
// costs one short read transaction whatever the size of the post log.
type StoreCollector struct {
	agg *aggregator.Aggregator

	posts, countryPosts, active               *prometheus.Desc
	postsToday, participantsToday, reachToday *prometheus.Desc
	participants, reach, lag, size, success   *prometheus.Desc

	labels labelCache
}

var _ prometheus.Collector = (*StoreCollector)(nil)

// NewStoreCollector returns the collector of agg's campaign figures.
// NewRegistry registers it; tests may register it on their own registry.
func NewStoreCollector(agg *aggregator.Aggregator) *StoreCollector {
	name := func(sub, n string) string { return prometheus.BuildFQName(namespace, sub, n) }
	return &StoreCollector{
		agg: agg,
		posts: prometheus.NewDesc(name("", "posts_total"),
			"Posts counted in a campaign, by source and kind (original, repost, reply, quote).",
			[]string{"campaign", "source", "kind"}, nil),
		countryPosts: prometheus.NewDesc(name("", "country_posts_total"),
			"Posts counted in a campaign, by attributed country (ISO 3166-1 alpha-2; ZZ: unknown).",
			[]string{"campaign", "country"}, nil),
		postsToday: prometheus.NewDesc(name("", "posts_today"),
			"Posts on the current campaign day (campaign time zone); drops to zero at the campaign's midnight.",
			[]string{"campaign"}, nil),
		participantsToday: prometheus.NewDesc(name("", "participants_today"),
			"Distinct authors in a campaign on the current campaign day (campaign time zone).",
			[]string{"campaign"}, nil),
		reachToday: prometheus.NewDesc(name("", "reach_today"),
			"Potential reach on the current campaign day: summed follower counts of that day's distinct authors.",
			[]string{"campaign"}, nil),
		participants: prometheus.NewDesc(name("", "participants"),
			"Distinct authors over the whole campaign.",
			[]string{"campaign"}, nil),
		reach: prometheus.NewDesc(name("", "reach"),
			"Potential reach over the whole campaign: summed follower counts of its distinct authors.",
			[]string{"campaign"}, nil),
		active: prometheus.NewDesc(name("", "campaign_active"),
			"1 while the current campaign day lies inside the campaign's configured window (always, for a campaign without one), else 0.",
			[]string{"campaign"}, nil),
		lag: prometheus.NewDesc(name("aggregator", "lag_posts"),
			"Posts stored but not yet in the rollups.", nil, nil),
		size: prometheus.NewDesc(name("store", "size_bytes"),
			"Size of the store's data in bytes.", nil, nil),
		success: prometheus.NewDesc(name("store", "scrape_success"),
			"1 if every store-derived figure was read at this scrape, 0 if a read failed (the figures are then missing).", nil, nil),
	}
}

// Describe implements prometheus.Collector.
func (c *StoreCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.posts, c.countryPosts, c.postsToday, c.participantsToday, c.reachToday, c.participants, c.reach, c.active, c.lag, c.size, c.success} {
		ch <- d
	}
}

// Collect implements prometheus.Collector. All store figures come from one
// read transaction, so a scrape is a consistent snapshot (the country
// counters add up to the source/kind counters) and costs one short
// transaction whatever the number of campaigns. A failed read leaves the
// store figures out and sets tagpulse_store_scrape_success to 0, so the rest
// of the scrape (collector, Go, process metrics) still serves and the
// failure can be alerted on.
func (c *StoreCollector) Collect(ch chan<- prometheus.Metric) {
	snap, err := c.read()
	if err != nil {
		ch <- prometheus.MustNewConstMetric(c.size, prometheus.GaugeValue, float64(c.agg.StoreSize()))
		ch <- prometheus.MustNewConstMetric(c.success, prometheus.GaugeValue, 0)
		return
	}
	ch <- prometheus.MustNewConstMetric(c.size, prometheus.GaugeValue, float64(snap.size))
	ch <- prometheus.MustNewConstMetric(c.success, prometheus.GaugeValue, 1)
	ch <- prometheus.MustNewConstMetric(c.lag, prometheus.GaugeValue, float64(snap.lag))
	for i := range snap.campaigns {
		cs := &snap.campaigns[i]
		for _, s := range fold(cs.bySourceKind, cs.folded) {
			ch <- c.labels.counter(c.posts, float64(s.posts), cs.name, s.labels[0], s.labels[1])
		}
		for _, s := range fold(cs.byCountry, cs.folded) {
			ch <- c.labels.counter(c.countryPosts, float64(s.posts), cs.name, s.labels[0], "")
		}
		active := 0.0
		if cs.active {
			active = 1
		}
		ch <- c.labels.gauge(c.active, active, cs.name, "", "")
		ch <- c.labels.gauge(c.postsToday, float64(cs.today.Posts), cs.name, "", "")
		ch <- c.labels.gauge(c.participantsToday, float64(cs.today.Participants), cs.name, "", "")
		ch <- c.labels.gauge(c.reachToday, float64(cs.today.Reach), cs.name, "", "")
		ch <- c.labels.gauge(c.participants, float64(cs.total.Participants), cs.name, "", "")
		ch <- c.labels.gauge(c.reach, float64(cs.total.Reach), cs.name, "", "")
	}
}

// labelCache keeps the label pairs of every series sent, so a scrape does
// not rebuild (allocate and sort) them for 250 countries per campaign. It is
// bounded by the label sets: campaigns × (26² codes, sources × kinds).
type labelCache struct {
	mu sync.Mutex
	m  map[labelKey][]*dto.LabelPair
}

// labelKey is a series: its Desc and up to three label values ("" for
// unused: no label of ours has an empty value, so trailing ""s are dropped).
type labelKey struct {
	desc    *prometheus.Desc
	a, b, c string
}

func (lc *labelCache) pairs(d *prometheus.Desc, a, b, c string) []*dto.LabelPair {
	k := labelKey{d, a, b, c}
	lc.mu.Lock()
	defer lc.mu.Unlock()
	if p, ok := lc.m[k]; ok {
		return p
	}
	if lc.m == nil {
		lc.m = map[labelKey][]*dto.LabelPair{}
	}
	values := []string{a, b, c}
	for len(values) > 0 && values[len(values)-1] == "" {
		values = values[:len(values)-1]
	}
	p := prometheus.MakeLabelPairs(d, values)
	lc.m[k] = p
	return p
}

// counter returns a counter series of d with label values a, b, c: as many
// as d has variable labels, the unused ones "".
func (lc *labelCache) counter(d *prometheus.Desc, v float64, a, b, c string) prometheus.Metric {
	m := &cachedCounter{desc: d, labels: lc.pairs(d, a, b, c), value: v}
	m.counter.Value = &m.value
	return m
}

// gauge is like counter for a gauge series.
func (lc *labelCache) gauge(d *prometheus.Desc, v float64, a, b, c string) prometheus.Metric {
	m := &cachedGauge{desc: d, labels: lc.pairs(d, a, b, c), value: v}
	m.gauge.Value = &m.value
	return m
}

// cachedCounter and cachedGauge are constant metrics whose label pairs are
// shared between scrapes. Nothing writes to them after they are built: the
// registry and the encoders only read a gathered dto.Metric. One allocation
// per series.
type cachedCounter struct {
	desc    *prometheus.Desc
	labels  []*dto.LabelPair
	value   float64
	counter dto.Counter
}

func (m *cachedCounter) Desc() *prometheus.Desc { return m.desc }

func (m *cachedCounter) Write(out *dto.Metric) error {
	out.Label, out.Counter = m.labels, &m.counter
	return nil
}

type cachedGauge struct {
	desc   *prometheus.Desc
	labels []*dto.LabelPair
	value  float64
	gauge  dto.Gauge
}

func (m *cachedGauge) Desc() *prometheus.Desc { return m.desc }

func (m *cachedGauge) Write(out *dto.Metric) error {
	out.Label, out.Gauge = m.labels, &m.gauge
	return nil
}

// snapshot is what one scrape reads, with label values made safe.
type snapshot struct {
	lag       uint64
	size      int64
	campaigns []campaignSnapshot
}

type campaignSnapshot struct {
	name         string
	active       bool
	total, today store.Figures
	bySourceKind []series // labels: source, kind
	byCountry    []series // labels: country
	folded       bool     // a cell value was replaced by SourceOther, a valid kind or ZZ
}

// series is one counter's label values (after the campaign) and value.
type series struct {
	labels [2]string // unused trailing values are ""
	posts  int64
}

// read takes the aggregator's metrics snapshot (one read transaction) and
// turns its values into bounded label values.
func (c *StoreCollector) read() (*snapshot, error) {
	m, err := c.agg.Metrics()
	if err != nil {
		return nil, err
	}
	snap := &snapshot{lag: m.Lag, size: m.StoreSize, campaigns: make([]campaignSnapshot, len(m.Campaigns))}
	for i := range m.Campaigns {
		cm := &m.Campaigns[i]
		cs := &snap.campaigns[i]
		cs.name, cs.active, cs.total, cs.today = cm.Name, cm.Active, cm.Total, cm.Today
		cs.bySourceKind = make([]series, len(cm.BySourceKind))
		for j, v := range cm.BySourceKind {
			src, kind, ok := splitSourceKind(v.Value)
			cs.folded = cs.folded || !ok
			cs.bySourceKind[j] = series{[2]string{src, kind}, v.Posts}
		}
		cs.byCountry = make([]series, len(cm.ByCountry))
		for j, v := range cm.ByCountry {
			cc := countryLabel(v.Value)
			cs.folded = cs.folded || cc != v.Value
			cs.byCountry[j] = series{[2]string{cc}, v.Posts}
		}
	}
	return snap, nil
}

// fold sums series whose label values are equal. Values replaced by
// splitSourceKind or countryLabel (an out-of-enum source, a malformed
// country) can collide, and a registry refuses duplicate series. Cell
// values are distinct, so without a replacement (folded false) there is
// nothing to do.
func fold(in []series, folded bool) []series {
	if !folded {
		return in
	}
	var seen map[[2]string]int
	out := in[:0]
	for _, s := range in {
		if j, ok := seen[s.labels]; ok {
			out[j].posts += s.posts
			continue
		}
		if seen == nil {
			seen = make(map[[2]string]int, len(in))
		}
		seen[s.labels] = len(out)
		out = append(out, s)
	}
	return out
}

// splitSourceKind splits a "source/kind" cell value into enum label values;
// ok is false when it had to replace one.
func splitSourceKind(s string) (source, kind string, ok bool) {
	ok = true
	source, kind = s, ""
	for i := 0; i < len(s); i++ {
		if s[i] == '/' {
			source, kind = s[:i], s[i+1:]
			break
		}
	}
	if !slices.Contains(store.Sources, source) {
		source, ok = SourceOther, false
	}
	if !store.Kind(kind).Valid() {
		kind, ok = string(store.KindOriginal), false // as the aggregator counts an unknown kind
	}
	return source, kind, ok
}

// countryLabel returns an ISO 3166-1 alpha-2 code as is and anything else as ZZ.
func countryLabel(cc string) string {
	if len(cc) == 2 && cc[0] >= 'A' && cc[0] <= 'Z' && cc[1] >= 'A' && cc[1] <= 'Z' {
		return cc
	}
	return store.UnknownCountry
}
