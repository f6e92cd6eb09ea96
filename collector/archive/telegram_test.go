package archive_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/tagpulse/tagpulse/collector"
	"github.com/tagpulse/tagpulse/store"
)

// bigTelegramExport writes a channel's export as Telegram Desktop does
// (pretty-printed, name, type and id before the messages) with n
// messages, each with #SaveSheikhJarrah; message bad, if not 0, has a date
// that is not one. It returns the export and the line each message begins on.
func bigTelegramExport(t *testing.T, n, bad int) ([]byte, map[int]int) {
	t.Helper()
	var b bytes.Buffer
	b.WriteString("{\n \"name\": \"Sheikh Jarrah News\",\n \"type\": \"public_channel\",\n \"id\": 1456789012,\n \"messages\": [")
	lines := map[int]int{}
	for i := 1; i <= n; i++ {
		if i > 1 {
			b.WriteString(",")
		}
		date := fmt.Sprint(1620651780 + i)
		if i == bad {
			date = "yesterday"
		}
		m, _ := json.MarshalIndent(map[string]any{"id": i, "type": "message", "date": "2021-05-10T14:03:00", "date_unixtime": date,
			"from": "Sheikh Jarrah News", "from_id": "channel1456789012", "text": fmt.Sprintf("post %d #SaveSheikhJarrah", i),
			"text_entities": []any{map[string]any{"type": "plain", "text": fmt.Sprintf("post %d ", i)}, map[string]any{"type": "hashtag", "text": "#SaveSheikhJarrah"}}}, "  ", " ")
		b.WriteString("\n  ")
		lines[i] = bytes.Count(b.Bytes(), []byte("\n")) + 1
		b.Write(m)
	}
	b.WriteString("\n ]\n}\n")
	return b.Bytes(), lines
}

// TestImportTelegramExportByMessage: a channel's export is imported
// message by message (telegram.ReadExport), its batches as for any other
// file; a bad message is named by the line it begins on and skipped, and
// the rest lands; so does a gzipped export.
func TestImportTelegramExportByMessage(t *testing.T) {
	const n = 5000 // more than a batch
	export, lines := bigTelegramExport(t, n, 4321)
	m := collector.NewMatcher([]store.Campaign{{Name: "c", Hashtags: []string{"savesheikhjarrah"}, Timezone: "UTC"}})
	bom := append([]byte("\ufeff"), export...)
	for name, content := range map[string][]byte{"result.json": export, "result.json.gz": gzipped(t, export), "bom.json": bom} {
		db := xOpenStore(t)
		res, bad, err := importFile(t, db, m, name, content)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if res.Format != "telegram" || res.Added != n-1 || len(bad) != 1 {
			t.Fatalf("%s: import = %+v, malformed %v; want telegram, %d added, one malformed", name, res, bad, n-1)
		}
		if want := fmt.Sprintf("%s:%d", name, lines[4321]); !strings.HasSuffix(bad[0].Where, want) || !strings.Contains(bad[0].Err.Error(), "yesterday") {
			t.Errorf("%s: malformed %v; want it at %s, naming the date", name, bad[0], want)
		}
		p, err := db.Get(store.PlatformTelegram, "1456789012/4999")
		if err != nil || p.Text != "post 4999 #SaveSheikhJarrah" || p.Author.ID != "channel1456789012" {
			t.Errorf("%s: message 4999 = %+v, %v", name, p, err)
		}
	}
}

// TestImportTelegramExportBroken: an export whose JSON breaks keeps the
// messages before the break; the break is reported at its line and the
// rest of the file is skipped.
func TestImportTelegramExportBroken(t *testing.T) {
	export, _ := bigTelegramExport(t, 3000, 0)
	at := bytes.Index(export, []byte(`"id": 2500,`))
	broken := append(append(bytes.Clone(export[:at]), `"id": 2500,,`...), export[at+len(`"id": 2500,`):]...)
	db := xOpenStore(t)
	m := collector.NewMatcher([]store.Campaign{{Name: "c", Hashtags: []string{"savesheikhjarrah"}, Timezone: "UTC"}})
	res, bad, err := importFile(t, db, m, "result.json", broken)
	if err != nil {
		t.Fatal(err)
	}
	if res.Added != 2499 || len(bad) != 1 {
		t.Fatalf("import = %+v, malformed %v; want the 2,499 messages before the break, one malformed", res, bad)
	}
	line := bytes.Count(broken[:at], []byte("\n")) + 1 // the line of the bad ",,"
	if want := fmt.Sprintf("result.json:%d", line); !strings.HasSuffix(bad[0].Where, want) || !strings.Contains(bad[0].Err.Error(), "rest of file skipped") {
		t.Errorf("malformed %v; want it at %s", bad[0], want)
	}
}
