package geo

import (
	"math"
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/tagpulse/tagpulse/aggregator/geo/internal/textnorm"
)

// primaryBonus favours a place's own name over another place's alternate
// name ("Islamabad" is also an old name of Chittagong), as a population
// about eight times larger would.
const primaryBonus = 0.09

// maxWords is the longest name, in words, looked up in one piece.
const maxWords = 5

// Population floors for a city named without anything that confirms it.
const (
	// barePop: a city alone ("Mars" is also a village of 1,700 in Pennsylvania).
	barePop = 10000
	// noisyPop: a city among words that are not places ("living in Reading").
	noisyPop = 50000
	// wordPop: a city whose name is also an everyday word ("Reading", "Split"),
	// alone and capitalised; in notability (population raised by the number
	// of languages naming the place), so a well-known city.
	wordPop = 700000
)

// nonPlaces are texts that people write where a location goes but that name
// no country: pronouns, jokes, the whole world, the internet, other worlds.
// They are compared after normalisation, as whole words.
var nonPlaces = []string{
	"he", "him", "his", "she", "her", "hers", "they", "them", "theirs", "it", "its", "xe", "xem", "ze", "zir",
	"any", "all", "pronouns", "any pronouns", "ela", "dela", "ele", "dele", "elu", "delu", "ella", "elle", "he him", "she her", "they them",
	"earth", "planet earth", "the earth", "world", "the world", "worldwide", "world wide", "global", "globe",
	"everywhere", "nowhere", "somewhere", "anywhere", "here", "there", "here and there", "everywhere and nowhere",
	"online", "offline", "internet", "the internet", "web", "the web", "cyberspace", "the cloud", "cloud",
	"localhost", "home", "at home", "my home", "my house", "house", "my room", "bed", "my bed", "the void", "void",
	"universe", "the universe", "multiverse", "the multiverse", "space", "outer space", "the moon", "moon", "mars",
	"sun", "the sun", "jupiter", "saturn", "venus", "mercury", "pluto", "neptune", "uranus", "milky way", "galaxy",
	"heaven", "hell", "paradise", "purgatory", "limbo", "utopia", "dystopia", "dreamland", "wonderland",
	"narnia", "hogwarts", "middle earth", "mordor", "gondor", "the shire", "shire", "westeros", "wakanda",
	"gotham", "gotham city", "metropolis", "atlantis", "neverland", "never land", "oz", "asgard", "valhalla",
	"tatooine", "springfield usa", "the matrix", "matrix", "hyrule", "azeroth", "mushroom kingdom",
	"eden", "garden of eden", "zion", "babylon", "jannah", "olympus", "mount olympus", "avalon", "shangri la",
	"el dorado", "camelot", "bedrock", "bikini bottom", "sunnydale", "hogsmeade", "pandora", "arrakis",
	"gallifrey", "krypton", "vulcan", "cybertron", "asgard", "lalaland", "la la land", "candyland", "toyland",
	"sin city", "paradise city", "emerald city", "sesame street", "the shire", "rivendell", "lothlorien",
	"ummah", "dunya", "metaverse", "the metaverse", "area 51", "human", "humanity", "refugee",
	"resist", "resistance", "love", "peace", "hope", "freedom", "liberty", "unity", "truth", "independence",
	"faith", "grace", "joy", "bliss", "harmony", "dream", "dreams", "vibes", "chaos", "the hood", "hood",
	"the streets", "streets", "behind you", "in your heart", "your heart", "your mind", "my mind", "mind",
	"n a", "na", "none", "nope", "unknown", "secret", "private", "undisclosed", "classified", "somewhere else",
	"wherever", "whatever", "idk", "lol", "remote", "traveling", "travelling", "on the road", "the road",
	"fediverse", "mastodon", "bluesky", "twitter", "x", "tiktok", "instagram", "youtube", "discord",
	"kik", "snapchat", "skype", "facebook", "insta", "ig", "telegram", "whatsapp", "wechat", "twitch", "tumblr",
	"linkedin", "email", "gmail", "babel", "tower of babel",
	"diaspora", "exile", "in exile", "the diaspora", "global south", "global north", "the west", "west", "east",
	"north", "south", "the south", "the north", "land", "stolen land", "occupied land", "turtle island",
	"africa", "asia", "europe", "oceania", "americas", "the americas", "latin america", "south america",
	"north america", "central america", "middle east", "the middle east", "near east", "far east", "mena",
	"swana", "levant", "the levant", "balkans", "the balkans", "caribbean", "the caribbean", "scandinavia",
	"nordics", "the nordics", "benelux", "eu", "european union", "arab world", "the arab world", "maghreb",
	"sub saharan africa", "west africa", "east africa", "southeast asia", "south asia", "east asia",
	"abya yala", "latinoamerica", "sudamerica", "sud america", "norteamerica", "centroamerica", "europa", "medio oriente",
}

// fillers are words that do not make a text less of a place name
// ("living in Berlin", "the city of London").
var fillers = []string{
	"the", "of", "in", "from", "based", "living", "live", "lives", "currently", "now", "near", "city", "area",
	"greater", "metro", "born", "raised", "and", "or", "at", "via", "on", "by", "a", "an", "to", "i", "im",
	"my", "originally", "but", "today", "sometimes", "mostly", "between", "outside", "inside", "just", "uptown",
	"downtown", "central", "northern", "southern", "eastern", "western", "occupied", "de", "la", "el", "le",
	"du", "di", "da", "do", "del", "des", "en", "y", "e", "et", "und", "rural", "suburbs", "suburban", "area",
	"region", "county", "state", "province", "district", "town", "village", "capital", "beautiful", "sunny",
	"rainy", "good", "old", "small", "big", "little", "lovely", "proud", "proudly", "home", "sweet", "based in",
	"ex", "formerly", "soon", "moving", "moved", "also", "usually", "upstate", "downstate", "inner", "outer",
	"coastal", "somewhere", "here", "there",
	"من", "في", "الى", "إلى", "مدينة", "محافظة", "ولاية", "دولة", "مخيم", "قرية", "город", "из", "в",
}

// slogans make a segment a cause, not a location ("Free Palestine",
// "Stand with Sudan"): the places in it are not where the author is.
var slogans = []string{
	"free", "save", "pray", "praying", "stand", "standing", "solidarity", "support", "supporting",
	"boycott", "liberate", "liberation", "ceasefire", "viva", "justice", "eyes", "genocide", "river", "sea",
}

