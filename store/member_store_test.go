package store_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/tagpulse/tagpulse/aggregator"
	"github.com/tagpulse/tagpulse/store"
	"github.com/tagpulse/tagpulse/store/storetest"
)

// TestMixedMemberRecords: a store whose member records are half memberV2
// (as an earlier tagpulse left them) and half memberV3 reports the same
// figures and top lists, folds in more posts (late ones, earlier first posts, duplicates)
// exactly as a store written all in memberV3, and its recount agrees.
func TestMixedMemberRecords(t *testing.T) {
	gaza, err := time.LoadLocation("Asia/Gaza")
	if err != nil {
		t.Fatal(err)
	}
	kolkata, err := time.LoadLocation("Asia/Kolkata")
	if err != nil {
		t.Fatal(err)
	}
	camps := []store.Campaign{
		{Name: "afp", Hashtags: []string{"allforpalestine"}, Timezone: "Asia/Gaza", Location: gaza},
		{Name: "india", Hashtags: []string{"allforpalestine"}, Timezone: "Asia/Kolkata", Location: kolkata},
	}
	r := rand.New(rand.NewPCG(17, 8))
	base := time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)
	var posts []store.Post
	for i := 0; i < 1500; i++ {
		author := fmt.Sprint(r.IntN(150))
		posts = append(posts, store.Post{Platform: "x", ID: fmt.Sprint(r.IntN(2000)), Source: []string{store.SourceX, store.SourceImport}[r.IntN(2)],
			Arrival: []string{store.ArrivalLive, store.ArrivalImport}[r.IntN(2)], Kind: store.Kinds[r.IntN(4)],
			CreatedAt: base.Add(time.Duration(r.IntN(4*24*3600)) * time.Second), Lang: []string{"en", "ar", "", "fr-CA"}[r.IntN(4)],
			Hashtags: []string{"allforpalestine"}, Author: store.Author{ID: author, Handle: "@h" + author, Followers: int64(r.IntN(1000))},
			Signals: store.Signals{PlaceCountry: []string{"PS", "GB", "", "ZA"}[r.IntN(4)]}, Engagement: int64(r.IntN(50))})
	}
	ctx := context.Background()
	mixed, plain := storetest.Open(t), storetest.Open(t)
	am := aggregator.New(mixed, camps, aggregator.Options{BatchSize: 37, TopN: 5})
	ap := aggregator.New(plain, camps, aggregator.Options{BatchSize: 37, TopN: 5})
	fold := func(ps []store.Post) {
		t.Helper()
		for _, x := range []struct {
			db *store.DB
			a  *aggregator.Aggregator
		}{{mixed, am}, {plain, ap}} {
			if _, err := x.db.Append(ps, nil); err != nil {
				t.Fatal(err)
			}
			if _, err := x.a.CatchUp(ctx); err != nil {
				t.Fatal(err)
			}
		}
	}
	report := func(a *aggregator.Aggregator) string {
		t.Helper()
		var s string
		for _, c := range []string{"afp", "india"} {
			for _, by := range [][]string{{"hour", "country"}, {"day", "lang"}, {"day", "kind"}, {"source"}} {
				rows, err := a.Report(aggregator.Query{Campaign: c, By: by})
				if err != nil {
					t.Fatal(err)
				}
				s += fmt.Sprint(rows)
			}
			for d := 0; d < 6; d++ { // the top lists, read from the day records
				top, err := a.Top(c, base.AddDate(0, 0, d-1).Format(store.DayLayout))
				if err != nil {
					t.Fatal(err)
				}
				s += fmt.Sprint(top)
			}
		}
		return s
	}
	check := func(a *aggregator.Aggregator) {
		t.Helper()
		diffs, checked, err := a.Check(ctx)
		if err != nil || checked == 0 || len(diffs) > 0 {
			t.Fatalf("check: checked %d, %v, %d differences: %v", checked, err, len(diffs), diffs[:min(len(diffs), 5)])
		}
	}
	fold(posts[:900])
	before := report(am)
	n, err := store.RewriteMembersV2(mixed)
	if err != nil || n < 100 {
		t.Fatalf("rewrote %d records as memberV2: %v", n, err)
	}
	if after := report(am); after != before {
		t.Fatal("the figures changed when half the member records were rewritten as memberV2")
	}
	check(am)
	fold(posts[900:])
	check(am)
	if report(am) != report(ap) {
		t.Fatal("a store of mixed member records reports other figures than one of memberV3 records")
	}
	got, v2, err := store.MemberRecords(mixed)
	if err != nil {
		t.Fatal(err)
	}
	want, v2p, err := store.MemberRecords(plain)
	if err != nil {
		t.Fatal(err)
	}
	if v2 == 0 || v2 == n || v2p != 0 {
		t.Fatalf("%d of %d memberV2 records left after more posts (%d in the other store): want some, not all", v2, n, v2p)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatal("the member records of the mixed store differ from those written all in memberV3")
	}
}

// TestReadsAmidWrites: member records and cells read in the transaction
// that writes them (through the cursors a RollupTx keeps for reads) are
// what was last written, absent keys read as absent, and a key that is a
// prefix of a stored one is not found.
func TestReadsAmidWrites(t *testing.T) {
	db := storetest.Open(t)
	r := rand.New(rand.NewPCG(3, 17))
	err := db.UpdateRollups(func(tx *store.RollupTx) error {
		members := map[store.MemberKey]int64{}
		cells := map[store.CellKey]int64{}
		for i := range 3000 {
			mk := store.MemberKey{Campaign: "afp", Day: []string{"", "2026-11-29", "2026-11-30"}[r.IntN(3)], Author: fmt.Sprintf("x:%d", r.IntN(400))}
			ck := store.CellKey{Campaign: "afp", Grain: store.GrainDay, Dim: store.DimCountry, Period: "2026-11-29", Value: fmt.Sprint(r.IntN(300))}
			if r.IntN(2) == 0 {
				m := store.Member{First: int64(i+1) * 1e9}
				if err := tx.PutMember(mk, &m); err != nil {
					return err
				}
				members[mk] = m.First
				if err := tx.PutCell(ck, store.Figures{Posts: int64(i + 1)}); err != nil {
					return err
				}
				cells[ck] = int64(i + 1)
				continue
			}
			m, ok, err := tx.Member(mk)
			if err != nil {
				return err
			}
			if want, stored := members[mk]; ok != stored || m.First != want {
				t.Fatalf("member %v: read %v, %v; want %v, %v", mk, m.First, ok, want, stored)
			}
			short := mk
			short.Author = short.Author[:len(short.Author)-1]
			if _, stored := members[short]; !stored {
				if _, ok, err := tx.Member(short); err != nil || ok {
					t.Fatalf("member %v (a prefix of a stored key): found %v, %v", short, ok, err)
				}
			}
			f, ok, err := tx.Cell(ck)
			if err != nil {
				return err
			}
			if want, stored := cells[ck]; ok != stored || f.Posts != want {
				t.Fatalf("cell %v: read %v, %v; want %v, %v", ck, f.Posts, ok, want, stored)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
