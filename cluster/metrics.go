package cluster

import "github.com/prometheus/client_golang/prometheus"

// Metrics exports a node's cluster figures, read at scrape time, each with
// the node label (replicas export the same store counters: dashboards and
// alerts take max by campaign over nodes, not the sum).
type Metrics struct {
	node      string
	stream    string
	role      string
	applier   *Applier   // nil on a collect node
	publisher *Publisher // nil on a serve node
	leases    *Leases    // nil on a node that neither collects nor serves

	info, lag, applied, caughtUp, skipped, amendments, published, leasesHeld *prometheus.Desc
}

// NewMetrics returns the collector of the node's parts; any may be nil.
func NewMetrics(c *Conn, a *Applier, p *Publisher, l *Leases) *Metrics {
	node := []string{"node"}
	return &Metrics{
		node: c.cfg.Node, stream: c.cfg.Stream, role: c.cfg.Role, applier: a, publisher: p, leases: l,
		info: prometheus.NewDesc("tagpulse_cluster_node_info", "This tagpulse's place in the cluster (always 1).",
			[]string{"node", "role", "stream"}, nil),
		lag: prometheus.NewDesc("tagpulse_cluster_consumer_lag_messages",
			"Stream messages this serve node has not applied to its store yet (stream last sequence minus applied).", node, nil),
		applied: prometheus.NewDesc("tagpulse_cluster_applied_sequence",
			"The stream sequence this serve node has applied to its store.", node, nil),
		caughtUp: prometheus.NewDesc("tagpulse_cluster_caught_up",
			"1 once this serve node has applied everything the stream had (readiness).", node, nil),
		skipped: prometheus.NewDesc("tagpulse_cluster_skipped_messages_total",
			"Stream messages this serve node could not decode, counted and skipped.", node, nil),
		amendments: prometheus.NewDesc("tagpulse_cluster_applied_amendments_total",
			"Bluesky AppView amendment messages this serve node applied to its store.", node, nil),
		published: prometheus.NewDesc("tagpulse_cluster_published_posts_total",
			"Posts this collect node published, by how the stream took them (added, duplicate).", []string{"node", "result"}, nil),
		leasesHeld: prometheus.NewDesc("tagpulse_cluster_leases_held",
			"Sources (and, on a serve node, AppView lookups) whose lease this node holds.", node, nil),
	}
}

// Describe implements prometheus.Collector.
func (m *Metrics) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{m.info, m.lag, m.applied, m.caughtUp, m.skipped, m.amendments, m.published, m.leasesHeld} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (m *Metrics) Collect(ch chan<- prometheus.Metric) {
	ch <- prometheus.MustNewConstMetric(m.info, prometheus.GaugeValue, 1, m.node, m.role, m.stream)
	if a := m.applier; a != nil {
		ch <- prometheus.MustNewConstMetric(m.lag, prometheus.GaugeValue, float64(a.Lag()), m.node)
		ch <- prometheus.MustNewConstMetric(m.applied, prometheus.GaugeValue, float64(a.Applied()), m.node)
		up := 0.0
		if a.CaughtUp() {
			up = 1
		}
		ch <- prometheus.MustNewConstMetric(m.caughtUp, prometheus.GaugeValue, up, m.node)
		ch <- prometheus.MustNewConstMetric(m.skipped, prometheus.CounterValue, float64(a.Skipped()), m.node)
		msgs, _ := a.Amended()
		ch <- prometheus.MustNewConstMetric(m.amendments, prometheus.CounterValue, float64(msgs), m.node)
	}
	if p := m.publisher; p != nil {
		added, dups := p.Published()
		ch <- prometheus.MustNewConstMetric(m.published, prometheus.CounterValue, float64(added), m.node, "added")
		ch <- prometheus.MustNewConstMetric(m.published, prometheus.CounterValue, float64(dups), m.node, "duplicate")
	}
	if l := m.leases; l != nil {
		ch <- prometheus.MustNewConstMetric(m.leasesHeld, prometheus.GaugeValue, float64(l.HeldCount()), m.node)
	}
}