// commonWords are everyday words of the languages tagpulse meets most,
// beyond English (whose words the generator marks from a word list), that
// are also names of towns or provinces somewhere: "Sur" (south; a city in
// Oman), "Alba" (dawn; a county of Romania), "Nord-Est" (a department of
// Haiti), "destra" (right). A name made only of them is no place unless the
// rest of the text supports it (its country or region is named), or it is
// alone and a well-known city.
var commonWords = []string{
	// Spanish, Catalan
	"sur", "norte", "este", "oeste", "noreste", "noroeste", "sureste", "suroeste", "alba", "sol", "mar", "cielo",
	"luna", "casa", "vida", "paz", "amor", "fe", "tierra", "mundo", "playa", "rio", "monte", "valle", "centro",
	"pueblo", "nada", "todo", "siempre", "temprano", "hoy", "aqui", "alla", "lejos", "cerca", "donde", "arriba",
	"abajo", "bella", "bello", "linda", "lindo", "grande", "estrella", "camino", "autopista", "cami", "nord",
	"llum", "lluna", "nit", "dia", "noche", "tarde", "manana", "corazon", "alma", "libre", "cosmos",
	"nuevo", "nueva", "meta", "paraiso", "blanca", "blanco",
	// Italian
	"sud", "est", "ovest", "nordest", "sudest", "destra", "sinistra", "stella", "seconda", "primo", "prima",
	"terra", "mondo", "cielo", "mare", "sole", "vita", "amore", "pace", "paese", "qui", "oltre", "sempre",
	"tramonto", "notte", "giorno", "cuore", "anima", "stelle", "isola", "lontano", "nuovo", "nuova",
	// French
	"ouest", "ici", "mer", "ciel", "soleil", "lune", "vie", "amour", "paix", "terre", "monde", "maison",
	"belle", "beau", "centre", "coeur", "ailleurs", "partout", "nulle", "part",
	// Portuguese
	"sul", "leste", "ceu", "lua", "aqui", "longe", "coracao", "saudade", "mundo", "nova", "novo", "cidade",
	// German
	"sud", "ost", "hier", "dort", "heimat", "zuhause", "himmel", "sonne", "mond", "leben", "liebe", "frieden",
	"welt", "haus", "mitte", "nirgendwo", "uberall", "zwischen", "norden", "suden", "osten", "westen", "berge", "bergen",
	"berg", "see", "wald", "meer", "paradies",
}

// articles do not stop a name made of everyday words from being one
// ("El Paraíso" is paradise before it is a department of Honduras).
var articles = []string{"el", "la", "los", "las", "il", "lo", "gli", "le", "les", "l", "der", "die", "das", "den", "dem"}

var (
	wordsOnce                         sync.Once
	nonPlaceSet, fillerSet, sloganSet map[uint64]bool
	commonWordSet, articleSet         map[uint64]bool
)

func hashSet(list []string) map[uint64]bool {
	m := make(map[uint64]bool, len(list))
	for _, s := range list {
		m[textnorm.HashString(textnorm.Key(s))] = true
	}
	return m
}

func wordSets() {
	wordsOnce.Do(func() {
		nonPlaceSet = hashSet(nonPlaces)
		fillerSet = hashSet(fillers)
		sloganSet = hashSet(slogans)
		commonWordSet = hashSet(commonWords)
		articleSet = hashSet(articles)
	})
}

// match is a run of words that names something in the gazetteer or the
// override table.
type match struct {
	start, end int // word indices
	seg        int
	entries    []uint32         // usable gazetteer entries
	override   [2]byte          // set when an override matched
	anchorable bool             // some entry may stand alone (not only a qualifier)
	plain      bool             // capitalised (or in a script without case), alone in its segment
	fuzzy      bool             // found by transliteration skeleton
	script     map[[2]byte]bool // countries writing the script the name is in; nil for Latin
	disputed   bool             // a name of both sides of a disputed city ("Jerusalem")
	oldCity    bool             // "the Old City", which only qualifies a disputed city
	wordy      bool             // every word is a common word of some language ("Sur", "Alba")
}

type scratch struct {
	tok     textnorm.Tokens
	skel    []byte
	matches []match
	ent     []uint32
	noise   []int // per segment: words that are neither places nor fillers
	slogan  []bool
	named   []bool // per segment: names a place, or a region that is no country ("Europe")
	// lowerCase: the text is all in lower case, so no word in it is a code
	// by its case.
	lowerCase bool
}

// near reports whether segments x and y are side by side, or only segments
// that name nothing lie between them: "Kochi, God's Own Country, India",
// but not "Edinburgh, sometimes Europe & USA".
func (sc *scratch) near(x, y int) bool {
	if x > y {
		x, y = y, x
	}
	for s := x + 1; s < y; s++ {
		if sc.named[s] {
			return false
		}
	}
	return true
}

// listed reports whether a list separator (| / · • ;) lies between
// segments x and y: "Frankfurt|Hong Kong|Singapore" lists places, the first
// of which is the author's; "New Delhi - USA" qualifies one.
func (sc *scratch) listed(x, y int) bool {
	if x > y {
		x, y = y, x
	}
	for s := x + 1; s <= y && s < len(sc.tok.Listed); s++ {
		if sc.tok.Listed[s] {
			return true
		}
	}
	return false
}

// anyNoise reports whether any segment holds words that are not places.
func (sc *scratch) anyNoise() bool {
	for _, n := range sc.noise {
		if n > 0 {
			return true
		}
	}
	return false
}

var scratchPool = sync.Pool{New: func() any { return new(scratch) }}

// Locate decides a country from a free-text profile location alone. It
// answers Unknown (method "none") when the text names no place, or names one
// too doubtfully.
func (a *Attributor) Locate(profileLocation string) Attribution {
	if len(profileLocation) > 400 {
		profileLocation = profileLocation[:400]
	}
	wordSets()
	sc := scratchPool.Get().(*scratch)
	defer scratchPool.Put(sc)
	at := a.locate(sc, profileLocation)
	return at
}

