package hashtag_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/tagpulse/tagpulse/collector/hashtag"
)

func TestNormalize(t *testing.T) {
	for _, tt := range []struct {
		name, in, want string
	}{
		{"Plain", "AllForPalestine", "allforpalestine"},
		{"Hash", "#AllForPalestine", "allforpalestine"},
		{"FullWidthHash", "＃AllForPalestine", "allforpalestine"},
		{"SmallHash", "﹟AllForPalestine", "allforpalestine"},
		{"FullWidthLetters", "＃ＡｌｌＦｏｒＰａｌｅｓｔｉｎｅ", "allforpalestine"},
		{"Spaces", "  #AllForPalestine \n", "allforpalestine"},
		{"DoubleHash", "##AllForPalestine", "allforpalestine"},
		{"HashSpace", "# AllForPalestine", ""},
		{"ZWSPHash", "\u200b#AllForPalestine", "allforpalestine"},
		{"TrailingBang", "#AllForPalestine!", "allforpalestine"},
		{"TrailingComma", "AllForPalestine,", "allforpalestine"},
		{"TrailingEllipsis", "#tag…", "tag"},
		{"TrailingDot", "#tag.", "tag"},
		{"StopsAtSpace", "#free palestine", "free"},
		{"Digits", "#AllForPalestine2021", "allforpalestine2021"},
		{"Underscore", "#Free_Palestine", "free_palestine"},
		{"OnlyDigits", "#2021", ""},
		{"OnlyUnderscoreDigits", "#_2021_", ""},
		{"Empty", "", ""},
		{"OnlyHash", "#", ""},
		{"OnlyPunct", "#!?", ""},
		{"Arabic", "#كلنا_لفلسطين", "كلنا_لفلسطين"},
		{"ArabicTatweel", "#كلـــنا_لفلسطين", "كلنا_لفلسطين"},
		{"ArabicRLM", "#كلنا_لفلسطين\u200f", "كلنا_لفلسطين"},
		{"ArabicPresentationForms", "#\uFEE3\uFEAE\uFEA3\uFE92\uFE8E", "مرحبا"},
		{"ArabicDigits", "#غزة٢٠٢٣", "غزة٢٠٢٣"},
		{"ArabicOnlyTatweel", "#ــــ", ""},
		{"Hebrew", "#ישראל", "ישראל"},
		{"HebrewGershayim", "#צה״ל", "צה״ל"},
		{"Persian", "#زن_زندگی_آزادی", "زن_زندگی_آزادی"},
		{"PersianZWNJ", "#می\u200cخواهم", "میخواهم"},
		{"ZWJ", "#Free\u200dPalestine", "freepalestine"},
		{"ZWSP", "#Free\u200bPalestine", "freepalestine"},
		{"BOM", "\ufeff#Gaza", "gaza"},
		{"Chinese", "#巴勒斯坦", "巴勒斯坦"},
		{"Japanese", "＃パレスチナに自由を", "パレスチナに自由を"},
		{"HalfWidthKatakana", "#ﾊﾟﾚｽﾁﾅ", "パレスチナ"},
		{"Korean", "#팔레스타인", "팔레스타인"},
		{"Thai", "#ปาเลสไตน์", "ปาเลสไตน์"},
		{"Hindi", "#फ़िलिस्तीन", "फ़िलिस्तीन"},
		{"Greek", "#ΠΑΛΑΙΣΤΙΝΗ", "παλαιστινη"},
		{"GreekFinalSigma", "#ΟΔΟΣ", "οδοσ"},
		{"GreekFinalSigmaLower", "#οδος", "οδοσ"},
		{"Cyrillic", "#Палестина", "палестина"},
		{"German", "#Straße", "strasse"},
		{"GermanUpper", "#STRASSE", "strasse"},
		{"Turkish", "#İstanbul", "i̇stanbul"},
		{"Kelvin", "#\u212Aelvin", "kelvin"},
		{"Ligature", "#ﬁlm", "film"},
		{"Decomposed", "#Cafe\u0301", "café"},
		{"Composed", "#Café", "café"},
		{"Catalan", "#Col·lectiu", "col·lectiu"},
		{"Emoji", "#Gaza🇵🇸", "gaza"},
		{"InvalidUTF8", "#Gaza\xff\xfe", "gaza"},
		{"HangulFiller", "#\u3164", ""},
		{"Keycap", "#️⃣", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := hashtag.Normalize(tt.in); got != tt.want {
				t.Errorf("Normalize(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestNormalizeEquality(t *testing.T) {
	same := [][]string{
		{"#AllForPalestine", "allforpalestine", "#ALLFORPALESTINE", "＃AllForPalestine", "#ＡｌｌＦｏｒＰａｌｅｓｔｉｎｅ", "#All\u200bFor\u200dPalestine"},
		{"#كلنا_لفلسطين", "كلنا_لفلسطين", "＃كلـنا_لفلسطين", "#كلنا_لفلسطين\u200f", "\u200f#كلنا_لفلسطين"},
	}
	for _, group := range same {
		want := hashtag.Normalize(group[0])
		for _, s := range group[1:] {
			if got := hashtag.Normalize(s); got != want {
				t.Errorf("Normalize(%q) = %q, want %q like %q", s, got, want, group[0])
			}
		}
	}
	if hashtag.Normalize("#AllForPalestine2021") == hashtag.Normalize("#AllForPalestine") {
		t.Errorf("#AllForPalestine2021 and #AllForPalestine normalise equal")
	}
}

func TestExtract(t *testing.T) {
	for _, tt := range []struct {
		name, in string
		want     []string
	}{
		{"None", "no tags here", nil},
		{"Empty", "", nil},
		{"One", "Join us #AllForPalestine today", []string{"allforpalestine"}},
		{"Start", "#AllForPalestine", []string{"allforpalestine"}},
		{"Several", "#Gaza #AllForPalestine #FreePalestine", []string{"gaza", "allforpalestine", "freepalestine"}},
		{"Dedupe", "#Gaza #gaza ＃ＧＡＺＡ #Gaza!", []string{"gaza"}},
		{"Order", "#b #a #b #c", []string{"b", "a", "c"}},
		{"TrailingBang", "Now: #AllForPalestine!", []string{"allforpalestine"}},
		{"TrailingComma", "#AllForPalestine, #Gaza.", []string{"allforpalestine", "gaza"}},
		{"TrailingEllipsis", "more soon #tag…", []string{"tag"}},
		{"TrailingQuote", `"#tag"`, []string{"tag"}},
		{"Parens", "(#tag)", []string{"tag"}},
		{"NotPrefix", "#AllForPalestine2021", []string{"allforpalestine2021"}},
		{"InWord", "foo#bar", nil},
		{"AfterDigit", "2#bar", nil},
		{"AfterUnderscore", "_#bar", nil},
		{"HTMLEntity", "it&#39;s", nil},
		{"HTMLEntityText", "a &#tag", nil},
		{"URLFragment", "see example.com/#x", nil},
		{"URLFragmentPath", "see example.com/page/#section today", nil},
		{"URLScheme", "https://example.com/page?q=1&x=#frag", nil},
		{"URLWWW", "www.example.org/#frag", nil},
		{"URLParen", "(example.com/#frag)", nil},
		{"URLThenTag", "https://example.com/#frag #Gaza", []string{"gaza"}},
		{"SlashTags", "#Gaza/#Palestine", []string{"gaza", "palestine"}},
		{"URLWWWQuery", "www.example.org?x=#frag", nil},
		{"URLSeveral", "example.com/a #b example.com/#c #d https://x.org/#e/#f", []string{"b", "d"}},
		{"URLLongPath", "example.com/a/b/c/d/#x/#y", nil},
		{"NotURLParens", "(((/#a", []string{"a"}},
		{"Glued", "#foo#bar", nil},
		{"GluedFullWidth", "#foo＃bar", nil},
		{"Scheme", "#http://example.com", nil},
		{"DoubleHash", "##tag", []string{"tag"}},
		{"OnlyHash", "# # #", nil},
		{"Numeric", "#1 #2021 #123abc", []string{"123abc"}},
		{"Keycap", "#️⃣ #tag", []string{"tag"}},
		{"Mention", "@user #tag", []string{"tag"}},
		{"MentionGlued", "@user#tag", nil},
		{"FullWidthHash", "＃パレスチナに自由を", []string{"パレスチナに自由を"}},
		{"FullWidthAfterKanaGlued", "連帯を＃パレスチナに自由を", nil},
		{"FullWidthAfterKana", "連帯を ＃パレスチナ", []string{"パレスチナ"}},
		{"Arabic", "نحن معكم #كلنا_لفلسطين ✊", []string{"كلنا_لفلسطين"}},
		{"ArabicComma", "#غزة، #فلسطين", []string{"غزة", "فلسطين"}},
		{"ArabicTatweel", "#كلـــنا_لفلسطين", []string{"كلنا_لفلسطين"}},
		{"ArabicInWord", "كلنا#فلسطين", nil},
		{"Hebrew", "שלום #ישראל.", []string{"ישראל"}},
		{"PersianZWNJ", "#می\u200cخواهم", []string{"میخواهم"}},
		{"ZWNJBefore", "a\u200c#tag", nil},
		{"ZWSPBefore", "a\u200b#tag", []string{"tag"}},
		{"NBSPBefore", "a\u00a0#tag", []string{"tag"}},
		{"IdeographicSpace", "連帯\u3000#パレスチナ", []string{"パレスチナ"}},
		{"Newlines", "line\n#one\r\n#two\t#three", []string{"one", "two", "three"}},
		{"Emoji", "🇵🇸#Gaza🇵🇸", []string{"gaza"}},
		{"EmojiZWJ", "👩‍#tag", nil},
		{"Greek", "#ΟΔΟΣ and #οδος", []string{"οδοσ"}},
		{"InvalidUTF8", "\xff#tag\xfe #b\xc3", []string{"tag", "b"}},
		{"Decomposed", "#Cafe\u0301 #Café", []string{"café"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := hashtag.Extract(tt.in)
			if !slices.Equal(got, tt.want) {
				t.Errorf("Extract(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestFromEntities(t *testing.T) {
	for _, tt := range []struct {
		name string
		tags []string
		text string
		want []string
	}{
		{"Entities", []string{"AllForPalestine", "Gaza"}, "ignored #Other", []string{"allforpalestine", "gaza"}},
		{"EntitiesWithHash", []string{"#AllForPalestine", "＃allforpalestine"}, "", []string{"allforpalestine"}},
		{"DropsEmpty", []string{"", "2021", "Gaza"}, "", []string{"gaza"}},
		{"FallBack", nil, "#AllForPalestine #كلنا_لفلسطين", []string{"allforpalestine", "كلنا_لفلسطين"}},
		{"FallBackEmpty", []string{}, "#Gaza", []string{"gaza"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := hashtag.FromEntities(tt.tags, tt.text)
			if !slices.Equal(got, tt.want) {
				t.Errorf("FromEntities(%q, %q) = %q, want %q", tt.tags, tt.text, got, tt.want)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	for _, tt := range []struct {
		name, in string
		err      string // substring of the error; "" for valid
	}{
		{"Plain", "AllForPalestine", ""},
		{"Hash", "#AllForPalestine", ""},
		{"FullWidth", "＃ＡｌｌＦｏｒＰａｌｅｓｔｉｎｅ", ""},
		{"Arabic", "كلنا_لفلسطين", ""},
		{"ArabicTatweel", "كلـنا_لفلسطين", ""},
		{"Hebrew", "צה״ל", ""},
		{"Japanese", "パレスチナに自由を", ""},
		{"Persian", "می\u200cخواهم", ""},
		{"Digits", "AllForPalestine2021", ""},
		{"Surrounding", " Gaza ", ""},
		{"Empty", "", "empty hashtag"},
		{"Blank", "   ", "empty hashtag"},
		{"OnlyHash", "#", "nothing after"},
		{"OnlyHashZW", "#\u200b", "no letters"},
		{"Space", "All For Palestine", "contains a space"},
		{"IdeographicSpace", "All\u3000Palestine", "contains a space"},
		{"SecondHash", "#Gaza#Palestine", "second '#'"},
		{"DoubleHash", "##Gaza", "second '#'"},
		{"Punctuation", "!?.", "no letters"},
		{"Numeric", "2021", "no letters"},
		{"HashNumeric", "#2021", "no letters"},
		{"TrailingBang", "AllForPalestine!", `contains '!'`},
		{"Dash", "all-for-palestine", `contains '-'`},
		{"Emoji", "Gaza🇵🇸", "cannot be part of a hashtag"},
		{"InvalidUTF8", "Gaza\xff", "UTF-8"},
		{"OnlyTatweel", "ــــ", "no letters"},
		{"Keycap", "#️⃣", "no letters"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := hashtag.Validate(tt.in)
			switch {
			case tt.err == "" && err != nil:
				t.Errorf("Validate(%q) = %v, want nil", tt.in, err)
			case tt.err != "" && err == nil:
				t.Errorf("Validate(%q) = nil, want error with %q", tt.in, tt.err)
			case tt.err != "" && !strings.Contains(err.Error(), tt.err):
				t.Errorf("Validate(%q) = %v, want error with %q", tt.in, err, tt.err)
			}
			if err == nil && hashtag.Normalize(tt.in) == "" {
				t.Errorf("Validate(%q) = nil but Normalize gives \"\"", tt.in)
			}
		})
	}
}

// checkNormal fails unless s is a fixed point of Normalize without '#',
// spaces or invisible characters.
func checkNormal(t *testing.T, from, s string) {
	t.Helper()
	if again := hashtag.Normalize(s); again != s {
		t.Fatalf("from %q: Normalize(%q) = %q, not idempotent", from, s, again)
	}
	if !utf8.ValidString(s) {
		t.Fatalf("from %q: %q is not valid UTF-8", from, s)
	}
	for _, r := range s {
		if r == '#' || r == '＃' || unicode.IsSpace(r) || unicode.Is(unicode.Cf, r) || r == 0x0640 || (0xFE00 <= r && r <= 0xFE0F) {
			t.Fatalf("from %q: %q contains %U", from, s, r)
		}
	}
}

func FuzzNormalize(f *testing.F) {
	for _, s := range []string{
		"#AllForPalestine!", "＃ＡｌｌＦｏｒＰａｌｅｓｔｉｎｅ", "#كلـنا_لفلسطين\u200f", "#می\u200cخواهم",
		"#ΟΔΟΣ", "#Straße", "#İstanbul", "#ﬁlm", "#Cafe\u0301", "#ﾊﾟﾚｽﾁﾅ", "##a#b", "#2021",
		"see example.com/#x and #y", "foo#bar &#39; #️⃣", "\xff#\xfe", "#ᾳ\u0345", "#ǅ", "#\u3164",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := hashtag.Normalize(s)
		checkNormal(t, s, n)
		if err := hashtag.Validate(s); err == nil && n == "" {
			t.Fatalf("Validate(%q) = nil, but Normalize gives \"\"", s)
		}
		tags := hashtag.Extract(s)
		for i, tag := range tags {
			if tag == "" {
				t.Fatalf("Extract(%q) has an empty tag", s)
			}
			checkNormal(t, s, tag)
			if slices.Contains(tags[:i], tag) {
				t.Fatalf("Extract(%q) = %q has duplicates", s, tags)
			}
			if err := hashtag.Validate(tag); err != nil {
				t.Fatalf("Extract(%q) gives %q, but Validate says %v", s, tag, err)
			}
			if got := hashtag.Extract("#" + tag); !slices.Equal(got, []string{tag}) {
				t.Fatalf("Extract(%q) = %q, want [%q]", "#"+tag, got, tag)
			}
		}
	})
}

// Tags given whole (Bluesky facets, campaign hashtags) keep '-' and '.'.
func TestNormalizeTag(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"Rstats-powered", "rstats-powered"},
		{"#bsvars.org", "bsvars.org"},
		{"gpt-5", "gpt-5"},
		{"AllForPalestine", "allforpalestine"},
		{"＃ＡｌｌＦｏｒＰａｌｅｓｔｉｎｅ", "allforpalestine"},
		{"كلـنا_لفلسطين", "كلنا_لفلسطين"},
		{"two words", ""},
		{"2021", ""},
		{"a#b", ""},
		{strings.Repeat("a", 80), strings.Repeat("a", 80)},
		{"\xffab", ""},
	} {
		if got := hashtag.NormalizeTag(tt.in); got != tt.want {
			t.Errorf("NormalizeTag(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestValidateTag(t *testing.T) {
	for _, ok := range []string{"AllForPalestine", "#Rstats-powered", "bsvars.org", "gpt-5", "كلنا_لفلسطين", "tag_"} {
		if err := hashtag.ValidateTag(ok); err != nil {
			t.Errorf("ValidateTag(%q) = %v, want nil", ok, err)
		}
	}
	for in, want := range map[string]string{
		"two words": "space", "#a#b": "second '#'", "2021": "letters", "AllForPalestine!": "ends in",
		"": "empty", strings.Repeat("a-", 33) + "a": "longer than 64", strings.Repeat("🇵🇸", 64) + "-x": "longer than 64",
	} {
		if err := hashtag.ValidateTag(in); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ValidateTag(%q) = %v, want an error with %q", in, err, want)
		}
	}
}

// Whatever Normalize keeps whole, NormalizeTag gives the same form, so a
// campaign hashtag means what it meant before tags could hold '-' and '.'.
func FuzzNormalizeTag(f *testing.F) {
	for _, s := range []string{"#AllForPalestine", "Rstats-powered", "＃ＡｌｌＦｏｒＰａｌｅｓｔｉｎｅ", "#كلـنا_لفلسطين\u200f", "#Straße", "#İstanbul", "\xff#\xfe", "a.b.c"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := hashtag.NormalizeTag(s)
		if n != "" && hashtag.NormalizeTag(n) != n {
			t.Fatalf("NormalizeTag(%q) = %q is not a fixed point (%q)", s, n, hashtag.NormalizeTag(n))
		}
		if hashtag.Validate(s) == nil && n != hashtag.Normalize(s) {
			t.Fatalf("Validate(%q) = nil, Normalize = %q, NormalizeTag = %q", s, hashtag.Normalize(s), n)
		}
		if hashtag.ValidateTag(s) == nil && n == "" {
			t.Fatalf("ValidateTag(%q) = nil, but NormalizeTag gives \"\"", s)
		}
	})
}

var sink []string

func BenchmarkExtract(b *testing.B) {
	for _, bb := range []struct{ name, text string }{
		{"English", "Today we stand together. Join the International Day of Solidarity with the Palestinian People #AllForPalestine #FreePalestine https://example.org/day-of-action"},
		{"EnglishLower", "join us on 29 november, everyone, everywhere #allforpalestine #gaza https://example.org/day"},
		{"Arabic", "اليوم العالمي للتضامن مع الشعب الفلسطيني، شاركونا في الحملة #كلنا_لفلسطين #غزة https://example.org"},
		{"NoTags", "Today we stand together. Join the International Day of Solidarity with the Palestinian People, everywhere."},
		{"Japanese", "パレスチナ人民連帯国際デーに参加しよう ＃パレスチナに自由を #AllForPalestine"},
	} {
		b.Run(bb.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				sink = hashtag.Extract(bb.text)
			}
		})
	}
}

// distinctTags returns n distinct hashtags, as entities and as text.
func distinctTags(n int) ([]string, string) {
	tags := make([]string, n)
	var b strings.Builder
	for i := range tags {
		tags[i] = fmt.Sprintf("tag%dx", i)
		b.WriteString(" #" + tags[i])
	}
	return tags, b.String()
}

// TestHostilePostKeepsAtMostMaxPerPost: a post with 5,000 distinct hashtags
// (in entities or in its text) keeps the first MaxPerPost, in order, with no
// duplicates; repeats of a kept tag do not use up room.
func TestHostilePostKeepsAtMostMaxPerPost(t *testing.T) {
	tags, text := distinctTags(5 * hashtag.MaxPerPost)
	repeated := append([]string{"AllForPalestine", "allforpalestine", "#ALLFORPALESTINE"}, tags...)
	for name, got := range map[string][]string{
		"entities": hashtag.FromEntities(repeated, ""),
		"text":     hashtag.Extract("#AllForPalestine #allforpalestine" + text),
	} {
		if len(got) != hashtag.MaxPerPost {
			t.Fatalf("%s: kept %d hashtags, want %d", name, len(got), hashtag.MaxPerPost)
		}
		if got[0] != "allforpalestine" || got[1] != "tag0x" || got[len(got)-1] != tags[hashtag.MaxPerPost-2] {
			t.Fatalf("%s: kept %q … %q, want the first ones in order", name, got[:2], got[len(got)-1])
		}
		if len(slices.Compact(slices.Sorted(slices.Values(got)))) != len(got) {
			t.Fatalf("%s: duplicates kept", name)
		}
	}
	var s hashtag.Set
	for _, tg := range tags {
		s.Add(tg)
	}
	if s.Dropped != len(tags)-hashtag.MaxPerPost || !s.Full() {
		t.Fatalf("Set: dropped %d, full %v", s.Dropped, s.Full())
	}
}

// BenchmarkDedupe: the cost per tag of a post with n distinct hashtags stays
// flat as n grows (it was quadratic: 100k tags took ≈ 7 s), and past
// MaxPerPost the post costs no more.
func BenchmarkDedupe(b *testing.B) {
	for _, n := range []int{100, 250, 500, 1000, 100000} {
		tags, text := distinctTags(n)
		b.Run(fmt.Sprintf("FromEntities/%d", n), func(b *testing.B) {
			for b.Loop() {
				sink = hashtag.FromEntities(tags, "")
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(min(n, hashtag.MaxPerPost)), "ns/tag")
		})
		b.Run(fmt.Sprintf("Extract/%d", n), func(b *testing.B) {
			for b.Loop() {
				sink = hashtag.Extract(text)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(min(n, hashtag.MaxPerPost)), "ns/tag")
		})
	}
}

// TestInvalidUTF8Terminates feeds invalid UTF-8 through every entry point
// that normalises (NFKC, case folding): truncated sequences, lone
// continuation bytes and encoded surrogates, alone, between combining marks
// and in runs long enough to pass the normaliser's segment limits. x/text
// before the fix of GO-2026-5970 could loop forever in norm on such input;
// each call must return, and with valid UTF-8.
func TestInvalidUTF8Terminates(t *testing.T) {
	bad := []string{"\xff", "\xc3", "\xe2\x82", "\xf0\x9f\x98", "\x80\x80", "\xed\xa0\x80", "\xc0\xaf", "\xf8\x88\x80\x80\x80"}
	var inputs []string
	for _, b := range bad {
		inputs = append(inputs,
			"#"+b, "#Gaza"+b, "#"+b+"Gaza", "#a\u0301"+b+"\u0308",
			"#"+strings.Repeat("\u0301"+b, 40), "#ﷺ"+b+"ﷺ", "#"+strings.Repeat(b, 300),
			"text "+b+" #tag"+b+" #"+b+"x")
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for _, in := range inputs {
			if got := hashtag.Normalize(in); !utf8.ValidString(got) {
				t.Errorf("Normalize(%q) = %q, not valid UTF-8", in, got)
			}
			for _, tag := range hashtag.Extract(in) {
				if !utf8.ValidString(tag) {
					t.Errorf("Extract(%q) gave %q, not valid UTF-8", in, tag)
				}
			}
			hashtag.Validate(in)
			hashtag.FromEntities([]string{in}, in)
		}
	}()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("hashtag normalisation did not return on invalid UTF-8 within 30 s")
	}
}
