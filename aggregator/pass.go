package aggregator

import (
	"bytes"
	"fmt"
	"maps"
	"slices"
	"sync"

	"github.com/tagpulse/tagpulse/store"
)

// An author bucket fits the byte passIndex keeps it in.
const _ = uint8(store.AuthorBuckets - 1)

// foldPass folds the posts of one pass (pp, whose author buckets are in
// [lo, hi)) into a state over tx, and returns it with the changes its posts
// make to the cells and its changed member records, each in key order
// (state.sorted), for step, which writes the members (state.write) and
// keeps the cells' changes until the catch-up's last pass (passCells,
// writeCells).
//
// A pass's states count cells by their changes only (state.changesOnly):
// every change a post makes to a cell is an addition decided by its
// author's posts and records alone, and the passes' authors are disjoint,
// so the changes of all the passes add up, and each cell's stored value is
// read once, by the last pass.
//
// With more than one worker (Options.Workers), the pass's buckets are split
// into that many contiguous ranges, and the posts of each range are folded
// by a state of its own, on a goroutine of its own, reading from a
// read-only transaction of its own (startFold): a *bolt.Tx is not safe for
// concurrent use (even its reads cache sub-buckets in a map in a
// read-write transaction), so workers never touch tx. The workers' states
// read only what the pass alone decides: the member records of the pass's
// authors, which no other pass writes, and the stored top lists, which
// mergeStates reads again from tx. So a fold is exact whether its
// transactions began in tx or in the previous pass's (see pendingFold),
// before it wrote.
//
// Each worker also encodes and sorts its cells' and members' keys, and
// encodes its members. The writer then merges them (cellChanges,
// mergeMembers, mergeStates) into one state over tx and the changes to the
// cells. Authors are disjoint between the ranges, so the cells' changes
// add up, and each member record is one worker's. foldPass returns the
// cells as one list a worker.
func (a *Aggregator) foldPass(tx *store.RollupTx, f *passFold) (*state, [][]cellKV, []memberKV, error) {
	if f.k <= 1 {
		st := newState(a, tx, a.hint)
		st.changesOnly = true
		if err := f.pp.fold(st, tx, nil); err != nil {
			return nil, nil, nil, err
		}
		cells, members := st.sorted()
		return st, [][]cellKV{cells}, members, nil
	}
	<-f.done
	for _, err := range f.errs {
		if err != nil {
			return nil, nil, nil, err
		}
	}
	mm, err := mergeMembers(f.members)
	if err != nil {
		return nil, nil, nil, err
	}
	m, err := mergeStates(a, tx, f.parts)
	if err != nil {
		return nil, nil, nil, err
	}
	return m, f.cells, mm, nil
}

// A passFold is the fold of one pass by the workers (foldPass), under way
// or done (done is closed).
type passFold struct {
	wm      uint64
	pass    store.Pass // pass.Next is the fold's first bucket
	pp      *passPosts
	lo, hi  int
	k       int // workers; 1: foldPass folds in tx
	parts   []*state
	cells   [][]cellKV
	members [][]memberKV
	errs    []error
	done    chan struct{}
}

// startFold starts the fold of a pass, of the posts pp whose author
// buckets are in [pass.Next, hi), on the workers, each in a read-only
// transaction of its own, begun before startFold returns. With one worker
// it starts nothing: foldPass folds in its transaction.
func (a *Aggregator) startFold(wm uint64, pass store.Pass, pp *passPosts, hi int) *passFold {
	lo := pass.Next
	k := min(a.opts.Workers, hi-lo)
	f := &passFold{wm: wm, pass: pass, pp: pp, lo: lo, hi: hi, k: k, done: make(chan struct{})}
	if k <= 1 {
		close(f.done)
		return f
	}
	// every worker touches most of the pass's cells and strings, and its
	// share of the members
	h := a.hint
	h.members = h.members/k + 1
	f.parts, f.cells, f.members, f.errs = make([]*state, k), make([][]cellKV, k), make([][]memberKV, k), make([]error, k)
	var begun, wg sync.WaitGroup
	begun.Add(k)
	for g := range k {
		wg.Go(func() {
			started := false
			f.errs[g] = a.db.ViewRollups(func(view *store.RollupTx) error {
				started = true
				begun.Done()
				st := newState(a, view, h)
				st.changesOnly = true
				st.periodCache = a.takePeriodCache()
				defer a.givePeriodCache(st.periodCache)
				want := func(bucket int) bool { return (bucket-lo)*k/(hi-lo) == g }
				if err := pp.fold(st, view, want); err != nil {
					return err
				}
				f.parts[g] = st
				f.cells[g], f.members[g] = st.sorted()
				st.release()
				return nil
			})
			if !started {
				begun.Done()
			}
		})
	}
	begun.Wait()
	go func() {
		wg.Wait()
		close(f.done)
	}()
	return f
}

