package x

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/tagpulse/tagpulse/collector"
	"github.com/tagpulse/tagpulse/store"
)

// FormatTwarcCSV is a CSV file written by twarc-csv (twarc2 csv), one tweet
// per row under a header of flattened v2 field names: id, created_at, text,
// author_id, referenced_tweets.retweeted.id, entities.hashtags (a JSON cell),
// public_metrics.like_count, author.username, author.location,
// author.public_metrics.followers_count, geo.place_id, geo.country_code… The
// importer reads the CSV and hands each row over as a JSON object of column
// name to cell text; the row is rebuilt as the flattened v2 tweet twarc2
// writes and mapped like one, so a tweet imported from the CSV is the same
// post as from the JSONL it was made from (but for what the CSV leaves out,
// such as a retweet's original text).
var FormatTwarcCSV = collector.Format{
	Name:   "twarc-csv",
	Detect: isTwarcCSVRow,
	Parse: func(rec []byte, now time.Time) ([]store.Post, []error) {
		p, err := parseTwarcCSVRow(rec, now)
		if err != nil {
			return nil, []error{err}
		}
		return []store.Post{p}, nil
	},
}

// isTwarcCSVRow reports whether rec is a CSV row as the importer passes it:
// an object of strings with twarc-csv's columns (dotted names included).
func isTwarcCSVRow(rec []byte) bool {
	var row map[string]string
	if json.Unmarshal(rec, &row) != nil {
		return false
	}
	_, id := row["id"]
	_, text := row["text"]
	_, created := row["created_at"]
	_, author := row["author_id"]
	dotted := false
	for k := range row {
		if strings.HasPrefix(k, "author.") || strings.HasPrefix(k, "public_metrics.") || strings.HasPrefix(k, "entities.") {
			dotted = true
			break
		}
	}
	return id && text && created && author && dotted
}

// parseTwarcCSVRow rebuilds the flattened v2 tweet of one twarc-csv row.
func parseTwarcCSVRow(rec []byte, now time.Time) (store.Post, error) {
	var row map[string]string
	if err := json.Unmarshal(rec, &row); err != nil {
		return store.Post{}, fmt.Errorf("not a twarc-csv row: %w", err)
	}
	for k, v := range row {
		row[k] = csvText(v)
	}
	if row["id"] == "" {
		return store.Post{}, fmt.Errorf("twarc-csv row without id")
	}
	tweet := map[string]any{
		"id":         row["id"],
		"text":       row["text"],
		"author_id":  row["author_id"],
		"created_at": row["created_at"],
		"lang":       row["lang"],
	}
	var refs []map[string]string
	for _, typ := range []string{"retweeted", "quoted", "replied_to"} {
		if id := row["referenced_tweets."+typ+".id"]; id != "" {
			refs = append(refs, map[string]string{"type": typ, "id": id})
		}
	}
	if c := strings.TrimSpace(row["referenced_tweets"]); strings.HasPrefix(c, "[") {
		// twarc-csv before 0.5: one JSON cell [{"type": "quoted", "id": "…"}]
		if err := json.Unmarshal([]byte(c), &refs); err != nil {
			return store.Post{}, fmt.Errorf("tweet %s: referenced_tweets is not the JSON list twarc-csv writes: %w", row["id"], err)
		}
	}
	if refs != nil {
		tweet["referenced_tweets"] = refs
	}
	metrics := map[string]int64{}
	for _, m := range []string{"retweet_count", "reply_count", "like_count", "quote_count"} {
		n, err := csvCount(row, "public_metrics."+m)
		if err != nil {
			return store.Post{}, fmt.Errorf("tweet %s: %w", row["id"], err)
		}
		metrics[m] = n
	}
	tweet["public_metrics"] = metrics
	if h := strings.TrimSpace(row["entities.hashtags"]); h != "" {
		tags, err := csvHashtags(h)
		if err != nil {
			return store.Post{}, fmt.Errorf("tweet %s: entities.hashtags is not the JSON list twarc-csv writes: %w", row["id"], err)
		}
		tweet["entities"] = map[string]any{"hashtags": tags}
	}
	geo := map[string]any{}
	if id := row["geo.place_id"]; id != "" {
		geo["place_id"] = id
		geo["country_code"] = row["geo.country_code"]
		geo["full_name"] = row["geo.full_name"]
	}
	if c := strings.TrimSpace(row["geo.coordinates.coordinates"]); c != "" {
		var ll []float64
		if err := json.Unmarshal([]byte(c), &ll); err != nil || len(ll) != 2 {
			return store.Post{}, fmt.Errorf("tweet %s: geo.coordinates.coordinates %q is not [lon, lat]", row["id"], c)
		}
		geo["coordinates"] = map[string]any{"type": cmpOr(row["geo.coordinates.type"], "Point"), "coordinates": ll}
	}
	if len(geo) > 0 {
		tweet["geo"] = geo
	}
	if row["author.id"] != "" || row["author.username"] != "" {
		followers, err := csvCount(row, "author.public_metrics.followers_count")
		if err != nil {
			return store.Post{}, fmt.Errorf("tweet %s: %w", row["id"], err)
		}
		tweet["author"] = map[string]any{
			"id":             cmpOr(row["author.id"], row["author_id"]),
			"username":       row["author.username"],
			"name":           row["author.name"],
			"location":       row["author.location"],
			"public_metrics": map[string]int64{"followers_count": followers},
		}
	}
	flat, err := json.Marshal(tweet)
	if err != nil {
		return store.Post{}, err
	}
	return parseFlatTweetV2(flat, store.SourceImport, now)
}

// csvText undoes what twarc-csv does to text cells: with --json-encode-text
// (and before 0.5, always) a cell is a JSON string literal; otherwise line
// breaks are written as the two characters \n.
func csvText(v string) string {
	if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
		var s string
		if json.Unmarshal([]byte(v), &s) == nil {
			return s
		}
	}
	if strings.Contains(v, `\n`) && !strings.HasPrefix(v, "[") && !strings.HasPrefix(v, "{") {
		v = strings.ReplaceAll(v, `\n`, "\n")
	}
	return v
}

// csvHashtags reads an entities.hashtags cell: ["#tag", …] as twarc-csv
// writes it by default, or the API's [{"start": 0, "end": 4, "tag": "tag"}]
// (--no-process-entities, and before 0.5).
func csvHashtags(cell string) ([]map[string]string, error) {
	var raw []json.RawMessage
	if err := json.Unmarshal([]byte(cell), &raw); err != nil {
		return nil, err
	}
	tags := make([]map[string]string, 0, len(raw))
	for _, r := range raw {
		var s string
		if json.Unmarshal(r, &s) == nil {
			tags = append(tags, map[string]string{"tag": strings.TrimPrefix(s, "#")})
			continue
		}
		var o struct {
			Tag string `json:"tag"`
		}
		if err := json.Unmarshal(r, &o); err != nil {
			return nil, err
		}
		tags = append(tags, map[string]string{"tag": o.Tag})
	}
	return tags, nil
}

// csvCount reads a count cell: empty is 0; pandas may have written 12.0.
func csvCount(row map[string]string, col string) (int64, error) {
	s := strings.TrimSpace(row[col])
	if s == "" {
		return 0, nil
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return n, nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f != float64(int64(f)) {
		return 0, fmt.Errorf("%s %q is not a count", col, s)
	}
	return int64(f), nil
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
