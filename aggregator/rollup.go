package aggregator

import (
	"bytes"
	"fmt"
	"slices"
	"strings"

	"github.com/tagpulse/tagpulse/store"
)

// state folds a batch of posts into the rollups of one transaction. It reads
// cells, members and top lists once, changes them in memory, and writes each
// changed one once in flush.
//
// Cells and members are found by compact ids, not by their string keys:
// each string a key is made of (a period, a dimension, a value) is interned
// once per batch, and a post's strings once per post, so that the two dozen
// cells a post counts in cost a hash of a few integers each rather than of
// five strings each. The string key of a cell is built once, when the batch
// first touches it.
type state struct {
	a  *Aggregator
	tx *store.RollupTx
	// cells by campaign, grain and period (periodOfCell), then by dimension
	// and value; other holds the cells of dimensions with an id of
	// groupDims or more (none the rules name now)
	periods    map[uint64]*periodCells
	other      map[cellID]*cellEntry
	cellList   []*cellEntry
	cellBuf    []cellEntry                        // storage for cells, in blocks: pointers stay put
	members    map[uint64]map[string]*memberEntry // by campaign and day (memberGroup), then author
	memberList []*memberEntry
	memberBuf  []memberEntry
	strs       []string          // interned strings by id; id 0 is none
	ids        map[string]uint32 // interned string → id
	// last is, per slot of a contribution's strings, the last string
	// interned there: consecutive posts mostly share day, hour, country…
	last [internSlots]struct {
		s  string
		id uint32
	}
	// ids of the dims of contribution.dims, of "", and of the dimensions
	// of the day's extra cells
	dimIDs                                                   [len(contributionDims)]uint32
	empty, firstDim, minuteDim, countryMinuteDim, utcHourDim uint32

	topPosts map[dayKey][]store.TopPost
	topParts map[dayKey][]store.TopParticipant
	dirtyTop map[dayKey]bool
	scratch  []contribution
	touched  map[string]bool // campaigns whose figures changed
	// changesOnly has cells start at zero rather than at their stored
	// value: the state of a worker of a pass (foldPass), whose changes
	// are added to the stored values once they are merged. No rule reads
	// a cell's value, they only add to it.
	changesOnly bool
	// strsHint is the number of strings of the largest state merged into
	// this one (see mergeStates), for the size hint
	strsHint int
}

// cellID names a cell by interned strings (state.strs). value2, when not 0,
// is the second part of a value written value/value2: DimCountryMinute's
// country/minute, which the batch need not build per post.
type cellID struct {
	camp                       uint16 // index in Aggregator.campaigns
	grain                      store.Grain
	dim, period, value, value2 uint32
}

// periodCells are the cells of one campaign, grain and period, by
// dimension id, then by value and value2 (value | value2<<32).
type periodCells struct {
	dims [groupDims]map[uint64]*cellEntry
}

// groupDims bounds the ids of the dimensions periodCells holds: newState
// interns every dimension the rules name first, so they have the smallest.
const groupDims = 16

func periodOfCell(id cellID) uint64 {
	return uint64(id.camp)<<40 | uint64(id.grain)<<32 | uint64(id.period)
}

type cellEntry struct {
	key  store.CellKey
	f    store.Figures
	base store.Figures // as read from the store, for merging (see foldPass)
}

// memberID names a member record: campaign index, interned day (the id of
// "" for the campaign record) and author key.
type memberID struct {
	camp   uint16
	day    uint32
	author string
}

type memberEntry struct {
	key    store.MemberKey
	m      store.Member
	exists bool
	dirty  bool
	// the periods of m.First, computed once per First (formatting times is dear)
	firstAt             int64
	firstDay, firstHour string
}

type dayKey struct{ campaign, day string }

// The slots of state.last: the strings of one contribution.
const (
	slotDay = iota
	slotHour
	slotMinute
	slotUTCHour
	slotDims    // and the next len(contribution.dims)
	internSlots = slotDims + len(contributionDims)
)

// blockSize is how many cells or members state allocates at a time.
const blockSize = 1024

// sizeHint is how many cells, members and strings the last batch had: the
// next starts with maps of that size rather than growing them again.
type sizeHint struct{ cells, members, strs int }

