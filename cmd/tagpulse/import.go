package main

import (
	"context"
	"errors"
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
	fs := newFlagSet(env, "import", "-config F FILE… | -server ADDR FILE…\n\nBackfills posts from archive files. Formats are detected: "+strings.Join(archive.Formats(), ", ")+";\ngzip-compressed files are read as they are.\nMalformed records are reported with file and line, counted and skipped. Importing a file again adds nothing.\nWith -server, the files go to a running 'tagpulse run' on this host (e.g. -server 127.0.0.1:8080),\nwhich stores them while it collects; the server and this command both need the same "+importTokenEnv+".")
	var sf storeFlags
	sf.register(fs)
	quiet := fs.Bool("q", false, "print only the summary and errors")
	server := fs.String("server", "", "address of a tagpulse running on this host, to import into while it collects")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return fmt.Errorf("%w: name at least one archive file", errUsage)
	}
	if *server != "" {
		return importViaServer(ctx, env, *server, fs.Args(), *quiet)
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
	failed, empty := 0, 0
	for _, path := range fs.Args() {
		shown := 0
		start := time.Now()
		bar := newImportBar(env.Stderr, path, *quiet)
		res, err := archive.Import(ctx, sink, m, path, archive.Options{
			Now:      env.Now,
			Progress: bar.update,
			Malformed: func(mf collector.Malformed) {
				bar.clear()
				if shown < maxShownMalformed {
					fmt.Fprintf(env.Stderr, "%s: skipped: %v\n", mf.Where, mf.Err)
				} else if shown == maxShownMalformed {
					fmt.Fprintf(env.Stderr, "%s: more malformed records; only the count is shown from here\n", path)
				}
				shown++
			},
		})
		bar.done()
		if err != nil && errors.Is(err, archive.ErrEmpty) {
			// A harvest often ends in an empty page ([], the real end of
			// paging): a note, not a failure, unless nothing was readable.
			empty++
			fmt.Fprintf(env.Stderr, "tagpulse: note: %v\n", err)
			continue
		}
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
		if !*quiet || res.Malformed > 0 || res.OutsideWindow > 0 || res.Implausible > 0 {
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
	if empty == fs.NArg() {
		if empty == 1 {
			return errors.New("the file holds nothing to import")
		}
		return fmt.Errorf("none of the %d files holds anything to import", empty)
	}
	return nil
}

// importViaServer sends each file to a running tagpulse (POST /import) and
// prints what it says as the offline import would.
func importViaServer(ctx context.Context, env *Env, server string, files []string, quiet bool) error {
	token := env.Getenv(importTokenEnv)
	if token == "" {
		return fmt.Errorf("%w: -server needs %s: set it to the token the server was started with", errUsage, importTokenEnv)
	}
	base := strings.TrimRight(server, "/")
	if !strings.Contains(base, "://") {
		base = "http://" + base // -server 127.0.0.1:8080
	}
	failed, empty := 0, 0
	for _, path := range files {
		events, err := importToServer(ctx, base, token, path)
		if err != nil {
			fmt.Fprintf(env.Stderr, "tagpulse: %v\n", err)
			if ctx.Err() != nil {
				return ctx.Err()
			}
			failed++
			continue
		}
		for i, e := range events {
			switch {
			case e.Malformed != nil && i < maxShownMalformed:
				fmt.Fprintf(env.Stderr, "%s: skipped: %s\n", e.Malformed.Where, e.Malformed.Error)
			case e.Malformed != nil && i == maxShownMalformed:
				fmt.Fprintf(env.Stderr, "%s: more malformed records; only the count is shown from here\n", path)
			}
		}
		end := events[len(events)-1]
		switch {
		case end.Empty:
			empty++
			fmt.Fprintf(env.Stderr, "tagpulse: note: %s\n", end.Error)
			continue
		case end.Error != "":
			failed++
			fmt.Fprintf(env.Stderr, "tagpulse: %s\n", end.Error)
			if end.Summary != "" {
				fmt.Fprintf(env.Stdout, "%s (up to the error)\n", end.Summary)
			}
			continue
		}
		if !quiet || end.Result.Malformed > 0 || end.Result.OutsideWindow > 0 {
			fmt.Fprintln(env.Stdout, end.Summary)
		}
	}
	if !quiet && failed == 0 {
		fmt.Fprintf(env.Stdout, "the running tagpulse at %s folds the posts into its figures as it goes\n", server)
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d files could not be imported", failed, len(files))
	}
	if empty == len(files) {
		if empty == 1 {
			return errors.New("the file holds nothing to import")
		}
		return fmt.Errorf("none of the %d files holds anything to import", empty)
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
	if res.Implausible > 0 {
		fmt.Fprintf(&b, "; %d dated before their platform existed or more than a day ahead, stored but not counted", res.Implausible)
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
