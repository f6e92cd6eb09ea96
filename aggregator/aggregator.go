// Package aggregator turns the raw post log into the figures people read:
// per campaign, per day (in the campaign's zone), per hour and for the whole
// campaign, broken down by country, source, kind, language and attribution
// method — posts, kinds, participants, new participants and potential reach —
// plus each day's top posts and top participants.
//
// It tails the log from a watermark and writes the rollups and the new
// watermark in one store transaction, so a crash never loses or double-counts
// a post. Every figure is exact (distinct authors are tracked per period, see
// store.Member) and independent of the order posts arrive in, so Rebuild and
// Check can re-derive them from raw posts and get the same answer.
//
// It is also the only read model (query.go, read.go): reports, the
// headline, the default day, the platform cross-check, completeness and the
// metrics snapshot are its methods, each answered from one read
// transaction; the dashboard, the metrics and the command line ask it and
// never the store. ParseQuery holds the rules a query must follow.
package aggregator

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/tagpulse/tagpulse/store"
)

// RulesVersion names the rules this package derives figures by. Figures
// built under an earlier version are rebuilt (cmd/tagpulse does it on
// start), as after a configuration change.
//
//	1: the first
//	2: source_utc_hour cells, for campaigns whose clock hours are not UTC hours
//	3: posts with implausible times (store.Plausible) count in no campaign
//	4: member records stored by author bucket (store.AuthorBucket), folded in passes
//	5: Mastodon participants are accounts by acct@domain, not by account url
//	6: minute and country_minute cells, for comparing with the same minute
//	   yesterday; imported posts counted under their platform, with an
//	   arrival dimension (live, import); a post without an author adds no
//	   participant
const RulesVersion = 6

// Attribution is the country a post is counted in and how that was decided.
type Attribution struct {
	Country    string  // ISO 3166-1 alpha-2, or store.UnknownCountry
	Method     string  // place, coordinates, profile, instance, none
	Confidence float64 // 0..1
}

// Attribution methods.
const (
	MethodPlace = "place"
	MethodNone  = "none"
)

// AttributeFunc decides a post's country from its raw signals. It must be
// deterministic: Check and Rebuild rely on getting the same answer again,
// and safe to call from several goroutines (see Options.Workers).
type AttributeFunc func(s store.Signals) Attribution

// PlaceOnly attributes by the platform place's country code alone, else ZZ.
func PlaceOnly(s store.Signals) Attribution {
	cc := strings.ToUpper(strings.TrimSpace(s.PlaceCountry))
	if cc == "UK" {
		cc = "GB"
	}
	if len(cc) == 2 && cc[0] >= 'A' && cc[0] <= 'Z' && cc[1] >= 'A' && cc[1] <= 'Z' && cc != store.UnknownCountry {
		return Attribution{Country: cc, Method: MethodPlace, Confidence: 1}
	}
	return Attribution{Country: store.UnknownCountry, Method: MethodNone}
}

// Options tune an Aggregator. The zero value works.
type Options struct {
	Attribute AttributeFunc // PlaceOnly when nil
	BatchSize int           // posts per transaction (default 20000)
	// PassPosts bounds the posts one transaction folds in: a larger backlog
	// is folded in passes over ranges of authors (default 50000).
	PassPosts int
	TopN      int // entries kept in each day's top lists (default 20)
	// Workers is how many goroutines fold a pass (default GOMAXPROCS):
	// the pass's authors are split among them by author bucket, and one
	// writer merges and writes what they folded. Small batches (the live
	// path) are folded on one.
	Workers int
	Logger  *slog.Logger
	Now     func() time.Time // the clock, for "today"; time.Now when nil
}

// Aggregator maintains the rollups of one store for a set of campaigns.
type Aggregator struct {
	db        *store.DB
	campaigns []store.Campaign
	byName    map[string]*store.Campaign
	opts      Options
	log       *slog.Logger

	mu      sync.Mutex // one writer at a time
	passIdx *passIndex // the catch-up in passes under way, if any (under mu)
	pending *passFold  // the fold of its next pass, begun by the last step (under mu)
	// acc is the sum of the changes to the cells of the finished passes of
	// the catch-up in passes from watermark accWM, whose next pass is
	// accPass (see passCells); nil when none is held. accSpare is memory
	// for the next sum. (Under mu.)
	acc, accSpare *store.CellChanges
	accWM         uint64
	accPass       store.Pass
	accTouched    map[string]bool // the campaigns whose cells acc changes (nil: not known)
	noSpill       bool            // index catch-ups in passes without a spill (for tests)
	hint          sizeHint        // the sizes of the last batch's state (under mu)

	subsMu sync.Mutex
	subs   map[chan struct{}]string // subscriber → the campaign it follows ("": all)
	// lastErr is the outcome of the last step (see Err).
	lastErr atomic.Pointer[stepError]

	comp completenessCache

	// minutes are the periods of campaigns' minutes, formatted once for
	// every state's periodCache
	minutesMu sync.RWMutex
	minutes   map[campaignMinute]*minuteStrings
	// periodStrs holds one copy of each day and hour string of minutes:
	// the minutes of one hour share its string, which compares equal to
	// itself without reading its bytes
	periodStrs map[string]string
	// periodCaches are the periodCaches of the workers of the last pass,
	// for the next pass's (takePeriodCache)
	periodCaches chan periodCache
}

