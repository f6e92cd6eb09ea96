package main

import (
	"net/http"

	"github.com/tagpulse/tagpulse/config"
	"testing"
)

// TestHostHeaderGuard: a server on loopback answers only for localhost, the
// loopback addresses and dashboard.hosts; another Host (a DNS-rebinding
// page's own name) gets 421 Misdirected Request.
func TestHostHeaderGuard(t *testing.T) {
	_, agg := testAggregator(t)
	addr, _ := startServe(t, agg, serveOptions{Dashboard: config.Dashboard{Hosts: []string{"Pulse.Example.org"}}})
	for host, want := range map[string]int{
		addr:                     http.StatusOK,
		"localhost:8080":         http.StatusOK,
		"[::1]:8080":             http.StatusOK,
		"pulse.example.org":      http.StatusOK,
		"attacker.example":       http.StatusMisdirectedRequest,
		"attacker.example:8080":  http.StatusMisdirectedRequest,
		"127.0.0.1.attacker.com": http.StatusMisdirectedRequest,
	} {
		req, _ := http.NewRequest("GET", "http://"+addr+"/api/v1/campaigns", nil)
		req.Host = host
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("Host %s: %d, want %d", host, resp.StatusCode, want)
		}
	}
}
