package demo

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"github.com/tagpulse/tagpulse/collector"
	"github.com/tagpulse/tagpulse/collector/x"
	"github.com/tagpulse/tagpulse/store"
)

// Options shape the simulated campaign.
type Options struct {
	Seed    uint64        // same seed, same campaign
	Speed   float64       // simulated seconds per real second (default 60)
	Start   time.Time     // the real instant the simulated clock starts at (default now)
	History time.Duration // simulated time before Start to backfill at once (default 36h)
	Rate    float64       // posts per simulated minute at the daily peak (default 30)
	Tags    []string      // hashtags to post with, as people type them (default AllForPalestine, كلنا_لفلسطين)
	RealNow func() time.Time
}

// Poller is a collector.Poller that simulates a day of action: waves of
// posts that follow the sun across 51 countries, with realistic profile
// locations in many scripts, a few geotags, reposts, replies and quotes, re-sent duplicates and
// a few malformed items. It produces Twitter v1.1 JSON and parses it with the
// real parser, so the demo exercises the same path as an import. Its clock
// runs Speed times faster than real time; everything is a function of the
// seed and the simulated minute, so a restart resumes without a gap or a
// double.
type Poller struct {
	opts    Options
	authors []demoAuthor
	mu      sync.Mutex
	// a simulated request quota, as platforms report it, so that the
	// rate-limit figures show something: demoQuota requests per real window
	window time.Time
	used   int
}

// The demo's simulated quota: requests per window of real time.
const (
	demoQuota  = 3000
	demoWindow = 15 * time.Minute
)

type demoAuthor struct {
	id, handle, name string
	followers        int64
	country          demoCountry
	location         string
	lang             string
}

// New returns the simulated source.
func New(opts Options) *Poller {
	if opts.Speed <= 0 {
		opts.Speed = 60
	}
	if opts.RealNow == nil {
		opts.RealNow = time.Now
	}
	if opts.Start.IsZero() {
		opts.Start = opts.RealNow()
	}
	if opts.History == 0 {
		opts.History = 36 * time.Hour
	}
	if opts.Rate <= 0 {
		opts.Rate = 30
	}
	if len(opts.Tags) == 0 {
		opts.Tags = []string{"AllForPalestine", "كلنا_لفلسطين"}
	}
	d := &Poller{opts: opts}
	r := rand.New(rand.NewPCG(opts.Seed, 0xde70))
	total := 0.0
	for _, c := range demoCountries {
		total += c.weight
	}
	for i := 0; i < 6000; i++ {
		c := pickCountry(r, total)
		a := demoAuthor{
			id:        fmt.Sprint(1_000_000 + i),
			country:   c,
			followers: int64(math.Exp(r.NormFloat64()*1.6 + 5.5)),
			lang:      c.langs[r.IntN(len(c.langs))],
		}
		a.handle = fmt.Sprintf("%s_%s%d", demoHandles[r.IntN(len(demoHandles))], strings.ToLower(c.code), i)
		a.name = demoNames[r.IntN(len(demoNames))]
		if r.Float64() < 0.72 { // most profiles name a place; the rest say nothing useful
			a.location = c.places[r.IntN(len(c.places))]
		} else if r.Float64() < 0.3 {
			a.location = demoNowhere[r.IntN(len(demoNowhere))]
		}
		d.authors = append(d.authors, a)
	}
	return d
}

// Now is the simulated clock.
func (d *Poller) Now() time.Time {
	real := d.opts.RealNow().Sub(d.opts.Start)
	return d.opts.Start.Add(time.Duration(float64(real) * d.opts.Speed))
}

// FirstDay is the campaign day (in loc) the simulation starts on.
func (d *Poller) FirstDay(loc *time.Location) time.Time {
	t := d.opts.Start.Add(-d.opts.History).In(loc)
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, loc)
}

// Name implements collector.Poller.
func (d *Poller) Name() string { return "demo" }

// maxDemoMinutes bounds one page while catching up.
const maxDemoMinutes = 180

