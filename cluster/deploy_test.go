package cluster_test

import (
	"fmt"
	"net/url"
	"path/filepath"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"

	"github.com/tagpulse/tagpulse/cluster"
	"github.com/tagpulse/tagpulse/config"
)

// TestDeployNATSConfig starts the three servers of deploy/nats from their
// configuration files (ports and store moved to loopback and a temporary
// directory, nothing else changed) and connects a node with the password
// the files take from the environment: the example works as shipped.
func TestDeployNATSConfig(t *testing.T) {
	const password = "deploy-test-secret"
	t.Setenv("TAGPULSE_NATS_PASSWORD", password)
	ports := freePorts(t, 3)
	var routes []*url.URL
	for _, p := range ports {
		routes = append(routes, &url.URL{Scheme: "nats-route", Host: fmt.Sprintf("127.0.0.1:%d", p)})
	}
	var servers []*server.Server
	for i := range 3 {
		path := filepath.Join("..", "deploy", "nats", fmt.Sprintf("n%d.conf", i+1))
		o, err := server.ProcessConfigFile(path)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if !o.JetStream || o.Cluster.Name != "tagpulse" || len(o.Routes) != 3 || o.ServerName != fmt.Sprintf("n%d", i+1) {
			t.Fatalf("%s: jetstream %v, cluster %q, %d routes, name %q", path, o.JetStream, o.Cluster.Name, len(o.Routes), o.ServerName)
		}
		if len(o.Users) != 1 || o.Users[0].Username != "tagpulse" || o.Users[0].Password != password {
			t.Fatalf("%s: users %+v: want tagpulse with the password from the environment", path, o.Users)
		}
		o.Host, o.Port, o.HTTPPort, o.HTTPHost = "127.0.0.1", -1, 0, ""
		o.Cluster.Host, o.Cluster.Port, o.Routes = "127.0.0.1", ports[i], routes
		o.StoreDir = filepath.Join(t.TempDir(), "js")
		o.NoLog, o.NoSigs = true, true
		s, err := server.NewServer(o)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		go s.Start()
		servers = append(servers, s)
		t.Cleanup(func() { s.Shutdown(); s.WaitForShutdown() })
	}
	for _, s := range servers {
		if !s.ReadyForConnections(20 * time.Second) {
			t.Fatal("server not ready")
		}
	}
	waitFor(t, 30*time.Second, "a JetStream meta leader", func() (bool, string) {
		for _, s := range servers {
			if s.JetStreamIsLeader() {
				return true, ""
			}
		}
		return false, fmt.Sprintf("routes %d", servers[0].NumRoutes())
	})
	bad := cluster.Config{NATS: servers[0].ClientURL(), Role: cluster.RoleServe, Node: "x", Credentials: "tagpulse:wrong"}
	if err := bad.Check(); err != nil {
		t.Fatal(err)
	}
	if c, err := cluster.Connect(t.Context(), bad, nil); err == nil {
		c.Close()
		t.Fatal("connected with a wrong password")
	}
	c := connect(t, cluster.Config{NATS: urls(servers...), Role: cluster.RoleServe, Node: "x", Credentials: "tagpulse:" + password})
	if got := c.Config().Replicas; got != 3 {
		t.Errorf("replicas picked on a three-server cluster: %d, want 3", got)
	}
	if _, err := c.StreamLastSeq(t.Context()); err != nil {
		t.Fatal(err)
	}
}

// TestDeployTagpulseConfig: the nodes' shared configuration in deploy/nats
// loads for every role, with the role and password from the environment.
func TestDeployTagpulseConfig(t *testing.T) {
	path := filepath.Join("..", "deploy", "nats", "tagpulse.yml")
	for _, role := range []string{cluster.RoleCollect, cluster.RoleServe, cluster.RoleBoth} {
		env := map[string]string{"TAGPULSE_ROLE": role, "TAGPULSE_NATS_PASSWORD": "pw"}
		cfg, err := config.Load(path, func(k string) string { return env[k] })
		if err != nil {
			t.Fatalf("%s: %v", role, err)
		}
		c := cfg.Cluster
		if c == nil || c.Role != role || string(c.Credentials) != "tagpulse:pw" || len(c.URLs()) != 3 {
			t.Fatalf("%s: cluster %+v", role, c)
		}
		cc := cluster.Config{NATS: c.NATS, Stream: c.Stream, Role: c.Role, Node: "n"}
		if err := cc.Check(); err != nil {
			t.Fatalf("%s: %v", role, err)
		}
	}
}
