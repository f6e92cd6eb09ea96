package telegram

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"
	"time"
)

// exportOf writes a chat's export as Telegram Desktop does: name, type and
// id before the messages, pretty-printed with one space.
func exportOf(t *testing.T, msgs ...string) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("{\n \"name\": \"Sheikh Jarrah News\",\n \"type\": \"public_channel\",\n \"id\": 1456789012,\n \"messages\": [")
	for i, m := range msgs {
		if i > 0 {
			b.WriteString(",")
		}
		var v bytes.Buffer
		if err := json.Indent(&v, []byte(m), "  ", " "); err != nil {
			t.Fatal(err)
		}
		b.WriteString("\n  ")
		b.Write(v.Bytes())
	}
	b.WriteString("\n ]\n}\n")
	return b.String()
}

func msgJSON(id int, text string) string {
	return fmt.Sprintf(`{"id":%d,"type":"message","date":"2021-05-10T14:03:00","date_unixtime":"%d","from":"Sheikh Jarrah News","from_id":"channel1456789012","text":%q,"text_entities":[{"type":"plain","text":%q}]}`,
		id, 1620651780+id, text, text)
}

// readAll is ReadExport into a list of records.
func readAll(t *testing.T, export string) ([]int64, [][]byte, error) {
	t.Helper()
	var offs []int64
	var recs [][]byte
	err := ReadExport(strings.NewReader(export), func(off int64, rec []byte) error {
		offs, recs = append(offs, off), append(recs, rec)
		return nil
	})
	return offs, recs, err
}

// TestReadExportParsesAsTheWhole: the one-message records of a chat's
// export, and of the whole account's, are detected and parse into the
// posts the whole export parses into, in the same order.
func TestReadExportParsesAsTheWhole(t *testing.T) {
	now := time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC)
	chat := exportOf(t, msgJSON(1, "one #SaveSheikhJarrah"), `{"id":2,"type":"service","date":"2021-05-10T14:03:00","text":""}`, msgJSON(3, "three #SaveSheikhJarrah"))
	var c map[string]any
	if err := json.Unmarshal([]byte(chat), &c); err != nil {
		t.Fatal(err)
	}
	// keys sorted (json.Marshal of a map): a chat's messages come before
	// its name and type, so ReadExport holds them until the chat ends
	account, _ := json.MarshalIndent(map[string]any{"about": "Here is the data you requested.", "personal_information": map[string]any{"first_name": "L"},
		"chats": map[string]any{"about": "", "list": []any{c, c}}}, "", " ")
	for name, export := range map[string]string{"chat": chat, "account": string(account)} {
		if !IsExport([]byte(export)) {
			t.Errorf("%s: IsExport = false", name)
		}
		want, bad := parse([]byte(export), now)
		if len(bad) != 0 || len(want) == 0 {
			t.Fatalf("%s: parse of the whole: %d posts, %v", name, len(want), bad)
		}
		offs, recs, err := readAll(t, export)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var got []any
		for i, rec := range recs {
			if !detect(rec) {
				t.Errorf("%s: record %d not detected as an export: %s", name, i, rec)
			}
			if !strings.HasPrefix(export[offs[i]:], `{`) || !json.Valid(rec) {
				t.Errorf("%s: record %d: offset %d is not where a message begins", name, i, offs[i])
			}
			posts, bad := parse(rec, now)
			if len(bad) != 0 {
				t.Errorf("%s: record %d: %v", name, i, bad)
			}
			for _, p := range posts {
				got = append(got, p)
			}
		}
		var w []any
		for _, p := range want {
			w = append(w, p)
		}
		if !reflect.DeepEqual(got, w) {
			t.Errorf("%s: posts of the records differ from the whole's:\n got %v\nwant %v", name, got, w)
		}
	}
}

// TestReadExportStreams: ReadExport hands on the first message before the
// rest of the export has been written, so an export is never held whole.
func TestReadExportStreams(t *testing.T) {
	pr, pw := io.Pipe()
	first := make(chan []byte, 1)
	done := make(chan error, 1)
	go func() {
		n := 0
		done <- ReadExport(pr, func(_ int64, rec []byte) error {
			if n++; n == 1 {
				first <- rec
			}
			return nil
		})
	}()
	export := exportOf(t, msgJSON(1, "one"), msgJSON(2, "two"))
	cut := strings.Index(export, `"id": 2`) // inside the second message
	if _, err := io.WriteString(pw, export[:cut]); err != nil {
		t.Fatal(err)
	}
	select {
	case rec := <-first:
		if !strings.Contains(string(rec), `"one"`) {
			t.Errorf("first record %s", rec)
		}
	case <-time.After(20 * time.Second): // a failure, not a synchronisation
		t.Error("no message was handed on before the export ended: it is read whole")
	}
	io.WriteString(pw, export[cut:])
	pw.Close()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestReadExportErrors(t *testing.T) {
	export := exportOf(t, msgJSON(1, "one"), msgJSON(2, "two"))
	broken := strings.Replace(export, `"id": 2`, `"id": 2,,`, 1)
	offs, recs, err := readAll(t, broken)
	var se *SyntaxError
	if !errors.As(err, &se) || len(recs) != 1 || len(offs) != 1 {
		t.Fatalf("broken export: %d records, %v; want the first message, then a *SyntaxError", len(recs), err)
	}
	if line := strings.Count(broken[:se.Offset], "\n") + 1; !strings.Contains(strings.Split(broken, "\n")[line-1], `"id": 2`) {
		t.Errorf("syntax error at offset %d, line %d: not the line that breaks", se.Offset, line)
	}
	if _, _, err := readAll(t, `{"name": "x", "other": [1, 2]}`); !errors.Is(err, ErrNotExport) {
		t.Errorf("an object without a chat: %v; want ErrNotExport", err)
	}
	stop := errors.New("stop")
	if err := ReadExport(strings.NewReader(export), func(int64, []byte) error { return stop }); err != stop {
		t.Errorf("emit's error: got %v", err)
	}
}

func TestIsExport(t *testing.T) {
	chat := exportOf(t, msgJSON(1, "one"))
	for _, c := range []struct {
		head string
		want bool
	}{
		{chat, true},
		{chat[:strings.Index(chat, `"messages"`)+20], true}, // a head that ends inside the messages
		{`{"about": "Here is the data you requested.", "personal_information": {"first_name": "L"`, true},
		{`{"about": "Here is the data you requested.", "profile_pictures": [], "chats": {`, true},
		{`{"personal_information": {"user_id": 1}, "chats": {"list": [`, true},
		{`{"name": "x", "personal_information": {}}`, false},
		{`{"id": 1, "messages": [], "name": "x", "type": "public_channel"}`, false}, // keys sorted: read whole, as before
		{`{"@context": "https://www.w3.org/ns/activitystreams", "id": "https://m.example/outbox", "type": "OrderedCollection", "orderedItems": []}`, false},
		{`{"data": [{"id": "1", "text": "#x"}], "includes": {}}`, false},
		{`{"name": "x", "type": "y", "id": 1, "text": "a post"}`, false},
		{`[1, 2]`, false},
	} {
		if got := IsExport([]byte(c.head)); got != c.want {
			t.Errorf("IsExport(%.60q) = %v, want %v", c.head, got, c.want)
		}
	}
}
