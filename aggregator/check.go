package aggregator

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"

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

// recounter builds a Recount post by post, in passes over disjoint sets of
// authors (see Check): the cells' figures of every pass add up in figs,
// and each pass's top lists are merged into tops; the sets of authors are
// a pass's only (endPass forgets them).
type recounter struct {
	a       *Aggregator
	cellIdx map[periodKey]*periodIndex  // the cells' indexes, by period
	keys    []store.CellKey             // by cell index
	figs    []store.Figures             // by cell index
	tops    *Recount                    // the passes' top lists (its Cells unused)
	checked int                         // posts added
	passed  []*periodIndex              // the periods the pass's authors posted in
	first   map[string]map[string]int64 // campaign → author → first post time
	posts   map[string][]store.TopPost  // the pass's candidate top posts by campaign \0 day
	scratch []contribution
}

// periodIndex holds the indexes of one period's cells: those of the
// dimensions of contributionDims by the dimension's position there and the
// value, the others by dimension and value.
type periodIndex struct {
	pk    periodKey
	dims  [len(contributionDims)]map[string]int32
	other map[[2]string]int32
	// authors are the pass's authors of the period: author → latest post
	// and cells (nil until one posts in it)
	authors map[string]*latest
}

func newRecounter(a *Aggregator) *recounter {
	r := &recounter{a: a, cellIdx: map[periodKey]*periodIndex{},
		tops: &Recount{TopPosts: map[string][]store.TopPost{}, TopParticipants: map[string][]store.TopParticipant{}}}
	r.startPass()
	return r
}

// startPass forgets the authors of the pass before.
func (r *recounter) startPass() {
	for _, pi := range r.passed {
		pi.authors = nil
	}
	r.passed, r.first, r.posts = r.passed[:0], map[string]map[string]int64{}, map[string][]store.TopPost{}
}

// cell returns the index of the cell k, adding it the first time.
func (r *recounter) cell(k store.CellKey) int32 {
	pk := periodKey{k.Campaign, k.Grain, k.Period}
	d := slices.Index(contributionDims[:], k.Dim)
	return r.cellIn(r.period(pk), pk, d, k.Dim, k.Value)
}

// period returns the cells' indexes of a period.
func (r *recounter) period(pk periodKey) *periodIndex {
	pi := r.cellIdx[pk]
	if pi == nil {
		pi = &periodIndex{pk: pk}
		r.cellIdx[pk] = pi
	}
	return pi
}

// cellIn is cell for the cell of dimension dim (at position d in
// contributionDims, -1 if not there) and value in period pk, whose
// indexes are pi.
func (r *recounter) cellIn(pi *periodIndex, pk periodKey, d int, dim, value string) int32 {
	var m map[string]int32
	if d >= 0 {
		if m = pi.dims[d]; m == nil {
			m = map[string]int32{}
			pi.dims[d] = m
		}
		if i, ok := m[value]; ok {
			return i
		}
	} else if i, ok := pi.other[[2]string{dim, value}]; ok {
		return i
	}
	i := int32(len(r.keys))
	if m != nil {
		m[value] = i
	} else {
		if pi.other == nil {
			pi.other = map[[2]string]int32{}
		}
		pi.other[[2]string{dim, value}] = i
	}
	r.keys = append(r.keys, store.CellKey{Campaign: pk.campaign, Grain: pk.grain, Dim: dim, Period: pk.period, Value: value})
	r.figs = append(r.figs, store.Figures{})
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
		var dayPK periodKey
		var dayPI *periodIndex
		for gi, g := range store.Grains {
			period := periods[gi]
			pk := periodKey{c.Name, g, period}
			pi := r.period(pk)
			authors := pi.authors
			if authors == nil {
				authors = map[string]*latest{}
				pi.authors = authors
				r.passed = append(r.passed, pi)
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
			if g == store.GrainDay {
				dayPK, dayPI = pk, pi
			}
			for d, dv := range co.dimsFor(g) {
				if dv.Dim != contributionDims[d] {
					d = -1
				}
				i := r.cellIn(pi, pk, d, dv.Dim, dv.Value)
				r.figs[i].CountKind(co.kind)
				if !slices.Contains(l.cells, i) {
					l.cells = append(l.cells, i)
				}
			}
		}
		// the day's cells of dimensions not in contributionDims
		if co.utcHour != "" {
			k := co.utcHourKey()
			r.figs[r.cellIn(dayPI, dayPK, -1, k.Dim, k.Value)].CountKind(co.kind)
		}
		for _, k := range co.minuteKeys() {
			r.figs[r.cellIn(dayPI, dayPK, -1, k.Dim, k.Value)].CountKind(co.kind)
		}
		if co.hasTop {
			tk := c.Name + "\x00" + co.day
			r.posts[tk] = append(r.posts[tk], co.top)
		}
	}
}

// addAuthorless counts a post without an author: posts only, no
// participant, no reach; it may be a top post.
func (r *recounter) addAuthorless(co *contribution) {
	periods := [...]string{"", co.day, co.hour}
	for gi, g := range store.Grains {
		for _, dv := range co.dimsFor(g) {
			r.figs[r.cell(store.CellKey{Campaign: co.campaign.Name, Grain: g, Dim: dv.Dim, Period: periods[gi], Value: dv.Value})].CountKind(co.kind)
		}
	}
	for _, k := range co.minuteKeys() {
		r.figs[r.cell(k)].CountKind(co.kind)
	}
	if co.utcHour != "" {
		r.figs[r.cell(co.utcHourKey())].CountKind(co.kind)
	}
	if co.hasTop {
		tk := co.campaign.Name + "\x00" + co.day
		r.posts[tk] = append(r.posts[tk], co.top)
	}
}