// newState returns a state over tx, its maps sized by h.
func newState(a *Aggregator, tx *store.RollupTx, h sizeHint) *state {
	s := &state{
		a: a, tx: tx,
		periods:    map[uint64]*periodCells{},
		other:      map[cellID]*cellEntry{},
		cellList:   make([]*cellEntry, 0, h.cells),
		members:    map[uint64]map[string]*memberEntry{},
		memberList: make([]*memberEntry, 0, h.members),
		strs:       make([]string, 1, h.strs+1),
		ids:        make(map[string]uint32, h.strs),
		topPosts:   map[dayKey][]store.TopPost{},
		topParts:   map[dayKey][]store.TopParticipant{},
		dirtyTop:   map[dayKey]bool{},
		touched:    map[string]bool{},
	}
	for i, d := range contributionDims {
		s.dimIDs[i] = s.intern(d)
	}
	s.empty = s.intern("")
	s.firstDim, s.minuteDim = s.intern(store.DimFirstHour), s.intern(store.DimMinute)
	s.countryMinuteDim, s.utcHourDim = s.intern(store.DimCountryMinute), s.intern(store.DimSourceUTCHour)
	if s.utcHourDim >= groupDims {
		panic("aggregator: groupDims is too small for the rules' dimensions")
	}
	return s
}

// intern returns the id of v, giving it one if it has none yet.
func (s *state) intern(v string) uint32 {
	if id, ok := s.ids[v]; ok {
		return id
	}
	id := uint32(len(s.strs))
	s.strs = append(s.strs, v)
	s.ids[v] = id
	return id
}

// internAt is intern, remembering the last string of a slot.
func (s *state) internAt(slot int, v string) uint32 {
	l := &s.last[slot]
	if l.id != 0 && l.s == v {
		return l.id
	}
	l.s, l.id = v, s.intern(v)
	return l.id
}

// coIDs are the interned strings of one contribution.
type coIDs struct {
	camp    uint16
	periods [3]uint32 // by store.Grains: "", day, hour
	minute  uint32
	utcHour uint32 // 0 when co.utcHour is ""
	vals    [len(contributionDims)]uint32
}

func (s *state) idsOf(co *contribution) coIDs {
	x := coIDs{camp: uint16(co.ci), periods: [3]uint32{s.empty, s.internAt(slotDay, co.day), s.internAt(slotHour, co.hour)}, minute: s.internAt(slotMinute, co.minute)}
	if co.utcHour != "" {
		x.utcHour = s.internAt(slotUTCHour, co.utcHour)
	}
	for i, dv := range co.dims {
		x.vals[i] = s.internAt(slotDims+i, dv.Value)
	}
	return x
}

// campaignIndex is the index of the named campaign in Aggregator.campaigns.
func (s *state) campaignIndex(name string) (uint16, error) {
	for i := range s.a.campaigns {
		if s.a.campaigns[i].Name == name {
			return uint16(i), nil
		}
	}
	return 0, fmt.Errorf("no campaign %q", name)
}

// cell returns the figures of a cell named by its string key.
func (s *state) cell(k store.CellKey) (*store.Figures, error) {
	ci, err := s.campaignIndex(k.Campaign)
	if err != nil {
		return nil, err
	}
	id := cellID{camp: ci, grain: k.Grain, dim: s.intern(k.Dim), period: s.intern(k.Period)}
	if country, minute, ok := strings.Cut(k.Value, "/"); ok && k.Dim == store.DimCountryMinute {
		id.value, id.value2 = s.intern(country), s.intern(minute) // as minuteCells names it
	} else {
		id.value = s.intern(k.Value)
	}
	return s.cellAt(id)
}

// cellAt returns the figures of a cell, read from the store the first time
// the batch touches it.
func (s *state) cellAt(id cellID) (*store.Figures, error) {
	if id.dim >= groupDims {
		if e, ok := s.other[id]; ok {
			return &e.f, nil
		}
		e, err := s.newCell(id)
		if err != nil {
			return nil, err
		}
		s.other[id] = e
		return &e.f, nil
	}
	pk := periodOfCell(id)
	pc := s.periods[pk]
	if pc == nil {
		pc = &periodCells{}
		s.periods[pk] = pc
	}
	m := pc.dims[id.dim]
	if m == nil {
		m = map[uint64]*cellEntry{}
		pc.dims[id.dim] = m
	}
	vk := uint64(id.value) | uint64(id.value2)<<32
	if e, ok := m[vk]; ok {
		return &e.f, nil
	}
	e, err := s.newCell(id)
	if err != nil {
		return nil, err
	}
	m[vk] = e
	return &e.f, nil
}