// release drops what a worker's state holds that the merge does not read
// (see foldPass): its maps and its decoded member records, which sorted
// has encoded. A pass's state is most of the heap, and the next pass's is
// folded while this one is written: what they keep alive is what the
// collector works through, under tagpulse's memory limit.
func (s *state) release() {
	s.periods, s.other, s.cellList, s.minutes = nil, nil, nil, nil
	s.authors, s.authorBuf, s.memberList, s.memberBuf, s.dvBuf, s.pmBuf = nil, nil, nil, nil, nil, nil
	s.ids, s.scratch, s.periodCache = nil, nil, periodCache{}
}

// cellChanges are the changes of a pass's cells, from the lists of its
// workers (foldPass, each counted by its changes only, in key order),
// without the cells that did not change: compact, for the catch-up to
// keep until its last pass; and how many cells the lists hold. A cell is
// the sum of each worker's change to it (the workers' states start their
// cells at zero, see state.changesOnly; writeCells adds the stored values,
// in the catch-up's last pass). Reach adds by store.AddReach, as in a
// state; it saturates only past nine million authors at
// store.MaxFollowers (see there), where a cell's figures stop being exact
// in any order.
func cellChanges(lists [][]cellKV) (*store.CellChanges, int) {
	n, k := 0, 0
	for _, l := range lists {
		for _, x := range l {
			if x.e.f != x.e.base {
				n, k = n+1, k+len(x.enc)
			}
		}
	}
	c := &store.CellChanges{}
	c.Grow(n, k) // at most
	cells := 0
	mergeSorted(lists, func(c cellKV) []byte { return c.enc }, func(same []cellKV) {
		cells++
		// base plus each part's change
		e := same[0].e
		f := e.f
		if len(same) > 1 {
			f = e.base
			for _, x := range same {
				addChange(&f, x.e.f, x.e.base)
			}
		}
		if f != e.base {
			var d store.Figures
			addChange(&d, f, e.base)
			c.Append(same[0].enc, d)
		}
	})
	return c, cells
}

