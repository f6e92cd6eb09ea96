//go:build linux

package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// openPTY opens a pseudo-terminal pair: what is written to tty is read
// from ptm, as a terminal emulator would.
func openPTY(t *testing.T) (ptm, tty *os.File) {
	t.Helper()
	ptm, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatalf("no pseudo-terminals here: %v", err)
	}
	if err := unix.IoctlSetPointerInt(int(ptm.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Fatal(err)
	}
	n, err := unix.IoctlGetInt(int(ptm.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatal(err)
	}
	tty, err = os.OpenFile("/dev/pts/"+strconv.Itoa(n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	return ptm, tty
}

// progressArchive writes n #brexit statuses in the v1.1 format.
func progressArchive(t *testing.T, dir string, n int) string {
	var b strings.Builder
	at := time.Date(2021, 9, 22, 12, 0, 0, 0, time.UTC)
	for i := range n {
		b.WriteString(tw{id: strconv.Itoa(100000 + i), user: "u" + strconv.Itoa(i%500), at: at.Add(time.Duration(i) * time.Second), kind: "original", tags: []string{"brexit"}}.json())
		b.WriteByte('\n')
	}
	return writeFile(t, filepath.Join(dir, "big.jsonl"), b.String())
}

// TestImportProgressBar: on a terminal, import draws a progress bar with
// posts per second and the time left, and takes it away before the
// summary; where stderr is not a terminal it prints no bar.
func TestImportProgressBar(t *testing.T) {
	dir := t.TempDir()
	cfg := writeBrexitConfig(t, dir, "")
	archive := progressArchive(t, dir, 20000)

	ptm, tty := openPTY(t)
	defer ptm.Close()
	var screen bytes.Buffer
	read := make(chan struct{})
	go func() { io.Copy(&screen, ptm); close(read) }() // ends with EIO once tty is closed
	var out bytes.Buffer
	env := &Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: tty, Getenv: func(string) string { return "" }, Now: time.Now}
	err := run(context.Background(), env, []string{"import", "-config", cfg, archive})
	tty.Close()
	<-read
	if err != nil {
		t.Fatalf("import: %v\n%s", err, screen.String())
	}
	s := screen.String()
	for _, want := range []string{"big.jsonl", "%", "posts/s", "posts,", "s:"} {
		if !strings.Contains(s, want) {
			t.Errorf("the terminal did not show %q:\n%q", want, s)
		}
	}
	if !strings.Contains(out.String(), "20000 posts") {
		t.Errorf("summary: %s", out.String())
	}

	// Not a terminal: the same import prints its summary and no bar.
	cfg2 := writeBrexitConfig(t, t.TempDir(), "")
	outs, errs, code := runCmd(t, "import", "-config", cfg2, archive)
	if code != 0 || strings.Contains(errs, "%") || strings.Contains(errs, "posts/s") || strings.Contains(errs, "\r") {
		t.Errorf("exit %d; stderr not a terminal got a bar: %q", code, errs)
	}
	if !strings.Contains(outs, "20000 posts") {
		t.Errorf("summary: %s", outs)
	}
}
