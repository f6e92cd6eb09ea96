package bluesky

import (
	"bytes"
	"context"
	"testing"

	"github.com/fxamacker/cbor/v2"
	"github.com/ipfs/go-cid"
	car "github.com/ipld/go-car/v2"
	"github.com/ipld/go-car/v2/storage"
	"github.com/multiformats/go-multihash"
)

// IsCAR knows a CAR header (v1 as getRepo writes it, and the v2 pragma)
// and nothing that the text formats start with.
func TestIsCAR(t *testing.T) {
	data, err := cbor.Marshal(map[string]any{"text": "x"})
	if err != nil {
		t.Fatal(err)
	}
	c, err := cid.V1Builder{Codec: cid.DagCBOR, MhType: multihash.SHA2_256}.Sum(data)
	if err != nil {
		t.Fatal(err)
	}
	var v1 bytes.Buffer
	w, err := storage.NewWritable(&v1, []cid.Cid{c}, car.WriteAsCarV1(true))
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Put(context.Background(), c.KeyString(), data); err != nil {
		t.Fatal(err)
	}
	if !IsCAR(v1.Bytes()) {
		t.Errorf("IsCAR(CAR v1 written by go-car) = false")
	}
	if !IsCAR(car.Pragma) {
		t.Errorf("IsCAR(CAR v2 pragma) = false")
	}
	for _, head := range []string{"", "{\"records\": []}\n", "[{\"uri\": \"at://x\"}]", "\xef\xbb\xbfid,text,created_at\n", "window.YTD.tweets.part0 = [", "\x1f\x8b\x08", "\x05\xa1\x61\x61\x01", "\x0a\xa1\x67version\x03"} {
		if IsCAR([]byte(head)) {
			t.Errorf("IsCAR(%q) = true", head)
		}
	}
}
