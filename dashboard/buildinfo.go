package dashboard

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/tagpulse/tagpulse/internal/buildinfo"
)

// NewBuildInfoCollector returns the tagpulse_build_info gauge: always 1,
// with the binary's version, VCS revision and Go version as labels (see
// internal/buildinfo), so dashboards and alerts can tell which tagpulse
// runs where. Go's own go_build_info shows only the module version, which
// is "(devel)" for a build from a checkout.
func NewBuildInfoCollector() prometheus.Collector {
	in := buildinfo.Get()
	g := prometheus.NewGauge(prometheus.GaugeOpts{
		Namespace: namespace,
		Name:      "build_info",
		Help:      "A metric with a constant 1 labelled by the version, VCS revision and Go version tagpulse was built with.",
		ConstLabels: prometheus.Labels{
			"version":   in.Version,
			"revision":  in.Revision,
			"goversion": in.GoVersion,
		},
	})
	g.Set(1)
	return g
}
