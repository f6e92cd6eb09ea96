package dashboard

import (
	"crypto/tls"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

// TestTokenCookiesApart: logging in to /metrics with its token and to the
// dashboard with its own, in either order, leaves both logged in (they
// shared one cookie, so the second login locked the browser out of the
// first); the cookies are Secure when the request came over HTTPS.
func TestTokenCookiesApart(t *testing.T) {
	reg := prometheus.NewRegistry()
	reg.MustRegister(prometheus.NewGauge(prometheus.GaugeOpts{Name: "tagpulse_test", Help: "test"}))
	f := newFixture(t, func(o *Options) {
		o.Access = Access{Token: "tok-dashboard-0123456789"}
		o.MetricsAccess = Access{Token: "tok-metrics-0123456789"}
		o.Gatherer = reg
	})
	f.fill(t)
	srv := newServer(t, f.h)
	dashboardLogin := "/c/afp?token=tok-dashboard-0123456789"
	metricsLogin := "/metrics?token=tok-metrics-0123456789"
	for _, order := range [][]string{{dashboardLogin, metricsLogin}, {metricsLogin, dashboardLogin}} {
		jar, _ := cookiejar.New(nil)
		client := &http.Client{Jar: jar}
		get := func(path string) int {
			t.Helper()
			resp, err := client.Get(srv + path)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			return resp.StatusCode
		}
		for _, login := range order {
			if code := get(login); code != 200 {
				t.Fatalf("%s: %d", login, code)
			}
		}
		for _, path := range []string{"/c/afp", "/api/v1/campaigns", "/metrics"} {
			if code := get(path); code != 200 {
				t.Errorf("logged in by %s then %s: %s is %d", order[0], order[1], path, code)
			}
		}
	}

	cookie := func(target string, tlsConn bool, hdr ...string) *http.Cookie {
		t.Helper()
		r := httptest.NewRequest("GET", target, nil)
		for i := 0; i+1 < len(hdr); i += 2 {
			r.Header.Set(hdr[i], hdr[i+1])
		}
		if tlsConn {
			r.TLS = &tls.ConnectionState{}
		}
		w := httptest.NewRecorder()
		f.h.ServeHTTP(w, r)
		cs := w.Result().Cookies()
		if w.Code != http.StatusSeeOther || len(cs) != 1 || !cs[0].HttpOnly {
			t.Fatalf("%s: %d %v", target, w.Code, cs)
		}
		return cs[0]
	}
	if c := cookie(dashboardLogin, false); c.Name != tokenCookie || c.Path != "/" || c.Secure {
		t.Errorf("dashboard cookie over HTTP: %+v", c)
	}
	if c := cookie(metricsLogin, false); c.Name != metricsTokenCookie || c.Path != "/metrics" || c.Secure {
		t.Errorf("metrics cookie over HTTP: %+v", c)
	}
	if c := cookie(dashboardLogin, true); !c.Secure {
		t.Errorf("dashboard cookie over TLS: %+v", c)
	}
	if c := cookie(metricsLogin, false, "X-Forwarded-Proto", "https"); !c.Secure || c.Name != metricsTokenCookie {
		t.Errorf("metrics cookie behind an HTTPS proxy: %+v", c)
	}
	if c := cookie(dashboardLogin, false, "X-Forwarded-Proto", "http"); c.Secure {
		t.Errorf("dashboard cookie behind an HTTP proxy: %+v", c)
	}
}
