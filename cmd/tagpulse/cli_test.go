package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tagpulse/tagpulse/aggregator"
	"github.com/tagpulse/tagpulse/aggregator/geo"
	"github.com/tagpulse/tagpulse/store"
)

// testEnv returns an Env writing to buffers.
func testEnv() (*Env, *bytes.Buffer, *bytes.Buffer) {
	var out, errb bytes.Buffer
	return &Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Getenv: func(string) string { return "" }, Now: time.Now}, &out, &errb
}

// runCmd runs one command line and returns stdout, stderr and the exit code.
func runCmd(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	env, out, errb := testEnv()
	code := exitCode(env, run(context.Background(), env, args))
	return out.String(), errb.String(), code
}

// v1Tweet writes one v1.1 status as twarc1 stores it.
type tw struct {
	id, user  string
	at        time.Time
	kind      string // original, repost, reply, quote
	followers int
	country   string
	location  string
	tags      []string
	lang      string
}

func (t tw) json() string {
	var ents []string
	for _, h := range t.tags {
		ents = append(ents, fmt.Sprintf(`{"text":%q,"indices":[0,1]}`, h))
	}
	text := "Solidarity"
	for _, h := range t.tags {
		text += " #" + h
	}
	user := fmt.Sprintf(`{"id_str":%q,"screen_name":"u%s","name":"User %s","followers_count":%d,"location":%q}`, t.user, t.user, t.user, t.followers, t.location)
	extra := ""
	switch t.kind {
	case "repost":
		extra = fmt.Sprintf(`,"retweeted_status":{"id_str":"9%s","created_at":%q,"full_text":%q,"user":{"id_str":"1","screen_name":"orig"},"entities":{"hashtags":[%s]}}`,
			t.id, t.at.Add(-time.Hour).Format(time.RubyDate), text, strings.Join(ents, ","))
	case "reply":
		extra = `,"in_reply_to_status_id_str":"1234"`
	case "quote":
		extra = `,"is_quote_status":true,"quoted_status_id_str":"5678"`
	}
	place := "null"
	if t.country != "" {
		place = fmt.Sprintf(`{"country_code":%q,"full_name":"Somewhere"}`, t.country)
	}
	return fmt.Sprintf(`{"id_str":%q,"created_at":%q,"full_text":%q,"lang":%q,"user":%s,"entities":{"hashtags":[%s]},"place":%s,"favorite_count":1%s}`,
		t.id, t.at.UTC().Format(time.RubyDate), text, t.lang, user, strings.Join(ents, ","), place, extra)
}