func (a *Attributor) locate(sc *scratch, text string) Attribution {
	if at, ok := a.textCoordinates(text); ok {
		return at
	}
	t := &sc.tok
	textnorm.Split(t, text)
	if len(t.Words) == 0 && len(t.Flags) == 0 {
		return unknown
	}
	sc.lowerCase = readCase(t.Buf, t.Words)
	// The whole text may be an override.
	if len(a.overrides) > 0 && len(t.Words) > 0 {
		if cc, ok := a.overrides[textnorm.HashWords(t.Buf, t.Words)]; ok {
			return overrideResult(cc)
		}
	}
	sc.reset(t.Segs)
	a.scan(sc)
	a.readCodes(sc)
	sc.markPlain()
	return a.decide(sc)
}

// readCase adjusts the case signals of a text written all in lower or all
// in upper case ("london, uk", "LIVING IN BERLIN"), where case tells
// nothing: every word reads as capitalised, and as a code ("paris, tx") only
// a short word alone in a later segment. A lower-case word alone in the
// text is a word, not a code ("dm" is no Dominica), except the few codes
// people do write alone in lower case ("uk", "us"). It reports whether the
// text is all in lower case.
func readCase(buf []byte, words []textnorm.Word) (lower bool) {
	if !oneCase(words) {
		return false
	}
	for _, w := range words {
		if w.Latin {
			lower = !w.Upper
			break
		}
	}
	for k := range words {
		w := &words[k]
		if !w.Latin {
			continue
		}
		w.Cap = true
		first := k == 0 || words[k-1].Seg != w.Seg
		last := k == len(words)-1 || words[k+1].Seg != w.Seg
		short := w.End-w.Start <= 3
		switch {
		case !first && last && w.End-w.Start == 2 && words[k-1].Latin:
			w.Upper = true // "paris tx", "boulder co": a state code after a city
		case !first || !last || !short:
			w.Upper = false
		case w.Seg > 0:
			w.Upper = true
		case len(words) == 1:
			w.Upper = !lower || loneLowerCodes[string(w.Text(buf))]
		default:
			w.Upper = false
		}
	}
	return lower
}

// loneLowerCodes are the country codes people write alone in lower case.
var loneLowerCodes = map[string]bool{"uk": true, "us": true}

func (sc *scratch) reset(segs int) {
	sc.matches = sc.matches[:0]
	sc.ent = sc.ent[:0]
	sc.noise = sc.noise[:0]
	sc.slogan = sc.slogan[:0]
	sc.named = sc.named[:0]
	for s := 0; s < segs; s++ {
		sc.noise = append(sc.noise, 0)
		sc.slogan = append(sc.slogan, false)
		sc.named = append(sc.named, false)
	}
}

// scan finds the names in the words, longest first, and counts per segment
// the words that are neither places nor fillers.
func (a *Attributor) scan(sc *scratch) {
	t := &sc.tok
	words := t.Words
	for i := 0; i < len(words); {
		w := words[i]
		segEnd := i
		for segEnd < len(words) && words[segEnd].Seg == w.Seg {
			segEnd++
		}
		if n, ok := a.scanAt(sc, i, segEnd); ok {
			i += n
			continue
		}
		// CJK and Thai are written without spaces: look for the longest
		// name inside.
		if w.CJK || isThaiWord(w.Text(t.Buf)) {
			if m, ok := a.lookupCJK(sc, t.Buf, w); ok {
				sc.matches = append(sc.matches, m)
				i++
				continue
			}
		}
		h := textnorm.Hash(w.Text(t.Buf))
		switch {
		case sloganSet[h]:
			sc.slogan[w.Seg] = true
		case fillerSet[h], w.End-w.Start <= 1 && !w.CJK:
		default:
			sc.noise[w.Seg]++
		}
		i++
	}
	// Two city names side by side in one segment ("Bay Ridge" read as "Bay"
	// and "Ridge") are more likely one name the gazetteer lacks.
	lastSeg, lastCity := -1, false
	for mi := range sc.matches {
		m := &sc.matches[mi]
		sc.named[m.seg] = true
		city := a.cityOnly(m)
		if m.seg == lastSeg && city && lastCity {
			sc.noise[m.seg]++
		}
		lastSeg, lastCity = m.seg, city
	}
}

// isCountyAbbrev reports whether word i is "Co" (so capitalised, not "CO")
// before a capitalised word of its segment: the Irish and British
// abbreviation of County ("Co. Cork", "Co Durham"), a filler. After a name,
// or in capitals, it is still Colorado's or Colombia's code ("Boulder, CO").
func isCountyAbbrev(buf []byte, words []textnorm.Word, i, segEnd int) bool {
	w := words[i]
	if w.Upper || !w.Cap || i+1 >= segEnd || !words[i+1].Cap {
		return false
	}
	txt := w.Text(buf)
	return len(txt) == 2 && (txt[0] == 'c' || txt[0] == 'C') && (txt[1] == 'o' || txt[1] == 'O')
}

// scanAt tries the names starting at word i (longest first, within the
// segment ending at segEnd) and returns how many words it consumed.
func (a *Attributor) scanAt(sc *scratch, i, segEnd int) (int, bool) {
	t := &sc.tok
	words := t.Words
	w := words[i]
	if isCountyAbbrev(t.Buf, words, i, segEnd) {
		return 1, true // "Co. Cork": County, not Colorado or Colombia
	}
	for n := min(maxWords, segEnd-i); n >= 1; n-- {
		h := textnorm.HashWords(t.Buf, words[i:i+n])
		if n <= a.overrideN {
			if cc, ok := a.overrides[h]; ok {
				if cc != [2]byte{'Z', 'Z'} {
					sc.matches = append(sc.matches, match{start: i, end: i + n, seg: w.Seg, override: cc, anchorable: true})
				}
				return n, true
			}
		}
		if n <= jerusalemN {
			if cc, ok := jerusalemName(h); ok {
				m := match{start: i, end: i + n, seg: w.Seg}
				switch cc {
				case disputedCode:
					m.disputed = true
				case oldCityCode:
					m.oldCity = true
				default:
					m.override, m.anchorable = cc, true
				}
				sc.matches = append(sc.matches, m)
				return n, true
			}
		}
		if nonPlaceSet[h] {
			sc.named[w.Seg] = true
			return n, true
		}
		if n == 1 && !w.Upper && (fillerSet[h] || sloganSet[h]) {
			break // "uptown", "free": words that place names also use
		}
		if m, ok := a.lookup(sc, words, i, n, h); ok {
			sc.matches = append(sc.matches, m)
			return n, true
		}
	}
	// Names transliterated from Arabic: try their consonant skeleton.
	for n := min(3, segEnd-i); n >= 2; n-- {
		if m, ok := a.lookupFuzzy(sc, words, i, n); ok {
			sc.matches = append(sc.matches, m)
			return n, true
		}
	}
	return 0, false
}

