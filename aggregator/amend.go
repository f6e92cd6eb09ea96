package aggregator

import (
	"errors"
	"fmt"
	"slices"

	"github.com/tagpulse/tagpulse/store"
)

// Amendments (store.Amend) are what a platform told us about a post after it
// was stored: its author's profile (Bluesky's Jetstream names authors by DID
// alone) and its engagement. The rule is that a post counts as amended: its
// author's handle and follower count are the amendment's, its engagement
// the highest seen. Check applies the amendments to the posts before
// recounting (in each of its passes); here they are folded after the post
// they amend, in their own log order, with their own watermark, and only in
// a step that is not a pass of a catch-up in passes (while a pass is in
// progress the watermark does not say which posts the rollups hold):
//
//   - in each period of the post, when it is the author's latest post there
//     (the one whose follower count the period's reach uses), the period's
//     follower count and handle become the amendment's, and the cells the
//     author counts in move by the difference;
//   - the post takes its place in its day's top posts at its new engagement
//     (engagement only grows, so the bounded list stays exact).
//
// A limit of this rule: two posts by one author at the same instant, amended
// with different follower counts, fold as the later-amended one says where
// the recount takes the later-stored one.

// errStop ends a walk over the amendment log early.
var errStop = errors.New("stop")

// amendLag is how many amendments are not yet in the rollups.
func (a *Aggregator) amendLag() (uint64, error) {
	var lag uint64
	err := a.db.ViewRollups(func(tx *store.RollupTx) error {
		lag = tx.LastAmendSeq() - tx.AmendWatermark()
		return nil
	})
	return lag, err
}

// foldAmends folds up to limit amendments after the amendment watermark
// whose posts are in the rollups (sequence number up to postsWM), and moves
// the watermark; it returns how many it folded.
func (s *state) foldAmends(postsWM uint64, limit int) (int, error) {
	wm := s.tx.AmendWatermark()
	if s.tx.LastAmendSeq() <= wm {
		return 0, nil
	}
	n, last := 0, wm
	err := s.tx.Amends(wm, limit, func(seq uint64, am *store.Amend) error {
		if am.Seq > postsWM {
			return errStop // its post is folded in a later step
		}
		if err := s.amend(am); err != nil {
			return fmt.Errorf("amendment %d of post %d: %w", seq, am.Seq, err)
		}
		last = seq
		n++
		return nil
	})
	if err != nil && err != errStop {
		return 0, err
	}
	if n == 0 {
		return 0, nil
	}
	return n, s.tx.SetAmendWatermark(last)
}

func (s *state) amend(am *store.Amend) error {
	p, err := s.tx.PostAt(am.Seq)
	if err != nil {
		return err
	}
	eff := am.Apply(p)
	var scratch [4]contribution
	for _, co := range s.a.contributions(&eff, scratch[:0]) {
		s.touched[co.campaign.Name] = true
		if am.Author != nil {
			if err := s.amendFollowers(&co); err != nil {
				return err
			}
		}
		if err := s.amendTop(&co); err != nil {
			return err
		}
	}
	return nil
}

// amendFollowers gives the post's periods where it is the author's latest
// post the amended follower count and handle.
func (s *state) amendFollowers(co *contribution) error {
	c := co.campaign
	if co.author == "" {
		return nil // no author: no participant whose reach could change
	}
	camp, err := s.member(store.MemberKey{Campaign: c.Name, Author: co.author})
	if err != nil {
		return err
	}
	day, err := s.member(store.MemberKey{Campaign: c.Name, Day: co.day, Author: co.author})
	if err != nil {
		return err
	}
	periods := [3]string{"", co.day, co.hour}
	recs := [3]*memberEntry{camp, day, day}
	for gi, g := range store.Grains {
		i := recs[gi].m.Period(g, periods[gi])
		if i < 0 {
			return fmt.Errorf("author %s: no record of period %q", co.author, periods[gi])
		}
		pm := &recs[gi].m.Periods[i]
		if pm.LastSeen != co.at {
			continue // a later post of theirs holds the period's count
		}
		if d := co.follow - pm.Followers; d != 0 {
			for _, dv := range pm.In {
				f, err := s.cell(store.CellKey{Campaign: c.Name, Grain: g, Dim: dv.Dim, Period: periods[gi], Value: dv.Value})
				if err != nil {
					return err
				}
				f.Reach = store.AddReach(f.Reach, d)
			}
			if g == store.GrainDay {
				for _, k := range firstKeys(c, co.day, pm.FirstSeen) {
					f, err := s.cell(k)
					if err != nil {
						return err
					}
					f.Reach = store.AddReach(f.Reach, d)
				}
			}
			pm.Followers = co.follow
		}
		recs[gi].dirty = true
		if g == store.GrainDay {
			pm.Handle = co.handle
			parts, err := s.dayTops(dayKey{c.Name, co.day})
			if err != nil {
				return err
			}
			if j := slices.IndexFunc(parts, func(x store.TopParticipant) bool { return x.Author == co.author }); j >= 0 {
				parts[j].Handle, parts[j].Followers = pm.Handle, pm.Followers
				s.dirtyTop[dayKey{c.Name, co.day}] = true
			}
		}
	}
	return nil
}

// amendTop puts the post in its day's top posts at its amended engagement
// and handle.
func (s *state) amendTop(co *contribution) error {
	if !co.hasTop {
		return nil
	}
	k := dayKey{co.campaign.Name, co.day}
	if _, err := s.dayTops(k); err != nil {
		return err
	}
	l := s.topPosts[k]
	if j := slices.IndexFunc(l, func(x store.TopPost) bool { return x.Platform == co.top.Platform && x.ID == co.top.ID }); j >= 0 {
		if l[j] == co.top {
			return nil
		}
		l = slices.Delete(l, j, j+1)
	}
	l, _ = insertTopPost(l, co.top, s.a.opts.TopN)
	s.topPosts[k] = l
	s.dirtyTop[k] = true
	return nil
}

// dayTops loads a day's top lists into the state (as updateTops does) and
// returns its top participants.
func (s *state) dayTops(k dayKey) ([]store.TopParticipant, error) {
	if parts, ok := s.topParts[k]; ok {
		return parts, nil
	}
	parts, err := s.tx.TopParticipants(k.campaign, k.day)
	if err != nil {
		return nil, err
	}
	posts, err := s.tx.TopPosts(k.campaign, k.day)
	if err != nil {
		return nil, err
	}
	s.topParts[k], s.topPosts[k] = parts, posts
	return parts, nil
}

// recountAmends returns the amendments the rollups include, by post
// sequence number, for Check to apply before recounting.
func recountAmends(tx *store.RollupTx) (map[uint64]store.Amend, error) {
	wm := tx.AmendWatermark()
	out := map[uint64]store.Amend{}
	err := tx.Amends(0, 0, func(seq uint64, am *store.Amend) error {
		if seq > wm {
			return errStop
		}
		out[am.Seq] = *am // cumulative: the latest says all
		return nil
	})
	if err != nil && err != errStop {
		return nil, err
	}
	return out, nil
}