// newCell reads a cell the batch had not touched yet from the store.
func (s *state) newCell(id cellID) (*cellEntry, error) {
	k := store.CellKey{Campaign: s.a.campaigns[id.camp].Name, Grain: id.grain, Dim: s.strs[id.dim], Period: s.strs[id.period], Value: s.strs[id.value]}
	if id.value2 != 0 {
		k.Value += "/" + s.strs[id.value2]
	}
	var f store.Figures
	if !s.changesOnly {
		var err error
		if f, _, err = s.tx.Cell(k); err != nil {
			return nil, err
		}
	}
	if len(s.cellBuf) == cap(s.cellBuf) {
		s.cellBuf = make([]cellEntry, 0, blockSize)
	}
	s.cellBuf = append(s.cellBuf, cellEntry{key: k, f: f, base: f})
	e := &s.cellBuf[len(s.cellBuf)-1]
	s.cellList = append(s.cellList, e)
	return e, nil
}

// member returns a member record named by its string key.
func (s *state) member(k store.MemberKey) (*memberEntry, error) {
	ci, err := s.campaignIndex(k.Campaign)
	if err != nil {
		return nil, err
	}
	return s.memberAt(memberID{camp: ci, day: s.intern(k.Day), author: k.Author})
}

// memberAt returns a member record, read from the store the first time the
// batch touches it.
func (s *state) memberAt(id memberID) (*memberEntry, error) {
	gk := uint64(id.camp)<<32 | uint64(id.day)
	group := s.members[gk]
	if group == nil {
		group = map[string]*memberEntry{}
		s.members[gk] = group
	}
	if e, ok := group[id.author]; ok {
		return e, nil
	}
	k := store.MemberKey{Campaign: s.a.campaigns[id.camp].Name, Day: s.strs[id.day], Author: id.author}
	m, ok, err := s.tx.Member(k)
	if err != nil {
		return nil, err
	}
	if len(s.memberBuf) == cap(s.memberBuf) {
		s.memberBuf = make([]memberEntry, 0, blockSize)
	}
	s.memberBuf = append(s.memberBuf, memberEntry{key: k, m: m, exists: ok})
	e := &s.memberBuf[len(s.memberBuf)-1]
	group[id.author] = e
	s.memberList = append(s.memberList, e)
	return e, nil
}

var periodGrains = [...]store.Grain{store.GrainDay, store.GrainHour}

// add folds one post into the rollups. The rules, per campaign it belongs to:
//   - every cell of the post's periods (total, day, hour) and dimensions
//     counts the post and its kind;
//   - an author is a participant of a cell once; their followers count
//     towards the cell's reach, at the value of their latest post in that
//     period (by post time, so arrival order does not matter);
//   - an author is a new participant in the cells of the period holding
//     their first campaign post; if an earlier post arrives later, the
//     count moves from the old period's cells to the new one's.
func (s *state) add(p *store.Post) error {
	s.scratch = s.a.contributions(p, s.scratch)
	for i := range s.scratch {
		if err := s.addContribution(&s.scratch[i]); err != nil {
			return err
		}
	}
	return nil
}

