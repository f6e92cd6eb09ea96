// Command tagpulse monitors hashtag campaigns: it collects posts carrying a
// campaign's hashtags, rolls them up per day, hour and country, and serves a
// dashboard, a JSON API and Prometheus metrics. This package is flags and
// wiring only; the work lives in collector, aggregator, dashboard and store.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"
	_ "time/tzdata" // campaign zones must work on hosts without a zone database

	"github.com/tagpulse/tagpulse/internal/buildinfo"
)

// Env is what a command may touch of the outside world; tests pass their own.
type Env struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	Getenv func(string) string
	Now    func() time.Time
	// Ready, when set, is called by serving commands with the address they
	// listen on once they accept connections (tests wait on it).
	Ready func(addr string)
}

type command struct {
	name    string
	summary string
	run     func(ctx context.Context, env *Env, args []string) error
}

var commands []command

func init() {
	commands = []command{
		{"demo", "serve a simulated campaign: dashboard, API and /metrics, no network or credentials", cmdDemo},
		{"run", "collect, aggregate and serve, until interrupted", cmdRun},
		{"import", "backfill posts from archive files (format detected)", cmdImport},
		{"report", "print a campaign's figures as a table, CSV or JSON", cmdReport},
		{"export", "print a campaign's raw posts as NDJSON or CSV", cmdExport},
		{"locate", "attribute a country to each profile-location line on stdin", cmdLocate},
		{"check", "recount every figure from raw posts and compare with the rollups", cmdCheck},
		{"rebuild", "re-derive every rollup from raw posts", cmdRebuild},
		{"backup", "write a consistent copy of the store while it is in use", cmdBackup},
		{"healthcheck", "exit 0 if the tagpulse at -addr answers /healthz (for container health checks)", cmdHealthcheck},
		{"rules", "print the Prometheus alert rules, for a selector of your scrape job", cmdRules},
		{"version", "print the version, VCS revision and Go version", cmdVersion},
	}
}

// errUsage marks a usage error: the message is printed with a hint and exit code 2.
var errUsage = errors.New("usage")

// exitError carries an exit code other than 1 (check's "differences found").
type exitError struct {
	code int
	msg  string
}

func (e *exitError) Error() string { return e.msg }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		// The first signal starts a graceful shutdown; a second one, with
		// the default handling restored, ends the process at once.
		<-ctx.Done()
		stop()
	}()
	env := &Env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv, Now: time.Now}
	setMemoryDefaults(os.Getenv)
	stopProfile := startCPUProfile(os.Getenv("TAGPULSE_CPUPROFILE"), env.Stderr)
	err := run(ctx, env, os.Args[1:])
	stopProfile()
	stop()
	os.Exit(exitCode(env, err))
}

func exitCode(env *Env, err error) int {
	var ee *exitError
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &ee):
		if ee.msg != "" {
			fmt.Fprintln(env.Stderr, ee.msg)
		}
		return ee.code
	case errors.Is(err, errUsage):
		fmt.Fprintf(env.Stderr, "tagpulse: %v\nRun 'tagpulse -h' for the commands, 'tagpulse COMMAND -h' for one.\n", err)
		return 2
	default:
		fmt.Fprintf(env.Stderr, "tagpulse: %v\n", err)
		return 1
	}
}

// run is the whole program, callable from tests.
func run(ctx context.Context, env *Env, args []string) error {
	if len(args) > 0 && (args[0] == "-version" || args[0] == "--version") {
		args = []string{"version"}
	}
	if len(args) == 0 || args[0] == "-h" || args[0] == "-help" || args[0] == "--help" || args[0] == "help" {
		usage(env.Stdout)
		if len(args) == 0 {
			return fmt.Errorf("%w: no command given", errUsage)
		}
		return nil
	}
	for _, c := range commands {
		if c.name == args[0] {
			return c.run(ctx, env, args[1:])
		}
	}
	return fmt.Errorf("%w: unknown command %q", errUsage, args[0])
}

func usage(w io.Writer) {
	fmt.Fprintf(w, "tagpulse: a hashtag-campaign monitor\n%s\n\nUsage: tagpulse COMMAND [flags]\n\nCommands:\n", buildinfo.Get())
	for _, c := range commands {
		fmt.Fprintf(w, "  %-11s %s\n", c.name, c.summary)
	}
	fmt.Fprintf(w, "\nStart with 'tagpulse demo' and open the address it prints.\n")
}

// newFlagSet returns a flag set for a command that prints its usage to env.Stderr.
func newFlagSet(env *Env, name, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet("tagpulse "+name, flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	fs.Usage = func() {
		fmt.Fprintf(env.Stderr, "Usage: tagpulse %s %s\n\nFlags:\n", name, synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args, turning flag errors into usage errors. Flags may
// come after the other arguments too (import FILE -config F), as people
// type them; "--" ends the flags.
func parseFlags(fs *flag.FlagSet, args []string) error {
	var rest []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return err
			}
			return fmt.Errorf("%w: %v", errUsage, err)
		}
		left := fs.Args()
		if n := len(args) - len(left); n > 0 && args[n-1] == "--" {
			rest = append(rest, left...) // after "--", all are arguments
			break
		}
		if len(left) == 0 {
			break
		}
		rest = append(rest, left[0])
		args = left[1:]
	}
	return fs.Parse(append([]string{"--"}, rest...))
}