// New returns an aggregator over db for the given campaigns. Each is
// checked and its zone resolved by store.NewCampaign; one it refuses is a
// programming error (configuration and the store check campaigns first),
// and New panics rather than count it in the wrong zone.
func New(db *store.DB, campaigns []store.Campaign, opts Options) *Aggregator {
	if opts.Attribute == nil {
		opts.Attribute = PlaceOnly
	}
	if opts.BatchSize <= 0 {
		opts.BatchSize = 20000
	}
	if opts.PassPosts <= 0 {
		opts.PassPosts = 50_000
	}
	if opts.TopN <= 0 {
		opts.TopN = 20
	}
	if opts.Workers <= 0 {
		opts.Workers = runtime.GOMAXPROCS(0)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	resolved := make([]store.Campaign, len(campaigns))
	for i, c := range campaigns {
		r, err := store.NewCampaign(c)
		if err != nil {
			panic("aggregator: " + err.Error())
		}
		resolved[i] = r
	}
	a := &Aggregator{db: db, campaigns: resolved, byName: map[string]*store.Campaign{}, opts: opts, log: opts.Logger, subs: map[chan struct{}]string{},
		periodCaches: make(chan periodCache, opts.Workers)}
	for i := range a.campaigns {
		a.byName[a.campaigns[i].Name] = &a.campaigns[i]
	}
	return a
}

// Campaigns returns the configured campaigns.
func (a *Aggregator) Campaigns() []store.Campaign { return a.campaigns }

// Campaign returns the named campaign, or nil.
func (a *Aggregator) Campaign(name string) *store.Campaign { return a.byName[name] }

// Attribute returns the country a post with these signals is counted in.
func (a *Aggregator) Attribute(s store.Signals) Attribution { return a.opts.Attribute(s) }

// Now is the aggregator's clock.
func (a *Aggregator) Now() time.Time { return a.opts.Now() }

// CatchUp folds every post (and amendment, see amend.go) not yet in the
// rollups into them, one batch per transaction, and returns how many it read.
func (a *Aggregator) CatchUp(ctx context.Context) (int, error) {
	total := 0
	for {
		if err := ctx.Err(); err != nil {
			return total, err
		}
		n, more, touched, err := a.step()
		total += n
		a.lastErr.Store(&stepError{err})
		if err != nil {
			return total, err
		}
		if !more {
			if n > 0 {
				a.notify(touched)
			}
			return total, nil
		}
		a.notify(touched)
	}
}

type stepError struct{ err error }

// Err is the error the last attempt to fold posts into the rollups ended
// with, or nil if it succeeded: while it is not nil, figures stand still.
func (a *Aggregator) Err() error {
	if e := a.lastErr.Load(); e != nil {
		return e.err
	}
	return nil
}

// Run catches up whenever wake fires or every interval, until ctx ends.
func (a *Aggregator) Run(ctx context.Context, wake <-chan struct{}, every time.Duration) error {
	if every <= 0 {
		every = 2 * time.Second
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if _, err := a.CatchUp(ctx); err != nil && ctx.Err() == nil {
			a.log.Error("aggregate", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-wake:
		case <-t.C:
		}
	}
}

// Subscribe returns a channel that receives a value (coalesced) whenever
// the rollups of campaign change (campaign "": of any campaign), and a
// function to stop.
func (a *Aggregator) Subscribe(campaign string) (<-chan struct{}, func()) {
	ch := make(chan struct{}, 1)
	a.subsMu.Lock()
	a.subs[ch] = campaign
	a.subsMu.Unlock()
	return ch, func() {
		a.subsMu.Lock()
		delete(a.subs, ch)
		a.subsMu.Unlock()
	}
}

// notify wakes the subscribers of the campaigns touched (nil: of all).
func (a *Aggregator) notify(touched map[string]bool) {
	a.subsMu.Lock()
	defer a.subsMu.Unlock()
	for ch, campaign := range a.subs {
		if touched != nil && (campaign == "" && len(touched) == 0 || campaign != "" && !touched[campaign]) {
			continue
		}
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}

// Lag is how many posts are in the log but not yet in the rollups.
func (a *Aggregator) Lag() (uint64, error) {
	var lag uint64
	err := a.db.ViewRollups(func(tx *store.RollupTx) error {
		lag = tx.LastSeq() - tx.Watermark()
		return nil
	})
	return lag, err
}

// Rebuild deletes every rollup and re-derives them from the raw posts, with
// the current campaigns and attribution. A crash midway leaves rollups and
// watermark consistent; running Rebuild or CatchUp again finishes the job.
func (a *Aggregator) Rebuild(ctx context.Context) error {
	if err := a.Reset(); err != nil {
		return err
	}
	_, err := a.CatchUp(ctx)
	return err
}

// Reset deletes every rollup and sets the watermark to 0, in one
// transaction: the next CatchUp re-derives everything from the raw posts.
func (a *Aggregator) Reset() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.dropPassIndex()
	a.dropCells()
	reset := func(tx *store.RollupTx) error {
		if err := tx.Reset(); err != nil {
			return err
		}
		return tx.SetAmendWatermark(0)
	}
	if err := a.db.UpdateRollups(reset); err != nil {
		return fmt.Errorf("rebuild: %w", err)
	}
	a.notify(nil)
	return nil
}

// step folds one batch of posts into the rollups in one transaction. It
// returns how many posts and amendments it added to the rollups (0 for a
// pass that is not the last of a catch-up in passes), whether there is more
// to do, and the campaigns whose figures changed. Amendments (amend.go) are
// folded only in a step that is not a pass, after its posts: while a pass is
// in progress the watermark does not say which posts the rollups hold.
//
// A backlog of more than Options.PassPosts posts (an import, a rebuild) is
// folded in passes: each pass reads the whole backlog but folds in only the
// posts of the authors in a range of store.AuthorBucket, so it writes one
// contiguous run of member records, once, and holds only its authors in
// memory. The pass in progress is recorded with the rollups it wrote, in the
// same transaction, as the watermark is. A pass records its changes to the
// cells (store.RollupTx.PutPassCells) rather than writing them: the last
// pass adds every pass's changes to the stored cells and writes each cell
// once (passCells, writeCells), so readers see the figures from before the
// catch-up until it is done, and the cells bucket is written once.
func (a *Aggregator) step() (int, bool, map[string]bool, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	// Nothing new: answer from a read transaction, without the write
	// transaction's commit and sync.
	lag, err := a.Lag()
	if err != nil {
		return 0, false, nil, err
	}
	if lag == 0 {
		if alag, err := a.amendLag(); err != nil || alag == 0 {
			return 0, false, nil, err
		}
	}
	if a.pending != nil {
		// The fold of the next pass reads in transactions begun before
		// the last step wrote: a read-write transaction begun while they
		// are open could not reuse the pages the last step freed.
		<-a.pending.done
	}
	n := 0
	more := false
	var touched map[string]bool
	err = a.db.UpdateRollups(func(tx *store.RollupTx) error {
		n, more = 0, false
		wm := tx.Watermark()
		pass, inPass := tx.Pass()
		if !inPass {
			if tx.HasPassCells() {
				return errors.New("the store holds changes to the cells of a catch-up in passes that is not in progress (was it folded by an older tagpulse?): run tagpulse rebuild")
			}
			// No posts to fold (lag 0): there are amendments to fold.
			if lag := tx.LastSeq() - wm; lag > uint64(a.opts.PassPosts) {
				passes := int((lag + uint64(a.opts.PassPosts) - 1) / uint64(a.opts.PassPosts))
				width := (store.AuthorBuckets + passes - 1) / passes
				pass, inPass = store.Pass{Target: tx.LastSeq(), Width: max(1, width)}, true
			}
		}
		if inPass {
			hi := min(store.AuthorBuckets, pass.Next+pass.Width)
			tx.FillMembers()
			// the fold begun by the previous pass's step, or a new one
			f := a.pending
			a.pending = nil
			if f == nil || f.wm != wm || f.pass != pass {
				pp, err := a.passPosts(tx, wm, pass)
				if err != nil {
					return err
				}
				f = a.startFold(wm, pass, pp, hi)
			}
			if f.k > 1 && hi < store.AuthorBuckets {
				// The workers are done with this pass: they fold the
				// next while this one is merged, written and committed
				// (foldPass says why that is exact).
				<-f.done
				next := pass
				next.Next = hi
				pp, err := a.passPosts(tx, wm, next)
				if err != nil {
					return err
				}
				a.pending = a.startFold(wm, next, pp, min(store.AuthorBuckets, hi+pass.Width))
			}
			st, cells, members, err := a.foldPass(tx, f)
			if err != nil {
				return err
			}
			if hi >= store.AuthorBuckets {
				a.dropPassIndex() // the last pass: its spill is read
			}
			acc, accTouched, err := a.passCells(tx, wm, pass)
			if err != nil {
				return err
			}
			changes, ncells := cellChanges(cells)
			if err := st.write(nil, members); err != nil {
				return err
			}
			a.hint.cells = ncells
			touched = st.touched // its top lists
			accTouched = addTouched(accTouched, st.touched)
			if hi < store.AuthorBuckets {
				// The pass's changes to the cells are recorded, not
				// written: the last pass writes each cell once.
				if err := tx.PutPassCells(pass.Next, changes); err != nil {
					return err
				}
				pass.Next = hi
				more = true
				if err := tx.SetPass(pass); err != nil {
					return err
				}
				a.keepCells(wm, pass, store.MergeCellChanges(a.spareCells(acc), acc, changes), acc, accTouched)
				return nil
			}
			all := store.MergeCellChanges(a.spareCells(acc), acc, changes)
			a.dropCells()
			// the cells of every pass's campaigns change now
			if touched = accTouched; touched == nil {
				touched = map[string]bool{}
				for _, c := range a.campaigns {
					touched[c.Name] = true
				}
			}
			tx.FillCells()
			if err := a.writeCells(tx, all); err != nil {
				return err
			}
			n = int(pass.Target - wm)
			if err := tx.ClearPassCells(); err != nil {
				return err
			}
			if err := tx.ClearPass(); err != nil {
				return err
			}
			// Amendments are folded once no pass is in progress (the
			// watermark covers their posts then): by the next step.
			more = tx.LastSeq() > pass.Target || tx.LastAmendSeq() > tx.AmendWatermark()
			return tx.SetWatermark(pass.Target)
		}
		st := newState(a, tx, a.hint)
		last := wm
		err := tx.Posts(wm, a.opts.BatchSize, func(seq uint64, p *store.Post) error {
			if err := st.add(p); err != nil {
				return fmt.Errorf("post %d: %w", seq, err)
			}
			last = seq
			n++
			return nil
		})
		if err != nil {
			return err
		}
		amended, err := st.foldAmends(last, a.opts.BatchSize) // see amend.go
		if err != nil {
			return err
		}
		n += amended
		if err := st.flush(); err != nil {
			return err
		}
		touched = st.touched
		more = n > 0
		return tx.SetWatermark(last)
	})
	if err != nil {
		a.dropPassIndex() // the pass may have taken its posts from the index
		a.dropCells()     // and summed its changes to the cells
		return 0, false, nil, fmt.Errorf("aggregate: %w", err)
	}
	if touched == nil {
		touched = map[string]bool{} // posts of no campaign: nothing changed
	}
	return n, more, touched, nil
}

// passIndex lists, for a catch-up in passes, the posts of each pass: one
// scan of the backlog instead of one a pass. It keeps them in a spill, one
// run a pass (store.Spill), so that a pass reads its posts in one walk
// whatever the size of the backlog; where no spill can be made (no room
// beside the store), it keeps their sequence numbers, and a pass reads its
// posts from the log.
type passIndex struct {
	wm      uint64
	pass    store.Pass
	spill   *store.Spill
	seqs    [][]uint32 // without a spill, by pass: seq - wm of its posts (4 bytes a post)
	buckets [][]uint8  // without a spill, by pass: the author bucket of each of its posts
}

// passPosts are the posts of one pass: a run of the catch-up's spill, or
// their sequence numbers (in log order) and the author bucket of each.
type passPosts struct {
	spill   *store.Spill
	run     int
	seqs    []uint64
	buckets []uint8
}

// fold folds into st, read from tx, the pass's posts whose author bucket
// want wants (nil: all), in log order.
func (pp *passPosts) fold(st *state, tx *store.RollupTx, want func(bucket int) bool) error {
	add := func(seq uint64, p *store.Post) error {
		if err := st.add(p); err != nil {
			return fmt.Errorf("post %d: %w", seq, err)
		}
		return nil
	}
	if pp.spill != nil {
		if want == nil {
			want = func(int) bool { return true }
		}
		return tx.SpilledPosts(pp.spill, pp.run, want, add)
	}
	seqs := pp.seqs
	if want != nil {
		seqs = nil
		for i, seq := range pp.seqs {
			if want(int(pp.buckets[i])) {
				seqs = append(seqs, seq)
			}
		}
	}
	return tx.PostsAt(seqs, add)
}

// dropPassIndex forgets the index of the catch-up in passes, if any, and
// frees its spill.
func (a *Aggregator) dropPassIndex() {
	if x := a.passIdx; x != nil && x.spill != nil {
		if err := x.spill.Close(); err != nil {
			a.log.Warn("aggregate: closing the spill of a catch-up", "err", err)
		}
	}
	a.passIdx, a.pending = nil, nil // a fold under way ends by itself, unread
}

// passPosts returns the posts of the pass that starts at pass.Next, from
// the index of the catch-up, which it builds when it is not this
// catch-up's (the first pass, or after a restart).
func (a *Aggregator) passPosts(tx *store.RollupTx, wm uint64, pass store.Pass) (*passPosts, error) {
	x := a.passIdx
	if x == nil || x.wm != wm || x.pass.Target != pass.Target || x.pass.Width != pass.Width {
		a.dropPassIndex()
		if pass.Target-wm >= 1<<32 {
			return nil, fmt.Errorf("a backlog of %d posts is more than a catch-up folds", pass.Target-wm)
		}
		var err error
		if x, err = a.indexPasses(tx, wm, pass); err != nil {
			return nil, err
		}
		a.passIdx = x
	}
	i := pass.Next / pass.Width
	if x.spill != nil {
		// each pass once (step drops the index when a pass fails); the
		// spill's file space is freed when the catch-up ends
		return &passPosts{spill: x.spill, run: i}, nil
	}
	seqs := make([]uint64, len(x.seqs[i]))
	for j, d := range x.seqs[i] {
		seqs[j] = wm + uint64(d)
	}
	buckets := x.buckets[i]
	x.seqs[i], x.buckets[i] = nil, nil // each pass once (step drops the index when a pass fails)
	return &passPosts{seqs: seqs, buckets: buckets}, nil
}

// indexPasses builds the index of a catch-up in passes from the passes
// still to do, scanning the backlog on Options.Workers goroutines, each
// over a range of sequence numbers in a read-only transaction of its own
// (see foldPass: they see what tx sees, and end before it writes).
func (a *Aggregator) indexPasses(tx *store.RollupTx, wm uint64, pass store.Pass) (*passIndex, error) {
	n := (store.AuthorBuckets + pass.Width - 1) / pass.Width
	if !a.noSpill {
		sp, err := a.db.NewSpill(n)
		if err == nil {
			x := &passIndex{wm: wm, pass: pass, spill: sp}
			if err = a.spillPasses(tx, x); err == nil {
				return x, nil
			}
			sp.Close() // a full disk, say: the index below takes 5 bytes a post of memory instead
		}
		a.log.Warn("aggregate: a catch-up in passes without a spill, reading the log for each", "err", err)
	}
	parts := make([]*passIndex, max(1, a.opts.Workers))
	for g := range parts {
		parts[g] = &passIndex{wm: wm, pass: pass, seqs: make([][]uint32, n), buckets: make([][]uint8, n)}
	}
	err := a.scanBacklog(tx, wm, pass.Target, len(parts), func(g int, tx *store.RollupTx, lo, hi uint64) error {
		x := parts[g]
		return tx.PostBuckets(lo, hi, func(seq uint64, bucket int) {
			i := bucket / pass.Width
			if bucket >= pass.Next {
				x.seqs[i] = append(x.seqs[i], uint32(seq-wm))
				x.buckets[i] = append(x.buckets[i], uint8(bucket))
			}
		})
	})
	if err != nil {
		return nil, err
	}
	x := parts[0]
	for _, p := range parts[1:] {
		for i := range n {
			x.seqs[i] = append(x.seqs[i], p.seqs[i]...)
			x.buckets[i] = append(x.buckets[i], p.buckets[i]...)
		}
	}
	return x, nil
}

// spillPasses fills x's spill with the posts of the passes still to do, a
// run a pass, scanning the backlog as indexPasses does: writer g takes the
// gth range of sequence numbers, so each run is in log order.
func (a *Aggregator) spillPasses(tx *store.RollupTx, x *passIndex) error {
	wm, pass := x.wm, x.pass
	run := func(bucket int) int {
		if bucket < pass.Next {
			return -1
		}
		return bucket / pass.Width
	}
	err := a.scanBacklog(tx, wm, pass.Target, max(1, a.opts.Workers), func(g int, tx *store.RollupTx, lo, hi uint64) error {
		w := x.spill.Writer(g)
		if err := tx.SpillPosts(w, lo, hi, run); err != nil {
			return err
		}
		return w.Flush()
	})
	if err != nil {
		return err
	}
	x.spill.Seal()
	return nil
}

// scanBacklog calls scan for k ranges of the sequence numbers [lo, hi),
// the gth range with g, each on a goroutine of its own in a read-only
// transaction of its own (see foldPass: they see what tx sees, and end
// before it writes), or with tx itself when k is 1. It returns the first
// error.
func (a *Aggregator) scanBacklog(tx *store.RollupTx, lo, hi uint64, k int, scan func(g int, tx *store.RollupTx, lo, hi uint64) error) error {
	span := (hi - lo + uint64(k) - 1) / uint64(k)
	if k == 1 {
		return scan(0, tx, lo, hi)
	}
	errs := make([]error, k)
	var wg sync.WaitGroup
	for g := range k {
		from, to := lo+uint64(g)*span, min(hi, lo+uint64(g+1)*span)
		wg.Go(func() {
			errs[g] = a.db.ViewRollups(func(view *store.RollupTx) error { return scan(g, view, from, to) })
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// contribution is what one post adds to one campaign: everything the rollup
// rules need, derived from the raw post. Both the incremental rollup and the
// recount in Check use it, so they cannot disagree on what a post means.
type contribution struct {
	campaign *store.Campaign
	ci       int    // the campaign's index in Aggregator.campaigns
	day      string // campaign day
	hour     string // campaign clock hour, store.HourLayout
	author   string
	handle   string
	at       int64 // CreatedAt UnixNano
	follow   int64
	kind     store.Kind
	dims     [len(contributionDims)]store.DimValue // the last, DimSourceKind, only for GrainTotal
	top      store.TopPost                         // when hasTop (not for reposts)
	hasTop   bool
	// utcHour is the store.DimSourceUTCHour value ("x/2026-11-29T05:00Z")
	// where the campaign's clock hour is not a UTC hour, else "".
	utcHour string
	// minute is the post's UTC minute (store.HourLayout), for the
	// store.DimMinute and store.DimCountryMinute cells.
	minute string
	// mp is the cache entry day, hour and minute came from, nil when they
	// were computed for the post (see periodCache)
	mp *minutePeriods
}

// periodCache remembers, per campaign and UTC minute, the periods a post
// of that minute falls in, so that a batch formats each minute's day, hour
// and minute once rather than once per post. It is not safe for concurrent
// use: each state has its own.
type periodCache struct {
	a      *Aggregator
	byCamp []map[int64]*minutePeriods // by campaign index, then Unix minute
}

func newPeriodCache(a *Aggregator) periodCache {
	return periodCache{a: a, byCamp: make([]map[int64]*minutePeriods, len(a.campaigns))}
}

// takePeriodCache returns a periodCache a worker of a pass used before
// (givePeriodCache), with its minutes' periods, or a new one: the
// workers of a catch-up's passes meet the same minutes in every pass.
func (a *Aggregator) takePeriodCache() periodCache {
	select {
	case pc := <-a.periodCaches:
		return pc
	default:
		return newPeriodCache(a)
	}
}

// givePeriodCache keeps pc, of a state that is done, for another
// (takePeriodCache), without what its entries hold of that state.
func (a *Aggregator) givePeriodCache(pc periodCache) {
	for _, m := range pc.byCamp {
		for _, mp := range m {
			if mp != nil {
				mp.forget()
			}
		}
	}
	select {
	case a.periodCaches <- pc:
	default:
	}
}

// campaignMinute names a minute of a campaign: its index and the Unix
// minute.
type campaignMinute struct {
	ci  int
	min int64
}

// minuteStrings are the periods of every instant of one UTC minute in one
// campaign.
type minuteStrings struct {
	day, hour, minute string
	// utcHour is the minute's UTC hour (store.HourLayout) where the
	// campaign's clock hour is not a UTC hour, else ""
	utcHour string
}

// periodCacheLimit bounds a periodCache's minutes per campaign (three
// weeks: a few MB), and minuteLimit the Aggregator's minutes of all
// campaigns; each is cleared when full.
const (
	periodCacheLimit = 1 << 15
	minuteLimit      = 1 << 16
)

// minutePeriods are the periods of every instant of one UTC minute in one
// campaign, and the ids its state gave them.
type minutePeriods struct {
	minuteStrings
	// interned says the state has set dayID, hourID, minuteID and pcs
	interned                bool
	dayID, hourID, minuteID uint32
	pcs                     [3]*periodCells
	mc                      *minuteCells
	firstHour               *store.Figures // the day's first_hour cell of the hour, once looked up
}

// forget drops what mp holds of the state that used it: its ids and cells.
func (mp *minutePeriods) forget() {
	mp.interned, mp.dayID, mp.hourID, mp.minuteID = false, 0, 0, 0
	mp.pcs, mp.mc, mp.firstHour = [3]*periodCells{}, nil, nil
}

// periodsAt returns the periods of instant t in campaign ci, or nil when
// the minute holding t does not have one zone offset of whole minutes
// throughout (then its instants may differ in day or hour: the caller
// computes them for t).
func (pc *periodCache) periodsAt(ci int, c *store.Campaign, t time.Time) *minutePeriods {
	if pc == nil {
		return nil
	}
	if pc.byCamp[ci] == nil {
		pc.byCamp[ci] = map[int64]*minutePeriods{}
	}
	m := pc.byCamp[ci]
	sec := t.Unix()
	unixMin := sec / 60
	if sec%60 < 0 {
		unixMin--
	}
	if mp, ok := m[unixMin]; ok {
		return mp
	}
	var mp *minutePeriods
	if ms := pc.a.minuteStrings(ci, c, unixMin); ms != nil {
		mp = &minutePeriods{minuteStrings: *ms}
	}
	if len(m) >= periodCacheLimit {
		clear(m)
	}
	m[unixMin] = mp
	return mp
}

// minuteStrings returns the periods of Unix minute unixMin in campaign ci,
// c, or nil when the minute does not have one zone offset of whole minutes
// throughout.
func (a *Aggregator) minuteStrings(ci int, c *store.Campaign, unixMin int64) *minuteStrings {
	k := campaignMinute{ci, unixMin}
	a.minutesMu.RLock()
	ms, ok := a.minutes[k]
	a.minutesMu.RUnlock()
	if ok {
		return ms
	}
	t0 := time.Unix(unixMin*60, 0).In(c.Loc())
	// one offset throughout the minute, of whole minutes: every instant of
	// it has the local date, hour and minute of t0
	_, end := t0.ZoneBounds()
	_, off := t0.Zone()
	if off%60 == 0 && (end.IsZero() || !end.Before(t0.Add(time.Minute))) {
		ms = &minuteStrings{day: c.Day(t0), hour: c.HourStart(t0).UTC().Format(store.HourLayout), minute: t0.UTC().Format(store.HourLayout)}
		if !c.HoursAlignUTC(t0) {
			ms.utcHour = t0.UTC().Truncate(time.Hour).Format(store.HourLayout)
		}
	}
	a.minutesMu.Lock()
	if a.minutes == nil || len(a.minutes) >= minuteLimit {
		a.minutes, a.periodStrs = map[campaignMinute]*minuteStrings{}, map[string]string{}
	}
	if ms != nil {
		for _, p := range []*string{&ms.day, &ms.hour, &ms.utcHour} {
			if v, ok := a.periodStrs[*p]; ok {
				*p = v
			} else {
				a.periodStrs[*p] = *p
			}
		}
	}
	a.minutes[k] = ms
	a.minutesMu.Unlock()
	return ms
}

// contributionDims are the dimensions of contribution.dims, in order.
var contributionDims = [...]string{store.DimAll, store.DimCountry, store.DimSource, store.DimKind, store.DimLang, store.DimMethod, store.DimArrival, store.DimSourceKind}

// sourceKinds are the store.DimSourceKind values of the known sources and
// kinds, built once rather than per post.
var sourceKinds = func() map[[2]string]string {
	m := map[[2]string]string{}
	for _, s := range store.Sources {
		for _, k := range store.Kinds {
			m[[2]string{s, string(k)}] = s + "/" + string(k)
		}
	}
	return m
}()

// sourceKind is the store.DimSourceKind value of a source and kind.
func sourceKind(source string, kind store.Kind) string {
	if v, ok := sourceKinds[[2]string{source, string(kind)}]; ok {
		return v
	}
	return source + "/" + string(kind)
}

// contributions returns, for each campaign the post belongs to (by hashtag
// and window), what it contributes.
func (a *Aggregator) contributions(p *store.Post, out []contribution) []contribution {
	return a.contributionsCached(p, out, nil)
}

// contributionsCached is contributions, taking each minute's periods from
// cache (when not nil). Check's recount asks contributions, which computes
// them for each post: a cache that disagreed would fail the check.
func (a *Aggregator) contributionsCached(p *store.Post, out []contribution, cache *periodCache) []contribution {
	out = out[:0]
	var attr Attribution
	attributed := false
	for i := range a.campaigns {
		c := &a.campaigns[i]
		var day string
		var mp *minutePeriods
		if cache == nil {
			var counts bool
			if day, counts, _ = c.CountsPost(p); !counts {
				continue
			}
		} else {
			// store.Campaign.CountsPost, with the day from the cache
			if !c.Matches(p.Hashtags) {
				continue
			}
			if mp = cache.periodsAt(i, c, p.CreatedAt); mp != nil {
				day = mp.day
			} else {
				day = c.Day(p.CreatedAt)
			}
			if !c.CountsOnDay(p, day) {
				continue
			}
		}
		if !attributed {
			attr = a.opts.Attribute(p.Signals)
			if attr.Country == "" {
				attr.Country = store.UnknownCountry
			}
			if attr.Method == "" {
				attr.Method = MethodNone
			}
			attributed = true
		}
		kind := p.Kind
		if !kind.Valid() {
			kind = store.KindOriginal
		}
		handle := p.Author.Handle
		if handle == "" {
			handle = p.Author.ID
		}
		source, arrival := store.SourceOf(p)
		co := contribution{
			campaign: c,
			ci:       i,
			day:      day,
			author:   authorKey(p),
			handle:   handle,
			at:       p.CreatedAt.UnixNano(),
			follow:   store.ClampFollowers(p.Author.Followers), // stores from before the clamp
			kind:     kind,
			mp:       mp,
		}
		for i, v := range [len(contributionDims)]string{"", attr.Country, source, string(kind), store.NormalizeLang(p.Lang), attr.Method, arrival, sourceKind(source, kind)} {
			co.dims[i] = store.DimValue{Dim: contributionDims[i], Value: v}
		}
		if mp != nil {
			co.hour, co.minute = mp.hour, mp.minute
			if mp.utcHour != "" {
				co.utcHour = source + "/" + mp.utcHour
			}
		} else {
			co.hour = c.HourStart(p.CreatedAt).UTC().Format(store.HourLayout)
			co.minute = minuteOf(co.at)
			if !c.HoursAlignUTC(p.CreatedAt) {
				co.utcHour = source + "/" + p.CreatedAt.UTC().Truncate(time.Hour).Format(store.HourLayout)
			}
		}
		if kind != store.KindRepost {
			text := p.Text
			if len(text) > 280 && utf8.RuneCountInString(text) > 280 {
				text = string([]rune(text)[:279]) + "…"
			}
			co.hasTop = true
			co.top = store.TopPost{Platform: p.Platform, ID: p.ID, URL: p.URL, Text: text, Kind: kind, Author: handle,
				Country: attr.Country, CreatedAt: p.CreatedAt.UTC(), Engagement: p.Engagement}
		}
		out = append(out, co)
	}
	return out
}

// utcHourKey is the store.DimSourceUTCHour cell a contribution with a
// utcHour counts in.
func (co *contribution) utcHourKey() store.CellKey {
	return store.CellKey{Campaign: co.campaign.Name, Grain: store.GrainDay, Dim: store.DimSourceUTCHour, Period: co.day, Value: co.utcHour}
}

// authorKey is the key of a post's author, or "" for a post whose platform
// gives no author (Instagram): it counts as a post, not as a participant.
func authorKey(p *store.Post) string {
	if p.Author.ID == "" {
		return ""
	}
	return p.Author.Key(p.Platform)
}

// minuteKeys are the store.DimMinute and store.DimCountryMinute cells a
// contribution's post counts in.
func (co *contribution) minuteKeys() [2]store.CellKey {
	return [2]store.CellKey{
		{Campaign: co.campaign.Name, Grain: store.GrainDay, Dim: store.DimMinute, Period: co.day, Value: co.minute},
		{Campaign: co.campaign.Name, Grain: store.GrainDay, Dim: store.DimCountryMinute, Period: co.day, Value: co.dims[1].Value + "/" + co.minute},
	}
}

// minuteOf is the UTC minute (store.HourLayout) instant t (UnixNano) falls in.
func minuteOf(t int64) string {
	return time.Unix(0, t).UTC().Truncate(time.Minute).Format(store.HourLayout)
}

// dimsFor returns the dimensions a contribution counts in at grain g.
func (co *contribution) dimsFor(g store.Grain) []store.DimValue {
	if g == store.GrainTotal {
		return co.dims[:]
	}
	return co.dims[:7]
}

// periodOf is the period of grain g that instant t (UnixNano) falls in.
func periodOf(c *store.Campaign, g store.Grain, t int64) string {
	switch g {
	case store.GrainDay:
		return c.Day(time.Unix(0, t))
	case store.GrainHour:
		return c.HourStart(time.Unix(0, t)).UTC().Format(store.HourLayout)
	}
	return ""
}

// topPostLess orders top posts: most engagement first, then oldest, then ID.
func topPostLess(x, y store.TopPost) int {
	if c := cmp.Compare(y.Engagement, x.Engagement); c != 0 {
		return c
	}
	if c := x.CreatedAt.Compare(y.CreatedAt); c != 0 {
		return c
	}
	return cmp.Compare(x.Platform+"\x00"+x.ID, y.Platform+"\x00"+y.ID)
}

// topParticipantLess orders the stored top participants: most posts
// first, then author key. Counts only grow, so a bounded list stays exactly
// the top n (amended follower counts do not move it). The page ranks
// participants by participantLess, read from the day's records.
func topParticipantLess(x, y store.TopParticipant) int {
	if c := cmp.Compare(y.Posts, x.Posts); c != 0 {
		return c
	}
	return cmp.Compare(x.Author, y.Author)
}

// participantLess orders participants as the page shows them: most posts
// first, then most followers (so on a day where nearly everyone posted
// once the widest-followed lead, not the lowest account ids), then author.
func participantLess(x, y Voice) int {
	if c := cmp.Compare(y.Posts, x.Posts); c != 0 {
		return c
	}
	if c := cmp.Compare(y.Followers, x.Followers); c != 0 {
		return c
	}
	return cmp.Compare(x.Author, y.Author)
}

// loudestLess orders voices by followers (their share of the potential
// reach), then posts, then author key.
func loudestLess(x, y Voice) int {
	if c := cmp.Compare(y.Followers, x.Followers); c != 0 {
		return c
	}
	if c := cmp.Compare(y.Posts, x.Posts); c != 0 {
		return c
	}
	return cmp.Compare(x.Author, y.Author)
}

// insertTopPost adds p to a bounded list ordered by topPostLess.
func insertTopPost(l []store.TopPost, p store.TopPost, n int) ([]store.TopPost, bool) {
	if len(l) >= n && topPostLess(p, l[len(l)-1]) >= 0 {
		return l, false
	}
	for _, x := range l {
		if x.Platform == p.Platform && x.ID == p.ID {
			return l, false
		}
	}
	i, _ := slices.BinarySearchFunc(l, p, topPostLess)
	l = slices.Insert(l, i, p)
	if len(l) > n {
		l = l[:n]
	}
	return l, true
}

// updateTopParticipant records an author's new post count in a bounded list.
// Counts only grow, one at a time, so the list stays exactly the top n.
func updateTopParticipant(l []store.TopParticipant, e store.TopParticipant, n int) []store.TopParticipant {
	if i := slices.IndexFunc(l, func(x store.TopParticipant) bool { return x.Author == e.Author }); i >= 0 {
		l = slices.Delete(l, i, i+1)
	} else if len(l) >= n && topParticipantLess(e, l[len(l)-1]) >= 0 {
		return l
	}
	i, _ := slices.BinarySearchFunc(l, e, topParticipantLess)
	l = slices.Insert(l, i, e)
	if len(l) > n {
		l = l[:n]
	}
	return l
}
