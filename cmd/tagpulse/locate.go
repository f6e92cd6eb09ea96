package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/tagpulse/tagpulse/aggregator/geo"
	"github.com/tagpulse/tagpulse/config"
)

// overrideFlags collects repeated -override TEXT=CC flags.
type overrideFlags map[string]string

func (o overrideFlags) String() string { return "" }

func (o overrideFlags) Set(v string) error {
	text, cc, ok := strings.Cut(v, "=")
	if !ok || strings.TrimSpace(text) == "" {
		return fmt.Errorf("want TEXT=CC, got %q", v)
	}
	o[strings.TrimSpace(text)] = strings.TrimSpace(cc)
	return nil
}

// cmdLocate reads one profile-location text per line of standard input and
// writes, for each, "CC<TAB>method<TAB>confidence" (ZZ when unknown), in
// order. It is the tool for tuning overrides and checking quality.
func cmdLocate(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "locate", "< locations.txt")
	overrides := overrideFlags{}
	configPath := fs.String("config", "", "configuration `file` whose geo: overrides apply")
	fs.Var(overrides, "override", "`TEXT=CC` read TEXT as country CC, ahead of the gazetteer (repeatable, after -config's; CC may be ZZ)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: locate reads standard input and takes no arguments", errUsage)
	}
	gc := config.Geo{Overrides: map[string]string{}}
	if *configPath != "" {
		cfg, err := config.LoadOffline(*configPath, env.Getenv)
		if err != nil {
			return err
		}
		for k, v := range cfg.Geo.Overrides {
			gc.Overrides[k] = v
		}
	}
	for k, v := range overrides {
		gc.Overrides[k] = v
	}
	a, err := geo.New(gc.Options())
	if err != nil {
		return err
	}
	return locateStream(ctx, a, env.Stdin, env.Stdout)
}

// locateStream attributes every line of r and writes the answers to w.
func locateStream(ctx context.Context, a *geo.Attributor, r io.Reader, w io.Writer) error {
	in := bufio.NewReaderSize(r, 64<<10)
	out := bufio.NewWriterSize(w, 64<<10)
	var line []byte
	buf := make([]byte, 0, 64)
	for n := 0; ; n++ {
		if n%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		line = line[:0]
		var err error
		for {
			var chunk []byte
			chunk, err = in.ReadSlice('\n')
			line = append(line, chunk...)
			if !errors.Is(err, bufio.ErrBufferFull) {
				break
			}
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("read input: %w", err)
		}
		if len(line) == 0 && err != nil {
			break
		}
		text := strings.TrimRight(string(line), "\r\n")
		at := a.Locate(text)
		buf = append(buf[:0], at.Country...)
		buf = append(buf, '\t')
		buf = append(buf, at.Method...)
		buf = append(buf, '\t')
		buf = strconv.AppendFloat(buf, at.Confidence, 'f', 2, 64)
		buf = append(buf, '\n')
		if _, werr := out.Write(buf); werr != nil {
			return fmt.Errorf("write output: %w", werr)
		}
		if err != nil {
			break
		}
	}
	if err := out.Flush(); err != nil {
		return fmt.Errorf("write output: %w", err)
	}
	return nil
}