// passCells returns the changes the finished passes of the catch-up in
// progress (from watermark wm, pass the next to fold) made to the cells,
// and the campaigns whose cells they changed (nil: not known): those the
// aggregator summed as it folded them, or, when it holds none for this
// pass (a new process, a step that failed, a catch-up of another
// aggregator), their sum read from the passes' records (store.PassCells),
// for campaigns it does not know. A pass begun by a tagpulse that wrote
// cells in every pass recorded none: its changes are in the cells bucket
// already.
func (a *Aggregator) passCells(tx *store.RollupTx, wm uint64, pass store.Pass) (*store.CellChanges, map[string]bool, error) {
	if a.acc != nil && a.accWM == wm && a.accPass == pass {
		return a.acc, a.accTouched, nil
	}
	a.dropCells()
	acc := &store.CellChanges{}
	touched := map[string]bool{}
	var spare *store.CellChanges
	err := tx.PassCells(func(first int, c *store.CellChanges) error {
		if first >= pass.Next || first%pass.Width != 0 {
			return fmt.Errorf("the changes to the cells of a pass from bucket %d, in a catch-up at bucket %d by %d", first, pass.Next, pass.Width)
		}
		acc, spare = store.MergeCellChanges(spare, acc, c), acc
		touched = nil
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return acc, touched, nil
}

// keepCells records acc as the sum of the changes to the cells of the
// passes of the catch-up from watermark wm before pass (the next to fold),
// which changed the cells of the campaigns touched (nil: not known). The
// memory of old, the sum before, is reused for the next sum.
func (a *Aggregator) keepCells(wm uint64, pass store.Pass, acc, old *store.CellChanges, touched map[string]bool) {
	a.acc, a.accWM, a.accPass, a.accSpare, a.accTouched = acc, wm, pass, old, touched
}

// spareCells is the memory kept for the next sum of the changes to the
// cells (see keepCells), nil when there is none beside acc.
func (a *Aggregator) spareCells(acc *store.CellChanges) *store.CellChanges {
	if a.accSpare == acc {
		return nil
	}
	return a.accSpare
}

// dropCells forgets the changes to the cells of the passes of a catch-up
// in progress (see passCells: they are in the store).
func (a *Aggregator) dropCells() { a.acc, a.accSpare, a.accTouched = nil, nil, nil }

// addTouched returns the campaigns in touched or more (nil: not known).
func addTouched(touched, more map[string]bool) map[string]bool {
	if touched == nil {
		return nil
	}
	out := maps.Clone(touched)
	maps.Copy(out, more)
	return out
}

// writeCells adds to each cell the change c records for it and writes those
// that change, in key order: the last pass of a catch-up writes each cell
// it and the passes before changed once. The stored values are read on up
// to Options.Workers goroutines, each reading a run of the cells in a
// read-only transaction of its own, which sees what tx sees (tx has not
// written cells yet). Reach adds by store.AddReach, as in a state. c is
// changed to the figures written; its keys must stay unchanged until tx
// ends.
func (a *Aggregator) writeCells(tx *store.RollupTx, c *store.CellChanges) error {
	changed := make([]bool, c.Len())
	read := func(view *store.RollupTx, lo, hi int) error {
		key := func(i int) []byte { return c.Key(lo + i) }
		return view.CellsAt(hi-lo, key, func(i int, f store.Figures, _ bool) error {
			d := c.Figures(lo + i)
			n := f
			n.Add(*d)
			*d, changed[lo+i] = n, n != f
			return nil
		})
	}
	k := min(a.opts.Workers, c.Len()/4096+1)
	if k <= 1 {
		if err := read(tx, 0, c.Len()); err != nil {
			return err
		}
	} else {
		errs := make([]error, k)
		var wg sync.WaitGroup
		for g := range k {
			lo, hi := c.Len()*g/k, c.Len()*(g+1)/k
			wg.Go(func() {
				errs[g] = a.db.ViewRollups(func(view *store.RollupTx) error { return read(view, lo, hi) })
			})
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				return err
			}
		}
	}
	for i := range c.Len() {
		if changed[i] {
			if err := tx.PutCellBytes(c.Key(i), *c.Figures(i)); err != nil {
				return err
			}
		}
	}
	return nil
}

// mergeStates merges states that folded posts of disjoint sets of authors,
// each from the same committed store, into one state over tx that writes
// the top lists one state folding every post would have written (the
// cells and members are merged by cellChanges and mergeMembers):
//   - a day's top posts are the first Options.TopN of the union of the
//     parts' lists, by topPostLess, each post once (insertTopPost): each
//     part's list is the first TopN of the stored list and its own posts,
//     and a post among the first TopN of all is among the first TopN of
//     its part's (no more posts precede it there), so the union holds
//     them all;
//   - a day's top participants are the first TopN of the union of the
//     parts' lists, each author at the highest count any part has, by
//     topParticipantLess (mergeTopParticipants says why that is exact).
//
// Each part started from the stored lists as its transaction saw them,
// which may be before the previous pass wrote (see foldPass): so the lists
// stored in tx are merged in too, as one more part's. That is exact: a post
// or author of the final top TopN that is not the pass's is among the first
// TopN of the stored list (no more precede it there); a stale entry of a
// part, an author at a count lower than the stored one, is at the stored
// count in the union, and ranks where it would anyway.
func mergeStates(a *Aggregator, tx *store.RollupTx, parts []*state) (*state, error) {
	m := newState(a, tx, sizeHint{})
	for _, p := range parts {
		for c := range p.touched {
			m.touched[c] = true
		}
		for k := range p.dirtyTop {
			m.dirtyTop[k] = true
		}
		m.strsHint = max(m.strsHint, len(p.strs))
	}
	for k := range m.dirtyTop {
		storedPosts, err := tx.TopPosts(k.campaign, k.day)
		if err != nil {
			return nil, err
		}
		var posts []store.TopPost
		for _, x := range storedPosts {
			posts, _ = insertTopPost(posts, x, a.opts.TopN)
		}
		stored, err := tx.TopParticipants(k.campaign, k.day)
		if err != nil {
			return nil, err
		}
		lists := [][]store.TopParticipant{stored}
		for _, p := range parts {
			// a part that read a day's lists has both (updateTops,
			// addAuthorless); one that did not has neither
			pl, ok := p.topPosts[k]
			if !ok {
				continue
			}
			for _, x := range pl {
				posts, _ = insertTopPost(posts, x, a.opts.TopN)
			}
			lists = append(lists, p.topParts[k])
		}
		m.topPosts[k] = posts
		m.topParts[k] = mergeTopParticipants(lists, a.opts.TopN)
	}
	return m, nil
}

// mergeMembers merges the changed member records of states that folded
// posts of disjoint sets of authors, each list in key order, into one in
// key order. A record is one author's, so one state's.
func mergeMembers(lists [][]memberKV) ([]memberKV, error) {
	n := 0
	for _, l := range lists {
		n += len(l)
	}
	out := make([]memberKV, 0, n)
	var err error
	mergeSorted(lists, func(m memberKV) []byte { return m.enc }, func(same []memberKV) {
		if len(same) > 1 && err == nil {
			err = fmt.Errorf("member %q folded by %d workers", same[0].enc, len(same))
		}
		out = append(out, same[0])
	})
	return out, err
}

// mergeSorted walks lists, each in increasing order of key, in increasing
// order of key, calling fn with the entries of each key (at most one a
// list). The lists are few (one a worker): it finds the least head by
// looking at each.
func mergeSorted[T any](lists [][]T, key func(T) []byte, fn func(same []T)) {
	heads := make([]int, len(lists))
	same := make([]T, 0, len(lists))
	for {
		var least []byte
		found := false
		for i, l := range lists {
			if heads[i] < len(l) {
				if k := key(l[heads[i]]); !found || bytes.Compare(k, least) < 0 {
					least, found = k, true
				}
			}
		}
		if !found {
			return
		}
		same = same[:0]
		for i, l := range lists {
			if heads[i] < len(l) && bytes.Equal(key(l[heads[i]]), least) {
				same = append(same, l[heads[i]])
				heads[i]++
			}
		}
		fn(same)
	}
}

// addChange adds to dst what a part changed a cell by: from base to f.
func addChange(dst *store.Figures, f, base store.Figures) {
	dst.Posts += f.Posts - base.Posts
	dst.Originals += f.Originals - base.Originals
	dst.Reposts += f.Reposts - base.Reposts
	dst.Replies += f.Replies - base.Replies
	dst.Quotes += f.Quotes - base.Quotes
	dst.Participants += f.Participants - base.Participants
	dst.NewParticipants += f.NewParticipants - base.NewParticipants
	dst.Reach = store.AddReach(dst.Reach, f.Reach-base.Reach)
}

// mergeTopParticipants merges the top participants of one day as parts
// that folded disjoint sets of authors left them: each started from the
// stored list and updated the counts of its own authors.
//
// The result is exactly the list one state folding every post would have
// kept, the first n of all the day's authors at their final counts, by
// topParticipantLess. Take an author in that top n. Their part has them at
// their final count, and every other author at a count no higher than the
// final one (counts only grow; another part's authors are at their stored
// count there). So no more authors precede them there than in the final
// order, and that part's list (exact for what it saw, see
// updateTopParticipant) holds them at their final count. An author of no
// part's range keeps their stored count, which is final: the same argument
// holds for every part. So every author of the final top n is in the union
// at their final count, which is the highest any part has (counts only
// grow); an entry at a lower count is an author not in the top n, who
// ranks lower still at that count. Sorting the union, each author once at
// their highest count, and cutting it to n gives the top n. An author's
// entries at the same count are the same entry: handle and followers
// change only with a post of that day, which raises the count.
func mergeTopParticipants(lists [][]store.TopParticipant, n int) []store.TopParticipant {
	var out []store.TopParticipant
	at := map[string]int{}
	for _, l := range lists {
		for _, e := range l {
			i, ok := at[e.Author]
			switch {
			case !ok:
				at[e.Author] = len(out)
				out = append(out, e)
			case e.Posts > out[i].Posts:
				out[i] = e
			}
		}
	}
	slices.SortFunc(out, topParticipantLess)
	if len(out) > n {
		out = out[:n]
	}
	return out
}