// readCodes settles what the division codes of a text stand for. Two
// capital letters that are a code are a code, not a town of that name
// ("WA" is Washington or Western Australia, not Wa in Ghana; "BA" no Ba in
// Fiji). A code followed by a postcode of one of its countries' shape is that country's
// division, whatever else it spells ("Runnymede VIC 3559" is Victoria, not
// Vic in Catalonia). Otherwise a code is read as a division of the country
// named after it, if any: "Bogotá, D.C., Colombia" is no District of
// Columbia, "Perth, WA, Australia" is Western Australia.
func (a *Attributor) readCodes(sc *scratch) {
	words := sc.tok.Words
	for mi := range sc.matches {
		m := &sc.matches[mi]
		if m.start < 0 || m.override != ([2]byte{}) || len(m.entries) == 0 {
			continue
		}
		if w := words[m.start]; m.end-m.start == 1 && w.Upper && w.Latin && w.End-w.Start == 2 {
			a.codeNotTown(m)
		}
		if m.end < len(words) && words[m.end].Seg == m.seg {
			if a.postcodeCode(sc, m, words[m.end].Text(sc.tok.Buf)) {
				if sc.noise[m.seg] > 0 {
					sc.noise[m.seg]-- // the postcode is no stray word
				}
				continue
			}
		}
		if m.anchorable {
			continue
		}
		for oi := mi + 1; oi < len(sc.matches); oi++ {
			o := &sc.matches[oi]
			if o.seg == m.seg || sc.slogan[o.seg] || o.override != ([2]byte{}) {
				continue
			}
			top := a.topReading(o)
			if top < 0 {
				continue
			}
			if q := a.g.places[top>>entryShift]; q.kind == kindCountry {
				kept := m.entries[:0]
				for _, e := range m.entries {
					if a.g.places[e>>entryShift].cc == q.cc {
						kept = append(kept, e)
					}
				}
				m.entries = kept
				break
			}
		}
	}
}

// codeNotTown drops the towns from a match that is also a code, if it is.
func (a *Attributor) codeNotTown(m *match) {
	code := false
	for _, e := range m.entries {
		code = code || e&entryQual != 0
	}
	if !code {
		return
	}
	kept := 0
	m.anchorable = false
	for _, e := range m.entries {
		if a.g.places[e>>entryShift].kind == kindCity {
			continue
		}
		m.entries[kept] = e
		kept++
		m.anchorable = m.anchorable || e&entryQual == 0
	}
	m.entries = m.entries[:kept]
}

// postcodeLen is the length of the all-digit postcodes of the countries
// whose division codes people write before them ("VIC 3559", "IN 46148").
var postcodeLen = map[[2]byte]int{
	{'A', 'U'}: 4, {'U', 'S'}: 5, {'I', 'N'}: 6, {'B', 'R'}: 5, {'I', 'T'}: 5, {'C', 'H'}: 4, {'M', 'X'}: 5,
	{'E', 'S'}: 5, {'D', 'E'}: 5, {'A', 'T'}: 4, {'N', 'Z'}: 4, {'P', 'H'}: 4, {'Z', 'A'}: 4, {'M', 'Y'}: 5,
}

// postcodeCode keeps, of match m, the division codes whose country's
// postcodes have the shape of word (Canada's "M5V"; digits for the others),
// made to stand alone. It reports whether any was kept.
func (a *Attributor) postcodeCode(sc *scratch, m *match, word []byte) bool {
	digits, canadian := len(word) > 0, len(word) == 3
	for k, c := range word {
		d := '0' <= c && c <= '9'
		digits = digits && d
		canadian = canadian && d == (k == 1)
	}
	if !digits && !canadian {
		return false
	}
	kept := 0
	for _, e := range m.entries {
		p := a.g.places[e>>entryShift]
		if e&entryQual == 0 || p.kind != kindRegion {
			continue
		}
		if canadian && p.cc == [2]byte{'C', 'A'} || digits && postcodeLen[p.cc] == len(word) {
			m.entries[kept] = e &^ entryQual // m.entries is this match's own part of sc.ent
			kept++
		}
	}
	if kept == 0 {
		return false
	}
	m.entries = m.entries[:kept]
	m.anchorable = true
	return true
}

// markPlain marks the matches that stand alone in their segment, among no
// other words, and are capitalised (or in a script without case).
func (sc *scratch) markPlain() {
	words := sc.tok.Words
	for mi := range sc.matches {
		m := &sc.matches[mi]
		alone := sc.noise[m.seg] == 0 && (mi == 0 || sc.matches[mi-1].seg != m.seg) &&
			(mi == len(sc.matches)-1 || sc.matches[mi+1].seg != m.seg)
		m.plain = alone && (m.start < 0 || words[m.start].Cap)
	}
}

// isShortLatin reports whether a match is one Latin word of four letters or fewer.
func isShortLatin(sc *scratch, m *match) bool {
	w := sc.tok.Words[m.start]
	return m.end-m.start == 1 && w.Latin && w.End-w.Start <= 4
}

// Countries by the scripts their place names are written in, beyond Latin.
var (
	arabicScript   = codeSet("AE BH DZ EG IQ JO KW LB LY MA OM PS QA SA SD SY TN YE MR KM DJ SO EH IR AF PK IL TD")
	hebrewScript   = codeSet("IL")
	greekScript    = codeSet("GR CY")
	cyrillicScript = codeSet("RU UA BY BG RS MK ME BA KZ KG TJ MN")
	hanScript      = codeSet("CN TW HK MO JP SG")
	kanaScript     = codeSet("JP")
	hangulScript   = codeSet("KR KP")
)

func codeSet(codes string) map[[2]byte]bool {
	m := map[[2]byte]bool{}
	for _, c := range strings.Fields(codes) {
		m[[2]byte{c[0], c[1]}] = true
	}
	return m
}

