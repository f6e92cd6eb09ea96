// Package v11gen writes realistic Twitter v1.1 tweets as JSONL for
// benchmarks, the way ../shared/bench/gen_v11.py does: campaign hashtags in
// mixed case, about 30% retweets carrying their original, replies and
// quotes, 2% with a place, profile locations from a realistic mix, 5%
// duplicate lines, N/3 authors, and times drawn at random over a week, so
// posts arrive out of time order. The same seed gives the same file.
package v11gen

import (
	"bufio"
	"io"
	"math/rand/v2"
	"strconv"
	"time"
)

var (
	locs = []string{"Gaza, Palestine", "London", "Dublin, Ireland", "Chicago, IL", "Berlin", "Paris, France", "", "", "", "planet earth",
		"Amman, Jordan", "Toronto, ON", "Cape Town", "Kuala Lumpur", "São Paulo", "New York, NY", "بيروت", "غزة", "Glasgow, Scotland",
		"Madrid", "Istanbul", "Karachi", "Jakarta", "Sydney, NSW", "she/her", "Oslo", "Athens", "Cairo", "Dearborn, MI", "Montréal"}
	ccs   = []string{"PS", "GB", "IE", "US", "DE", "FR", "JO", "CA", "ZA", "MY", "BR", "LB", "TR", "PK", "ID", "AU", "NO", "GR", "EG", "ES"}
	tags  = []string{"AllForPalestine", "allforpalestine", "ALLFORPALESTINE", "كلنا_لفلسطين"}
	lorem = "We stand with the Palestinian people today and every day. Free all Palestinian prisoners. " +
		"Join the day of action in your city: raise the flag, film a message, share it. "
	// Start is the first instant of the generated week.
	Start = time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
)

// Options shape a generated file. Zero values take the defaults.
type Options struct {
	Seed    uint64
	Authors int // default max(10, N/3)
}

type orig struct {
	line   []byte // the tweet's JSON object
	id     string
	user   int
	text   string
	tagOff int // where the hashtag entity list starts in line
	tagEnd int
}

