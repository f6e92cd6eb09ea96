package buildinfo

import (
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
)

func TestFromBuildInfo(t *testing.T) {
	vcs := &debug.BuildInfo{
		GoVersion: "go1.26.8",
		Main:      debug.Module{Path: "github.com/tagpulse/tagpulse", Version: "v0.3.0"},
		Settings: []debug.BuildSetting{
			{Key: "vcs", Value: "git"},
			{Key: "vcs.revision", Value: "3ea5bd3c0ffee1234567890abcdef0123456789a"},
			{Key: "vcs.time", Value: "2026-12-02T05:07:21Z"},
			{Key: "vcs.modified", Value: "true"},
		},
	}
	for _, tc := range []struct {
		name          string
		bi            *debug.BuildInfo
		ok            bool
		ldV, ldR, ldT string
		want          Info
	}{
		{"VCS", vcs, true, "", "", "", Info{Version: "v0.3.0", Revision: "3ea5bd3c0ffee1234567890abcdef0123456789a", Time: "2026-12-02T05:07:21Z", Modified: true, GoVersion: "go1.26.8"}},
		{"NoVCS", &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "(devel)"}}, true, "", "", "", Info{Version: "(devel)", Revision: Unknown, Time: Unknown, GoVersion: "go1.26.8"}},
		{"NoBuildInfo", nil, false, "", "", "", Info{Version: "(devel)", Revision: Unknown, Time: Unknown, GoVersion: runtime.Version()}},
		{"Ldflags", vcs, true, "1.2.3", "abc", "2026-12-01T00:00:00Z", Info{Version: "v1.2.3", Revision: "abc", Time: "2026-12-01T00:00:00Z", Modified: true, GoVersion: "go1.26.8"}},
		{"LdflagsSnapshot", vcs, true, "1.2.3-SNAPSHOT-abc", "", "", Info{Version: "v1.2.3-SNAPSHOT-abc", Revision: "3ea5bd3c0ffee1234567890abcdef0123456789a", Time: "2026-12-02T05:07:21Z", Modified: true, GoVersion: "go1.26.8"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := fromBuildInfo(tc.bi, tc.ok, tc.ldV, tc.ldR, tc.ldT)
			tc.want.Platform = runtime.GOOS + "/" + runtime.GOARCH
			if got != tc.want {
				t.Fatalf("got %+v\nwant %+v", got, tc.want)
			}
		})
	}
	s := fromBuildInfo(vcs, true, "", "", "").String()
	want := "tagpulse v0.3.0 (revision 3ea5bd3c0ffe, modified, 2026-12-02T05:07:21Z) go1.26.8 " + runtime.GOOS + "/" + runtime.GOARCH
	if s != want {
		t.Fatalf("String() = %q, want %q", s, want)
	}
}

// TestGet reads this test binary's own build info: go test records the
// toolchain, whatever the VCS settings.
func TestGet(t *testing.T) {
	in := Get()
	if in.GoVersion != runtime.Version() || !strings.Contains(in.String(), in.GoVersion) || in.Version == "" {
		t.Fatalf("Get() = %+v", in)
	}
}
