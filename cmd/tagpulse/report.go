package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/tagpulse/tagpulse/aggregator"
	"github.com/tagpulse/tagpulse/dashboard"
)

func cmdReport(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "report", "-config F [-campaign C] [-by day,country] [-from D -to D] [-format table|csv|json]\n\nPrints a campaign's figures from the rollups. Group by day or hour, and at most one of\ncountry, source, kind, lang, method. Without day or hour: totals over the whole campaign.\nReads the store read-only: posts not counted yet are said, not counted.")
	sf := storeFlags{readOnly: true}
	sf.register(fs)
	campaign := fs.String("campaign", "", "campaign name (default: the only one)")
	by := fs.String("by", "day", "group keys, comma-separated: day|hour and one of "+strings.Join(aggregator.GroupKeys[2:], "|"))
	from := fs.String("from", "", "first campaign day, YYYY-MM-DD")
	to := fs.String("to", "", "last campaign day, YYYY-MM-DD")
	format := fs.String("format", "table", "table, csv or json")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	// The API's rules: ParseQuery refuses what /api/v1 refuses.
	q, err := aggregator.ParseQuery("", *by, *from, *to)
	if err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	keys := q.By
	if *format != "table" && *format != "csv" && *format != "json" {
		return fmt.Errorf("%w: -format %q: want table, csv or json", errUsage, *format)
	}
	a, err := sf.openQuiet(env)
	if err != nil {
		return err
	}
	defer func() { a.Close() }()
	c, err := a.pickCampaign(*campaign)
	if err != nil {
		return err
	}
	if a.stale != "" {
		// Figures derived by other rules or for another configuration
		// are wrong, not just behind: rebuilding them needs to write.
		if a, err = sf.reopenWritable(env, a); err != nil {
			return err
		}
		if err := a.rebuildIfChanged(ctx, func(m string) { fmt.Fprintln(env.Stderr, m) }); err != nil {
			return err
		}
	}
	if msg, err := a.behind(); err != nil {
		return err
	} else if msg != "" {
		fmt.Fprintln(env.Stderr, msg)
	}
	q.Campaign = c.Name
	rows, err := a.agg.Report(q)
	if errors.Is(err, aggregator.ErrBadQuery) {
		return fmt.Errorf("%w: %v", errUsage, err) // the flags asked for what cannot be
	}
	if err != nil {
		return err
	}
	switch *format {
	case "json":
		if rows == nil {
			rows = []aggregator.Row{}
		}
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rows)
	case "csv":
		return dashboard.WriteCSV(env.Stdout, keys, rows)
	}
	return writeTable(env.Stdout, keys, rows)
}

// writeTable prints rows for people: aligned, thousands separated, and ZZ
// spelled out as Unknown.
func writeTable(w io.Writer, keys []string, rows []aggregator.Row) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	for _, k := range keys {
		fmt.Fprintf(tw, "%s\t", k)
	}
	for _, f := range aggregator.FigureNames {
		fmt.Fprintf(tw, "%s\t", f)
	}
	fmt.Fprintln(tw)
	for i := range rows {
		for _, k := range keys {
			v := rows[i].Key(k)
			if k == aggregator.ByCountry && v == "ZZ" {
				v = "Unknown (ZZ)"
			}
			fmt.Fprintf(tw, "%s\t", v)
		}
		for _, f := range aggregator.FigureNames {
			fmt.Fprintf(tw, "%s\t", thousands(rows[i].Figure(f)))
		}
		fmt.Fprintln(tw)
	}
	if len(rows) == 0 {
		fmt.Fprintln(tw, "(no posts)")
	}
	return tw.Flush()
}

func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}