// scriptCountries returns the countries writing the script of a normalised
// word's first letter, or nil.
func scriptCountries(word []byte) map[[2]byte]bool {
	r, _ := utf8.DecodeRune(word)
	switch {
	case r < 0x370:
		return nil
	case unicode.Is(unicode.Arabic, r):
		return arabicScript
	case unicode.Is(unicode.Hebrew, r):
		return hebrewScript
	case unicode.Is(unicode.Greek, r):
		return greekScript
	case unicode.Is(unicode.Cyrillic, r):
		return cyrillicScript
	case unicode.Is(unicode.Hiragana, r), unicode.Is(unicode.Katakana, r):
		return kanaScript
	case unicode.Is(unicode.Han, r):
		return hanScript
	case unicode.Is(unicode.Hangul, r):
		return hangulScript
	}
	return nil
}

// oneCase reports whether a text's Latin words are all in lower case, or
// (two words or more, not all short) all in capitals.
func oneCase(words []textnorm.Word) bool {
	latin, lower, upper, long := 0, 0, 0, false
	for _, w := range words {
		if !w.Latin {
			continue
		}
		latin++
		long = long || w.End-w.Start > 3
		switch {
		case w.Upper:
			upper++
		case !w.Cap:
			lower++
		}
	}
	return latin > 0 && (lower == latin || upper == latin && latin >= 2 && long) // "LA, CA" is codes, not shouting
}

// cityOnly reports whether a match names only populated places.
func (a *Attributor) cityOnly(m *match) bool {
	if m.override != ([2]byte{}) {
		return false
	}
	for _, e := range m.entries {
		if a.g.places[e>>entryShift].kind != kindCity {
			return false
		}
	}
	return true
}

func overrideResult(cc [2]byte) Attribution {
	if cc == [2]byte{'Z', 'Z'} {
		return unknown
	}
	return Attribution{Country: string(cc[:]), Method: MethodProfile, Confidence: 0.95}
}

// lookup finds words[i:i+n] in the gazetteer, keeping the entries whose
// writing rules the words meet.
func (a *Attributor) lookup(sc *scratch, words []textnorm.Word, i, n int, h uint64) (match, bool) {
	es := a.g.lookup(h)
	if es == nil {
		return match{}, false
	}
	upper := true
	for _, w := range words[i : i+n] {
		upper = upper && w.Upper
	}
	m := match{start: i, end: i + n, seg: words[i].Seg, wordy: true}
	common := false // an article alone is no everyday word: "El Paraíso" is, "La" is not
	for _, w := range words[i : i+n] {
		wh := textnorm.Hash(w.Text(sc.tok.Buf))
		if articleSet[wh] {
			continue
		}
		common = true
		m.wordy = m.wordy && commonWordSet[wh]
	}
	m.wordy = m.wordy && common
	if !words[i].Latin {
		m.script = scriptCountries(sc.tok.Buf[words[i].Start:words[i].End])
	}
	start := len(sc.ent)
	for _, e := range es {
		if e&entryUpper != 0 && !upper {
			continue
		}
		if e&entryQual == 0 {
			m.anchorable = true
		}
		sc.ent = append(sc.ent, e)
	}
	if len(sc.ent) == start {
		return match{}, false
	}
	m.entries = sc.ent[start:len(sc.ent):len(sc.ent)]
	return m, true
}

// lookupFuzzy looks words[i:i+n] up by consonant skeleton.
func (a *Attributor) lookupFuzzy(sc *scratch, words []textnorm.Word, i, n int) (match, bool) {
	var ws [3][]byte
	for k := 0; k < n; k++ {
		if !words[i+k].Latin {
			return match{}, false
		}
		ws[k] = words[i+k].Text(sc.tok.Buf)
	}
	skel, ok := textnorm.AppendSkeleton(append(sc.skel[:0], '~'), ws[:n])
	sc.skel = skel
	if !ok || textnorm.SkeletonStrength(skel[1:]) < minSkeleton {
		return match{}, false
	}
	es := a.g.lookup(textnorm.Hash(skel))
	if es == nil {
		return match{}, false
	}
	start := len(sc.ent)
	sc.ent = append(sc.ent, es...)
	return match{start: i, end: i + n, seg: words[i].Seg, anchorable: true, fuzzy: true,
		entries: sc.ent[start:len(sc.ent):len(sc.ent)]}, true
}

// minSkeleton is the fewest consonants a skeleton lookup needs (as in the
// generator).
const minSkeleton = 4

// isThaiWord reports whether a word is written in Thai script.
func isThaiWord(text []byte) bool {
	r, _ := utf8.DecodeRune(text)
	return r >= 0x0E00 && r <= 0x0E7F
}

// lookupCJK finds the longest gazetteer name of two or more characters inside
// a CJK word ("大阪府大阪市" holds "大阪"), or of four or more letters inside
// a Thai one ("อยู่กรุงเทพ", living in Bangkok, holds "กรุงเทพ").
func (a *Attributor) lookupCJK(sc *scratch, buf []byte, w textnorm.Word) (match, bool) {
	text := w.Text(buf)
	var offs [33]int
	n := 0
	for k := 0; k < len(text) && n < len(offs)-1; {
		offs[n] = k
		_, size := utf8.DecodeRune(text[k:])
		k += size
		n++
	}
	offs[n] = len(text)
	longest, shortest := min(n-1, 8), 2
	if !w.CJK { // Thai: names are longer in letters, and short runs are syllables of other words
		longest, shortest = min(n, 16), 4
	}
	for length := longest; length >= shortest; length-- {
		for s := 0; s+length <= n; s++ {
			h := textnorm.Hash(text[offs[s]:offs[s+length]])
			es := a.g.lookup(h)
			if es == nil {
				continue
			}
			start := len(sc.ent)
			m := match{start: -1, seg: w.Seg, script: scriptCountries(text)}
			for _, e := range es {
				if e&entryQual == 0 {
					m.anchorable = true
					sc.ent = append(sc.ent, e)
				}
			}
			if m.anchorable {
				m.entries = sc.ent[start:len(sc.ent):len(sc.ent)]
				return m, true
			}
		}
	}
	return match{}, false
}