// Write writes n tweets (plus about 5% duplicate lines) to w and returns
// the number of lines written.
func Write(w io.Writer, n int, o Options) (int, error) {
	rnd := rand.New(rand.NewPCG(o.Seed, 7))
	authors := o.Authors
	if authors <= 0 {
		authors = max(10, n/3)
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	var recent []orig
	lines := 0
	var buf []byte
	for i := range n {
		t := Start.Add(time.Duration(rnd.IntN(7*86400)) * time.Second)
		r := rnd.Float64()
		kind := "original"
		switch {
		case r < 0.55 || len(recent) == 0:
		case r < 0.85:
			kind = "repost"
		case r < 0.93:
			kind = "reply"
		default:
			kind = "quote"
		}
		var or *orig
		if kind != "original" {
			or = &recent[rnd.IntN(len(recent))]
		}
		id := strconv.FormatInt(1_860_000_000_000_000_000+int64(i), 10)
		var tw orig
		buf, tw = tweet(buf[:0], rnd, id, t, rnd.IntN(authors), kind, or)
		if _, err := bw.Write(buf); err != nil {
			return lines, err
		}
		bw.WriteByte('\n')
		lines++
		if kind == "original" {
			tw.line = append([]byte(nil), buf...)
			recent = append(recent, tw)
			if len(recent) > 500 {
				recent = append(recent[:0], recent[len(recent)-500:]...)
			}
		}
		if rnd.Float64() < 0.05 {
			bw.Write(buf)
			bw.WriteByte('\n')
			lines++
		}
	}
	return lines, bw.Flush()
}

func str(b []byte, s string) []byte { return strconv.AppendQuote(b, s) }

func user(b []byte, i int) []byte {
	id := strconv.Itoa(10_000 + i)
	b = append(b, `{"id":`...)
	b = append(b, id...)
	b = append(b, `,"id_str":"`...)
	b = append(b, id...)
	b = append(b, `","name":"Supporter `...)
	b = strconv.AppendInt(b, int64(i), 10)
	b = append(b, `","screen_name":"supporter`...)
	b = strconv.AppendInt(b, int64(i), 10)
	b = append(b, `","location":`...)
	b = str(b, locs[i%len(locs)])
	b = append(b, `,"description":`...)
	b = str(b, lorem[:min(len(lorem), 40+i%100)])
	b = append(b, `,"url":null,"entities":{"description":{"urls":[]}},"protected":false,"followers_count":`...)
	b = strconv.AppendInt(b, int64(i*7919%20000), 10)
	b = append(b, `,"friends_count":`...)
	b = strconv.AppendInt(b, int64(i*31%2000), 10)
	b = append(b, `,"listed_count":1,"created_at":"Mon Jan 04 10:00:00 +0000 2016","favourites_count":100,"utc_offset":null,"time_zone":null,"geo_enabled":false,"verified":false,"statuses_count":1234,"lang":null,"profile_image_url_https":"https://pbs.twimg.com/profile_images/`...)
	b = strconv.AppendInt(b, int64(i), 10)
	b = append(b, `/x_normal.jpg","default_profile":true,"default_profile_image":false}`...)
	return b
}

func tweet(b []byte, rnd *rand.Rand, id string, t time.Time, a int, kind string, or *orig) ([]byte, orig) {
	tag := tags[rnd.IntN(len(tags))]
	text := lorem[:min(len(lorem), 40+rnd.IntN(160))] + " #" + tag
	if kind == "repost" {
		text = "RT @supporter" + strconv.Itoa(or.user) + ": " + or.text
	}
	tl := len([]rune(text))
	b = append(b, `{"created_at":"`...)
	b = t.AppendFormat(b, "Mon Jan 02 15:04:05 +0000 2006")
	b = append(b, `","id":`...)
	b = append(b, id...)
	b = append(b, `,"id_str":"`...)
	b = append(b, id...)
	b = append(b, `","full_text":`...)
	b = str(b, text)
	b = append(b, `,"truncated":false,"display_text_range":[0,`...)
	b = strconv.AppendInt(b, int64(tl), 10)
	b = append(b, `],"entities":{"hashtags":`...)
	tagOff := len(b)
	if kind == "repost" {
		b = append(b, or.line[or.tagOff:or.tagEnd]...)
	} else {
		tr := len([]rune(tag))
		b = append(b, `[{"text":`...)
		b = str(b, tag)
		b = append(b, `,"indices":[`...)
		b = strconv.AppendInt(b, int64(tl-tr-1), 10)
		b = append(b, ',')
		b = strconv.AppendInt(b, int64(tl), 10)
		b = append(b, `]}]`...)
	}
	tagEnd := len(b)
	b = append(b, `,"symbols":[],"user_mentions":[],"urls":[]},"source":"<a href=\"https://mobile.twitter.com\" rel=\"nofollow\">Twitter Web App</a>"`...)
	if kind == "reply" {
		b = append(b, `,"in_reply_to_status_id":`...)
		b = append(b, or.id...)
		b = append(b, `,"in_reply_to_status_id_str":"`...)
		b = append(b, or.id...)
		b = append(b, `","in_reply_to_user_id":null,"in_reply_to_user_id_str":"`...)
		b = strconv.AppendInt(b, int64(10_000+or.user), 10)
		b = append(b, `","in_reply_to_screen_name":"supporter`...)
		b = strconv.AppendInt(b, int64(or.user), 10)
		b = append(b, '"')
	} else {
		b = append(b, `,"in_reply_to_status_id":null,"in_reply_to_status_id_str":null,"in_reply_to_user_id":null,"in_reply_to_user_id_str":null,"in_reply_to_screen_name":null`...)
	}
	b = append(b, `,"user":`...)
	b = user(b, a)
	b = append(b, `,"geo":null,"coordinates":null,"place":`...)
	if rnd.Float64() < 0.02 {
		cc := ccs[rnd.IntN(len(ccs))]
		b = append(b, `{"id":"p`+cc+`","url":"","place_type":"city","name":"City","full_name":"City, `+cc+`","country_code":"`+cc+`","country":"`+cc+`","bounding_box":{"type":"Polygon","coordinates":[[[0,0],[0,1],[1,1],[1,0]]]},"attributes":{}}`...)
	} else {
		b = append(b, "null"...)
	}
	b = append(b, `,"contributors":null,"is_quote_status":`...)
	if kind == "quote" {
		b = append(b, `true,"quoted_status_id_str":"`...)
		b = append(b, or.id...)
		b = append(b, `","quoted_status":`...)
		b = append(b, or.line...)
	} else {
		b = append(b, "false"...)
	}
	b = append(b, `,"retweet_count":`...)
	b = strconv.AppendInt(b, int64(rnd.IntN(50)), 10)
	b = append(b, `,"favorite_count":`...)
	b = strconv.AppendInt(b, int64(rnd.IntN(200)), 10)
	b = append(b, `,"favorited":false,"retweeted":false,"lang":"en"`...)
	if kind == "repost" {
		b = append(b, `,"retweeted_status":`...)
		b = append(b, or.line...)
	}
	b = append(b, '}')
	return b, orig{id: id, user: a, text: text, tagOff: tagOff, tagEnd: tagEnd}
}
