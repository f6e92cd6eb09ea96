package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/tagpulse/tagpulse/store"
)

func cmdCheck(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "check", "-config F\n\nChecks the store's pages, then recounts every figure from the raw posts they count and\ncompares it with the stored rollups. Exit 0: they are equal; 1: the differences are printed.\nReads the store read-only: posts not counted yet are said, not counted.")
	sf := storeFlags{readOnly: true}
	sf.register(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	a, err := sf.openQuiet(env)
	if err != nil {
		return err
	}
	defer a.Close()
	if err := a.db.Check(); err != nil {
		return fmt.Errorf("the store %s is damaged: %w; restore it from a backup", a.db.Path(), err)
	}
	if a.stale != "" {
		return &exitError{code: 1, msg: a.stale + ": run 'tagpulse rebuild'"}
	}
	behind, err := a.behind()
	if err != nil {
		return err
	}
	if behind != "" {
		fmt.Fprintln(env.Stderr, behind)
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
	a, err := sf.openQuiet(env)
	if err != nil {
		return err
	}
	defer a.Close()
	start := time.Now()
	if err := a.rebuild(ctx); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "rebuilt the figures from %d posts in %.1fs\n", a.db.PostCount(), time.Since(start).Seconds())
	return nil
}

func cmdBackup(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "backup", "-config F|-db F|-server URL DEST\n\nWrites a consistent copy of the store to DEST (mode 0600) through a temporary file.\nWith -server, the copy comes from a running 'tagpulse run' or 'demo' on this host\n(e.g. -server http://127.0.0.1:8080), while it goes on working; the server and this\ncommand both need the same "+backupTokenEnv+" in their environment.")
	sf := storeFlags{readOnly: true}
	sf.register(fs)
	server := fs.String("server", "", "base URL of a tagpulse running on this host")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return fmt.Errorf("%w: name one destination file", errUsage)
	}
	dest := fs.Arg(0)
	if st, err := os.Stat(dest); err == nil && st.IsDir() {
		return fmt.Errorf("%w: %s is a directory: name the file to write (e.g. %s)", errUsage, dest, filepath.Join(dest, "tagpulse-backup.db"))
	}
	if *server != "" {
		token := env.Getenv(backupTokenEnv)
		if token == "" {
			return fmt.Errorf("%w: -server needs %s: set it to the token the server was started with", errUsage, backupTokenEnv)
		}
		base := strings.TrimRight(*server, "/")
		if !strings.Contains(base, "://") {
			base = "http://" + base // -server 127.0.0.1:8080
		}
		n, err := backupFromServer(ctx, base+"/backup", token, dest)
		if err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "wrote %s (%d bytes) from %s\n", dest, n, *server)
		return nil
	}
	a, err := sf.openQuiet(env)
	if err != nil {
		return err
	}
	defer a.Close()
	n, err := a.db.BackupFile(dest)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "wrote %s (%d bytes)\n", dest, n)
	return nil
}

// backupFromServer downloads a running tagpulse's store to dest through a
// temporary file, and checks that the copy opens as a store.
func backupFromServer(ctx context.Context, url, token, dest string) (int64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, fmt.Errorf("backup: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return 0, fmt.Errorf("backup: %s: %s", resp.Status, strings.TrimSpace(string(msg)))
	}
	tmp := dest + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return 0, fmt.Errorf("backup: %w", err)
	}
	n, err := io.Copy(f, resp.Body)
	if err == nil && resp.ContentLength >= 0 && n != resp.ContentLength {
		err = fmt.Errorf("got %d of %d bytes", n, resp.ContentLength)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		var db *store.DB
		if db, err = store.Open(tmp, &store.Options{ReadOnly: true}); err == nil {
			err = db.Check()
			db.Close()
		}
	}
	if err == nil {
		err = os.Rename(tmp, dest)
	}
	if err != nil {
		os.Remove(tmp)
		return 0, fmt.Errorf("backup: %w", err)
	}
	return n, nil
}