// decide picks the country from the matches: the first place that stands
// up, read in the light of the others (a region or country beside a city
// chooses among the cities of that name) and of flag emoji, which only break
// ties: a place name wins over a flag of solidarity.
func (a *Attributor) decide(sc *scratch) Attribution {
	t := &sc.tok
	// Segments fully explained by place names come first: in "Bay Ridge,
	// Brooklyn", "Brooklyn" is surer than a "Bay" among unknown words.
	for pass := 0; pass < 2; pass++ {
		if at, ok := a.decidePass(sc, pass == 1); ok {
			return at
		}
	}
	if at, ok := a.decideDisputed(sc); ok {
		return at
	}
	// A state code alone ("NJ", "TX"), written in capitals, names a country
	// when all its readings agree; "CA" (Canada, California) and "IN" (India,
	// Indiana) do not, and neither does a country code alone ("DM", "IT":
	// abbreviations and words before they are countries).
	for mi := range sc.matches {
		m := &sc.matches[mi]
		if m.anchorable || !m.plain || sc.slogan[m.seg] || len(m.entries) == 0 || sc.lowerCase {
			continue
		}
		cc := a.g.places[m.entries[0]>>entryShift].cc
		agree := true
		for _, e := range m.entries {
			p := a.g.places[e>>entryShift]
			agree = agree && p.cc == cc && p.kind == kindRegion && p.weight >= regionWeight
		}
		if agree {
			return Attribution{Country: string(cc[:]), Method: MethodProfile, Confidence: 0.7}
		}
	}
	// No place: fall back on flags, a weaker sign (solidarity flags are common).
	return a.flags(t.Flags)
}

// disputedSides are the countries a disputed name may be settled to.
var disputedSides = [][2]byte{{'P', 'S'}, {'I', 'L'}}

// decideDisputed settles the bare name of a disputed city when no other
// place did: "the Old City" beside it places it east of the line (PS); a
// flag of one side, then the campaign's preferences choose that side;
// otherwise it is Unknown with method "disputed".
func (a *Attributor) decideDisputed(sc *scratch) (Attribution, bool) {
	disputed, oldCity := false, false
	for mi := range sc.matches {
		m := &sc.matches[mi]
		if sc.slogan[m.seg] {
			continue
		}
		disputed = disputed || m.disputed
		oldCity = oldCity || m.oldCity
	}
	if !disputed {
		return Attribution{}, false
	}
	if oldCity {
		return Attribution{Country: "PS", Method: MethodProfile, Confidence: 0.9}, true
	}
	var flagged [2]byte
	n := 0
	for _, f := range sc.tok.Flags {
		for _, side := range disputedSides {
			if f == string(side[:]) && side != flagged {
				flagged = side
				n++
			}
		}
	}
	if n == 1 {
		return Attribution{Country: string(flagged[:]), Method: MethodProfile, Confidence: 0.7}, true
	}
	for _, p := range a.prefer {
		if slices.Contains(disputedSides, p) {
			return Attribution{Country: string(p[:]), Method: MethodProfile, Confidence: 0.7}, true
		}
	}
	return Attribution{Country: Unknown, Method: MethodDisputed}, true
}

func (a *Attributor) decidePass(sc *scratch, noisy bool) (Attribution, bool) {
	t := &sc.tok
	for mi := range sc.matches {
		m := &sc.matches[mi]
		if !m.anchorable || sc.slogan[m.seg] || (sc.noise[m.seg] > 0) != noisy {
			continue
		}
		if m.override != ([2]byte{}) {
			return overrideResult(m.override), true
		}
		if m.start >= 0 && sc.noise[m.seg] > 2*(m.end-m.start) {
			continue // a sentence that happens to contain a place name
		}
		floor := uint32(barePop)
		if sc.noise[m.seg] > 0 {
			floor = noisyPop
			if m.start >= 0 && !t.Words[m.start].Cap {
				floor = math.MaxUint32 // "your mom's house": a lower-case word among others is no town
			}
		}
		if m.start >= 0 && m.end-m.start == 1 {
			w := t.Words[m.start]
			if w.Latin && w.End-w.Start <= 4 && !w.Cap {
				floor = math.MaxUint32 // "van", "man", "bar": words before they are towns
			}
		}
		best, ev, share := a.best(sc, mi, floor)
		if best < 0 {
			continue
		}
		p := a.g.places[best>>entryShift]
		confirmed := ev >= evStated
		// A city beside a country that holds no place of its name: a city
		// of a million people or more wins ("New Delhi - USA": the country
		// is a slip, or where the author comes from); beside a smaller one
		// the country is the likelier reading: the gazetteer lacks the
		// town's local name there ("Saida, Lebanon" is Sidon, not Saïda in
		// Algeria).
		if !confirmed && p.kind == kindCity {
			// A country named after another place of it ("Salt Lake City,
			// Kolkata, India": Salt Lake City is a part of Kolkata) says
			// twice where the author is.
			if cc, ok := a.countryOfNext(sc, mi); ok && cc != p.cc {
				return Attribution{Country: string(cc[:]), Method: MethodProfile, Confidence: 0.75}, true
			}
			if cc, kind, ok := a.statedCountry(sc, mi); ok && cc != p.cc {
				if kind == kindRegion {
					// A state or province is specific: the gazetteer lacks
					// the town there ("Kochi, Kerala": Kochi is filed as Cochin).
					return Attribution{Country: string(cc[:]), Method: MethodProfile, Confidence: 0.75}, true
				}
				if p.kpop >= bigCityKPop {
					return Attribution{Country: string(p.cc[:]), Method: MethodProfile, Confidence: 0.6}, true
				}
				return Attribution{Country: string(cc[:]), Method: MethodProfile, Confidence: 0.7}, true
			}
		}
		conf := 0.0
		switch {
		case confirmed:
			conf = 0.95
		case p.kind == kindCountry:
			conf = 0.9
		case p.kind == kindRegion:
			conf = 0.85
		default:
			conf = 0.5 + 0.4*share
			if ev > 0 {
				conf += 0.05
			}
		}
		if sc.noise[m.seg] > 0 {
			conf -= 0.1
		}
		return Attribution{Country: string(p.cc[:]), Method: MethodProfile, Confidence: round2(conf)}, true
	}
	return Attribution{}, false
}

// solidarityFlags are flags often shown in support of a people rather than
// as the author's own country.
var solidarityFlags = codeSet("PS UA LB SD SY YE CD")

