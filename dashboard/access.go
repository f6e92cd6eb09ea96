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

// tokenCookie carries a bearer token for browsers, which cannot add headers
// to page loads or EventSource requests.
const tokenCookie = "tagpulse_token"

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

// allows reports whether r carries the credentials a asks for.
func (a Access) allows(r *http.Request) bool {
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
		if c, err := r.Cookie(tokenCookie); err == nil && eq(c.Value, a.Token) {
			return true
		}
	}
	return false
}

// guard wraps next with a's check. A browser that brings ?token= gets it
// as an HttpOnly cookie and is sent on to the same address without it, so
// the token does not linger in the address bar or history.
func (a Access) guard(realm string, next http.Handler) http.Handler {
	if a.open() {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if t := r.URL.Query().Get("token"); a.Token != "" && t != "" && r.Method == http.MethodGet && eq(t, a.Token) {
			http.SetCookie(w, &http.Cookie{Name: tokenCookie, Value: t, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil})
			u := *r.URL
			q := u.Query()
			q.Del("token")
			u.RawQuery = q.Encode()
			http.Redirect(w, r, u.RequestURI(), http.StatusSeeOther)
			return
		}
		if !a.allows(r) {
			if a.Password != "" {
				w.Header().Set("WWW-Authenticate", `Basic realm="`+realm+`", charset="UTF-8"`)
			} else {
				w.Header().Set("WWW-Authenticate", `Bearer realm="`+realm+`"`)
			}
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		next.ServeHTTP(w, r)
	})
}
