package store

// Profiles and amendments: what a platform told us about a post after it was
// stored. Bluesky's Jetstream gives a post's author as a DID alone; the
// AppView later gives the handle, display name and follower count, and the
// post's like, repost, reply and quote counts. Posts in the log are never
// rewritten for this (the aggregator has counted them as they were): an
// amendment is appended to a log of its own, which the aggregator folds
// after the post it amends, with its own watermark, and which Check applies
// to the posts before recounting. Rebuild and incremental folding therefore
// agree.
//
// Layout (buckets created on first write; a store without them reads as
// empty):
//
//	profiles    platform \0 author id → JSON Profile        the cache, with fetch times
//	amends      be64(seq) → JSON Amend                        the amendment log
//	amend_last  be64(post seq) → JSON Amend                   each post's amendments merged
//	meta        amend_watermark → be64                        amendments the rollups include

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

var (
	bucketProfiles  = []byte("profiles")
	bucketAmends    = []byte("amends")
	bucketAmendLast = []byte("amend_last")

	keyAmendWatermark = []byte("amend_watermark")
)

// Profile is an author as a platform's profile lookup gave it, with when.
type Profile struct {
	Platform  string    `json:"platform"`
	ID        string    `json:"id"` // the author ID posts carry (a DID)
	Handle    string    `json:"handle,omitempty"`
	Name      string    `json:"name,omitempty"`
	Followers int64     `json:"followers"`
	FetchedAt time.Time `json:"fetched_at"`
}

// Author is the profile as a post's author snapshot.
func (p Profile) Author() Author {
	return Author{ID: p.ID, Handle: p.Handle, Name: p.Name, Followers: p.Followers}
}

func profileKey(platform, id string) []byte { return []byte(platform + "\x00" + keyPart(id)) }

// Amend is what was learnt about one stored post after it was stored. An
// amendment read back from the store is cumulative: it holds everything
// learnt about the post so far.
type Amend struct {
	Seq      uint64 `json:"seq"` // the post's sequence number in the log (0 on input: found by platform and ID)
	Platform string `json:"platform"`
	ID       string `json:"id"`
	// Author, when set, is the author's profile as resolved for this post:
	// it replaces the post's handle, name and follower count.
	Author *Author `json:"author,omitempty"`
	// Engagement is the platform's likes+reposts+replies+quotes at their
	// highest seen (a count that falls later does not lower it, so bounded
	// top lists stay exact); 0 when not looked up.
	Engagement int64     `json:"engagement,omitempty"`
	At         time.Time `json:"at"`
}

// Apply returns p as amended.
func (a *Amend) Apply(p Post) Post {
	if a.Author != nil {
		id := p.Author.ID
		p.Author = *a.Author
		p.Author.ID = id
	}
	p.Engagement = max(p.Engagement, a.Engagement)
	return p
}

// merge adds what b says to a (a's identity kept); changed reports whether
// anything differs.
func (a *Amend) merge(b *Amend) (changed bool) {
	if b.Author != nil && (a.Author == nil || *a.Author != *b.Author) {
		au := *b.Author
		a.Author, changed = &au, true
	}
	if b.Engagement > a.Engagement {
		a.Engagement, changed = b.Engagement, true
	}
	if changed {
		a.At = b.At
	}
	return changed
}

// Profiles returns the cached profiles of the given authors of a platform
// (absent ones are left out).
func (db *DB) Profiles(platform string, ids []string) (map[string]Profile, error) {
	out := map[string]Profile{}
	err := db.bolt.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketProfiles)
		if b == nil {
			return nil
		}
		for _, id := range ids {
			v := b.Get(profileKey(platform, id))
			if v == nil {
				continue
			}
			var p Profile
			if err := json.Unmarshal(v, &p); err != nil {
				return fmt.Errorf("profile %s: %w", id, err)
			}
			out[id] = p
		}
		return nil
	})
	return out, err
}

// AmendResult says what an Amend did.
type AmendResult struct {
	Amended   int // amendments appended (posts whose figures may change)
	Unchanged int // amendments that said nothing new, dropped
}