// Poll returns the posts of the simulated minutes after the cursor, up to
// the simulated now.
func (d *Poller) Poll(ctx context.Context, cursor []byte) (collector.Page, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if real := d.opts.RealNow(); d.window.IsZero() || real.Sub(d.window) >= demoWindow {
		d.window, d.used = real, 0
	}
	d.used = min(d.used+1, demoQuota)
	rl := &collector.RateLimit{Limit: demoQuota, Remaining: demoQuota - d.used, Reset: d.window.Add(demoWindow)}
	now := d.Now().Truncate(time.Minute)
	from := d.opts.Start.Add(-d.opts.History).Truncate(time.Minute)
	if len(cursor) == 8 {
		from = time.Unix(int64(binary.BigEndian.Uint64(cursor)), 0).Add(time.Minute)
	}
	var page collector.Page
	m := from
	for n := 0; !m.After(now) && n < maxDemoMinutes; n++ {
		if err := ctx.Err(); err != nil {
			return collector.Page{}, err
		}
		d.minute(m, &page)
		m = m.Add(time.Minute)
	}
	last := m.Add(-time.Minute)
	if last.Before(from) {
		return collector.Page{RateLimit: rl}, nil // nothing new yet
	}
	page.RateLimit = rl
	page.Cursor = binary.BigEndian.AppendUint64(nil, uint64(last.Unix()))
	page.More = !m.After(now)
	return page, nil
}

// intensity is the share of the peak rate at instant t: each country's
// people post mostly in their afternoon and evening.
func intensity(t time.Time) float64 {
	sum, total := 0.0, 0.0
	for _, c := range demoCountries {
		h := float64(t.UTC().Hour()) + float64(t.UTC().Minute())/60 + c.offset
		h = math.Mod(h+48, 24)
		// a daytime hump peaking at 20:00 local, quiet at night
		v := 0.08 + math.Exp(-math.Pow((h-20)/3.5, 2)) + 0.5*math.Exp(-math.Pow((h-13)/3, 2))
		sum += c.weight * v
		total += c.weight
	}
	return sum / total / 1.1
}

// minute simulates the posts of one minute, deterministically.
func (d *Poller) minute(m time.Time, page *collector.Page) {
	r := rand.New(rand.NewPCG(d.opts.Seed, uint64(m.Unix())))
	lambda := d.opts.Rate * intensity(m)
	n := poisson(r, lambda)
	for i := 0; i < n; i++ {
		at := m.Add(time.Duration(r.IntN(60_000)) * time.Millisecond)
		id := uint64(m.Unix())*1000 + uint64(i)
		raw := d.tweet(r, id, at)
		page.Fetched++
		if r.Float64() < 0.004 { // a truncated item, as platforms sometimes send
			raw = raw[:len(raw)/2]
		}
		p, err := x.ParseTweetV1(raw, store.SourceDemo, d.Now()) // collected at the simulated time, as posted
		if err != nil {
			page.Malformed = append(page.Malformed, collector.Malformed{Where: fmt.Sprintf("demo minute %s item %d", m.UTC().Format("2006-01-02T15:04Z"), i), Err: err})
			continue
		}
		p.Platform = store.PlatformDemo
		p.URL = "" // demo posts exist nowhere else
		page.Posts = append(page.Posts, p)
		if r.Float64() < 0.02 { // re-sent: the same post again in the page
			page.Posts = append(page.Posts, p)
			page.Fetched++
		}
	}
}

