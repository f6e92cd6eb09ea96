package dashboard

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/tagpulse/tagpulse/aggregator"
	"github.com/tagpulse/tagpulse/store"
)

// NewRegistry returns a private registry with the Go and process collectors
// and the store-derived figures, read from the rollups at scrape time so
// counters stay monotonic across restarts and nothing goes stale. Collectors
// of other packages (the collector's request metrics) register on it too.
func NewRegistry(agg *aggregator.Aggregator) *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	reg.MustRegister(newStoreCollector(agg))
	return reg
}

const namespace = "tagpulse"

// storeCollector exposes the rollups. Every label comes from a bounded set:
// configured campaign names, the source and kind enums, ISO country codes and ZZ.
type storeCollector struct {
	agg                                      *aggregator.Aggregator
	posts, countryPosts, participants, reach *prometheus.Desc
	lag, size                                *prometheus.Desc
}

func newStoreCollector(agg *aggregator.Aggregator) *storeCollector {
	return &storeCollector{
		agg: agg,
		posts: prometheus.NewDesc(prometheus.BuildFQName(namespace, "", "posts_total"),
			"Posts counted in a campaign, by source and kind.", []string{"campaign", "source", "kind"}, nil),
		countryPosts: prometheus.NewDesc(prometheus.BuildFQName(namespace, "", "country_posts_total"),
			"Posts counted in a campaign, by attributed country (ZZ: unknown).", []string{"campaign", "country"}, nil),
		participants: prometheus.NewDesc(prometheus.BuildFQName(namespace, "", "participants"),
			"Distinct authors in a campaign today (campaign zone) or over the whole campaign.", []string{"campaign", "window"}, nil),
		reach: prometheus.NewDesc(prometheus.BuildFQName(namespace, "", "reach"),
			"Potential reach: summed followers of the distinct authors, today or over the whole campaign.", []string{"campaign", "window"}, nil),
		lag: prometheus.NewDesc(prometheus.BuildFQName(namespace, "aggregator", "lag_posts"),
			"Posts stored but not yet in the rollups.", nil, nil),
		size: prometheus.NewDesc(prometheus.BuildFQName(namespace, "store", "size_bytes"),
			"Size of the store file.", nil, nil),
	}
}

func (c *storeCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.posts, c.countryPosts, c.participants, c.reach, c.lag, c.size} {
		ch <- d
	}
}

func (c *storeCollector) Collect(ch chan<- prometheus.Metric) {
	if lag, err := c.agg.Lag(); err == nil {
		ch <- prometheus.MustNewConstMetric(c.lag, prometheus.GaugeValue, float64(lag))
	} else {
		ch <- prometheus.NewInvalidMetric(c.lag, err)
	}
	ch <- prometheus.MustNewConstMetric(c.size, prometheus.GaugeValue, float64(c.agg.DB().Size()))
	for _, camp := range c.agg.Campaigns() {
		rows, err := c.agg.Report(aggregator.Query{Campaign: camp.Name, By: []string{store.DimSourceKind}})
		if err != nil {
			ch <- prometheus.NewInvalidMetric(c.posts, err)
			continue
		}
		for _, r := range rows {
			src, kind, _ := cutSlash(r.Key(store.DimSourceKind))
			ch <- prometheus.MustNewConstMetric(c.posts, prometheus.CounterValue, float64(r.Posts), camp.Name, src, kind)
		}
		rows, err = c.agg.Report(aggregator.Query{Campaign: camp.Name, By: []string{aggregator.ByCountry}})
		if err != nil {
			ch <- prometheus.NewInvalidMetric(c.countryPosts, err)
			continue
		}
		for _, r := range rows {
			ch <- prometheus.MustNewConstMetric(c.countryPosts, prometheus.CounterValue, float64(r.Posts), camp.Name, r.Country)
		}
		tot, err := c.agg.Totals(camp.Name)
		if err != nil {
			ch <- prometheus.NewInvalidMetric(c.participants, err)
			continue
		}
		today := camp.Day(c.agg.Now())
		var tf store.Figures
		if rows, err := c.agg.Report(aggregator.Query{Campaign: camp.Name, By: []string{aggregator.ByDay}, From: today, To: today}); err == nil && len(rows) > 0 {
			tf = rows[0].Figures
		}
		ch <- prometheus.MustNewConstMetric(c.participants, prometheus.GaugeValue, float64(tot.Participants), camp.Name, "campaign")
		ch <- prometheus.MustNewConstMetric(c.participants, prometheus.GaugeValue, float64(tf.Participants), camp.Name, "today")
		ch <- prometheus.MustNewConstMetric(c.reach, prometheus.GaugeValue, float64(tot.Reach), camp.Name, "campaign")
		ch <- prometheus.MustNewConstMetric(c.reach, prometheus.GaugeValue, float64(tf.Reach), camp.Name, "today")
	}
}

func cutSlash(s string) (string, string, bool) {
	for i := 0; i < len(s); i++ {
		if s[i] == '/' {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}
