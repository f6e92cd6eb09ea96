package dashboard

import (
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"net/http"
	"strings"
)

// Access protects part of the server. The zero value lets everyone in.
// With User and Password set, HTTP basic auth is accepted; with Token set,
// "Authorization: Bearer TOKEN" is (and, for browsers, a cookie that
// visiting any page with ?token=TOKEN sets). Both may be set.
type Access struct {
	User, Password string
	Token          string
}

func (a Access) open() bool { return a.Password == "" && a.Token == "" }

// A cookie carries a bearer token for browsers, which cannot add headers to
// page loads or EventSource requests. The dashboard and /metrics have their
// own tokens, so each has its own cookie: with one name for both, logging in
// to one replaced the other's cookie and locked the browser out of it.
const (
	tokenCookie        = "tagpulse_token"         // the dashboard's, for every path
	metricsTokenCookie = "tagpulse_metrics_token" // /metrics only
)

// tokenCookieSpec is the cookie a guard sets and reads.
type tokenCookieSpec struct{ name, path string }

var (
	dashboardCookie = tokenCookieSpec{tokenCookie, "/"}
	metricsCookie   = tokenCookieSpec{metricsTokenCookie, "/metrics"}
)

// minPublicSecret is the shortest secret a public link may use: it is the
// only thing that stands between the page and the world.
const minPublicSecret = 16

func (a Access) validate(what string) error {
	if (a.User == "") != (a.Password == "") {
		return fmt.Errorf("%s: basic auth needs both user and password", what)
	}
	return nil
}

func eq(a, b string) bool {
	ha, hb := sha256.Sum256([]byte(a)), sha256.Sum256([]byte(b))
	return subtle.ConstantTimeCompare(ha[:], hb[:]) == 1
}

// allows reports whether r carries the credentials a asks for, the token
// perhaps in the cookie named cookie.
func (a Access) allows(r *http.Request, cookie string) bool {
	if a.open() {
		return true
	}
	if a.Password != "" {
		if u, p, ok := r.BasicAuth(); ok && eq(u, a.User) && eq(p, a.Password) {
			return true
		}
	}
	if a.Token != "" {
		if v, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok && eq(strings.TrimSpace(v), a.Token) {
			return true
		}
		if c, err := r.Cookie(cookie); err == nil && eq(c.Value, a.Token) {
			return true
		}
	}
	return false
}

// guard wraps next with a's check. A browser that brings ?token= gets it
// as an HttpOnly cookie (ck: its name and path; Secure when the request came
// over HTTPS) and is sent on to the same address without it, so the token
// does not linger in the address bar or history.
//
// With signIn set and a token to sign in with, a browser that is let in by
// nothing is answered with a sign-in page instead of a bare
// "unauthorized" (still a 401): signIn(w, r, wrong) renders it, wrong when
// the token just given was not the right one. Its form posts the token
// back to the same address, which sets the cookie as ?token= does.
func (a Access) guard(realm string, ck tokenCookieSpec, next http.Handler, signIn func(w http.ResponseWriter, r *http.Request, wrong bool)) http.Handler {
	if a.open() {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		let := func(t string) {
			http.SetCookie(w, &http.Cookie{Name: ck.name, Value: t, Path: ck.path, HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: overHTTPS(r)})
			u := *r.URL
			q := u.Query()
			q.Del("token")
			u.RawQuery = q.Encode()
			http.Redirect(w, r, u.RequestURI(), http.StatusSeeOther)
		}
		if t := r.URL.Query().Get("token"); a.Token != "" && t != "" && r.Method == http.MethodGet && eq(t, a.Token) {
			let(t)
			return
		}
		wrong := false
		if signIn != nil && a.Token != "" && r.Method == http.MethodPost {
			r.Body = http.MaxBytesReader(w, r.Body, 4096)
			if t := r.PostFormValue("token"); t != "" {
				if eq(t, a.Token) {
					let(t)
					return
				}
				wrong = true
			}
		}
		if !a.allows(r, ck.name) {
			if a.Password != "" {
				w.Header().Set("WWW-Authenticate", `Basic realm="`+realm+`", charset="UTF-8"`)
			} else {
				w.Header().Set("WWW-Authenticate", `Bearer realm="`+realm+`"`)
			}
			if signIn != nil && a.Token != "" && !strings.HasPrefix(r.URL.Path, "/api/") && wantsHTML(r) {
				signIn(w, r, wrong)
				return
			}
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// wantsHTML reports whether r comes from a browser loading a page (not a
// script, a feed reader or curl asking for data).
func wantsHTML(r *http.Request) bool {
	return strings.Contains(r.Header.Get("Accept"), "text/html")
}

// overHTTPS reports whether the browser reached us over HTTPS: directly, or
// through a reverse proxy that terminates TLS and says so in
// X-Forwarded-Proto (the first value, the client's side, when proxies
// chain). A client that claims it falsely only keeps its own cookie from
// being sent back over plain HTTP.
func overHTTPS(r *http.Request) bool {
	if r.TLS != nil {
		return true
	}
	proto, _, _ := strings.Cut(r.Header.Get("X-Forwarded-Proto"), ",")
	return strings.EqualFold(strings.TrimSpace(proto), "https")
}