func (d *Poller) tweet(r *rand.Rand, id uint64, at time.Time) []byte {
	a := d.authors[r.IntN(len(d.authors))]
	tag := d.opts.Tags[0]
	switch x := r.Float64(); {
	case x < 0.25 && len(d.opts.Tags) > 1:
		tag = d.opts.Tags[1]
	case x < 0.30:
		tag = strings.ToLower(tag)
	case x < 0.32:
		tag = "＃" + tag[0:] // full-width sign, typed on some keyboards
	case x < 0.35:
		tag = tag + "2021" // last campaign's tag: not a match
	}
	if !strings.HasPrefix(tag, "＃") {
		tag = "#" + tag
	}
	text := demoTexts[a.lang]
	if text == nil {
		text = demoTexts["en"]
	}
	body := text[r.IntN(len(text))] + " " + tag
	t := v1Tweet{
		IDStr:     fmt.Sprint(id),
		CreatedAt: at.UTC().Format(time.RubyDate),
		FullText:  body,
		Lang:      a.lang,
		User:      v1User{IDStr: a.id, ScreenName: a.handle, Name: a.name, FollowersCount: a.followers, Location: a.location},
	}
	t.FavoriteCount = int(math.Exp(r.NormFloat64()*1.5 + 1))
	t.RetweetCount = t.FavoriteCount / 3
	if r.Float64() < 0.03 {
		t.Place = &v1Place{CountryCode: a.country.code}
	}
	if r.Float64() < 0.01 {
		town := a.country.towns[0]
		if len(a.country.towns) > 1 {
			town = a.country.towns[r.IntN(len(a.country.towns))]
		}
		t.Coordinates = &v1Coordinates{Type: "Point", Coordinates: [2]float64{town.lon + (r.Float64()*2-1)*demoJitter, town.lat + (r.Float64()*2-1)*demoJitter}}
	}
	ref := fmt.Sprint(id - 1 - uint64(r.IntN(5000)))
	switch x := r.Float64(); {
	case x < 0.30:
		orig := t
		orig.IDStr, orig.User = ref, v1User{IDStr: "2000", ScreenName: "palestine_voices", Name: "Palestine Voices", FollowersCount: 250_000}
		t.RetweetedStatus = &orig
		t.FullText = "RT @palestine_voices: " + body
		t.FavoriteCount, t.RetweetCount = 0, 0
	case x < 0.40:
		t.InReplyToStatusIDStr = ref
	case x < 0.45:
		t.QuotedStatusIDStr, t.IsQuoteStatus = ref, true
	}
	b, _ := json.Marshal(t)
	return b
}

// v1Tweet is the subset of a v1.1 status the demo writes.
type v1Tweet struct {
	IDStr                string         `json:"id_str"`
	CreatedAt            string         `json:"created_at"`
	FullText             string         `json:"full_text"`
	Lang                 string         `json:"lang"`
	User                 v1User         `json:"user"`
	Place                *v1Place       `json:"place"`
	Coordinates          *v1Coordinates `json:"coordinates"`
	RetweetedStatus      *v1Tweet       `json:"retweeted_status,omitempty"`
	InReplyToStatusIDStr string         `json:"in_reply_to_status_id_str,omitempty"`
	QuotedStatusIDStr    string         `json:"quoted_status_id_str,omitempty"`
	IsQuoteStatus        bool           `json:"is_quote_status"`
	FavoriteCount        int            `json:"favorite_count"`
	RetweetCount         int            `json:"retweet_count"`
}

type v1User struct {
	IDStr          string `json:"id_str"`
	ScreenName     string `json:"screen_name"`
	Name           string `json:"name"`
	FollowersCount int64  `json:"followers_count"`
	Location       string `json:"location"`
}

type v1Place struct {
	CountryCode string `json:"country_code"`
}

type v1Coordinates struct {
	Type        string     `json:"type"`
	Coordinates [2]float64 `json:"coordinates"`
}

func poisson(r *rand.Rand, lambda float64) int {
	if lambda > 50 {
		return max(0, int(math.Round(lambda+math.Sqrt(lambda)*r.NormFloat64())))
	}
	l, k, p := math.Exp(-lambda), 0, 1.0
	for {
		p *= r.Float64()
		if p <= l {
			return k
		}
		k++
	}
}

func pickCountry(r *rand.Rand, total float64) demoCountry {
	x := r.Float64() * total
	for _, c := range demoCountries {
		if x < c.weight {
			return c
		}
		x -= c.weight
	}
	return demoCountries[0]
}