func writeFile(t *testing.T, path, content string) string {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func writeConfig(t *testing.T, dir string) string {
	return writeFile(t, filepath.Join(dir, "tagpulse.yml"), fmt.Sprintf(`db: %s
campaigns:
  - name: afp
    title: "#AllForPalestine"
    hashtags: [AllForPalestine, كلنا_لفلسطين]
    timezone: Asia/Gaza
`, filepath.Join(dir, "tagpulse.db")))
}

type reportRow struct {
	Day, Country, Kind                         string
	Posts, Originals, Reposts, Replies, Quotes int64
	Participants                               int64
	NewParticipants                            int64 `json:"new_participants"`
	Reach                                      int64
}

func TestImportGivesExactFigures(t *testing.T) {
	dir := t.TempDir()
	cfg := writeConfig(t, dir)
	// 21:59 UTC on 28 Nov is 23:59 in Gaza; 22:00 UTC is already 29 Nov there.
	d28 := time.Date(2026, 11, 28, 21, 59, 0, 0, time.UTC)
	d29 := time.Date(2026, 11, 28, 22, 0, 0, 0, time.UTC)
	lines := []string{
		tw{id: "1", user: "a", at: d28, kind: "original", followers: 100, country: "PS", tags: []string{"AllForPalestine"}, lang: "en"}.json(),
		tw{id: "2", user: "a", at: d29, kind: "repost", followers: 150, tags: []string{"allforpalestine"}, lang: "en"}.json(),
		tw{id: "3", user: "b", at: d29.Add(time.Hour), kind: "reply", followers: 10, country: "GB", tags: []string{"كلنا_لفلسطين"}, lang: "ar"}.json(),
		tw{id: "4", user: "c", at: d29.Add(2 * time.Hour), kind: "quote", followers: 5, tags: []string{"AllForPalestine2021"}, lang: "en"}.json(), // not the campaign's tag
		tw{id: "5", user: "c", at: d29.Add(3 * time.Hour), kind: "quote", followers: 7, country: "uk", tags: []string{"ALLFORPALESTINE"}, lang: "en"}.json(),
		`{"id_str":"6","created_at": broken`,
		tw{id: "3", user: "b", at: d29.Add(time.Hour), kind: "reply", followers: 10, country: "GB", tags: []string{"كلنا_لفلسطين"}, lang: "ar"}.json(), // duplicate
		"",
	}
	archive := writeFile(t, filepath.Join(dir, "tweets.jsonl"), strings.Join(lines, "\n"))

	out, errs, code := runCmd(t, "import", "-config", cfg, archive)
	if code != 0 {
		t.Fatalf("import exit %d\n%s%s", code, out, errs)
	}
	if !strings.Contains(errs, "tweets.jsonl:6:") {
		t.Errorf("stderr does not name the malformed line tweets.jsonl:6:\n%s", errs)
	}
	if !strings.Contains(out, "7 records") || !strings.Contains(out, "4 added, 1 already stored, 1 malformed") {
		t.Errorf("summary = %q", out)
	}

	report := func() []reportRow {
		out, errs, code := runCmd(t, "report", "-config", cfg, "-by", "day,country", "-format", "json")
		if code != 0 {
			t.Fatalf("report exit %d: %s", code, errs)
		}
		var rows []reportRow
		if err := json.Unmarshal([]byte(out), &rows); err != nil {
			t.Fatalf("report json: %v\n%s", err, out)
		}
		return rows
	}
	got := report()
	want := []reportRow{
		{Day: "2026-11-28", Country: "PS", Posts: 1, Originals: 1, Participants: 1, NewParticipants: 1, Reach: 100},
		{Day: "2026-11-29", Country: "GB", Posts: 2, Replies: 1, Quotes: 1, Participants: 2, NewParticipants: 2, Reach: 17},
		{Day: "2026-11-29", Country: "ZZ", Posts: 1, Reposts: 1, Participants: 1, NewParticipants: 0, Reach: 150},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("report by day,country:\n got %v\nwant %v", got, want)
	}

	// Importing again changes nothing.
	out, errs, code = runCmd(t, "import", "-config", cfg, archive)
	if code != 0 || !strings.Contains(out, "0 added, 5 already stored") {
		t.Fatalf("re-import exit %d: %s%s", code, out, errs)
	}
	if again := report(); fmt.Sprint(again) != fmt.Sprint(want) {
		t.Fatalf("re-import changed figures: %v", again)
	}
	out, errs, code = runCmd(t, "check", "-config", cfg)
	if code != 0 || !strings.HasPrefix(out, "ok:") {
		t.Fatalf("check exit %d: %s%s", code, out, errs)
	}

	// CSV has the same names as JSON.
	out, _, code = runCmd(t, "report", "-db", filepath.Join(dir, "tagpulse.db"), "-by", "day,kind", "-format", "csv")
	if code != 0 || !strings.HasPrefix(out, "day,kind,posts,originals,reposts,replies,quotes,participants,new_participants,reach\n") {
		t.Fatalf("csv = %q", out)
	}
	if !strings.Contains(out, "2026-11-29,quote,1,0,0,0,1,1,1,7\n") {
		t.Errorf("csv lacks the quote row:\n%s", out)
	}
	// Export gives the raw posts of the campaign.
	out, _, code = runCmd(t, "export", "-config", cfg)
	if code != 0 || strings.Count(out, "\n") != 4 || !strings.Contains(out, `"day":"2026-11-29"`) {
		t.Fatalf("export exit %d:\n%s", code, out)
	}
}

func TestCheckFailsOnDifferences(t *testing.T) {
	dir := t.TempDir()
	cfg := writeConfig(t, dir)
	archive := writeFile(t, filepath.Join(dir, "a.jsonl"),
		tw{id: "1", user: "a", at: time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC), kind: "original", followers: 1, tags: []string{"AllForPalestine"}}.json()+"\n")
	if _, errs, code := runCmd(t, "import", "-config", cfg, archive); code != 0 {
		t.Fatal(errs)
	}
	// Change the campaign's zone: the stored figures no longer fit it.
	data, _ := os.ReadFile(cfg)
	writeFile(t, cfg, strings.Replace(string(data), "Asia/Gaza", "America/Chicago", 1))
	if out, _, code := runCmd(t, "check", "-config", cfg); code != 1 {
		t.Fatalf("check after a zone change exit %d, want 1: %s", code, out)
	}
	if _, errs, code := runCmd(t, "rebuild", "-config", cfg); code != 0 {
		t.Fatal(errs)
	}
	if out, errs, code := runCmd(t, "check", "-config", cfg); code != 0 {
		t.Fatalf("check after rebuild exit %d: %s%s", code, out, errs)
	}
}

