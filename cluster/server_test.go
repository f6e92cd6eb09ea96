package cluster_test

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"

	"github.com/tagpulse/tagpulse/cluster"
	"github.com/tagpulse/tagpulse/store"
)

// natsServer runs an embedded NATS server with JetStream on a loopback port.
func natsServer(tb testing.TB) *server.Server {
	tb.Helper()
	s, err := server.NewServer(&server.Options{
		ServerName: "solo", Host: "127.0.0.1", Port: -1,
		JetStream: true, StoreDir: filepath.Join(tb.TempDir(), "js"),
		NoLog: true, NoSigs: true,
	})
	if err != nil {
		tb.Fatal(err)
	}
	go s.Start()
	if !s.ReadyForConnections(10 * time.Second) {
		tb.Fatal("nats server not ready")
	}
	tb.Cleanup(func() { s.Shutdown(); s.WaitForShutdown() })
	return s
}

// freePorts picks loopback ports for the cluster's routes, which every
// server must know before it starts.
func freePorts(tb testing.TB, n int) []int {
	tb.Helper()
	var ports []int
	var ls []net.Listener
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			tb.Fatal(err)
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	for _, l := range ls {
		l.Close()
	}
	return ports
}

// natsCluster runs three clustered JetStream servers in this process,
// routed to each other on loopback.
func natsCluster(tb testing.TB) []*server.Server {
	tb.Helper()
	ports := freePorts(tb, 3)
	var routes []*url.URL
	for _, p := range ports {
		routes = append(routes, &url.URL{Scheme: "nats", Host: fmt.Sprintf("127.0.0.1:%d", p)})
	}
	var servers []*server.Server
	for i, p := range ports {
		s, err := server.NewServer(&server.Options{
			ServerName: fmt.Sprintf("n%d", i+1), Host: "127.0.0.1", Port: -1,
			JetStream: true, StoreDir: filepath.Join(tb.TempDir(), fmt.Sprintf("js%d", i+1)),
			Cluster: server.ClusterOpts{Name: "tagpulse", Host: "127.0.0.1", Port: p},
			Routes:  routes, NoLog: true, NoSigs: true,
		})
		if err != nil {
			tb.Fatal(err)
		}
		go s.Start()
		servers = append(servers, s)
		tb.Cleanup(func() { s.Shutdown(); s.WaitForShutdown() })
	}
	for _, s := range servers {
		if !s.ReadyForConnections(20 * time.Second) {
			tb.Fatal("nats server not ready")
		}
	}
	waitFor(tb, 30*time.Second, "a JetStream meta leader", func() (bool, string) {
		for _, s := range servers {
			if s.JetStreamIsLeader() {
				return true, ""
			}
		}
		return false, "no leader"
	})
	return servers
}

// urls is the client URLs of servers, comma-separated.
func urls(servers ...*server.Server) string {
	var u []string
	for _, s := range servers {
		u = append(u, s.ClientURL())
	}
	return strings.Join(u, ",")
}

// connect opens a cluster connection, retrying while a fresh cluster
// elects the leaders of the stream's and buckets' groups.
func connect(tb testing.TB, cfg cluster.Config) *cluster.Conn {
	tb.Helper()
	if err := cfg.Check(); err != nil {
		tb.Fatal(err)
	}
	var c *cluster.Conn
	// One Connect may take up to three op timeouts (30 s) while a
	// three-server cluster creates its replicated buckets on a loaded
	// machine: leave room for more than one attempt.
	waitFor(tb, 100*time.Second, "connect "+cfg.Node, func() (bool, string) {
		var err error
		c, err = cluster.Connect(context.Background(), cfg, nil)
		if err != nil {
			return false, err.Error()
		}
		return true, ""
	})
	tb.Cleanup(c.Close)
	return c
}

// waitFor polls cond until it holds, failing the test at the deadline with
// cond's last word. It is how tests wait: on a condition, never on a sleep.
func waitFor(tb testing.TB, deadline time.Duration, what string, cond func() (bool, string)) {
	tb.Helper()
	end := time.Now().Add(deadline)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		ok, why := cond()
		if ok {
			return
		}
		if time.Now().After(end) {
			tb.Fatalf("waiting for %s: gave up after %s: %s", what, deadline, why)
		}
		<-tick.C
	}
}

func openStore(tb testing.TB, path string) *store.DB {
	tb.Helper()
	db, err := store.Open(path, nil)
	if err != nil {
		tb.Fatal(err)
	}
	return db
}
