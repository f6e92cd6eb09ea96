package store

import bolt "go.etcd.io/bbolt"

// RewriteMembersV2 rewrites every other member record as memberV2, as an
// earlier tagpulse wrote it, and returns how many it rewrote.
func RewriteMembersV2(db *DB) (n int, err error) {
	err = db.bolt.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketMembers)
		old := map[string][]byte{}
		i := 0
		err := b.ForEach(func(k, v []byte) error {
			if i++; i%2 == 1 {
				return nil
			}
			m, err := decodeMember(v)
			if err != nil {
				return err
			}
			old[string(k)] = encodeMemberV2(&m)
			return nil
		})
		if err != nil {
			return err
		}
		for k, v := range old {
			if err := b.Put([]byte(k), v); err != nil {
				return err
			}
		}
		n = len(old)
		return nil
	})
	return n, err
}

// MemberRecords returns every member record by key, and how many of them
// are memberV2.
func MemberRecords(db *DB) (recs map[string]Member, v2 int, err error) {
	recs = map[string]Member{}
	err = db.bolt.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketMembers).ForEach(func(k, v []byte) error {
			if v[0] == memberV2 {
				v2++
			}
			m, err := decodeMember(v)
			recs[string(k)] = m
			return err
		})
	})
	return recs, v2, err
}

// SetSpillChunk sets the size a spill's writers fill a run's buffer to,
// for tests of runs of many chunks.
func SetSpillChunk(s *Spill, n int) { s.chunk = n }
