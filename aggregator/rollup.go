package aggregator

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"time"

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
// first touches it. Most of a post's cells are found without hashing at
// all: those of its dimensions in slices by period (periodCells.dense),
// its minute's by the entry of its minute in periodCache, and its author's
// records by one lookup of the author (authorRecs).
type state struct {
	a  *Aggregator
	tx *store.RollupTx
	// cells by campaign, grain and period (periodOfCell), then by dimension
	// and value; other holds the cells of dimensions with an id of
	// groupDims or more (none the rules name now)
	periods  map[uint64]*periodCells
	other    map[cellID]*cellEntry
	cellList []*cellEntry
	cellBuf  []cellEntry // storage for cells, in blocks: pointers stay put
	// authors holds the member records of the batch by campaign index,
	// then author: one lookup finds all of an author's records
	authors    []map[string]*authorRecs
	authorBuf  []authorRecs
	memberList []*memberEntry
	memberBuf  []memberEntry
	dvBuf      []store.DimValue     // storage for new PeriodMember.In lists
	pmBuf      []store.PeriodMember // storage for new Member.Periods lists
	strs       []string             // interned strings by id; id 0 is none
	ids        map[string]uint32    // interned string → id
	// last is, per slot of a contribution's strings, the last string
	// interned there: consecutive posts mostly share day and hour
	last [internSlots]struct {
		s  string
		id uint32
	}
	// recent is, per dimension of contributionDims, the last few values
	// interned there with their ids and dense indices: a dimension has a
	// few values (kinds, sources), and posts keep repeating them
	recent [len(contributionDims)][recentVals]recentVal
	// dense gives, per dimension of contributionDims, the dense index of
	// each value id (-1: past denseVals, in periodCells.dims); nDense counts
	// the dense indices given
	dense  [len(contributionDims)]map[uint32]int32
	nDense [len(contributionDims)]int32
	// minutes holds the minute and country_minute cells by minute
	minutes map[minuteKey]*minuteCells
	// lastPC caches, by grain (as in store.Grains), the periodCells of the
	// last period looked up
	lastPC [3]struct {
		key uint64
		pc  *periodCells
	}
	// ids of the dims of contribution.dims, of "", and of the dimensions
	// of the day's extra cells
	dimIDs                                                   [len(contributionDims)]uint32
	empty, firstDim, minuteDim, countryMinuteDim, utcHourDim uint32

	topPosts map[dayKey][]store.TopPost
	topParts map[dayKey][]store.TopParticipant
	dirtyTop map[dayKey]bool
	scratch  []contribution
	// periodCache gives the periods of the posts' minutes, with the ids
	// this state gave them
	periodCache periodCache
	touched     map[string]bool // campaigns whose figures changed
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
// dimension id, then by value and value2 (value | value2<<32). The cells of
// the dimensions of contribution.dims, the two dozen a post counts in, are
// in dense instead, by the dimension's index in contributionDims and the
// value's dense index (state.denseOf): a post finds them by indexing
// slices, not by hashing. A value past denseVals is in dims.
type periodCells struct {
	dims  [groupDims]map[uint64]*cellEntry
	dense [len(contributionDims)][]*cellEntry
}

// minuteKey names the minute cells of a campaign's day: the minute and
// country_minute cells of one minute.
type minuteKey struct {
	camp        uint16
	day, minute uint32
}

// minuteCells are the store.DimMinute cell of one minute and its
// store.DimCountryMinute cells, by the country's dense index (denseOf); a
// country past denseVals is in periodCells.dims.
type minuteCells struct {
	minute    *cellEntry
	countries []*cellEntry
}

// denseVals bounds the values of one dimension that periodCells holds
// densely (a batch has a few dozen countries, languages…): hostile data
// with thousands of languages costs map lookups, not memory per period.
const denseVals = 256

// groupDims bounds the ids of the dimensions periodCells holds: newState
// interns every dimension the rules name first, so they have the smallest.
const groupDims = 16

func periodOfCell(id cellID) uint64 {
	return uint64(id.camp)<<40 | uint64(id.grain)<<32 | uint64(id.period)
}

type cellEntry struct {
	key store.CellKey
	// value2, when not "", is the second part of the key's value, which is
	// key.Value + "/" + value2 (cellID.value2): the key is encoded
	// (appendKey) without building the value
	value2 string
	f      store.Figures
	base   store.Figures // as read from the store, for merging (see foldPass)
}

// keyLen is the length of the cell's key encoded.
func (e *cellEntry) keyLen() int {
	if e.value2 != "" {
		return e.key.Len() + 1 + len(e.value2)
	}
	return e.key.Len()
}

// appendKey appends the cell's key encoded (store.CellKey.Append) to b.
func (e *cellEntry) appendKey(b []byte) []byte {
	b = e.key.Append(b)
	if e.value2 != "" {
		b = append(append(b, '/'), e.value2...)
	}
	return b
}

// fullKey is the cell's key.
func (e *cellEntry) fullKey() store.CellKey {
	k := e.key
	if e.value2 != "" {
		k.Value += "/" + e.value2
	}
	return k
}

// memberID names a member record: campaign index, interned day (the id of
// "" for the campaign record) and author key.
type memberID struct {
	camp   uint16
	day    uint32
	author string
}

// authorRecs are the member records of one author in one campaign that the
// batch has touched: the campaign record (nil until touched) and day
// records, by interned day. An author has a few days in a batch: a
// slice, searched from the end, finds them.
type authorRecs struct {
	camp   *memberEntry
	days   []dayRec
	inline [2]dayRec // days' first storage
}

type dayRec struct {
	day uint32
	e   *memberEntry
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

// The slots of state.last: the periods of one contribution (its
// dimensions' values are in state.recent).
const (
	slotDay = iota
	slotHour
	slotMinute
	slotUTCHour
	internSlots
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
		minutes:    map[minuteKey]*minuteCells{},
		cellList:   make([]*cellEntry, 0, h.cells),
		authors:    make([]map[string]*authorRecs, len(a.campaigns)),
		memberList: make([]*memberEntry, 0, h.members),
		strs:       make([]string, 1, h.strs+1),
		ids:        make(map[string]uint32, h.strs),
		topPosts:   map[dayKey][]store.TopPost{},
		topParts:   map[dayKey][]store.TopParticipant{},
		dirtyTop:   map[dayKey]bool{},
		touched:    map[string]bool{},
	}
	s.periodCache = newPeriodCache(a)
	for i, d := range contributionDims {
		s.dimIDs[i] = s.intern(d)
		if s.dimIDs[i] != uint32(i+1) {
			panic("aggregator: the dimensions of contributions must be interned first")
		}
		s.dense[i] = map[uint32]int32{}
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

// recentVals is how many values state.recent keeps per dimension.
const recentVals = 8

type recentVal struct {
	s     string
	id    uint32
	dense int32
}

// coIDs are the interned strings of one contribution.
type coIDs struct {
	camp    uint16
	periods [3]uint32 // by store.Grains: "", day, hour
	minute  uint32
	utcHour uint32 // 0 when co.utcHour is ""
	vals    [len(contributionDims)]uint32
	dense   [len(contributionDims)]int32 // of vals, by denseOf
	pcs     [3]*periodCells              // of periods
	mc      *minuteCells                 // of minute
	// firstHour is the day's first_hour cell of the hour, nil until
	// looked up (then kept in the periodCache entry, when there is one)
	firstHour *store.Figures
	mp        *minutePeriods
}

func (s *state) idsOf(co *contribution) coIDs {
	x := coIDs{camp: uint16(co.ci), mp: co.mp}
	if mp := co.mp; mp != nil && mp.interned {
		x.periods, x.minute, x.pcs, x.mc, x.firstHour = [3]uint32{s.empty, mp.dayID, mp.hourID}, mp.minuteID, mp.pcs, mp.mc, mp.firstHour
	} else {
		x.periods, x.minute = [3]uint32{s.empty, s.internAt(slotDay, co.day), s.internAt(slotHour, co.hour)}, s.internAt(slotMinute, co.minute)
		for gi, g := range store.Grains {
			x.pcs[gi] = s.periodCellsAt(gi, periodOfCell(cellID{camp: x.camp, grain: g, period: x.periods[gi]}))
		}
		x.mc = s.minuteCellsOf(minuteKey{camp: x.camp, day: x.periods[1], minute: x.minute})
		if mp != nil {
			mp.interned, mp.dayID, mp.hourID, mp.minuteID, mp.pcs, mp.mc = true, x.periods[1], x.periods[2], x.minute, x.pcs, x.mc
		}
	}
	if co.utcHour != "" {
		x.utcHour = s.internAt(slotUTCHour, co.utcHour)
	}
	for i, dv := range co.dims {
		x.vals[i], x.dense[i] = s.valueIDs(i, dv.Value)
	}
	return x
}

// valueIDs returns the id and dense index of value v of dimension d of
// contributionDims, from state.recent when it is there.
func (s *state) valueIDs(d int, v string) (uint32, int32) {
	r := &s.recent[d]
	for i := range r {
		if r[i].id == 0 {
			break
		}
		if r[i].s == v {
			if i > 0 { // move to front: the most frequent stay
				r[i], r[i-1] = r[i-1], r[i]
				i--
			}
			return r[i].id, r[i].dense
		}
	}
	id := s.intern(v)
	e := recentVal{s: v, id: id, dense: s.denseOf(d, id)}
	copy(r[1:], r[:len(r)-1])
	r[0] = e
	return e.id, e.dense
}

// denseOf is the dense index of value id in dimension d of
// contributionDims, -1 past denseVals.
func (s *state) denseOf(d int, id uint32) int32 {
	if v, ok := s.dense[d][id]; ok {
		return v
	}
	v := int32(-1)
	if s.nDense[d] < denseVals {
		v = s.nDense[d]
		s.nDense[d]++
	}
	s.dense[d][id] = v
	return v
}

// periodCellsAt returns the cells of a period (periodOfCell), by the
// cache of grain index gi.
func (s *state) periodCellsAt(gi int, pk uint64) *periodCells {
	l := &s.lastPC[gi]
	if l.pc != nil && l.key == pk {
		return l.pc
	}
	pc := s.periods[pk]
	if pc == nil {
		pc = &periodCells{}
		s.periods[pk] = pc
	}
	l.key, l.pc = pk, pc
	return pc
}

// grainIndex is the index of g in store.Grains.
func grainIndex(g store.Grain) int {
	switch g {
	case store.GrainDay:
		return 1
	case store.GrainHour:
		return 2
	}
	return 0
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
	if id.grain == store.GrainDay && (id.dim == s.minuteDim && id.value2 == 0 || id.dim == s.countryMinuteDim && id.value2 != 0) {
		country := int32(-1)
		if id.dim == s.countryMinuteDim {
			country = s.denseOf(1, id.value)
		}
		return s.minuteCell(id, country)
	}
	pc := s.periodCellsAt(grainIndex(id.grain), periodOfCell(id))
	if d := int(id.dim) - 1; d >= 0 && d < len(contributionDims) && id.value2 == 0 {
		return s.denseCell(pc, id, s.denseOf(d, id.value))
	}
	return s.mapCell(pc, id)
}

// minuteCell is cellAt for a day's minute cell, or its country_minute cell
// of the country at dense index country (of store.DimCountry, denseOf).
func (s *state) minuteCell(id cellID, country int32) (*store.Figures, error) {
	k := minuteKey{camp: id.camp, day: id.period, minute: id.value}
	if id.dim == s.countryMinuteDim {
		k.minute = id.value2
	}
	return s.minuteCellIn(s.minuteCellsOf(k), id, country)
}

// minuteCellsOf returns the minute cells named by k.
func (s *state) minuteCellsOf(k minuteKey) *minuteCells {
	mc := s.minutes[k]
	if mc == nil {
		mc = &minuteCells{}
		s.minutes[k] = mc
	}
	return mc
}

// minuteCellIn is minuteCell for the cells mc of the minute.
func (s *state) minuteCellIn(mc *minuteCells, id cellID, country int32) (*store.Figures, error) {
	var slot **cellEntry
	switch {
	case id.dim == s.minuteDim:
		slot = &mc.minute
	case country < 0:
		return s.mapCell(s.periodCellsAt(1, periodOfCell(id)), id)
	default:
		if int(country) >= len(mc.countries) {
			mc.countries = append(mc.countries, make([]*cellEntry, int(country)+1-len(mc.countries))...)
		}
		slot = &mc.countries[country]
	}
	if *slot == nil {
		e, err := s.newCell(id)
		if err != nil {
			return nil, err
		}
		*slot = e
	}
	return &(*slot).f, nil
}

// denseCell is cellAt for a cell of a dimension of contributionDims in
// period pc, its value at dense index vi (denseOf).
func (s *state) denseCell(pc *periodCells, id cellID, vi int32) (*store.Figures, error) {
	if vi < 0 {
		return s.mapCell(pc, id)
	}
	d := id.dim - 1
	l := pc.dense[d]
	if int(vi) < len(l) {
		if e := l[vi]; e != nil {
			return &e.f, nil
		}
	} else {
		l = append(l, make([]*cellEntry, int(vi)+1-len(l))...)
		pc.dense[d] = l
	}
	e, err := s.newCell(id)
	if err != nil {
		return nil, err
	}
	l[vi] = e
	return &e.f, nil
}

// mapCell is cellAt for a cell in pc.dims.
func (s *state) mapCell(pc *periodCells, id cellID) (*store.Figures, error) {
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
	if len(s.cellBuf) == cap(s.cellBuf) {
		s.cellBuf = make([]cellEntry, 0, blockSize)
	}
	s.cellBuf = append(s.cellBuf, cellEntry{key: store.CellKey{Campaign: s.a.campaigns[id.camp].Name, Grain: id.grain, Dim: s.strs[id.dim], Period: s.strs[id.period], Value: s.strs[id.value]}})
	e := &s.cellBuf[len(s.cellBuf)-1]
	if id.value2 != 0 {
		if e.value2 = s.strs[id.value2]; e.value2 == "" {
			e.key.Value += "/" // value2 "" stands for none
		}
	}
	if !s.changesOnly {
		f, _, err := s.tx.Cell(e.fullKey())
		if err != nil {
			s.cellBuf = s.cellBuf[:len(s.cellBuf)-1]
			return nil, err
		}
		e.f, e.base = f, f
	}
	s.cellList = append(s.cellList, e)
	return e, nil
}

// inCell is cellOf for dv, the jth entry of a PeriodMember.In, in the
// cells pc of the period (nil: looked up): the cell of a dimension of
// contributionDims is found by the dimension's index (mostly j: an In
// holds them mostly in their order) and the value's ids (valueIDs), as
// addContribution finds a post's, rather than by hashing its strings.
func (s *state) inCell(camp uint16, g store.Grain, period uint32, pc *periodCells, j int, dv store.DimValue) (*store.Figures, error) {
	d := -1
	if j < len(contributionDims) && dv.Dim == contributionDims[j] {
		d = j
	} else {
		for i := range contributionDims {
			if dv.Dim == contributionDims[i] {
				d = i
				break
			}
		}
	}
	if d < 0 {
		return s.cellOf(camp, g, period, dv)
	}
	id := cellID{camp: camp, grain: g, dim: s.dimIDs[d], period: period}
	var dense int32
	id.value, dense = s.valueIDs(d, dv.Value)
	if pc == nil {
		pc = s.periodCellsAt(grainIndex(g), periodOfCell(id))
	}
	return s.denseCell(pc, id, dense)
}

// cellOf is the cell of dimension value dv in a period (interned) of a
// campaign (by index) and grain: cell, without building its string key.
func (s *state) cellOf(camp uint16, g store.Grain, period uint32, dv store.DimValue) (*store.Figures, error) {
	if dv.Dim == store.DimCountryMinute { // its value has two parts
		return s.cell(store.CellKey{Campaign: s.a.campaigns[camp].Name, Grain: g, Dim: dv.Dim, Period: s.strs[period], Value: dv.Value})
	}
	return s.cellAt(cellID{camp: camp, grain: g, dim: s.intern(dv.Dim), period: period, value: s.intern(dv.Value)})
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
	return s.recordOf(s.authorOf(id.camp, id.author), id)
}

// authorOf returns the records of an author in campaign camp, adding them
// (with none yet) the first time the batch meets the author.
func (s *state) authorOf(camp uint16, author string) *authorRecs {
	m := s.authors[camp]
	if m == nil {
		m = map[string]*authorRecs{}
		s.authors[camp] = m
	}
	if r, ok := m[author]; ok {
		return r
	}
	if len(s.authorBuf) == cap(s.authorBuf) {
		s.authorBuf = make([]authorRecs, 0, blockSize)
	}
	s.authorBuf = append(s.authorBuf, authorRecs{})
	r := &s.authorBuf[len(s.authorBuf)-1]
	r.days = r.inline[:0]
	m[author] = r
	return r
}

// recordOf returns the member record id of the author whose records r
// are, read from the store the first time the batch touches it.
func (s *state) recordOf(r *authorRecs, id memberID) (*memberEntry, error) {
	if id.day == s.empty {
		if r.camp != nil {
			return r.camp, nil
		}
	} else {
		for i := len(r.days) - 1; i >= 0; i-- {
			if r.days[i].day == id.day {
				return r.days[i].e, nil
			}
		}
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
	if id.day == s.empty {
		r.camp = e
	} else {
		r.days = append(r.days, dayRec{id.day, e})
	}
	s.memberList = append(s.memberList, e)
	return e, nil
}

// inList returns an empty list of capacity n for a new PeriodMember.In,
// from storage allocated in blocks. Its capacity is exact: appending past
// it moves it, never onto the next list.
func (s *state) inList(n int) []store.DimValue {
	if cap(s.dvBuf)-len(s.dvBuf) < n {
		s.dvBuf = make([]store.DimValue, 0, max(n, 8*blockSize))
	}
	i := len(s.dvBuf)
	s.dvBuf = s.dvBuf[:i+n]
	return s.dvBuf[i : i : i+n]
}

// periodList returns an empty list of capacity n for a new
// Member.Periods, from storage allocated in blocks, as inList does.
func (s *state) periodList(n int) []store.PeriodMember {
	if cap(s.pmBuf)-len(s.pmBuf) < n {
		s.pmBuf = make([]store.PeriodMember, 0, max(n, blockSize))
	}
	i := len(s.pmBuf)
	s.pmBuf = s.pmBuf[:i+n]
	return s.pmBuf[i : i : i+n]
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
	s.scratch = s.a.contributionsCached(p, s.scratch, &s.periodCache)
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
	periods := [3]string{"", co.day, co.hour} // by store.Grains
	recs := s.authorOf(x.camp, co.author)
	camp, err := s.recordOf(recs, memberID{camp: x.camp, day: s.empty, author: co.author})
	if err != nil {
		return err
	}
	if !camp.exists {
		camp.m.First = co.at
	} else if co.at < camp.m.First {
		old := camp.m.First
		camp.m.First = co.at
		// the periods of old: as the record keeps them formatted, else
		// formatted now
		oldPeriods := [2]string{camp.firstDay, camp.firstHour}
		if camp.firstAt != old || camp.firstDay == "" {
			oldPeriods = [2]string{periodOf(c, store.GrainDay, old), periodOf(c, store.GrainHour, old)}
		}
		prev, err := s.recordOf(recs, memberID{camp: x.camp, day: s.intern(oldPeriods[0]), author: co.author})
		if err != nil {
			return err
		}
		for pi, g := range periodGrains {
			p1, p0 := oldPeriods[pi], periods[pi+1]
			if p1 == p0 {
				continue
			}
			i := prev.m.Period(g, p1)
			if i < 0 {
				return fmt.Errorf("author %s: no record of their first period %s", co.author, p1)
			}
			pid := s.intern(p1)
			for j, dv := range prev.m.Periods[i].In {
				f, err := s.inCell(x.camp, g, pid, nil, j, dv)
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
	day, err := s.recordOf(recs, memberID{camp: x.camp, day: x.periods[1], author: co.author})
	if err != nil {
		return err
	}
	day.exists, day.dirty = true, true

	// Find or add the author's entries for the post's three periods first:
	// adding may move a slice, so take pointers only after.
	mrecs := [3]*store.Member{&camp.m, &day.m, &day.m}
	var idx [3]int
	var fresh [3]bool
	for gi, g := range store.Grains {
		m := mrecs[gi]
		i := m.Period(g, periods[gi])
		if i < 0 {
			if m.Periods == nil {
				m.Periods = s.periodList(min(gi+1, 2)) // a campaign record has one, a day's its day and hours
			}
			m.Periods = append(m.Periods, store.PeriodMember{Grain: g, Period: periods[gi], FirstSeen: co.at, LastSeen: co.at, Followers: co.follow,
				In: s.inList(len(co.dimsFor(g)))})
			i, fresh[gi] = len(m.Periods)-1, true
		}
		idx[gi] = i
	}
	for gi, g := range store.Grains {
		pm := &mrecs[gi].Periods[idx[gi]]
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
				for j, dv := range pm.In {
					f, err := s.inCell(x.camp, g, x.periods[gi], x.pcs[gi], j, dv)
					if err != nil {
						return err
					}
					f.Reach = store.AddReach(f.Reach, co.follow-pm.Followers)
				}
				if g == store.GrainDay {
					fs, err := s.firstCellsAt(co, &x, pm.FirstSeen)
					if err != nil {
						return err
					}
					for _, f := range fs {
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
			f, err := s.denseCell(x.pcs[gi], id, x.dense[i])
			if err != nil {
				return err
			}
			f.CountKind(co.kind)
			// a new entry has none of the post's dimensions (they are
			// distinct) yet
			// (and an entry holds them mostly in their order)
			if fresh[gi] || !(i < len(pm.In) && pm.In[i] == dv) && !pm.Has(dv.Dim, dv.Value) {
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
		f, err := s.minuteCellIn(x.mc, id, x.dense[1]) // the country's, for country_minute
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
			f, err := s.denseCell(x.pcs[gi], id, x.dense[i])
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

// firstCellsAt are the cells of firstKeys(co.campaign, co.day, first) for
// the day of contribution co (its ids x): found by the ids of first's
// minute in the periodCache, as a post's own cells are, rather than by
// formatting first's hour and minute and hashing the keys' strings.
func (s *state) firstCellsAt(co *contribution, x *coIDs, first int64) ([2]*store.Figures, error) {
	var out [2]*store.Figures
	mp := s.periodCache.periodsAt(co.ci, co.campaign, time.Unix(0, first))
	if mp == nil || mp.day != co.day {
		for i, k := range firstKeys(co.campaign, co.day, first) {
			f, err := s.cell(k)
			if err != nil {
				return out, err
			}
			out[i] = f
		}
		return out, nil
	}
	var hour, minute uint32
	var mc *minuteCells
	if mp.interned {
		hour, minute, mc = mp.hourID, mp.minuteID, mp.mc
	} else {
		hour, minute = s.intern(mp.hour), s.intern(mp.minute)
		mc = s.minuteCellsOf(minuteKey{camp: x.camp, day: x.periods[1], minute: minute})
	}
	f, err := s.cellAt(cellID{camp: x.camp, grain: store.GrainDay, dim: s.firstDim, period: x.periods[1], value: hour})
	if err != nil {
		return out, err
	}
	out[0] = f
	if out[1], err = s.minuteCellIn(mc, cellID{camp: x.camp, grain: store.GrainDay, dim: s.minuteDim, period: x.periods[1], value: minute}, -1); err != nil {
		return out, err
	}
	return out, nil
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
		old, err := s.firstCellsAt(co, x, day.FirstSeen)
		if err != nil {
			return err
		}
		day.FirstSeen = co.at
		for _, f := range old {
			f.Participants--
			f.Reach = store.AddReach(f.Reach, -day.Followers)
		}
	}
	// the cells of firstCells(co.campaign, co.day, co.hour, co.minute), by
	// the post's interned hour and minute
	if x.firstHour == nil {
		f, err := s.cellAt(cellID{camp: x.camp, grain: store.GrainDay, dim: s.firstDim, period: x.periods[1], value: x.periods[2]})
		if err != nil {
			return err
		}
		x.firstHour = f
		if x.mp != nil {
			x.mp.firstHour = f
		}
	}
	minute, err := s.minuteCellIn(x.mc, cellID{camp: x.camp, grain: store.GrainDay, dim: s.minuteDim, period: x.periods[1], value: x.minute}, -1)
	if err != nil {
		return err
	}
	for _, f := range [2]*store.Figures{x.firstHour, minute} {
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
	e := store.TopParticipant{Author: co.author, Handle: day.Handle, Posts: day.Posts, Followers: day.Followers}
	// An author who would not enter a full list is not in it: their
	// entry there, at a lower count, would rank after e, so after the
	// last. updateTopParticipant would leave it as it is.
	if n := s.a.opts.TopN; len(parts) < n || topParticipantLess(e, parts[len(parts)-1]) <= 0 {
		s.topParts[k] = updateTopParticipant(parts, e, n)
	} else if !ok {
		s.topParts[k] = parts
	}
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
		cells = append(cells, cellKV{keep(e.appendKey(alloc(e.keyLen()))), e})
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
