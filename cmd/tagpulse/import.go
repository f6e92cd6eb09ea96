package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/tagpulse/tagpulse/collector"
	"github.com/tagpulse/tagpulse/collector/archive"
	"github.com/tagpulse/tagpulse/store"
)

// maxShownMalformed bounds how many malformed records import prints per file.
const maxShownMalformed = 20

func cmdImport(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "import", "-config F FILE…\n\nBackfills posts from archive files. Formats are detected: "+strings.Join(archive.Formats(), ", ")+";\ngzip-compressed files are read as they are.\nMalformed records are reported with file and line, counted and skipped. Importing a file again adds nothing.")
	var sf storeFlags
	sf.register(fs)
	quiet := fs.Bool("q", false, "print only the summary and errors")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return fmt.Errorf("%w: name at least one archive file", errUsage)
	}
	a, err := sf.openQuiet(env)
	if err != nil {
		return err
	}
	defer a.Close()
	if err := a.rebuildIfChanged(ctx, func(m string) { fmt.Fprintln(env.Stderr, m) }); err != nil {
		return err
	}
	m := collector.NewMatcher(a.agg.Campaigns())
	sink, published, err := importSink(ctx, env, a)
	if err != nil {
		return err
	}
	failed := 0
	for _, path := range fs.Args() {
		shown := 0
		start := time.Now()
		res, err := archive.Import(ctx, sink, m, path, archive.Options{
			Now: env.Now,
			Malformed: func(mf collector.Malformed) {
				if shown < maxShownMalformed {
					fmt.Fprintf(env.Stderr, "%s: skipped: %v\n", mf.Where, mf.Err)
				} else if shown == maxShownMalformed {
					fmt.Fprintf(env.Stderr, "%s: more malformed records; only the count is shown from here\n", path)
				}
				shown++
			},
		})
		if err != nil {
			failed++
			fmt.Fprintf(env.Stderr, "tagpulse: %v\n", err)
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if res.Records > 0 { // a file that broke part way: what it read before
				fmt.Fprintf(env.Stdout, "%s (up to the error)\n", importSummary(res, a.agg.Campaign, time.Since(start)))
			}
			continue
		}
		if !*quiet || res.Malformed > 0 || res.OutsideWindow > 0 {
			fmt.Fprintln(env.Stdout, importSummary(res, a.agg.Campaign, time.Since(start)))
		}
	}
	// The figures are folded in after the posts are stored: the store is
	// locked during an import, so nobody could read them sooner, and whole
	// batches are the fastest way.
	if _, err := a.agg.CatchUp(ctx); err != nil {
		return err
	}
	if published != nil {
		fmt.Fprintln(env.Stdout, published())
	} else if !*quiet {
		fmt.Fprintf(env.Stdout, "figures are up to date: %s in the store\n", plural(a.db.PostCount(), "post", "posts"))
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d files could not be imported", failed, fs.NArg())
	}
	return nil
}

// importSummary is the line import prints for a file:
//
//	a.jsonl: twarc2 (gzip), 1 record, 100 posts, 100 match a campaign's hashtags: 100 added, 0 already stored, 0 malformed skipped; 100 outside the campaign's window (2026-01-01 to 2026-01-31), not counted (0.1s)
func importSummary(res archive.Result, campaign func(string) *store.Campaign, took time.Duration) string {
	format := res.Format
	if res.Compression != "" {
		format += " (" + res.Compression + ")"
	}
	matches := "match"
	if res.Matched == 1 {
		matches = "matches"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s, %s, %s, %d %s a campaign's hashtags: %d added, %d already stored, %d malformed skipped",
		res.File, format, plural(res.Records, "record", "records"), plural(res.Fetched, "post", "posts"), res.Matched, matches,
		res.Added, res.Duplicates, res.Malformed)
	if res.OutsideWindow > 0 {
		var windows []string
		for _, name := range res.OutsideCampaigns {
			w := "no window"
			if c := campaign(name); c != nil {
				w = windowText(c)
			}
			if len(res.OutsideCampaigns) == 1 {
				windows = append(windows, "the campaign's window ("+w+")")
			} else {
				windows = append(windows, name+" ("+w+")")
			}
		}
		where := windows[0]
		if len(windows) > 1 {
			where = "the windows of campaigns " + strings.Join(windows[:len(windows)-1], ", ") + " and " + windows[len(windows)-1]
		}
		fmt.Fprintf(&b, "; %d outside %s, not counted", res.OutsideWindow, where)
	}
	fmt.Fprintf(&b, " (%.1fs)", took.Seconds())
	return b.String()
}

// windowText is a campaign's window of days for people: "2026-01-01 to
// 2026-01-31", "from 2026-01-01", "up to 2026-01-31".
func windowText(c *store.Campaign) string {
	switch {
	case c.From != "" && c.To != "" && c.From == c.To:
		return c.From
	case c.From != "" && c.To != "":
		return c.From + " to " + c.To
	case c.From != "":
		return "from " + c.From
	case c.To != "":
		return "up to " + c.To
	}
	return "no window"
}

// plural writes a count with its noun: "1 record", "2 records".
func plural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}
