package main

import (
	"context"
	"fmt"
	"time"

	"github.com/tagpulse/tagpulse/collector"
)

// maxShownMalformed bounds how many malformed records import prints per file.
const maxShownMalformed = 20

func cmdImport(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "import", "-config F FILE…\n\nBackfills posts from archive files. Formats are detected: "+fmt.Sprint(collector.Formats())+".\nMalformed records are reported with file and line, counted and skipped. Importing a file again adds nothing.")
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
	failed := 0
	for _, path := range fs.Args() {
		shown := 0
		start := time.Now()
		res, err := collector.Import(ctx, a.db, m, path, collector.ImportOptions{
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
			continue
		}
		if !*quiet || res.Malformed > 0 {
			fmt.Fprintf(env.Stdout, "%s: %s, %d records, %d posts, %d match a campaign: %d added, %d already stored, %d malformed skipped (%.1fs)\n",
				path, res.Format, res.Records, res.Fetched, res.Matched, res.Added, res.Duplicates, res.Malformed, time.Since(start).Seconds())
		}
	}
	// The figures are folded in after the posts are stored: the store is
	// locked during an import, so nobody could read them sooner, and whole
	// batches are the fastest way.
	if _, err := a.agg.CatchUp(ctx); err != nil {
		return err
	}
	if !*quiet {
		fmt.Fprintf(env.Stdout, "figures are up to date: %d posts in the store\n", a.db.PostCount())
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d files could not be imported", failed, fs.NArg())
	}
	return nil
}