func (s *state) addContribution(co *contribution) error {
	c := co.campaign
	s.touched[c.Name] = true
	x := s.idsOf(co)
	if co.author == "" {
		return s.addAuthorless(co, &x)
	}
	camp, err := s.memberAt(memberID{camp: x.camp, day: s.empty, author: co.author})
	if err != nil {
		return err
	}
	if !camp.exists {
		camp.m.First = co.at
	} else if co.at < camp.m.First {
		old := camp.m.First
		camp.m.First = co.at
		oldDay := periodOf(c, store.GrainDay, old)
		prev, err := s.memberAt(memberID{camp: x.camp, day: s.intern(oldDay), author: co.author})
		if err != nil {
			return err
		}
		for _, g := range periodGrains {
			p1, p0 := periodOf(c, g, old), periodOf(c, g, co.at)
			if p1 == p0 {
				continue
			}
			i := prev.m.Period(g, p1)
			if i < 0 {
				return fmt.Errorf("author %s: no record of their first period %s", co.author, p1)
			}
			for _, dv := range prev.m.Periods[i].In {
				f, err := s.cell(store.CellKey{Campaign: c.Name, Grain: g, Dim: dv.Dim, Period: p1, Value: dv.Value})
				if err != nil {
					return err
				}
				f.NewParticipants--
			}
		}
	}
	camp.exists, camp.dirty = true, true
	if camp.firstAt != camp.m.First || camp.firstDay == "" {
		camp.firstAt = camp.m.First
		if camp.m.First == co.at {
			camp.firstDay, camp.firstHour = co.day, co.hour
		} else {
			camp.firstDay, camp.firstHour = periodOf(c, store.GrainDay, camp.m.First), periodOf(c, store.GrainHour, camp.m.First)
		}
	}
	day, err := s.memberAt(memberID{camp: x.camp, day: x.periods[1], author: co.author})
	if err != nil {
		return err
	}
	day.exists, day.dirty = true, true

	// Find or add the author's entries for the post's three periods first:
	// adding may move a slice, so take pointers only after.
	periods := [3]string{"", co.day, co.hour}
	recs := [3]*store.Member{&camp.m, &day.m, &day.m}
	var idx [3]int
	var fresh [3]bool
	for gi, g := range store.Grains {
		m := recs[gi]
		i := m.Period(g, periods[gi])
		if i < 0 {
			if m.Periods == nil {
				m.Periods = make([]store.PeriodMember, 0, 2)
			}
			m.Periods = append(m.Periods, store.PeriodMember{Grain: g, Period: periods[gi], FirstSeen: co.at, LastSeen: co.at, Followers: co.follow,
				In: make([]store.DimValue, 0, len(co.dimsFor(g)))})
			i, fresh[gi] = len(m.Periods)-1, true
		}
		idx[gi] = i
	}
	for gi, g := range store.Grains {
		pm := &recs[gi].Periods[idx[gi]]
		period := periods[gi]
		id := cellID{camp: x.camp, grain: g, period: x.periods[gi]}
		isNew := g == store.GrainTotal || (g == store.GrainDay && camp.firstDay == period) || (g == store.GrainHour && camp.firstHour == period)
		if g == store.GrainDay {
			if err := s.firstHour(co, &x, pm, fresh[gi]); err != nil {
				return err
			}
		}
		if co.at >= pm.LastSeen {
			if !fresh[gi] && co.follow != pm.Followers {
				for _, dv := range pm.In {
					id.dim, id.value = s.intern(dv.Dim), s.intern(dv.Value)
					f, err := s.cellAt(id)
					if err != nil {
						return err
					}
					f.Reach = store.AddReach(f.Reach, co.follow-pm.Followers)
				}
				if g == store.GrainDay {
					for _, k := range firstKeys(c, period, pm.FirstSeen) {
						f, err := s.cell(k)
						if err != nil {
							return err
						}
						f.Reach = store.AddReach(f.Reach, co.follow-pm.Followers)
					}
				}
			}
			pm.LastSeen, pm.Followers = co.at, co.follow
			if g == store.GrainDay {
				pm.Handle = co.handle
			}
		}
		pm.Posts++
		for i, dv := range co.dimsFor(g) {
			id.dim, id.value = s.dimIDs[i], x.vals[i]
			f, err := s.cellAt(id)
			if err != nil {
				return err
			}
			f.CountKind(co.kind)
			if !pm.Has(dv.Dim, dv.Value) {
				pm.In = append(pm.In, dv)
				f.Participants++
				f.Reach = store.AddReach(f.Reach, pm.Followers)
				if isNew {
					f.NewParticipants++
				}
			}
		}
		if g == store.GrainDay {
			if err := s.updateTops(co, pm); err != nil {
				return err
			}
		}
	}
	return s.countExtra(co, &x)
}

