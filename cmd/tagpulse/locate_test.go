package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func locateEnv(stdin string) (*Env, *bytes.Buffer, *bytes.Buffer) {
	var out, errb bytes.Buffer
	return &Env{
		Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errb,
		Getenv: func(string) string { return "" }, Now: time.Now,
	}, &out, &errb
}

func TestLocateCommand(t *testing.T) {
	in := "Gaza\nLondon, Ontario\n\nthey/them\r\nCDMX\nBerlin" // last line without newline
	env, out, _ := locateEnv(in)
	if err := run(context.Background(), env, []string{"locate", "-override", "CDMX=MX"}); err != nil {
		t.Fatalf("locate: %v", err)
	}
	want := "PS\tprofile\t0.90\nCA\tprofile\t0.95\nZZ\tnone\t0.00\nZZ\tnone\t0.00\nMX\tprofile\t0.95\nDE\tprofile\t0.90\n"
	gotLines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	wantLines := strings.Split(strings.TrimSuffix(want, "\n"), "\n")
	if len(gotLines) != len(wantLines) {
		t.Fatalf("output:\n%s\nwant:\n%s", out.String(), want)
	}
	for i := range wantLines {
		g, w := strings.Split(gotLines[i], "\t"), strings.Split(wantLines[i], "\t")
		// Country and method exactly; confidence in form only (it is tuned).
		if len(g) != 3 || g[0] != w[0] || g[1] != w[1] || len(g[2]) != 4 {
			t.Errorf("line %d = %q, want like %q", i+1, gotLines[i], wantLines[i])
		}
	}
}

func TestLocateLongLinesAndStreams(t *testing.T) {
	long := strings.Repeat("x", 200<<10) + " Berlin"
	var in strings.Builder
	const n = 20000
	for i := 0; i < n; i++ {
		in.WriteString("Tunis\n")
	}
	in.WriteString(long + "\n")
	env, out, _ := locateEnv(in.String())
	if err := run(context.Background(), env, []string{"locate"}); err != nil {
		t.Fatalf("locate: %v", err)
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != n+1 {
		t.Fatalf("%d lines out, want %d", len(lines), n+1)
	}
	if !strings.HasPrefix(lines[0], "TN\tprofile\t") {
		t.Errorf("first line %q", lines[0])
	}
}

func TestLocateConfigOverrides(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tagpulse.yaml")
	conf := "campaigns:\n  - name: c\n    title: C\n    hashtags: [C]\n    timezone: UTC\ngeo:\n  overrides:\n    Big Smoke: UK\n"
	if err := os.WriteFile(path, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	env, out, _ := locateEnv("the Big Smoke\n")
	if err := run(context.Background(), env, []string{"locate", "-config", path}); err != nil {
		t.Fatalf("locate -config: %v", err)
	}
	if !strings.HasPrefix(out.String(), "GB\tprofile\t") {
		t.Errorf("output %q, want GB from the config's override", out.String())
	}
}

func TestLocateUsage(t *testing.T) {
	env, _, _ := locateEnv("")
	if err := run(context.Background(), env, []string{"locate", "extra"}); !errors.Is(err, errUsage) {
		t.Errorf("extra argument: err = %v, want usage error", err)
	}
	env, _, _ = locateEnv("")
	if err := run(context.Background(), env, []string{"locate", "-override", "nonsense"}); !errors.Is(err, errUsage) {
		t.Errorf("bad -override: err = %v, want usage error", err)
	}
	env, _, _ = locateEnv("")
	if err := run(context.Background(), env, []string{"locate", "-override", "Atlantis=XX"}); err == nil {
		t.Error("override to a non-country: want an error")
	}
	env, _, _ = locateEnv("Gaza\n")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := run(ctx, env, []string{"locate"}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: err = %v, want context.Canceled", err)
	}
}