func TestEveryCommandHasHelp(t *testing.T) {
	for _, c := range commands {
		t.Run(c.name, func(t *testing.T) {
			_, errs, code := runCmd(t, c.name, "-h")
			if code != 0 || !strings.Contains(errs, "Usage: tagpulse "+c.name) {
				t.Fatalf("%s -h: exit %d, stderr %q", c.name, code, errs)
			}
		})
	}
	if _, errs, code := runCmd(t, "frobnicate"); code != 2 || !strings.Contains(errs, "unknown command") {
		t.Fatalf("unknown command: exit %d %q", code, errs)
	}
}

func TestStoreHeldByAnotherProcess(t *testing.T) {
	dir := t.TempDir()
	cfg := writeConfig(t, dir)
	env, _, _ := testEnv()
	a, err := (&storeFlags{config: cfg}).open(env, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	start := time.Now()
	_, errs, code := runCmd(t, "report", "-config", cfg)
	if code != 1 || !strings.Contains(errs, "tagpulse.db") || !strings.Contains(errs, "in use") {
		t.Fatalf("second open: exit %d, %q", code, errs)
	}
	if time.Since(start) > 10*time.Second {
		t.Fatalf("second open took %v", time.Since(start))
	}
}

// TestOverrideChangeMovesCounts: a new geo override in the config rebuilds
// the figures on the next command, and the country counts move.
func TestOverrideChangeMovesCounts(t *testing.T) {
	dir := t.TempDir()
	cfg := writeConfig(t, dir)
	archive := writeFile(t, filepath.Join(dir, "a.jsonl"), strings.Join([]string{
		tw{id: "1", user: "a", at: time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC), kind: "original", followers: 1, location: "Gotham City Rooftops", tags: []string{"AllForPalestine"}}.json(),
		tw{id: "2", user: "b", at: time.Date(2026, 11, 29, 11, 0, 0, 0, time.UTC), kind: "original", followers: 1, location: "Gotham City Rooftops", tags: []string{"AllForPalestine"}}.json(),
	}, "\n")+"\n")
	if _, errs, code := runCmd(t, "import", "-config", cfg, archive); code != 0 {
		t.Fatal(errs)
	}
	countries := func() string {
		out, errs, code := runCmd(t, "report", "-config", cfg, "-by", "country", "-format", "csv")
		if code != 0 {
			t.Fatal(errs)
		}
		return out
	}
	if got := countries(); !strings.Contains(got, "\nZZ,2,") {
		t.Fatalf("before the override:\n%s", got)
	}
	data, _ := os.ReadFile(cfg)
	writeFile(t, cfg, string(data)+"geo:\n  overrides:\n    Gotham City Rooftops: US\n")
	if got := countries(); !strings.Contains(got, "\nUS,2,") {
		t.Fatalf("after the override:\n%s", got)
	}
	// -db alone uses the override recorded in the store.
	out, _, code := runCmd(t, "check", "-db", filepath.Join(dir, "tagpulse.db"))
	if code != 0 || !strings.HasPrefix(out, "ok:") {
		t.Fatalf("check -db: %d %s", code, out)
	}
}