// countExtra counts a contribution's post in its day's minute,
// country_minute and (where the campaign's hours are not UTC hours)
// source_utc_hour cells: posts and kinds only.
func (s *state) countExtra(co *contribution, x *coIDs) error {
	for _, id := range s.minuteCells(x) {
		f, err := s.cellAt(id)
		if err != nil {
			return err
		}
		f.CountKind(co.kind)
	}
	if x.utcHour != 0 {
		f, err := s.cellAt(cellID{camp: x.camp, grain: store.GrainDay, dim: s.utcHourDim, period: x.periods[1], value: x.utcHour})
		if err != nil {
			return err
		}
		f.CountKind(co.kind)
	}
	return nil
}

// minuteCells are contribution.minuteKeys by id.
func (s *state) minuteCells(x *coIDs) [2]cellID {
	return [2]cellID{
		{camp: x.camp, grain: store.GrainDay, dim: s.minuteDim, period: x.periods[1], value: x.minute},
		{camp: x.camp, grain: store.GrainDay, dim: s.countryMinuteDim, period: x.periods[1], value: x.vals[1], value2: x.minute},
	}
}

// addAuthorless folds in a post whose platform gives no author (Instagram's
// hashtag media): it counts as a post, in every cell and among the top
// posts, and adds no participant and no reach.
func (s *state) addAuthorless(co *contribution, x *coIDs) error {
	for gi, g := range store.Grains {
		id := cellID{camp: x.camp, grain: g, period: x.periods[gi]}
		for i := range co.dimsFor(g) {
			id.dim, id.value = s.dimIDs[i], x.vals[i]
			f, err := s.cellAt(id)
			if err != nil {
				return err
			}
			f.CountKind(co.kind)
		}
	}
	if err := s.countExtra(co, x); err != nil {
		return err
	}
	if !co.hasTop {
		return nil
	}
	k := dayKey{co.campaign.Name, co.day}
	if _, ok := s.topPosts[k]; !ok {
		parts, err := s.tx.TopParticipants(k.campaign, k.day)
		if err != nil {
			return err
		}
		posts, err := s.tx.TopPosts(k.campaign, k.day)
		if err != nil {
			return err
		}
		s.topParts[k], s.topPosts[k] = parts, posts
	}
	var changed bool
	if s.topPosts[k], changed = insertTopPost(s.topPosts[k], co.top, s.a.opts.TopN); changed {
		s.dirtyTop[k] = true
	}
	return nil
}

// firstKeys are the cells of a day that count an author whose first post
// of the day came at first (UnixNano): its first_hour and its minute cell.
func firstKeys(c *store.Campaign, day string, first int64) [2]store.CellKey {
	return firstCells(c, day, periodOf(c, store.GrainHour, first), minuteOf(first))
}

// firstCells are firstKeys for an hour and a minute already formatted.
func firstCells(c *store.Campaign, day, hour, minute string) [2]store.CellKey {
	return [2]store.CellKey{
		{Campaign: c.Name, Grain: store.GrainDay, Dim: store.DimFirstHour, Period: day, Value: hour},
		{Campaign: c.Name, Grain: store.GrainDay, Dim: store.DimMinute, Period: day, Value: minute},
	}
}

// firstHour keeps the day's first_hour and minute cells: an author counts
// in the hour and the minute of their first post of the day; an earlier
// post moves them.
func (s *state) firstHour(co *contribution, x *coIDs, day *store.PeriodMember, fresh bool) error {
	if !fresh {
		if co.at >= day.FirstSeen {
			return nil
		}
		old := firstKeys(co.campaign, co.day, day.FirstSeen)
		day.FirstSeen = co.at
		for _, k := range old {
			f, err := s.cell(k)
			if err != nil {
				return err
			}
			f.Participants--
			f.Reach = store.AddReach(f.Reach, -day.Followers)
		}
	}
	// the cells of firstCells(co.campaign, co.day, co.hour, co.minute), by
	// the post's interned hour and minute
	for _, id := range [2]cellID{
		{camp: x.camp, grain: store.GrainDay, dim: s.firstDim, period: x.periods[1], value: x.periods[2]},
		{camp: x.camp, grain: store.GrainDay, dim: s.minuteDim, period: x.periods[1], value: x.minute},
	} {
		f, err := s.cellAt(id)
		if err != nil {
			return err
		}
		f.Participants++
		f.Reach = store.AddReach(f.Reach, day.Followers)
	}
	return nil
}

