package main

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/tagpulse/tagpulse/internal/buildinfo"
)

// cmdVersion prints which tagpulse this is (internal/buildinfo).
func cmdVersion(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "version", "[-json]\n\nPrints the version, the VCS revision and time the binary was built from, and the Go version.")
	asJSON := fs.Bool("json", false, "print a JSON object instead of a line")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: version takes no arguments", errUsage)
	}
	in := buildinfo.Get()
	if *asJSON {
		return json.NewEncoder(env.Stdout).Encode(map[string]any{
			"version": in.Version, "revision": in.Revision, "time": in.Time, "modified": in.Modified,
			"go_version": in.GoVersion, "platform": in.Platform,
		})
	}
	_, err := fmt.Fprintln(env.Stdout, in)
	return err
}
