package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/tagpulse/tagpulse/dashboard"
	"github.com/tagpulse/tagpulse/store"
)

// exportedPost is a raw post as exported: as stored, plus the campaign day
// and the country it is counted in.
type exportedPost struct {
	store.Post
	Day     string `json:"day"`
	Country string `json:"country"`
	Method  string `json:"method"`
}

func cmdExport(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "export", "-config F [-campaign C] [-format ndjson|csv]\n\nPrints the raw posts of a campaign (its hashtags, inside its window) in the order they were\nstored (an archive's own order, then collection order), with the campaign day and the country\nthey are counted in.")
	sf := storeFlags{readOnly: true}
	sf.register(fs)
	campaign := fs.String("campaign", "", "campaign name (default: the only one)")
	format := fs.String("format", "ndjson", "ndjson or csv")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *format != "ndjson" && *format != "csv" {
		return fmt.Errorf("%w: -format %q: want ndjson or csv", errUsage, *format)
	}
	a, err := sf.openQuiet(env)
	if err != nil {
		return err
	}
	defer a.Close()
	c, err := a.pickCampaign(*campaign)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(env.Stdout)
	enc.SetEscapeHTML(false)
	// Every text cell that other people wrote (or a platform gave) is kept
	// from running as a spreadsheet formula; NDJSON keeps it as collected.
	cw := dashboard.NewCSVWriter(env.Stdout)
	if *format == "csv" {
		cw.Write([]string{"platform", "id", "source", "kind", "created_at", "day", "author_id", "handle", "followers", "lang", "country", "method", "hashtags", "url", "text"})
	}
	n := 0
	err = a.db.PostsAmended(0, func(seq uint64, p *store.Post) error { // with handles, followers, engagement learnt later
		if n%10000 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		day, counts, _ := c.CountsPost(p) // the rule the figures count by
		if !counts {
			return nil
		}
		n++
		attr := a.agg.Attribute(p.Signals)
		if *format == "ndjson" {
			return enc.Encode(exportedPost{Post: *p, Day: day, Country: attr.Country, Method: attr.Method})
		}
		return cw.Write([]string{p.Platform, p.ID, p.Source, string(p.Kind), p.CreatedAt.UTC().Format(time.RFC3339), day,
			p.Author.ID, p.Author.Handle, strconv.FormatInt(p.Author.Followers, 10), p.Lang, attr.Country, attr.Method,
			strings.Join(p.Hashtags, " "), p.URL, p.Text})
	})
	if ferr := cw.Flush(); err == nil {
		err = ferr
	}
	return err
}
