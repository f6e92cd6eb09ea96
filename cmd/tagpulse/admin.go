package main

import (
	"context"
	"fmt"
	"time"
)

func cmdCheck(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "check", "-config F\n\nFolds in any posts not yet counted, then recounts every figure from the raw posts and\ncompares it with the stored rollups. Exit 0: they are equal; 1: the differences are printed.")
	var sf storeFlags
	sf.register(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	log, _ := newLogger(env, "text", "warn")
	a, err := sf.open(env, log)
	if err != nil {
		return err
	}
	defer a.Close()
	if err := a.db.Check(); err != nil {
		return fmt.Errorf("store file is damaged: %w", err)
	}
	if a.changed {
		return &exitError{code: 1, msg: "the configured campaigns differ from those the figures were built for: run 'tagpulse rebuild'"}
	}
	if _, err := a.agg.CatchUp(ctx); err != nil {
		return err
	}
	diffs, n, err := a.agg.Check(ctx)
	if err != nil {
		return err
	}
	if len(diffs) > 0 {
		for _, d := range diffs {
			fmt.Fprintln(env.Stdout, d)
		}
		return &exitError{code: 1, msg: fmt.Sprintf("check: %d differences between the rollups and a recount of %d posts; 'tagpulse rebuild' re-derives them", len(diffs), n)}
	}
	fmt.Fprintf(env.Stdout, "ok: every figure equals a recount of %d posts\n", n)
	return nil
}

func cmdRebuild(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "rebuild", "-config F\n\nDeletes every rollup and re-derives them from the raw posts with the current campaigns\n(hashtags, zones, windows) and country attribution.")
	var sf storeFlags
	sf.register(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	log, _ := newLogger(env, "text", "warn")
	a, err := sf.open(env, log)
	if err != nil {
		return err
	}
	defer a.Close()
	start := time.Now()
	if err := a.agg.Rebuild(ctx); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "rebuilt the figures from %d posts in %.1fs\n", a.db.PostCount(), time.Since(start).Seconds())
	return nil
}

func cmdBackup(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "backup", "-config F|-db F DEST\n\nWrites a consistent copy of the store to DEST (mode 0600) through a temporary file.")
	var sf storeFlags
	sf.register(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return fmt.Errorf("%w: name one destination file", errUsage)
	}
	log, _ := newLogger(env, "text", "warn")
	a, err := sf.open(env, log)
	if err != nil {
		return err
	}
	defer a.Close()
	n, err := a.db.BackupFile(fs.Arg(0))
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "wrote %s (%d bytes)\n", fs.Arg(0), n)
	return nil
}