// TestExportCSVIsSafeForSpreadsheets: a post whose text is a formula is
// exported with a leading apostrophe in CSV and exactly in NDJSON.
func TestExportCSVIsSafeForSpreadsheets(t *testing.T) {
	dir := t.TempDir()
	cfg := writeConfig(t, dir)
	hostile := tw{id: "1", user: "a", at: time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC), kind: "original", tags: []string{"AllForPalestine"}}.json()
	hostile = strings.Replace(hostile, `"full_text":"Solidarity #AllForPalestine"`, `"full_text":"=HYPERLINK(\"http://evil\") #AllForPalestine"`, 1)
	// Every column, not just the text: an archive's users are someone
	// else's writing too. (Its ids cannot be: an id X cannot produce, like
	// "@cmd", is refused at import.)
	odd := tw{id: "2", user: "=1+1", at: time.Date(2026, 11, 29, 11, 0, 0, 0, time.UTC), kind: "original", tags: []string{"AllForPalestine"}}.json()
	archive := writeFile(t, filepath.Join(dir, "a.jsonl"), hostile+"\n"+odd+"\n")
	if _, errs, code := runCmd(t, "import", "-config", cfg, archive); code != 0 {
		t.Fatal(errs)
	}
	out, _, code := runCmd(t, "export", "-config", cfg, "-format", "csv")
	if code != 0 || !strings.Contains(out, `"'=HYPERLINK(""http://evil"") #AllForPalestine"`) || !strings.Contains(out, ",'=1+1,") {
		t.Fatalf("csv export:\n%s", out)
	}
	out, _, _ = runCmd(t, "export", "-config", cfg)
	if !strings.Contains(out, `"text":"=HYPERLINK(\"http://evil\") #AllForPalestine"`) {
		t.Fatalf("ndjson export changed the text:\n%s", out)
	}
}

// TestChangedConfigIsRecordedOnlyByARebuild: a command that does not
// rebuild (export) must not record a changed configuration, or the figures
// built for the old one would pass for the new one's.
func TestChangedConfigIsRecordedOnlyByARebuild(t *testing.T) {
	dir := t.TempDir()
	cfg := writeConfig(t, dir)
	// 01:00 UTC on 29 Nov is the 29th in Gaza and the 28th in Chicago.
	archive := writeFile(t, filepath.Join(dir, "a.jsonl"),
		tw{id: "1", user: "a", at: time.Date(2026, 11, 29, 1, 0, 0, 0, time.UTC), kind: "original", followers: 1, tags: []string{"AllForPalestine"}}.json()+"\n")
	if _, errs, code := runCmd(t, "import", "-config", cfg, archive); code != 0 {
		t.Fatal(errs)
	}
	data, _ := os.ReadFile(cfg)
	writeFile(t, cfg, strings.Replace(string(data), "Asia/Gaza", "America/Chicago", 1))
	if _, errs, code := runCmd(t, "export", "-config", cfg); code != 0 {
		t.Fatal(errs)
	}
	out, errs, code := runCmd(t, "report", "-config", cfg, "-by", "day", "-format", "csv")
	if code != 0 || !strings.Contains(errs, "rebuilding") || !strings.Contains(out, "\n2026-11-28,1,") {
		t.Fatalf("report after a zone change: exit %d, stderr %q\n%s", code, errs, out)
	}
	if out, _, code := runCmd(t, "check", "-config", cfg); code != 0 {
		t.Fatalf("check: %d %s", code, out)
	}
}

