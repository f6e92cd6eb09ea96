package aggregator

import (
	"context"
	"encoding/json"
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
	cells                    []int32 // the cells of the period the author posted in (indexes into recounter.keys)
}

// recounter builds a Recount post by post.
type recounter struct {
	a       *Aggregator
	cellIdx map[store.CellKey]int32
	keys    []store.CellKey
	posts   []store.Figures                  // by cell index
	last    map[periodKey]map[string]*latest // per period: author → latest post and cells
	first   map[string]map[string]int64      // campaign → author → first post time
	tops    map[string][]store.TopPost
	scratch []contribution
}

func newRecounter(a *Aggregator) *recounter {
	return &recounter{a: a, cellIdx: map[store.CellKey]int32{},
		last: map[periodKey]map[string]*latest{}, first: map[string]map[string]int64{}, tops: map[string][]store.TopPost{}}
}

func (r *recounter) cell(k store.CellKey) int32 {
	i, ok := r.cellIdx[k]
	if !ok {
		i = int32(len(r.keys))
		r.cellIdx[k] = i
		r.keys = append(r.keys, k)
		r.posts = append(r.posts, store.Figures{})
	}
	return i
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
		periods := [...]string{"", co.day, co.hour}
		for gi, g := range store.Grains {
			period := periods[gi]
			pk := periodKey{c.Name, g, period}
			authors := r.last[pk]
			if authors == nil {
				authors = map[string]*latest{}
				r.last[pk] = authors
			}
			l := authors[co.author]
			if l == nil {
				l = &latest{first: co.at, at: co.at, follow: co.follow, handle: co.handle}
				authors[co.author] = l
			} else {
				if co.at >= l.at {
					l.at, l.follow, l.handle = co.at, co.follow, co.handle
				}
				l.first = min(l.first, co.at)
			}
			l.posts++
			for _, dv := range co.dimsFor(g) {
				i := r.cell(store.CellKey{Campaign: c.Name, Grain: g, Dim: dv.Dim, Period: period, Value: dv.Value})
				r.posts[i].CountKind(co.kind)
				if !slices.Contains(l.cells, i) {
					l.cells = append(l.cells, i)
				}
			}
		}
		if co.utcHour != "" {
			i := r.cell(co.utcHourKey())
			r.posts[i].CountKind(co.kind)
		}
		for _, k := range co.minuteKeys() {
			r.posts[r.cell(k)].CountKind(co.kind)
		}
		if co.hasTop {
			tk := c.Name + "\x00" + co.day
			r.tops[tk] = append(r.tops[tk], co.top)
		}
	}
}

// addAuthorless counts a post without an author: posts only, no
// participant, no reach; it may be a top post.
func (r *recounter) addAuthorless(co *contribution) {
	periods := [...]string{"", co.day, co.hour}
	for gi, g := range store.Grains {
		for _, dv := range co.dimsFor(g) {
			r.posts[r.cell(store.CellKey{Campaign: co.campaign.Name, Grain: g, Dim: dv.Dim, Period: periods[gi], Value: dv.Value})].CountKind(co.kind)
		}
	}
	for _, k := range co.minuteKeys() {
		r.posts[r.cell(k)].CountKind(co.kind)
	}
	if co.utcHour != "" {
		r.posts[r.cell(co.utcHourKey())].CountKind(co.kind)
	}
	if co.hasTop {
		tk := co.campaign.Name + "\x00" + co.day
		r.tops[tk] = append(r.tops[tk], co.top)
	}
}

