package aggregator

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/tagpulse/tagpulse/store"
)

// Recount holds every figure computed afresh from raw posts, in memory, by a
// direct reading of the rules (sets of authors, no incremental bookkeeping).
// Check compares it with the stored rollups.
type Recount struct {
	Cells           map[store.CellKey]store.Figures
	TopPosts        map[string][]store.TopPost        // key: campaign \0 day
	TopParticipants map[string][]store.TopParticipant // key: campaign \0 day
}

type periodKey struct {
	campaign string
	grain    store.Grain
	period   string
}

type latest struct {
	first, at, follow, posts int64
	handle                   string
}

// recounter builds a Recount post by post.
type recounter struct {
	a       *Aggregator
	posts   map[store.CellKey]*store.Figures
	authors map[store.CellKey]map[string]bool
	last    map[periodKey]map[string]*latest // per period: author → latest post
	first   map[string]map[string]int64      // campaign → author → first post time
	tops    map[string][]store.TopPost
	scratch []contribution
}

func newRecounter(a *Aggregator) *recounter {
	return &recounter{a: a, posts: map[store.CellKey]*store.Figures{}, authors: map[store.CellKey]map[string]bool{},
		last: map[periodKey]map[string]*latest{}, first: map[string]map[string]int64{}, tops: map[string][]store.TopPost{}}
}

func (r *recounter) add(p *store.Post) {
	r.scratch = r.a.contributions(p, r.scratch)
	for _, co := range r.scratch {
		c := co.campaign
		if co.author == "" {
			r.addAuthorless(&co)
			continue
		}
		if r.first[c.Name] == nil {
			r.first[c.Name] = map[string]int64{}
		}
		if f, ok := r.first[c.Name][co.author]; !ok || co.at < f {
			r.first[c.Name][co.author] = co.at
		}
		for _, g := range store.Grains {
			period := map[store.Grain]string{store.GrainTotal: "", store.GrainDay: co.day, store.GrainHour: co.hour}[g]
			pk := periodKey{c.Name, g, period}
			if r.last[pk] == nil {
				r.last[pk] = map[string]*latest{}
			}
			l := r.last[pk][co.author]
			if l == nil {
				l = &latest{first: co.at, at: co.at, follow: co.follow, handle: co.handle}
				r.last[pk][co.author] = l
			} else {
				if co.at >= l.at {
					l.at, l.follow, l.handle = co.at, co.follow, co.handle
				}
				l.first = min(l.first, co.at)
			}
			l.posts++
			for _, dv := range co.dimsFor(g) {
				k := store.CellKey{Campaign: c.Name, Grain: g, Dim: dv.Dim, Period: period, Value: dv.Value}
				if r.posts[k] == nil {
					r.posts[k] = &store.Figures{}
				}
				if r.authors[k] == nil {
					r.authors[k] = map[string]bool{}
				}
				r.posts[k].CountKind(co.kind)
				r.authors[k][co.author] = true
			}
		}
		if co.utcHour != "" {
			k := co.utcHourKey()
			if r.posts[k] == nil {
				r.posts[k] = &store.Figures{}
			}
			r.posts[k].CountKind(co.kind)
		}
		for _, k := range co.minuteKeys() {
			if r.posts[k] == nil {
				r.posts[k] = &store.Figures{}
			}
			r.posts[k].CountKind(co.kind)
		}
		if co.top != nil {
			tk := c.Name + "\x00" + co.day
			r.tops[tk] = append(r.tops[tk], *co.top)
		}
	}
}

// addAuthorless counts a post without an author: posts only, no
// participant, no reach; it may be a top post.
func (r *recounter) addAuthorless(co *contribution) {
	periods := map[store.Grain]string{store.GrainTotal: "", store.GrainDay: co.day, store.GrainHour: co.hour}
	count := func(k store.CellKey) {
		if r.posts[k] == nil {
			r.posts[k] = &store.Figures{}
		}
		r.posts[k].CountKind(co.kind)
	}
	for _, g := range store.Grains {
		for _, dv := range co.dimsFor(g) {
			count(store.CellKey{Campaign: co.campaign.Name, Grain: g, Dim: dv.Dim, Period: periods[g], Value: dv.Value})
		}
	}
	for _, k := range co.minuteKeys() {
		count(k)
	}
	if co.utcHour != "" {
		count(co.utcHourKey())
	}
	if co.top != nil {
		tk := co.campaign.Name + "\x00" + co.day
		r.tops[tk] = append(r.tops[tk], *co.top)
	}
}