func (s *state) updateTops(co *contribution, day *store.PeriodMember) error {
	k := dayKey{co.campaign.Name, co.day}
	parts, ok := s.topParts[k]
	if !ok {
		var err error
		if parts, err = s.tx.TopParticipants(k.campaign, k.day); err != nil {
			return err
		}
		posts, err := s.tx.TopPosts(k.campaign, k.day)
		if err != nil {
			return err
		}
		s.topPosts[k] = posts
	}
	s.topParts[k] = updateTopParticipant(parts, store.TopParticipant{Author: co.author, Handle: day.Handle, Posts: day.Posts, Followers: day.Followers}, s.a.opts.TopN)
	s.dirtyTop[k] = true
	if co.hasTop {
		s.topPosts[k], _ = insertTopPost(s.topPosts[k], co.top, s.a.opts.TopN)
	}
	return nil
}

// flush writes every changed cell, member and top list, in key order
// (bbolt inserts sorted keys fastest), each key encoded once.
func (s *state) flush() error {
	cells, members := s.sorted()
	return s.write(cells, members)
}

// cellKV and memberKV are a cell and a member record with their keys
// encoded.
type (
	cellKV struct {
		enc []byte
		e   *cellEntry
	}
	memberKV struct {
		enc []byte
		val []byte // the record encoded (store.AppendMember)
	}
)

// sorted returns the batch's cells and changed member records with their
// keys encoded, each in key order, and the member records encoded too. It
// only reads the state: the workers of a pass (foldPass) run it on their
// own states, so that the encoding is done on every core. The keys and
// records are encoded into blocks of memory rather than one allocation
// each; they stay unchanged until written.
func (s *state) sorted() ([]cellKV, []memberKV) {
	var arena []byte
	alloc := func(n int) []byte {
		if cap(arena)-len(arena) < n {
			arena = make([]byte, 0, max(n, 256<<10))
		}
		return arena[len(arena):]
	}
	keep := func(b []byte) []byte { // b was appended to alloc's slice, which it outgrew if it moved
		if free := arena[len(arena):cap(arena)]; len(b) > 0 && len(b) <= len(free) && &free[0] == &b[0] {
			arena = arena[:len(arena)+len(b)]
		}
		return b[:len(b):len(b)]
	}
	cells := make([]cellKV, 0, len(s.cellList))
	for _, e := range s.cellList {
		cells = append(cells, cellKV{keep(e.key.Append(alloc(e.key.Len()))), e})
	}
	slices.SortFunc(cells, func(x, y cellKV) int { return bytes.Compare(x.enc, y.enc) })
	members := make([]memberKV, 0, len(s.memberList))
	for _, e := range s.memberList {
		if e.dirty {
			k := keep(e.key.Append(alloc(e.key.Len())))
			v := keep(store.AppendMember(alloc(store.MemberSizeHint(&e.m)), &e.m))
			members = append(members, memberKV{k, v})
		}
	}
	slices.SortFunc(members, func(x, y memberKV) int { return bytes.Compare(x.enc, y.enc) })
	return cells, members
}

// write writes cells and members (from sorted) and every changed top list.
// A cell at its stored value is left as it is.
func (s *state) write(cells []cellKV, members []memberKV) error {
	for _, c := range cells {
		if c.e.f == c.e.base {
			continue
		}
		if err := s.tx.PutCellBytes(c.enc, c.e.f); err != nil {
			return err
		}
	}
	for _, m := range members {
		if err := s.tx.PutMemberBytes(m.enc, m.val); err != nil {
			return err
		}
	}
	for k := range s.dirtyTop {
		if err := s.tx.PutTopParticipants(k.campaign, k.day, s.topParts[k]); err != nil {
			return err
		}
		if err := s.tx.PutTopPosts(k.campaign, k.day, s.topPosts[k]); err != nil {
			return err
		}
	}
	s.a.hint = sizeHint{cells: len(cells), members: len(members), strs: max(len(s.strs), s.strsHint)}
	return nil
}
