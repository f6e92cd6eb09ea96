package layers

import (
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/tagpulse/tagpulse/"

// allowed lists, per package (a trailing "/" covers its sub-packages), the
// project packages it may import; docs/design.md draws the same picture.
// cmd/tagpulse, the wiring, may import everything and is not listed.
var allowed = map[string][]string{
	"store":             {},
	"store/":            {"store"},
	"aggregator":        {"aggregator/geo", "store"},
	"aggregator/geo":    {"aggregator/geo/"},
	"collector":         {"store"},
	"collector/":        {"collector", "collector/", "store"},
	"config":            {"aggregator/geo", "collector/hashtag", "store"},
	"dashboard":         {"aggregator", "store", "internal/buildinfo"},
	"dashboard/":        {},
	"cluster":           {"collector", "store"},
	"deploy":            {},
	"internal/":         {"internal/"},
	"bench/":            {"aggregator", "bench/", "collector/x", "dashboard", "store"},
	"aggregator/geo/":   {"aggregator/geo/"},
	"collector/hashtag": {},
}

func rule(pkg string) ([]string, bool) {
	if l, ok := allowed[pkg]; ok {
		return l, true
	}
	best, found := "", false
	for k := range allowed {
		if strings.HasSuffix(k, "/") && strings.HasPrefix(pkg, k) && len(k) > len(best) {
			best, found = k, true
		}
	}
	return allowed[best], found
}

func permits(list []string, imp string) bool {
	for _, a := range list {
		if a == imp || (strings.HasSuffix(a, "/") && strings.HasPrefix(imp, a)) {
			return true
		}
	}
	return false
}

func TestImportsFollowTheLayers(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}}{{range .Imports}} {{.}}{{end}}`, "github.com/tagpulse/tagpulse/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	checked := 0
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		pkg := strings.TrimPrefix(f[0], module)
		if pkg == "cmd/tagpulse" {
			continue
		}
		list, ok := rule(pkg)
		if !ok {
			t.Errorf("%s has no layering rule: add it to allowed and to docs/design.md", pkg)
			continue
		}
		checked++
		for _, imp := range f[1:] {
			if !strings.HasPrefix(imp, module) {
				continue
			}
			imp = strings.TrimPrefix(imp, module)
			if imp != pkg && !permits(list, imp) {
				t.Errorf("%s imports %s, which its layer does not allow (docs/design.md)", pkg, imp)
			}
		}
	}
	if checked < 10 {
		t.Fatalf("only %d packages checked: go list gave\n%s", checked, out)
	}
}
