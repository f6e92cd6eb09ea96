package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/tagpulse/tagpulse/collector/archive"
)

// importBar shows how far an import of one file is, on a terminal only:
// the share of the file read, posts per second and the time left. Where
// stderr is not a terminal (a pipe, a log, CI) it prints nothing, and the
// summary lines are all there is.
type importBar struct {
	bar   *progressbar.ProgressBar
	name  string
	start time.Time
}

// newImportBar returns a bar for the file at path, or nil when w is not a
// terminal or quiet is set (every method takes a nil bar).
func newImportBar(w io.Writer, path string, quiet bool) *importBar {
	f, ok := w.(*os.File)
	if quiet || !ok || !term.IsTerminal(int(f.Fd())) {
		return nil
	}
	var size int64 = -1
	if st, err := os.Stat(path); err == nil && st.Size() > 0 {
		size = st.Size()
	}
	b := &importBar{name: filepath.Base(path), start: time.Now()}
	b.bar = progressbar.NewOptions64(size,
		progressbar.OptionSetWriter(f),
		progressbar.OptionSetDescription(b.name),
		progressbar.OptionSetWidth(30),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionSetElapsedTime(true),
		progressbar.OptionShowBytes(false),
		progressbar.OptionSetRenderBlankState(true),
		progressbar.OptionClearOnFinish(),
	)
	return b
}

// update moves the bar to what the import has read and counted so far. It
// is called once a batch (thousands of posts), so every call is drawn: a
// throttle left a file read in less than its period showing only 0%.
func (b *importBar) update(res archive.Result) {
	if b == nil {
		return
	}
	rate := 0.0
	if s := time.Since(b.start).Seconds(); s > 0 {
		rate = float64(res.Fetched) / s
	}
	b.bar.Describe(fmt.Sprintf("%s: %d posts, %.0f posts/s", b.name, res.Fetched, rate))
	b.bar.Set64(res.Read)
}

// done takes the bar off the screen, before the file's summary is printed.
func (b *importBar) done() {
	if b == nil {
		return
	}
	b.bar.Finish()
}

// clear takes the bar off the line for a message; the next update draws it
// again.
func (b *importBar) clear() {
	if b != nil {
		b.bar.Clear()
	}
}