func (r *recounter) result() *Recount {
	out := &Recount{Cells: make(map[store.CellKey]store.Figures, len(r.keys)), TopPosts: map[string][]store.TopPost{}, TopParticipants: map[string][]store.TopParticipant{}}
	figs := slices.Clone(r.posts)
	n := r.a.opts.TopN
	for pk, authors := range r.last {
		c := r.a.byName[pk.campaign]
		for author, x := range authors {
			isNew := pk.grain == store.GrainTotal || periodOf(c, pk.grain, r.first[pk.campaign][author]) == pk.period
			for _, i := range x.cells {
				figs[i].Participants++
				figs[i].Reach = store.AddReach(figs[i].Reach, x.follow)
				if isNew {
					figs[i].NewParticipants++
				}
			}
		}
		if pk.grain != store.GrainDay {
			continue
		}
		for _, x := range authors {
			// first_hour cells count participants only; minute cells also
			// count posts, so they are among the recount's cells.
			for _, k := range firstKeys(c, pk.period, x.first) {
				if i, ok := r.cellIdx[k]; ok {
					figs[i].Participants++
					figs[i].Reach = store.AddReach(figs[i].Reach, x.follow)
					continue
				}
				f := out.Cells[k]
				f.Participants++
				f.Reach = store.AddReach(f.Reach, x.follow)
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
	for i, k := range r.keys {
		out.Cells[k] = figs[i]
	}
	for k, l := range r.tops {
		slices.SortFunc(l, topPostLess)
		out.TopPosts[k] = l[:min(n, len(l))]
	}
	return out
}

// merge adds a recount over other authors to w.
func (w *Recount) merge(o *Recount, n int) {
	for k, f := range o.Cells {
		g := w.Cells[k]
		g.Add(f)
		w.Cells[k] = g
	}
	for k, l := range o.TopPosts {
		l = append(w.TopPosts[k], l...)
		slices.SortFunc(l, topPostLess)
		w.TopPosts[k] = l[:min(n, len(l))]
	}
	for k, l := range o.TopParticipants {
		l = append(w.TopParticipants[k], l...)
		slices.SortFunc(l, topParticipantLess)
		w.TopParticipants[k] = l[:min(n, len(l))]
	}
}

// Check recounts every figure from the raw posts up to the watermark and
// compares it with the stored rollups, in one read transaction. It returns
// one line per difference; none means the rollups are exact.
//
// The recount holds sets of authors, so it goes in passes over ranges of
// author buckets (store.AuthorBucket), Options.PassPosts posts a pass or so:
// every figure is a sum over authors, and each top list the best of the
// passes' best, so the passes add up to the whole recount in memory bounded
// by one pass.
func (a *Aggregator) Check(ctx context.Context) (diffs []string, checked int, err error) {
	err = a.db.ViewRollups(func(tx *store.RollupTx) error {
		wm := tx.Watermark()
		// The amendments the rollups include, applied to their posts in
		// every pass as the aggregator folded them (amend.go).
		amends, err := recountAmends(tx)
		if err != nil {
			return err
		}
		pass, inPass := tx.Pass()
		passes := int(wm/uint64(a.opts.PassPosts)) + 1
		width := (store.AuthorBuckets + passes - 1) / passes
		want := &Recount{Cells: map[store.CellKey]store.Figures{}, TopPosts: map[string][]store.TopPost{}, TopParticipants: map[string][]store.TopParticipant{}}
		for lo := 0; lo < store.AuthorBuckets; lo += width {
			hi := min(store.AuthorBuckets, lo+width)
			r := newRecounter(a)
			add := func(seq uint64, p *store.Post) error {
				if checked%10000 == 0 && ctx.Err() != nil {
					return ctx.Err()
				}
				if am, ok := amends[seq]; ok {
					eff := am.Apply(*p)
					p = &eff
				}
				r.add(p)
				checked++
				return nil
			}
			if err := tx.PostsOfBuckets(0, wm, lo, hi, add); err != nil {
				return err
			}
			// A catch-up in passes that stopped part way: its finished
			// passes hold the later posts of the authors below Next.
			if inPass && lo < pass.Next {
				if err := tx.PostsOfBuckets(wm, pass.Target, lo, min(hi, pass.Next), add); err != nil {
					return err
				}
			}
			want.merge(r.result(), a.opts.TopN)
		}
		// A catch-up in passes in progress has recorded its finished
		// passes' changes to the cells, not written them (the last pass
		// does): the figures are the stored ones plus those.
		pending := map[store.CellKey]store.Figures{}
		err = tx.PassCells(func(first int, c *store.CellChanges) error {
			if !inPass {
				diffs = append(diffs, fmt.Sprintf("changes to the cells of a pass from bucket %d, but no catch-up in passes is in progress", first))
			}
			for i := range c.Len() {
				k, err := c.CellKey(i)
				if err != nil {
					return err
				}
				f := pending[k]
				f.Add(*c.Figures(i))
				pending[k] = f
			}
			return nil
		})
		if err != nil {
			return err
		}
		days := map[string]bool{}
		seen := map[store.CellKey]bool{}
		compare := func(c store.Cell) {
			if w, ok := want.Cells[c.CellKey]; !ok || w != c.Figures {
				diffs = append(diffs, fmt.Sprintf("%s: stored %s, recount %s", describeCell(c.CellKey), describeFigures(c.Figures), describeFigures(w)))
			}
		}
		err = tx.AllCells(func(c store.Cell) error {
			if a.byName[c.Campaign] == nil {
				return nil // a campaign no longer configured; rebuild drops it
			}
			seen[c.CellKey] = true
			if d, ok := pending[c.CellKey]; ok {
				c.Figures.Add(d)
				delete(pending, c.CellKey)
				if c.Figures == (store.Figures{}) {
					seen[c.CellKey] = false // the last pass deletes it
					return nil
				}
			}
			if c.Grain == store.GrainDay {
				days[c.Campaign+"\x00"+c.Period] = true
			}
			compare(c)
			return nil
		})
		if err != nil {
			return err
		}
		for k, f := range pending { // cells only the passes have
			if a.byName[k.Campaign] == nil || f == (store.Figures{}) {
				continue
			}
			seen[k] = true
			if k.Grain == store.GrainDay {
				days[k.Campaign+"\x00"+k.Period] = true
			}
			compare(store.Cell{CellKey: k, Figures: f})
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