// flags decides from flag emoji alone. One country's flag counts; of
// several, the one that is not a common solidarity flag counts ("🇮🇪🇵🇸" is
// Ireland); otherwise they cancel out. A solidarity flag alone says whom the
// author stands with, not where they are: in a campaign for that people most
// who show it live elsewhere, so it stays Unknown rather than inflate that
// country.
func (a *Attributor) flags(flags []string) Attribution {
	var own, other [2]byte
	nOwn, nOther := 0, 0
	for _, f := range flags {
		c, ok := a.g.code(f)
		if !ok {
			continue
		}
		if solidarityFlags[c] {
			if nOther == 0 || c != other {
				nOther++
			}
			other = c
		} else {
			if nOwn == 0 || c != own {
				nOwn++
			}
			own = c
		}
	}
	switch {
	case nOwn == 1:
		conf := 0.6
		if nOther > 0 {
			conf = 0.5
		}
		return Attribution{Country: string(own[:]), Method: MethodProfile, Confidence: conf}
	}
	return unknown
}

func round2(f float64) float64 { return math.Round(max(0, min(1, f))*100) / 100 }

// Evidence from the other names and the flags of a text, in favour of one
// reading of a name.
const (
	evNearby  = 1   // the likeliest reading of a city named plainly in another segment lies in the same region ("Hackney, London")
	evScript  = 0.3 // the name is written in a script of its country (بيت لحم is Bethlehem in Palestine)
	evFlag    = 1   // a flag of its country
	evStated  = 2   // its country, or a region of it, is named
	evRegion  = 5   // the region it lies in is named ("Paris, TX")
	flagFloor = 1000
)

// best scores the entries of match mi against the other matches and the
// flags, and returns the winning entry, its evidence and its country's share
// of the candidates' weight. A city with no evidence needs a population of
// floor; with a flag, of flagFloor.
func (a *Attributor) best(sc *scratch, mi int, floor uint32) (int, float64, float64) {
	m := &sc.matches[mi]
	best, bestScore, bestEv := -1, -1.0, 0.0
	var total float64
	var top uint32 // the heaviest reading, against which preferences are weighed
	for _, e := range m.entries {
		if e&entryQual == 0 {
			top = max(top, a.g.places[e>>entryShift].weight)
		}
	}
	lower := m.start >= 0 && !sc.tok.Words[m.start].Cap
	for _, e := range m.entries {
		if e&entryQual != 0 {
			continue
		}
		p := a.g.places[e>>entryShift]
		ev := a.evidence(sc, mi, p)
		if e&entryWord != 0 && lower && ev < evRegion {
			continue // "turkey", "guinea": in lower case, words ("boulder CO" is still Boulder)
		}
		if !a.standsUp(sc, m, e, p, ev, floor) {
			continue
		}
		if m.script != nil && m.script[p.cc] {
			ev += evScript
		}
		score := ev + math.Log10(float64(p.weight)+1)/10
		if e&entryAlt == 0 && p.weight >= 15000 {
			score += primaryBonus
		}
		if r := a.preferRank(p.cc); r >= 0 && ev < evStated && p.weight >= top/preferRatio {
			score += preferBonus - 0.01*float64(r)
		}
		total += float64(p.weight)
		if score > bestScore {
			best, bestScore, bestEv = int(e), score, ev
		}
	}
	if best < 0 {
		return -1, 0, 0
	}
	bp := a.g.places[best>>entryShift]
	if bestEv == 0 && bp.kind == kindCity && a.preferRank(bp.cc) < 0 && !a.dominates(sc, m, best, floor) {
		return -1, 0, 0 // "Salem": India's and Oregon's, neither clearly
	}
	var same float64
	for _, e := range m.entries {
		if p := a.g.places[e>>entryShift]; e&entryQual == 0 && p.cc == bp.cc {
			same += float64(p.weight)
		}
	}
	share := 1.0
	if total > 0 {
		share = min(1, same/total)
	}
	return best, bestEv, share
}

// dominanceRatio is how many times the best-known place of a name must
// outweigh (in notability) the best-known place of that name in any other
// country for the name alone to count for its country.
const dominanceRatio = 3

// dominates reports whether city entry best of match m outweighs, by
// dominanceRatio, every reading of m in another country that may stand
// for the name (with no evidence either way).
func (a *Attributor) dominates(sc *scratch, m *match, best int, floor uint32) bool {
	bp := a.g.places[best>>entryShift]
	for _, e := range m.entries {
		p := a.g.places[e>>entryShift]
		if e&entryQual != 0 || p.cc == bp.cc || float64(p.weight)*dominanceRatio <= float64(bp.weight) {
			continue
		}
		if a.standsUp(sc, m, e, p, 0, floor) {
			return false
		}
	}
	return true
}

// Preferences (Options.Prefer) raise a reading by preferBonus, less than a
// stated country: "Bethlehem, PA" stays in Pennsylvania. A preferred reading
// must weigh at least 1/preferRatio of the name's heaviest, so a village
// does not take the name of a capital.
const (
	preferBonus = 1.5
	preferRatio = 100
)

// standsUp reports whether entry e (place p, with evidence ev) may be the
// reading of match m at all.
func (a *Attributor) standsUp(sc *scratch, m *match, e uint32, p place, ev float64, floor uint32) bool {
	if ev >= evStated {
		return true
	}
	if m.wordy && (p.kind == kindCity || p.kind == kindRegion && p.weight <= divisionWeight) {
		// "Sur", "Alba", "Nord-Est": common words of a language are no town
		// or province unless the rest of the text says so, or they are
		// alone and well known by that name, not by an alternate one
		// ("Sol", sun, is an old spelling of Seoul).
		if p.kind == kindRegion || p.weight < wordPop || !m.plain || sc.anyNoise() || e&entryAlt != 0 {
			return false
		}
	}
	if m.script != nil && !m.script[p.cc] && e&entryAlt != 0 && p.kind == kindCity && p.weight < foreignScriptPop {
		return false // a Korean given name that is also the Hangul spelling of a Belgian village
	}
	if p.kind == kindCountry && e&entryAlt != 0 && a.ownedByCity(m, p.cc) {
		return false // "Granada" is Grenada in Spanish, but first the city in Spain
	}
	if p.kind != kindCity {
		return true
	}
	if e&entryAlt != 0 && ev == 0 && sc.noise[m.seg] > 0 && p.weight < altNoisyPop {
		return false // "Empordà i Bages": Bages is an old name of Bitlis, but among other words it is no Turkish city
	}
	if ev < evFlag && p.weight < floor || p.weight < flagFloor {
		return false
	}
	if e&entryWord != 0 && (p.weight < wordPop || !m.plain || sc.anyNoise()) {
		return false
	}
	if m.fuzzy && !m.plain {
		return false // a skeleton alone is too weak among other words
	}
	if e&entryAlt != 0 && m.start >= 0 && !m.plain && isShortLatin(sc, m) {
		return false // "Sol" (Seoul) in "Sol III"
	}
	return true
}