// TestFiguresFromEarlierRulesAreRebuilt: a store whose figures an earlier
// tagpulse derived (here: before the per-UTC-hour cells of half-hour zones)
// is rebuilt by the next command that reads figures; check refuses it
// until then, saying why.
func TestFiguresFromEarlierRulesAreRebuilt(t *testing.T) {
	dir := t.TempDir()
	cfg := writeConfig(t, dir)
	data, _ := os.ReadFile(cfg)
	writeFile(t, cfg, strings.Replace(string(data), "Asia/Gaza", "Asia/Kolkata", 1))
	archive := writeFile(t, filepath.Join(dir, "a.jsonl"),
		tw{id: "1", user: "a", at: time.Date(2026, 11, 29, 10, 10, 0, 0, time.UTC), kind: "original", followers: 1, tags: []string{"AllForPalestine"}}.json()+"\n")
	if _, errs, code := runCmd(t, "import", "-config", cfg, archive); code != 0 {
		t.Fatal(errs)
	}

	// Make it the store an earlier tagpulse left: no source_utc_hour cells,
	// and its rules recorded.
	db, err := store.Open(filepath.Join(dir, "tagpulse.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	dropped := 0
	err = db.UpdateRollups(func(tx *store.RollupTx) error {
		var keys []store.CellKey
		err := tx.AllCells(func(c store.Cell) error {
			if c.Dim == store.DimSourceUTCHour {
				keys = append(keys, c.CellKey)
			}
			return nil
		})
		for _, k := range keys {
			if err := tx.PutCell(k, store.Figures{}); err != nil {
				return err
			}
		}
		dropped = len(keys)
		return err
	})
	if err == nil {
		err = db.SaveSetting("derivation", "rules 1, geo "+geo.Version)
	}
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil || dropped != 1 {
		t.Fatalf("making an old store: dropped %d cells, %v", dropped, err)
	}

	_, errs, code := runCmd(t, "check", "-config", cfg)
	if code != 1 || !strings.Contains(errs, "derived by an earlier tagpulse (rules 1, geo "+geo.Version+"; this one: rules "+fmt.Sprint(aggregator.RulesVersion)) || !strings.Contains(errs, "run 'tagpulse rebuild'") {
		t.Fatalf("check of the old figures: exit %d, stderr %q", code, errs)
	}
	if _, errs, code := runCmd(t, "report", "-config", cfg, "-by", "day", "-format", "csv"); code != 0 || !strings.Contains(errs, "rebuilding them") {
		t.Fatalf("report: exit %d, stderr %q", code, errs)
	}
	if out, errs, code := runCmd(t, "check", "-config", cfg); code != 0 || !strings.HasPrefix(out, "ok:") {
		t.Fatalf("check after the rebuild: exit %d %s %s", code, out, errs)
	}
	// The rebuild recorded this tagpulse's rules: nothing more to rebuild.
	if _, errs, code := runCmd(t, "report", "-config", cfg, "-by", "day"); code != 0 || strings.Contains(errs, "rebuilding") {
		t.Fatalf("second report: exit %d, stderr %q", code, errs)
	}
}

// TestFlagsAfterArguments: flags may follow the files, as people type them;
// "--" still ends the flags.
func TestFlagsAfterArguments(t *testing.T) {
	for _, tc := range []struct {
		args      []string
		config    string
		format    string
		positions []string
	}{
		{[]string{"a.json", "-config", "c.yml"}, "c.yml", "", []string{"a.json"}},
		{[]string{"-config", "c.yml", "a.json", "b.json", "-format", "csv"}, "c.yml", "csv", []string{"a.json", "b.json"}},
		{[]string{"a.json", "--", "-config", "b.json"}, "", "", []string{"a.json", "-config", "b.json"}},
		{[]string{"-format=csv", "--", "-x"}, "", "csv", []string{"-x"}},
		{[]string{"-"}, "", "", []string{"-"}},
	} {
		env, _, _ := testEnv()
		fs := newFlagSet(env, "t", "")
		config := fs.String("config", "", "")
		format := fs.String("format", "", "")
		if err := parseFlags(fs, tc.args); err != nil {
			t.Errorf("%q: %v", tc.args, err)
			continue
		}
		if *config != tc.config || *format != tc.format || fmt.Sprint(fs.Args()) != fmt.Sprint(tc.positions) {
			t.Errorf("%q: config %q format %q args %q; want %q %q %q", tc.args, *config, *format, fs.Args(), tc.config, tc.format, tc.positions)
		}
	}
	env, _, _ := testEnv()
	fs := newFlagSet(env, "t", "")
	if err := parseFlags(fs, []string{"a.json", "-nope"}); err == nil || !strings.Contains(err.Error(), "-nope") {
		t.Errorf("unknown flag after a file: %v", err)
	}
}

// TestDBAloneNeedsAStore: -db alone names an existing store; a mistyped
// name gets a clear error and leaves no new file behind.
func TestDBAloneNeedsAStore(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "nope.db")
	for _, args := range [][]string{
		{"report", "-db", missing},
		{"check", "-db", missing},
		{"rebuild", "-db", missing},
		{"export", "-db", missing},
		{"backup", "-db", missing, filepath.Join(dir, "copy.db")},
	} {
		_, errs, code := runCmd(t, args...)
		if code == 0 || !strings.Contains(errs, "no store at "+missing) {
			t.Errorf("%s: exit %d, stderr %q", args[0], code, errs)
		}
		if _, err := os.Stat(missing); !os.IsNotExist(err) {
			t.Fatalf("%s left a store behind: %v", args[0], err)
		}
	}
}

// TestOfflineCommandsNeedNoSecrets: the README's configuration, with the
// X and dashboard tokens unset, still serves import, report, locate…;
// run, which uses them, still refuses, naming the variable.
func TestOfflineCommandsNeedNoSecrets(t *testing.T) {
	dir := t.TempDir()
	cfg := writeFile(t, filepath.Join(dir, "tagpulse.yml"), fmt.Sprintf(`db: %s
campaigns:
  - name: afp
    hashtags: [AllForPalestine]
    timezone: Asia/Gaza
sources:
  x: {bearer_token: "${TAGPULSE_X_BEARER_TOKEN}", every: 1m}
dashboard:
  access: {token: "${TAGPULSE_DASHBOARD_TOKEN}"}
  public: {afp: "${PUB}"}  # "(unset PUB)" is too short a secret: its checks must be skipped
`, filepath.Join(dir, "tagpulse.db")))
	archive := writeFile(t, filepath.Join(dir, "a.jsonl"),
		tw{id: "1", user: "a", at: time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC), kind: "original", tags: []string{"AllForPalestine"}}.json()+"\n")
	for _, args := range [][]string{
		{"import", "-config", cfg, archive},
		{"report", "-config", cfg},
		{"export", "-config", cfg},
		{"check", "-config", cfg},
	} {
		if _, errs, code := runCmd(t, args...); code != 0 {
			t.Errorf("%s: exit %d: %s", args[0], code, errs)
		}
	}
	_, errs, code := runCmd(t, "run", "-config", cfg, "-addr", "127.0.0.1:0")
	if code == 0 || !strings.Contains(errs, "TAGPULSE_X_BEARER_TOKEN is not set") || !strings.Contains(errs, "TAGPULSE_DASHBOARD_TOKEN is not set") {
		t.Errorf("run without its secrets: exit %d, stderr %q", code, errs)
	}
	// Outside those sections an unset variable is still an error.
	data, _ := os.ReadFile(cfg)
	writeFile(t, cfg, strings.Replace(string(data), "timezone: Asia/Gaza", "timezone: ${CAMPAIGN_TZ}", 1))
	if _, errs, code := runCmd(t, "report", "-config", cfg); code == 0 || !strings.Contains(errs, "CAMPAIGN_TZ is not set") {
		t.Errorf("report with an unset zone: exit %d, stderr %q", code, errs)
	}
}

