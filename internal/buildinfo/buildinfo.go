// Package buildinfo says which tagpulse this is: its version, the VCS
// revision and time it was built from, and the Go version, for
// `tagpulse version`, `tagpulse -h` and the tagpulse_build_info metric.
//
// The values come from the build information the Go toolchain embeds
// (runtime/debug.ReadBuildInfo: the module version of `go install
// …@vX.Y.Z`, or the one `go build` derives from the repository's tags,
// and the vcs.* settings). A release build may set them instead with
// -ldflags, as .goreleaser.yaml does:
//
//	-X github.com/tagpulse/tagpulse/internal/buildinfo.version=1.2.3
//	-X github.com/tagpulse/tagpulse/internal/buildinfo.revision=COMMIT
//	-X github.com/tagpulse/tagpulse/internal/buildinfo.time=2026-12-01T10:00:00Z
package buildinfo

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"
)

// Set with -ldflags -X by release builds; empty otherwise.
var (
	version  string
	revision string
	time     string
)

// Unknown stands for a value the build did not record (a build with
// -buildvcs=false, or from a source tree without its repository).
const Unknown = "unknown"

// Info describes the running binary.
type Info struct {
	Version   string // module version (v1.2.3, a pseudo-version, or "(devel)")
	Revision  string // VCS commit the binary was built from, or Unknown
	Time      string // commit time, RFC 3339, or Unknown
	Modified  bool   // built from a tree with uncommitted changes
	GoVersion string // Go toolchain, e.g. go1.26.8
	Platform  string // GOOS/GOARCH
}

// Get returns the running binary's Info.
func Get() Info {
	bi, ok := debug.ReadBuildInfo()
	return fromBuildInfo(bi, ok, version, revision, time)
}

// fromBuildInfo combines the toolchain's build info with the -ldflags
// values, which win when set.
func fromBuildInfo(bi *debug.BuildInfo, ok bool, ldVersion, ldRevision, ldTime string) Info {
	in := Info{Version: "(devel)", Revision: Unknown, Time: Unknown, GoVersion: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
	if ok && bi != nil {
		if v := bi.Main.Version; v != "" {
			in.Version = v
		}
		if bi.GoVersion != "" {
			in.GoVersion = bi.GoVersion
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				in.Revision = s.Value
			case "vcs.time":
				in.Time = s.Value
			case "vcs.modified":
				in.Modified = s.Value == "true"
			}
		}
	}
	if ldVersion != "" {
		in.Version = ldVersion
		if !strings.HasPrefix(ldVersion, "v") && ldVersion[0] >= '0' && ldVersion[0] <= '9' {
			in.Version = "v" + ldVersion // goreleaser's {{.Version}} has no v
		}
	}
	if ldRevision != "" {
		in.Revision = ldRevision
	}
	if ldTime != "" {
		in.Time = ldTime
	}
	return in
}

// String is the one line `tagpulse version` prints:
//
//	tagpulse v1.2.3 (revision 3ea5bd3…, 2026-12-02T05:07:21Z) go1.26.8 linux/amd64
func (in Info) String() string {
	rev := in.Revision
	if rev != Unknown && len(rev) > 12 {
		rev = rev[:12]
	}
	if in.Modified {
		rev += ", modified"
	}
	return fmt.Sprintf("tagpulse %s (revision %s, %s) %s %s", in.Version, rev, in.Time, in.GoVersion, in.Platform)
}

// source may be set with -ldflags -X …buildinfo.source=URL by a fork that
// publishes its changed source elsewhere.
var source string

// DefaultSource is where tagpulse's source code is published: the
// repository of the module github.com/tagpulse/tagpulse.
const DefaultSource = "https://github.com/tagpulse/tagpulse"

// Source returns the URL of the running binary's source code, which the
// dashboard links to in its footer and in /healthz (AGPL-3.0 §13: people
// who use it over a network are offered its source).
func Source() string {
	if source != "" {
		return source
	}
	return DefaultSource
}