// altNoisyPop is the notability from which a city is read from an
// alternate name (another language's, a historic one) among words that are
// no places.
const altNoisyPop = 1_000_000

// ownedByCity reports whether a well-known city of another country than cc
// bears match m's name as its own name.
func (a *Attributor) ownedByCity(m *match, cc [2]byte) bool {
	for _, e := range m.entries {
		if p := a.g.places[e>>entryShift]; p.kind == kindCity && e&(entryAlt|entryQual) == 0 && p.cc != cc && p.weight >= wordPop {
			return true
		}
	}
	return false
}

// divisionWeight is the weight the generator gives the divisions it takes
// from lists of subdivisions, and regionWeight the one it gives the states
// and provinces of the United States, Canada and Australia, whose codes
// people write alone (internal/gen).
const (
	divisionWeight = 100_000
	regionWeight   = 20_000_000
)

// foreignScriptPop is the notability from which a city is read from its
// name in the script of another country ("런던" is London).
const foreignScriptPop = 1_000_000

// evidence scores how far the other matches and the flags confirm place p.
func (a *Attributor) evidence(sc *scratch, mi int, p place) float64 {
	ev := 0.0
	seg := sc.matches[mi].seg
	for oi := range sc.matches {
		if oi == mi {
			continue
		}
		o := &sc.matches[oi]
		if o.override != ([2]byte{}) {
			if o.override == p.cc && sc.near(o.seg, seg) {
				ev = max(ev, evStated)
			}
			continue
		}
		top := a.topReading(o)
		for _, e := range o.entries {
			q := a.g.places[e>>entryShift]
			if q.cc != p.cc {
				continue
			}
			sameRegion := q.admin != 0 && q.admin == p.admin && p.kind == kindCity
			switch {
			case q.kind == kindCity:
				// Only a city named plainly, next to it, confirms another
				// ("London, New York, Los Angeles" is no London, California): an everyday
				// word ("Dublin/Limerick": limerick) or a name among other
				// words ("Ottawa (Algonquin Territory)") is too weak to move
				// a capital to a village of its name.
				// Nor does a city after a list separator: "London/Los
				// Angeles" lists two places, not London, California.
				if sameRegion && (o.seg == seg+1 || o.seg == seg-1) && int(e) == top && e&entryWord == 0 && sc.noise[o.seg] == 0 &&
					!sc.listed(o.seg, seg) {
					ev = max(ev, evNearby)
				}
			case sameRegion:
				ev = max(ev, evRegion)
			case q.kind == kindRegion && q.admin != 0 && p.admin != 0 && p.kind == kindCity:
				// A state named beside a city places it in that state, not
				// merely in its country: "London, New York" is no London,
				// Kentucky.
			case sc.near(o.seg, seg):
				ev = max(ev, evStated)
			}
		}
	}
	if ev >= evStated {
		return ev
	}
	for _, f := range sc.tok.Flags {
		if len(f) == 2 && f[0] == p.cc[0] && f[1] == p.cc[1] {
			return ev + evFlag
		}
	}
	return ev
}

// topReading returns a match's heaviest entry that may stand alone, or -1.
func (a *Attributor) topReading(m *match) int {
	top, topW := -1, uint32(0)
	for _, e := range m.entries {
		if w := a.g.places[e>>entryShift].weight; e&entryQual == 0 && (top < 0 || w > topW) {
			top, topW = int(e), w
		}
	}
	return top
}

// countryOfNext returns the country of a city named next to match mi (in
// the neighbouring segment, not after a list separator) when that city's
// heaviest reading stands alone (barePop or more) and a country or region
// of the same country is named next to it in turn.
func (a *Attributor) countryOfNext(sc *scratch, mi int) ([2]byte, bool) {
	m := &sc.matches[mi]
	for oi := range sc.matches {
		o := &sc.matches[oi]
		if oi == mi || sc.slogan[o.seg] || o.seg != m.seg+1 || sc.listed(o.seg, m.seg) {
			continue
		}
		top := a.topReading(o)
		if top < 0 {
			continue
		}
		q := a.g.places[top>>entryShift]
		if q.kind != kindCity || q.weight < barePop {
			continue
		}
		if cc, _, ok := a.statedCountry(sc, oi); ok && cc == q.cc {
			return cc, true
		}
	}
	return [2]byte{}, false
}

// bigCityKPop is the population, in thousands, from which a city named
// beside a country that holds no place of its name keeps its own country.
const bigCityKPop = 1000

// statedCountry returns the country (and the kind: kindCountry, or
// kindRegion for a state or province) of the first other match whose
// likeliest reading is a country or region named in full (not a bare code,
// not a city: in "Rafah, Gaza" Gaza is the city, not a province of Mozambique).
func (a *Attributor) statedCountry(sc *scratch, mi int) ([2]byte, byte, bool) {
	m := &sc.matches[mi]
	for oi := range sc.matches {
		o := &sc.matches[oi]
		if oi == mi || sc.slogan[o.seg] || !sc.near(o.seg, m.seg) || o.disputed || o.oldCity || sc.listed(o.seg, m.seg) {
			continue // only a country named beside the city contradicts it, not one later in a list
		}
		if o.override != ([2]byte{}) {
			return o.override, kindCountry, true
		}
		top, topW := place{}, uint32(0)
		for _, e := range o.entries {
			if q := a.g.places[e>>entryShift]; e&entryQual == 0 && q.weight > topW {
				top, topW = q, q.weight
			}
		}
		if topW > 0 && top.kind != kindCity {
			return top.cc, top.kind, true
		}
	}
	return [2]byte{}, 0, false
}