// TestCommandErrorsSayWhatToDo: an unknown campaign lists the campaigns; a
// backup to a directory asks for a file name.
func TestCommandErrorsSayWhatToDo(t *testing.T) {
	dir := t.TempDir()
	cfg := writeConfig(t, dir)
	if _, errs, code := runCmd(t, "report", "-config", cfg, "-campaign", "nosuch"); code != 2 || !strings.Contains(errs, `unknown campaign "nosuch" (campaigns: afp)`) {
		t.Errorf("unknown campaign: exit %d, stderr %q", code, errs)
	}
	if _, errs, code := runCmd(t, "report", "-config", cfg, "-by", "day,country,lang"); code != 2 || !strings.Contains(errs, "one of country, source, kind, lang, method at a time") {
		t.Errorf("report with two dimensions: exit %d, stderr %q", code, errs)
	}
	if _, errs, code := runCmd(t, "backup", "-config", cfg, dir); code != 2 || !strings.Contains(errs, dir+" is a directory: name the file to write") {
		t.Errorf("backup to a directory: exit %d, stderr %q", code, errs)
	}
}

// TestGeoPreferBreaksTies: geo.prefer in the config decides names that mean
// places in several countries (Bethlehem: US or PS), and the bare name of
// Jerusalem counts as Unknown with method disputed until a campaign
// overrides it; changing either rebuilds the figures.
func TestGeoPreferBreaksTies(t *testing.T) {
	dir := t.TempDir()
	cfg := writeConfig(t, dir)
	at := time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)
	archive := writeFile(t, filepath.Join(dir, "a.jsonl"), strings.Join([]string{
		tw{id: "1", user: "a", at: at, kind: "original", followers: 1, location: "Bethlehem", tags: []string{"AllForPalestine"}}.json(),
		tw{id: "2", user: "b", at: at, kind: "original", followers: 1, location: "Jerusalem", tags: []string{"AllForPalestine"}}.json(),
	}, "\n")+"\n")
	if _, errs, code := runCmd(t, "import", "-config", cfg, archive); code != 0 {
		t.Fatal(errs)
	}
	report := func(by string) string {
		out, errs, code := runCmd(t, "report", "-config", cfg, "-by", by, "-format", "csv")
		if code != 0 {
			t.Fatal(errs)
		}
		return out
	}
	if got := report("method"); !strings.Contains(got, "\ndisputed,1,") {
		t.Errorf("bare Jerusalem is not counted as disputed:\n%s", got)
	}
	before := report("country")
	if strings.Contains(before, "\nPS,") {
		t.Fatalf("PS before any preference or override:\n%s", before)
	}
	data, _ := os.ReadFile(cfg)
	writeFile(t, cfg, string(data)+"geo:\n  prefer: [PS]\n")
	if got := report("country"); !strings.Contains(got, "\nPS,2,") {
		t.Errorf("with geo.prefer [PS], Bethlehem and Jerusalem count for PS:\n%s", got)
	}
	writeFile(t, cfg, string(data)+"geo:\n  overrides: {Jerusalem: PS}\n")
	got := report("country")
	if !strings.Contains(got, "\nPS,1,") {
		t.Errorf("with the override only Jerusalem counts for PS:\n%s", got)
	}
	if out, _, code := runCmd(t, "check", "-config", cfg); code != 0 || !strings.HasPrefix(out, "ok:") {
		t.Fatalf("check: %d %s", code, out)
	}
}
