package main

import (
	"context"
	"fmt"
	"os"

	"github.com/tagpulse/tagpulse/deploy"
)

// cmdRules prints the Prometheus alert rules for the operator's selector
// (deploy.RenderRules), so they read only tagpulse's targets whatever the
// scrape job is called.
func cmdRules(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "rules", "[-selector 'job=\"tagpulse\"'] [-runbook-url URL] [-o FILE]\n\nPrints the alert rules (deploy/prometheus/tagpulse.rules.yml) with every series selected by -selector.")
	selector := fs.String("selector", deploy.DefaultSelector, "label matchers that select tagpulse's series, as inside {…}")
	runbook := fs.String("runbook-url", deploy.DefaultRunbookURL, "page of the runbooks the alerts link to (one #anchor per alert)")
	out := fs.String("o", "", "write to FILE instead of standard output")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: rules takes no arguments", errUsage)
	}
	b, err := deploy.RenderRules(deploy.RulesOptions{Selector: *selector, RunbookURL: *runbook})
	if err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	if *out != "" {
		return os.WriteFile(*out, b, 0o644)
	}
	_, err = env.Stdout.Write(b)
	return err
}