func (r *recounter) result() *Recount {
	out := &Recount{Cells: map[store.CellKey]store.Figures{}, TopPosts: map[string][]store.TopPost{}, TopParticipants: map[string][]store.TopParticipant{}}
	for k, f := range r.posts {
		fig := *f
		c := r.a.byName[k.Campaign]
		pk := periodKey{k.Campaign, k.Grain, k.Period}
		for author := range r.authors[k] {
			fig.Participants++
			fig.Reach += r.last[pk][author].follow
			if k.Grain == store.GrainTotal || periodOf(c, k.Grain, r.first[k.Campaign][author]) == k.Period {
				fig.NewParticipants++
			}
		}
		out.Cells[k] = fig
	}
	n := r.a.opts.TopN
	for pk, authors := range r.last {
		if pk.grain != store.GrainDay {
			continue
		}
		c := r.a.byName[pk.campaign]
		for _, x := range authors {
			for _, k := range firstKeys(c, pk.period, x.first) {
				f := out.Cells[k]
				f.Participants++
				f.Reach += x.follow
				out.Cells[k] = f
			}
		}
		var l []store.TopParticipant
		for author, x := range authors {
			l = append(l, store.TopParticipant{Author: author, Handle: x.handle, Posts: x.posts, Followers: x.follow})
		}
		slices.SortFunc(l, topParticipantLess)
		out.TopParticipants[pk.campaign+"\x00"+pk.period] = l[:min(n, len(l))]
	}
	for k, l := range r.tops {
		slices.SortFunc(l, topPostLess)
		out.TopPosts[k] = l[:min(n, len(l))]
	}
	return out
}

var errStop = errors.New("stop")

// Check recounts every figure from the raw posts up to the watermark and
// compares it with the stored rollups, in one read transaction. It returns
// one line per difference; none means the rollups are exact.
func (a *Aggregator) Check(ctx context.Context) (diffs []string, checked int, err error) {
	err = a.db.ViewRollups(func(tx *store.RollupTx) error {
		wm := tx.Watermark()
		r := newRecounter(a)
		err := tx.Posts(0, 0, func(seq uint64, p *store.Post) error {
			if seq > wm {
				return errStop
			}
			if checked%10000 == 0 && ctx.Err() != nil {
				return ctx.Err()
			}
			r.add(p)
			checked++
			return nil
		})
		if err != nil && !errors.Is(err, errStop) {
			return err
		}
		want := r.result()
		days := map[string]bool{}
		seen := map[store.CellKey]bool{}
		err = tx.AllCells(func(c store.Cell) error {
			if a.byName[c.Campaign] == nil {
				return nil // a campaign no longer configured; rebuild drops it
			}
			seen[c.CellKey] = true
			if c.Grain == store.GrainDay {
				days[c.Campaign+"\x00"+c.Period] = true
			}
			if w, ok := want.Cells[c.CellKey]; !ok || w != c.Figures {
				diffs = append(diffs, fmt.Sprintf("%s: stored %s, recount %s", describeCell(c.CellKey), describeFigures(c.Figures), describeFigures(w)))
			}
			return nil
		})
		if err != nil {
			return err
		}
		for k, w := range want.Cells {
			if !seen[k] {
				diffs = append(diffs, fmt.Sprintf("%s: missing, recount %s", describeCell(k), describeFigures(w)))
			}
		}
		for k := range want.TopParticipants {
			days[k] = true
		}
		for k := range days {
			campaign, day := splitDayKey(k)
			tp, err := tx.TopPosts(campaign, day)
			if err != nil {
				return err
			}
			if !(len(tp) == 0 && len(want.TopPosts[k]) == 0) && !sameJSON(tp, want.TopPosts[k]) {
				diffs = append(diffs, fmt.Sprintf("top posts %s %s: stored %d entries differ from recount %d", campaign, day, len(tp), len(want.TopPosts[k])))
			}
			pp, err := tx.TopParticipants(campaign, day)
			if err != nil {
				return err
			}
			if !sameJSON(pp, want.TopParticipants[k]) {
				diffs = append(diffs, fmt.Sprintf("top participants %s %s: stored %v, recount %v", campaign, day, pp, want.TopParticipants[k]))
			}
		}
		slices.Sort(diffs)
		return nil
	})
	return diffs, checked, err
}

func splitDayKey(k string) (string, string) {
	for i := 0; i < len(k); i++ {
		if k[i] == 0 {
			return k[:i], k[i+1:]
		}
	}
	return k, ""
}

func describeCell(k store.CellKey) string {
	g := map[store.Grain]string{store.GrainTotal: "total", store.GrainDay: "day", store.GrainHour: "hour"}[k.Grain]
	s := k.Campaign + " " + g
	if k.Period != "" {
		s += " " + k.Period
	}
	if k.Dim != store.DimAll {
		s += " " + k.Dim + "=" + k.Value
	}
	return s
}

func describeFigures(f store.Figures) string {
	return fmt.Sprintf("posts=%d originals=%d reposts=%d replies=%d quotes=%d participants=%d new_participants=%d reach=%d",
		f.Posts, f.Originals, f.Reposts, f.Replies, f.Quotes, f.Participants, f.NewParticipants, f.Reach)
}

// sameJSON compares two values as stored (times and nil slices normalised).
func sameJSON(x, y any) bool {
	a, err1 := json.Marshal(x)
	b, err2 := json.Marshal(y)
	return err1 == nil && err2 == nil && string(a) == string(b)
}
