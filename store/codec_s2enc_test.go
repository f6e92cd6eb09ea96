package store

import (
	"bytes"
	"math/rand/v2"
	"testing"

	"github.com/klauspost/compress/s2"
)

// TestS2DictEncoderMatchesS2 holds the encoder of codec_s2enc.go to
// s2.Dict.Encode's output, byte for byte, on posts and on inputs meant to
// reach every branch (runs, repeats, matches into the dictionary, lengths
// around the block limits), one encoder reused for all of them so that a
// table left dirty by one block would change the next.
func TestS2DictEncoderMatchesS2(t *testing.T) {
	r := rand.New(rand.NewPCG(17, 1))
	samples := encodedSamples(r, 3000)
	raw := trainPostDict(samples)
	if raw == nil {
		t.Fatal("no dictionary trained")
	}
	sd := s2.NewDict(raw)
	e := &s2DictEncoder{dict: newS2EncDict(raw)}
	if e.dict == nil {
		t.Fatal("newS2EncDict refused a dictionary s2.NewDict takes")
	}
	inputs := append([][]byte(nil), samples...)
	for i := 0; i < 3000; i++ {
		p := randomPost(r, 10000+i)
		inputs = append(inputs, encodePostV3(&p))
	}
	dictBytes := sd.Bytes()
	for n := 0; n < 300; n++ {
		inputs = append(inputs, bytes.Repeat([]byte{byte(n)}, n)) // runs, short and long
		// Pieces of the dictionary itself, at its start, its repeat and its end.
		off := r.IntN(len(dictBytes))
		inputs = append(inputs, dictBytes[off:min(len(dictBytes), off+r.IntN(2000))])
		b := make([]byte, r.IntN(3000))
		for i := range b {
			b[i] = byte(r.IntN(4) + 'a')
		}
		inputs = append(inputs, b)
		for i := range b {
			b[i] = byte(r.IntN(256))
		}
		inputs = append(inputs, append([]byte(nil), b...))
		// A post then copies of its pieces: repeats and far copies.
		s := append([]byte(nil), samples[n]...)
		for k := 0; k < 5; k++ {
			i := r.IntN(len(s))
			s = append(s, s[i:min(len(s), i+4+r.IntN(80))]...)
		}
		inputs = append(inputs, s)
	}
	big := bytes.Repeat(samples[0], 70000/len(samples[0])+1) // beyond s2.MaxDictSrcOffset
	inputs = append(inputs, big[:65600], big[:maxS2EncSrc], big[:maxS2EncSrc+1])
	var dst []byte
	for i, in := range inputs {
		want := sd.Encode(nil, in)
		got := e.encode(sd, dst, in)
		if !bytes.Equal(got, want) {
			t.Fatalf("input %d (%d bytes): encoded to %d bytes, s2 to %d", i, len(in), len(got), len(want))
		}
		back, err := sd.Decode(nil, got)
		if err != nil || !bytes.Equal(back, in) {
			t.Fatalf("input %d does not decode back: %v", i, err)
		}
		dst = got[:0]
	}
	for i, v := range e.table {
		if v != 0 {
			t.Fatalf("table entry %d left at %d", i, v)
		}
	}
}

func BenchmarkS2DictEncode(b *testing.B) {
	r := rand.New(rand.NewPCG(17, 1))
	samples := encodedSamples(r, 3000)
	raw := trainPostDict(samples)
	sd := s2.NewDict(raw)
	e := &s2DictEncoder{dict: newS2EncDict(raw)}
	dst := make([]byte, 1<<16)
	short := samples[:0] // a tweet's size
	for _, v := range samples {
		if len(v) < 400 {
			short = append(short, v)
		}
	}
	samples = short
	b.Run("s2", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			sd.Encode(dst, samples[i%len(samples)])
		}
	})
	b.Run("reused", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			e.encode(sd, dst, samples[i%len(samples)])
		}
	})
}
