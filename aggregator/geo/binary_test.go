package geo

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// maxGrowth is the budget for what package geo adds to a binary: its code
// and embedded data.
const maxGrowth = 8 << 20

// TestBinaryGrowth builds a program that uses package geo and a hello world
// (testdata/sizecheck) and holds the difference to the budget of 8 MB.
func TestBinaryGrowth(t *testing.T) {
	if testing.Short() {
		t.Skip("short: builds two programs")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("go tool: %v", err)
	}
	dir := t.TempDir()
	size := func(pkg string) int64 {
		out := filepath.Join(dir, filepath.Base(pkg))
		cmd := exec.Command(goTool, "build", "-o", out, pkg)
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go build %s: %v\n%s", pkg, err, b)
		}
		fi, err := os.Stat(out)
		if err != nil {
			t.Fatal(err)
		}
		return fi.Size()
	}
	withGeo := size("./testdata/sizecheck/geo")
	hello := size("./testdata/sizecheck/hello")
	growth := withGeo - hello
	t.Logf("a program using geo: %.1f MB; hello world: %.1f MB; growth %.1f MB", float64(withGeo)/(1<<20), float64(hello)/(1<<20), float64(growth)/(1<<20))
	if growth > maxGrowth {
		t.Errorf("package geo adds %.1f MB to a binary, want ≤ %d MB", float64(growth)/(1<<20), maxGrowth>>20)
	}
}