// endPass adds the participants and reach of the pass's authors to the
// cells, and the pass's top lists to r.tops, and forgets the authors.
func (r *recounter) endPass() {
	pass := &Recount{TopPosts: map[string][]store.TopPost{}, TopParticipants: map[string][]store.TopParticipant{}}
	n := r.a.opts.TopN
	for _, pi := range r.passed {
		pk, authors := pi.pk, pi.authors
		c := r.a.byName[pk.campaign]
		for author, x := range authors {
			isNew := pk.grain == store.GrainTotal || periodOf(c, pk.grain, r.first[pk.campaign][author]) == pk.period
			for _, i := range x.cells {
				f := &r.figs[i]
				f.Participants++
				f.Reach = store.AddReach(f.Reach, x.follow)
				if isNew {
					f.NewParticipants++
				}
			}
		}
		if pk.grain != store.GrainDay {
			continue
		}
		for _, x := range authors {
			// first_hour cells count participants only; minute cells also
			// count posts
			for _, k := range firstKeys(c, pk.period, x.first) {
				f := &r.figs[r.cell(k)]
				f.Participants++
				f.Reach = store.AddReach(f.Reach, x.follow)
			}
		}
		var l []store.TopParticipant
		for author, x := range authors {
			l = append(l, store.TopParticipant{Author: author, Handle: x.handle, Posts: x.posts, Followers: x.follow})
		}
		slices.SortFunc(l, topParticipantLess)
		pass.TopParticipants[pk.campaign+"\x00"+pk.period] = l[:min(n, len(l))]
	}
	for k, l := range r.posts {
		slices.SortFunc(l, topPostLess)
		pass.TopPosts[k] = l[:min(n, len(l))]
	}
	r.tops.mergeTops(pass, n)
	r.startPass()
}

// result is the recount of every pass r took, its cells added to w's.
func (r *recounter) result(w *Recount) {
	for i, k := range r.keys {
		g := w.Cells[k]
		g.Add(r.figs[i])
		w.Cells[k] = g
	}
	w.mergeTops(r.tops, r.a.opts.TopN)
}

// mergeTops adds the top lists of a recount over other authors to w's.
func (w *Recount) mergeTops(o *Recount, n int) {
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
// compares it with the stored rollups, all of one state of the store. It
// returns one line per difference; none means the rollups are exact.
//
// The recount holds sets of authors, so it goes in passes over ranges of
// author buckets (store.AuthorBucket), Options.PassPosts posts a pass or so:
// every figure is a sum over authors, and each top list the best of the
// passes' best, so the passes add up to the whole recount in memory bounded
// by the cells and one pass's authors a worker. The passes are recounted
// on Options.Workers goroutines, each in a read transaction of its own
// (store.DB.ViewRollupsN), and each worker keeps the cells of all its
// passes in one index, so that a cell is hashed into the whole recount
// once a worker rather than once a pass.
func (a *Aggregator) Check(ctx context.Context) (diffs []string, checked int, err error) {
	k := max(a.opts.Workers, 1)
	err = a.db.ViewRollupsN(k, func(txs []*store.RollupTx) error {
		tx := txs[0]
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
		// The passes go to k workers, each reading in a transaction of
		// its own (all of the same state) and adding its passes up in a
		// recounter of its own: every figure is a sum over authors and
		// each top list the best of the passes' best, so it does not
		// matter which worker recounts which pass.
		var nextPass atomic.Int64
		recounters, errs := make([]*recounter, k), make([]error, k)
		var wg sync.WaitGroup
		for g := range k {
			r := newRecounter(a)
			recounters[g] = r
			wg.Go(func() {
				tx := txs[g]
				var memo store.BucketMemo // the buckets of the posts, from its first pass on
				add := func(seq uint64, p *store.Post) error {
					if r.checked%10000 == 0 && ctx.Err() != nil {
						return ctx.Err()
					}
					if am, ok := amends[seq]; ok {
						eff := am.Apply(*p)
						p = &eff
					}
					r.add(p)
					r.checked++
					return nil
				}
				for {
					lo := int(nextPass.Add(1)-1) * width
					if lo >= store.AuthorBuckets {
						return
					}
					hi := min(store.AuthorBuckets, lo+width)
					if errs[g] = tx.PostsOfBuckets(0, wm, lo, hi, &memo, add); errs[g] != nil {
						return
					}
					// A catch-up in passes that stopped part way: its finished
					// passes hold the later posts of the authors below Next.
					if inPass && lo < pass.Next {
						if errs[g] = tx.PostsOfBuckets(wm, pass.Target, lo, min(hi, pass.Next), &memo, add); errs[g] != nil {
							return
						}
					}
					r.endPass()
				}
			})
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			return err
		}
		want := &Recount{Cells: map[store.CellKey]store.Figures{}, TopPosts: map[string][]store.TopPost{}, TopParticipants: map[string][]store.TopParticipant{}}
		for _, r := range recounters {
			r.result(want)
			checked += r.checked
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
