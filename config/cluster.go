package config

import (
	"net/url"
	"strings"
)

// Cluster is the cluster: section, for tagpulse beyond one machine: a
// replicated post log on NATS JetStream (docs/cluster.md). Without it
// tagpulse is a single process.
//
//	cluster:
//	  nats: nats://n1.example:4222,nats://n2.example:4222
//	  stream: tagpulse-posts
//	  role: collect          # collect | serve | both
//	  credentials: ${TAGPULSE_NATS_CREDS}
type Cluster struct {
	// NATS is the servers' URLs, comma-separated (nats://, tls://, ws://
	// or wss://). Required.
	NATS string `yaml:"nats"`
	// Stream is the JetStream stream of posts (default DefaultStream).
	Stream string `yaml:"stream"`
	// Role is what this node does: RoleCollect, RoleServe or RoleBoth
	// (the default).
	Role string `yaml:"role"`
	// Credentials is the NATS user credentials file (.creds) to connect
	// with, usually from the environment; none when empty.
	Credentials Secret `yaml:"credentials"`
}

// Cluster defaults and roles.
const (
	DefaultStream = "tagpulse-posts"
	RoleCollect   = "collect" // run the sources, publish posts to the stream
	RoleServe     = "serve"   // consume the stream into the store, serve the dashboard
	RoleBoth      = "both"
)

// URLs are the NATS servers' URLs.
func (c Cluster) URLs() []string {
	var out []string
	for _, u := range strings.Split(c.NATS, ",") {
		if u = strings.TrimSpace(u); u != "" {
			out = append(out, u)
		}
	}
	return out
}

// checkCluster checks the section and fills in its defaults.
func (p *parser) checkCluster(c *Cluster) {
	urls := c.URLs()
	if len(urls) == 0 {
		p.errorAt("cluster.nats", "missing: the NATS servers, e.g. nats://127.0.0.1:4222")
	}
	for _, raw := range urls {
		u, err := url.Parse(raw)
		if err != nil || u.Host == "" || !(u.Scheme == "nats" || u.Scheme == "tls" || u.Scheme == "ws" || u.Scheme == "wss") {
			p.errorAt("cluster.nats", "%q is not a NATS URL (nats://host:4222, tls://, ws:// or wss://)", raw)
		}
	}
	if c.Stream == "" {
		c.Stream = DefaultStream
	} else if len(c.Stream) > 255 || strings.ContainsAny(c.Stream, " \t\r\n.*>/\\") || strings.ContainsFunc(c.Stream, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		p.errorAt("cluster.stream", "%q is not a JetStream stream name (no spaces, '.', '*', '>' or slashes; e.g. %s)", c.Stream, DefaultStream)
	}
	switch c.Role {
	case "":
		c.Role = RoleBoth
	case RoleCollect, RoleServe, RoleBoth:
	default:
		p.errorAt("cluster.role", "%q is not a role: collect, serve or both", c.Role)
	}
}