// Amend caches the profiles, appends the amendments that say something new
// about their posts, and writes the cursors, in one transaction. An
// amendment must name a stored post by its platform and ID, and by its
// sequence number unless that is 0 (then it is looked up: sequence numbers
// are this store's own).
func (db *DB) Amend(amends []Amend, profiles []Profile, cursors map[string][]byte) (AmendResult, error) {
	var res AmendResult
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		res = AmendResult{}
		pb, err := tx.CreateBucketIfNotExists(bucketProfiles)
		if err != nil {
			return err
		}
		for _, p := range profiles {
			if p.Platform == "" || p.ID == "" {
				return fmt.Errorf("profile without platform or id")
			}
			b, _ := json.Marshal(p)
			if err := pb.Put(profileKey(p.Platform, p.ID), b); err != nil {
				return err
			}
		}
		log, err := tx.CreateBucketIfNotExists(bucketAmends)
		if err != nil {
			return err
		}
		log.FillPercent = 0.95
		last, err := tx.CreateBucketIfNotExists(bucketAmendLast)
		if err != nil {
			return err
		}
		posts, seen := tx.Bucket(bucketPosts), openSeen(tx)
		for i := range amends {
			a := amends[i]
			if a.Seq == 0 { // named by platform and ID only (another node's amendment)
				seq, err := seen.seq(a.Platform, a.ID)
				if err != nil {
					return fmt.Errorf("amend %s: %w", a.ID, err)
				}
				if seq == 0 {
					return fmt.Errorf("amend %s: %w", a.ID, ErrNotFound)
				}
				a.Seq = seq
			}
			var p Post
			if v := posts.Get(be64(a.Seq)); v == nil {
				return fmt.Errorf("amend %s: no post %d", a.ID, a.Seq)
			} else if err := decodeStored(tx, v, &p); err != nil {
				return fmt.Errorf("amend %s: post %d: %w", a.ID, a.Seq, err)
			}
			if p.Platform != a.Platform || p.ID != a.ID {
				return fmt.Errorf("amend %s: post %d is %s", a.ID, a.Seq, p.ID)
			}
			cur := Amend{Seq: a.Seq, Platform: a.Platform, ID: a.ID, Engagement: p.Engagement}
			if v := last.Get(be64(a.Seq)); v != nil {
				if err := json.Unmarshal(v, &cur); err != nil {
					return fmt.Errorf("amend %s: %w", a.ID, err)
				}
			}
			if a.Author != nil && cur.Author == nil && p.Author.Handle == a.Author.Handle && p.Author.Name == a.Author.Name && p.Author.Followers == a.Author.Followers {
				a.Author = nil // the post already said so
			}
			if !cur.merge(&a) {
				res.Unchanged++
				continue
			}
			b, _ := json.Marshal(cur)
			seq, err := log.NextSequence()
			if err != nil {
				return err
			}
			if err := log.Put(be64(seq), b); err != nil {
				return err
			}
			if err := last.Put(be64(a.Seq), b); err != nil {
				return err
			}
			res.Amended++
		}
		cb := tx.Bucket(bucketCursors)
		for name, c := range cursors {
			if err := cb.Put([]byte(name), c); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return AmendResult{}, fmt.Errorf("amend: %w", err)
	}
	return res, nil
}

// PostAmend returns everything learnt about the post at seq, or ok false.
func (db *DB) PostAmend(seq uint64) (a Amend, ok bool, err error) {
	err = db.bolt.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketAmendLast)
		if b == nil {
			return nil
		}
		v := b.Get(be64(seq))
		if v == nil {
			return nil
		}
		ok = true
		return json.Unmarshal(v, &a)
	})
	return a, ok, err
}

// PostsAfter calls fn for up to limit posts (0: all) with a sequence number
// above after, in log order, in one read transaction.
func (db *DB) PostsAfter(after uint64, limit int, fn func(seq uint64, p *Post) error) error {
	return db.bolt.View(func(tx *bolt.Tx) error { return scanPosts(tx, after, limit, fn) })
}

// AmendWatermark is the sequence number of the last amendment the rollups include.
func (t *RollupTx) AmendWatermark() uint64 {
	v := t.tx.Bucket(bucketMeta).Get(keyAmendWatermark)
	if len(v) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(v)
}

// SetAmendWatermark records that the rollups include every amendment up to seq.
func (t *RollupTx) SetAmendWatermark(seq uint64) error {
	return t.tx.Bucket(bucketMeta).Put(keyAmendWatermark, be64(seq))
}

// LastAmendSeq is the sequence number of the newest amendment.
func (t *RollupTx) LastAmendSeq() uint64 {
	if b := t.tx.Bucket(bucketAmends); b != nil {
		return b.Sequence()
	}
	return 0
}

// Amends calls fn for up to limit amendments (0: all) after seq, in log order.
func (t *RollupTx) Amends(after uint64, limit int, fn func(seq uint64, a *Amend) error) error {
	b := t.tx.Bucket(bucketAmends)
	if b == nil {
		return nil
	}
	c := b.Cursor()
	n := 0
	for k, v := c.Seek(be64(after + 1)); k != nil; k, v = c.Next() {
		var a Amend
		if err := json.Unmarshal(v, &a); err != nil {
			return fmt.Errorf("amendment %d: %w", binary.BigEndian.Uint64(k), err)
		}
		if err := fn(binary.BigEndian.Uint64(k), &a); err != nil {
			return err
		}
		n++
		if limit > 0 && n >= limit {
			break
		}
	}
	return nil
}

// PostAt returns the post with sequence number seq.
func (t *RollupTx) PostAt(seq uint64) (Post, error) {
	var p Post
	v := t.tx.Bucket(bucketPosts).Get(be64(seq))
	if v == nil {
		return p, ErrNotFound
	}
	return p, decodeStored(t.tx, v, &p)
}

// PostsAmended is Posts with each post's amendments applied (see
// Amend.Apply), read in the same transaction: what an export shows.
func (db *DB) PostsAmended(after uint64, fn func(seq uint64, p *Post) error) error {
	return db.bolt.View(func(tx *bolt.Tx) error {
		last := tx.Bucket(bucketAmendLast)
		return scanPosts(tx, after, 0, func(seq uint64, p *Post) error {
			if last != nil {
				if v := last.Get(be64(seq)); v != nil {
					var a Amend
					if err := json.Unmarshal(v, &a); err != nil {
						return fmt.Errorf("amendment of post %d: %w", seq, err)
					}
					q := a.Apply(*p)
					p = &q
				}
			}
			return fn(seq, p)
		})
	})
}
