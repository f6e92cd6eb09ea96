package aggregator

import (
	"bytes"
	"fmt"
	"slices"

	"github.com/tagpulse/tagpulse/store"
)

// state folds a batch of posts into the rollups of one transaction. It reads
// cells, members and top lists once, changes them in memory, and writes each
// changed one once in flush.
type state struct {
	a        *Aggregator
	tx       *store.RollupTx
	cells    map[store.CellKey]*store.Figures
	members  map[store.MemberKey]*memberEntry
	topPosts map[dayKey][]store.TopPost
	topParts map[dayKey][]store.TopParticipant
	dirtyTop map[dayKey]bool
	scratch  []contribution
	touched  map[string]bool // campaigns whose figures changed
}

type memberEntry struct {
	m      store.Member
	exists bool
	dirty  bool
	// the periods of m.First, computed once per First (formatting times is dear)
	firstAt             int64
	firstDay, firstHour string
}

type dayKey struct{ campaign, day string }

func newState(a *Aggregator, tx *store.RollupTx) *state {
	return &state{
		a: a, tx: tx,
		cells:    map[store.CellKey]*store.Figures{},
		members:  map[store.MemberKey]*memberEntry{},
		topPosts: map[dayKey][]store.TopPost{},
		topParts: map[dayKey][]store.TopParticipant{},
		dirtyTop: map[dayKey]bool{},
		touched:  map[string]bool{},
	}
}

func (s *state) cell(k store.CellKey) (*store.Figures, error) {
	if f, ok := s.cells[k]; ok {
		return f, nil
	}
	f, _, err := s.tx.Cell(k)
	if err != nil {
		return nil, err
	}
	s.cells[k] = &f
	return &f, nil
}

func (s *state) member(k store.MemberKey) (*memberEntry, error) {
	if e, ok := s.members[k]; ok {
		return e, nil
	}
	m, ok, err := s.tx.Member(k)
	if err != nil {
		return nil, err
	}
	e := &memberEntry{m: m, exists: ok}
	s.members[k] = e
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
	if co.author == "" {
		return s.addAuthorless(co)
	}
	camp, err := s.member(store.MemberKey{Campaign: c.Name, Author: co.author})
	if err != nil {
		return err
	}
	if !camp.exists {
		camp.m.First = co.at
	} else if co.at < camp.m.First {
		old := camp.m.First
		camp.m.First = co.at
		oldDay := periodOf(c, store.GrainDay, old)
		prev, err := s.member(store.MemberKey{Campaign: c.Name, Day: oldDay, Author: co.author})
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
	day, err := s.member(store.MemberKey{Campaign: c.Name, Day: co.day, Author: co.author})
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
			m.Periods = append(m.Periods, store.PeriodMember{Grain: g, Period: periods[gi], FirstSeen: co.at, LastSeen: co.at, Followers: co.follow})
			i, fresh[gi] = len(m.Periods)-1, true
		}
		idx[gi] = i
	}
	for gi, g := range store.Grains {
		pm := &recs[gi].Periods[idx[gi]]
		period := periods[gi]
		isNew := g == store.GrainTotal || (g == store.GrainDay && camp.firstDay == period) || (g == store.GrainHour && camp.firstHour == period)
		if g == store.GrainDay {
			if err := s.firstHour(co, pm, fresh[gi]); err != nil {
				return err
			}
		}
		if co.at >= pm.LastSeen {
			if !fresh[gi] && co.follow != pm.Followers {
				for _, dv := range pm.In {
					f, err := s.cell(store.CellKey{Campaign: c.Name, Grain: g, Dim: dv.Dim, Period: period, Value: dv.Value})
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
		for _, dv := range co.dimsFor(g) {
			f, err := s.cell(store.CellKey{Campaign: c.Name, Grain: g, Dim: dv.Dim, Period: period, Value: dv.Value})
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
	if co.utcHour != "" {
		f, err := s.cell(co.utcHourKey())
		if err != nil {
			return err
		}
		f.CountKind(co.kind)
	}
	for _, k := range co.minuteKeys() {
		f, err := s.cell(k)
		if err != nil {
			return err
		}
		f.CountKind(co.kind)
	}
	return nil
}

// addAuthorless folds in a post whose platform gives no author (Instagram's
// hashtag media): it counts as a post, in every cell and among the top
// posts, and adds no participant and no reach.
func (s *state) addAuthorless(co *contribution) error {
	periods := [3]string{"", co.day, co.hour}
	for gi, g := range store.Grains {
		for _, dv := range co.dimsFor(g) {
			f, err := s.cell(store.CellKey{Campaign: co.campaign.Name, Grain: g, Dim: dv.Dim, Period: periods[gi], Value: dv.Value})
			if err != nil {
				return err
			}
			f.CountKind(co.kind)
		}
	}
	keys := co.minuteKeys()
	extra := keys[:]
	if co.utcHour != "" {
		extra = append(extra, co.utcHourKey())
	}
	for _, k := range extra {
		f, err := s.cell(k)
		if err != nil {
			return err
		}
		f.CountKind(co.kind)
	}
	if co.top == nil {
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
	if s.topPosts[k], changed = insertTopPost(s.topPosts[k], *co.top, s.a.opts.TopN); changed {
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
func (s *state) firstHour(co *contribution, day *store.PeriodMember, fresh bool) error {
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
	// co.hour and co.minute are the periods of co.at, formatted once per post
	for _, k := range firstCells(co.campaign, co.day, co.hour, co.minute) {
		f, err := s.cell(k)
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
	if co.top != nil {
		s.topPosts[k], _ = insertTopPost(s.topPosts[k], *co.top, s.a.opts.TopN)
	}
	return nil
}

// flush writes every changed cell, member and top list, in key order
// (bbolt inserts sorted keys fastest).
func (s *state) flush() error {
	type kv[K any] struct {
		enc []byte
		key K
	}
	cells := make([]kv[store.CellKey], 0, len(s.cells))
	for k := range s.cells {
		cells = append(cells, kv[store.CellKey]{k.Bytes(), k})
	}
	slices.SortFunc(cells, func(x, y kv[store.CellKey]) int { return bytes.Compare(x.enc, y.enc) })
	for _, c := range cells {
		if err := s.tx.PutCell(c.key, *s.cells[c.key]); err != nil {
			return err
		}
	}
	members := make([]kv[store.MemberKey], 0, len(s.members))
	for k, e := range s.members {
		if e.dirty {
			members = append(members, kv[store.MemberKey]{k.Bytes(), k})
		}
	}
	slices.SortFunc(members, func(x, y kv[store.MemberKey]) int { return bytes.Compare(x.enc, y.enc) })
	for _, m := range members {
		if err := s.tx.PutMember(m.key, &s.members[m.key].m); err != nil {
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
	return nil
}
