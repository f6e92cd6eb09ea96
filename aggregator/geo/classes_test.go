package geo_test

import (
	"testing"

	"github.com/tagpulse/tagpulse/aggregator/geo"
)

type locateCase struct {
	text, country, method string
}

func checkLocate(t *testing.T, a *geo.Attributor, tests []locateCase) {
	t.Helper()
	for _, tt := range tests {
		got := a.Locate(tt.text)
		method := tt.method
		if method == "" {
			method = geo.MethodProfile
			if tt.country == geo.Unknown {
				method = geo.MethodNone
			}
		}
		if got.Country != tt.country || got.Method != method {
			t.Errorf("Locate(%q) = %+v, want %s (%s)", tt.text, got, tt.country, method)
		}
	}
}

// TestLowerCaseCodes: a two-letter word in lower case is a word, not a
// country code, unless it follows a city ("paris, tx").
func TestLowerCaseCodes(t *testing.T) {
	checkLocate(t, newAttributor(t, geo.Options{}), []locateCase{
		{"dm", geo.Unknown, ""}, {"de", geo.Unknown, ""}, {"it", geo.Unknown, ""}, {"ca", geo.Unknown, ""},
		{"in", geo.Unknown, ""}, {"me", geo.Unknown, ""}, {"no", geo.Unknown, ""}, {"ok", geo.Unknown, ""},
		{"DM", geo.Unknown, ""}, {"NJ", "US", ""}, {"uk", "GB", ""}, {"us", "US", ""},
		{"paris, tx", "US", ""}, {"boulder co", "US", ""}, {"boulder CO", "US", ""}, {"toronto, on", "CA", ""},
	})
}

// TestProfileCoordinates: coordinates written as text are looked up in the
// borders, with or without an old client's prefix, and IP addresses,
// postcodes and opening hours are no coordinates.
func TestProfileCoordinates(t *testing.T) {
	const pc = geo.MethodProfileCoordinates
	checkLocate(t, newAttributor(t, geo.Options{}), []locateCase{
		{"ÜT: 34.07,-118.35", "US", pc},
		{"ÜT: -13.96,33.79", "MW", pc}, // Lilongwe: "UT" is not Utah
		{"iPhone: 34.07,-118.35", "US", pc},
		{"iPhone: 51.507351,-0.127758", "GB", pc},
		{"40.813595,-81.397324", "US", pc},
		{"31.52, 34.45", "PS", pc},
		{"-33.87 151.21", "AU", pc},
		{"31.7785,35.2296", "PS", pc}, // the Old City of Jerusalem
		{"172.16.254.1", geo.Unknown, ""},
		{"127.0.0.1", geo.Unknown, ""},
		{"Knightstown, IN 46148", "US", ""},
		{"We're here from 8-5, Mon-Fri.", geo.Unknown, ""},
		{"0.0, 0.0", geo.Unknown, ""},
		{"95.5, 10.1", geo.Unknown, ""},
		{"39.8283° N, 98.5795° W", "US", pc}, // the middle of the United States, atlas style
		{"33.87°S 151.21°E", "AU", pc},
		{"151.21 E, 33.87 S", "AU", pc},          // longitude first
		{"-13.96° S, 33.79° E", geo.Unknown, ""}, // a sign and a letter: no pair
		{"39.83° N, 98.58° N", geo.Unknown, ""},  // two latitudes
		{"39.83 North", geo.Unknown, ""},
	})
}

// TestDivisionCodes: province and state codes of other countries than the
// United States qualify their towns.
func TestDivisionCodes(t *testing.T) {
	checkLocate(t, newAttributor(t, geo.Options{}), []locateCase{
		{"Passo di Treia (MC)", "IT", ""},
		{"Monza (MB)", "IT", ""},
		{"University of Waterloo, ON, CA", "CA", ""},
		{"Baveno, Piedmont", "IT", ""},
		{"Monza e della Brianza, Lombard", "IT", ""},
		{"Campinas, SP", "BR", ""},
		{"São Paulo/SP - Brasil", "BR", ""},
		{"Pune, MH", "IN", ""},
		{"Zürich ZH", "CH", ""},
		{"Monaco", "MC", ""},
	})
}

// TestRegions: first-level and other divisions by name, in several scripts.
func TestRegions(t *testing.T) {
	checkLocate(t, newAttributor(t, geo.Options{}), []locateCase{
		{"Galicia", "ES", ""}, {"Alpes-Maritimes", "FR", ""}, {"Mecklenburg-West Pomerania", "DE", ""},
		{"Mecklenburg-Vorpommern", "DE", ""}, {"神奈川県", "JP", ""}, {"関西", "JP", ""}, {"ประเทศไทย", "TH", ""},
		{"Catalunya", "ES", ""}, {"Lombardia", "IT", ""}, {"Kanagawa", "JP", ""}, {"Bavaria", "DE", ""},
		{"Conamara", "IE", ""}, {"경기도", "KR", ""}, {"Macerata", "IT", ""},
	})
}

// TestCommonWords: a common word of a language is no place unless the rest
// of the text supports it.
func TestCommonWords(t *testing.T) {
	checkLocate(t, newAttributor(t, geo.Options{}), []locateCase{
		{"En La Autopista del Sur", geo.Unknown, ""},
		{"Temprano, al alba.", geo.Unknown, ""},
		{"Nord-est", geo.Unknown, ""},
		{"seconda stella a destra", geo.Unknown, ""},
		{"donde menos te lo esperas", geo.Unknown, ""},
		{"지민", geo.Unknown, ""}, {"서연", geo.Unknown, ""}, {"아서", geo.Unknown, ""}, {"헤일", geo.Unknown, ""}, // Arthur, not Asse; not Geel
		{"브뤼셀", "BE", ""},
		{"Sur, Oman", "OM", ""},
		{"Alba, Piemonte", "IT", ""},
		{"런던", "GB", ""}, // a well-known city in another script still counts
	})
}

// TestSpellingVariants: full stops as separators, state codes in lower case
// after a city.
func TestSpellingVariants(t *testing.T) {
	checkLocate(t, newAttributor(t, geo.Options{}), []locateCase{
		{"Córdoba.Argentina.", "AR", ""}, {"St.Louis, MO", "US", ""}, {"boulder CO", "US", ""},
		{"U.S.A.", "US", ""}, {"Washington D.C.", "US", ""}, {"northumberland. uk.", "GB", ""},
		{"sw5/6. London. Uk", "GB", ""},
	})
}

// TestJerusalem follows the UN position: East Jerusalem is occupied
// Palestinian territory; the bare name of the city is disputed.
func TestJerusalem(t *testing.T) {
	const d = geo.MethodDisputed
	checkLocate(t, newAttributor(t, geo.Options{}), []locateCase{
		// The bare name, in several languages: disputed.
		{"Jerusalem", geo.Unknown, d}, {"القدس", geo.Unknown, d}, {"Al Quds", geo.Unknown, d},
		{"ירושלים", geo.Unknown, d}, {"Jérusalem", geo.Unknown, d}, {"Al-Quds", geo.Unknown, d},
		// A Palestinian qualifier, or East Jerusalem's neighbourhoods: PS.
		{"القدس المحتلة", "PS", ""}, {"occupied Jerusalem", "PS", ""}, {"Jerusalem, Palestine", "PS", ""},
		{"East Jerusalem", "PS", ""}, {"القدس الشرقية", "PS", ""}, {"Sheikh Jarrah, Jerusalem", "PS", ""},
		{"Sheikh Jarrah", "PS", ""}, {"الشيخ جراح", "PS", ""}, {"שייח' ג'ראח", "PS", ""}, {"Silwan", "PS", ""},
		{"سلوان", "PS", ""}, {"Old City, Jerusalem", "PS", ""}, {"Shu'fat", "PS", ""}, {"Shuafat", "PS", ""},
		{"شعفاط", "PS", ""}, {"Beit Hanina", "PS", ""}, {"بيت حنينا", "PS", ""}, {"Ras al-Amud", "PS", ""},
		{"Jabal al-Mukabbir", "PS", ""}, {"جبل المكبر", "PS", ""}, {"al-Issawiya", "PS", ""}, {"العيسوية", "PS", ""},
		{"Wadi al-Joz", "PS", ""}, {"وادي الجوز", "PS", ""}, {"at-Tur", "PS", ""}, {"Sur Baher", "PS", ""},
		{"صور باهر", "PS", ""}, {"צור באהר", "PS", ""}, {"Jerusalem 🇵🇸", "PS", ""},
		// West Jerusalem and its neighbourhoods: IL.
		{"West Jerusalem", "IL", ""}, {"Rehavia, Jerusalem", "IL", ""}, {"Jerusalem, Israel", "IL", ""},
		{"ירושלים המערבית", "IL", ""}, {"Ein Karem", "IL", ""},
		// Slogans stay slogans.
		{"Save Sheikh Jarrah", geo.Unknown, ""}, {"Free Jerusalem", geo.Unknown, ""},
		// Other cities are not touched.
		{"Tel Aviv", "IL", ""}, {"Ramallah", "PS", ""}, {"Haifa", "IL", ""}, {"Nablus", "PS", ""},
	})
}

// TestJerusalemCoordinates: points east of the 1949 armistice line within
// the municipality are Palestine, west of it Israel.
func TestJerusalemCoordinates(t *testing.T) {
	a := newAttributor(t, geo.Options{})
	for _, tt := range []struct {
		name     string
		lat, lon float64
		want     string
	}{
		{"Old City, Dome of the Rock", 31.7781, 35.2354, "PS"},
		{"Old City, Jewish Quarter", 31.7750, 35.2320, "PS"},
		{"Sheikh Jarrah", 31.7925, 35.2300, "PS"},
		{"Silwan", 31.7700, 35.2380, "PS"},
		{"Beit Hanina", 31.8300, 35.2150, "PS"},
		{"Shu'fat", 31.8110, 35.2310, "PS"},
		{"Jabal al-Mukabbir", 31.7560, 35.2430, "PS"},
		{"Sur Baher", 31.7350, 35.2330, "PS"},
		{"Pisgat Ze'ev", 31.8250, 35.2430, "PS"},
		{"Gilo", 31.7300, 35.1850, "PS"},
		{"Rehavia", 31.7736, 35.2133, "IL"},
		{"Mamilla", 31.7780, 35.2230, "IL"},
		{"Mahane Yehuda", 31.7850, 35.2120, "IL"},
		{"Knesset", 31.7767, 35.2055, "IL"},
		{"Ein Karem", 31.7660, 35.1610, "IL"},
		{"Talpiot", 31.7520, 35.2220, "IL"},
		{"Tel Aviv", 32.0853, 34.7818, "IL"},
		{"Ramallah", 31.9038, 35.2034, "PS"},
	} {
		got := a.Attribute(geo.Signals{HasCoordinates: true, Lat: tt.lat, Lon: tt.lon})
		if got.Country != tt.want || got.Method != geo.MethodCoordinates {
			t.Errorf("%s (%.4f, %.4f) = %+v, want %s", tt.name, tt.lat, tt.lon, got, tt.want)
		}
	}
}

// TestDisputedAttribute: Attribute keeps the method "disputed" when nothing
// else settles the post, and lets an instance domain settle it.
func TestDisputedAttribute(t *testing.T) {
	a := newAttributor(t, geo.Options{})
	if got := a.Attribute(geo.Signals{ProfileLocation: "Jerusalem"}); got.Country != geo.Unknown || got.Method != geo.MethodDisputed {
		t.Errorf("Attribute(Jerusalem) = %+v, want ZZ disputed", got)
	}
	if got := a.Attribute(geo.Signals{ProfileLocation: "Jerusalem", InstanceDomain: "mastodon.ie"}); got.Country != "IE" {
		t.Errorf("Attribute(Jerusalem, mastodon.ie) = %+v, want IE by instance", got)
	}
	if got := a.Attribute(geo.Signals{ProfileLocation: "Jerusalem", HasCoordinates: true, Lat: 31.7925, Lon: 35.23}); got.Country != "PS" {
		t.Errorf("Attribute(Jerusalem at Sheikh Jarrah) = %+v, want PS by coordinates", got)
	}
}

// TestOverridesAndPrefer: a campaign's override settles a disputed name,
// and its preferences break ties between readings, deterministically.
func TestOverridesAndPrefer(t *testing.T) {
	over := newAttributor(t, geo.Options{Overrides: map[string]string{"Jerusalem": "PS"}})
	checkLocate(t, over, []locateCase{
		{"Jerusalem", "PS", ""}, {"jerusalem", "PS", ""}, {"West Jerusalem", "IL", ""}, {"القدس", geo.Unknown, geo.MethodDisputed},
	})
	prefer := newAttributor(t, geo.Options{Prefer: []string{"PS", "JO", "LB"}})
	checkLocate(t, prefer, []locateCase{
		{"Bethlehem", "PS", ""}, {"عمان", "JO", ""}, {"Jerusalem", "PS", ""}, {"القدس", "PS", ""},
		{"Tripoli", "LB", ""},
		{"Bethlehem, PA", "US", ""}, {"Amman", "JO", ""}, {"Oman", "OM", ""}, {"Muscat, Oman", "OM", ""},
		{"Paris", "FR", ""}, {"London", "GB", ""}, // a village of the name does not take a capital's
		{"West Jerusalem", "IL", ""}, {"Tel Aviv", "IL", ""},
	})
	none := newAttributor(t, geo.Options{})
	// Without preferences Bethlehem is Unknown: Pennsylvania's and Palestine's weigh alike.
	checkLocate(t, none, []locateCase{{"Bethlehem", geo.Unknown, ""}, {"عمان", "OM", ""}, {"Tripoli", "LY", ""}})
	israel := newAttributor(t, geo.Options{Prefer: []string{"IL"}})
	checkLocate(t, israel, []locateCase{{"Jerusalem", "IL", ""}})
	// The order of the preferences decides, and the same options give the same answers.
	jo := newAttributor(t, geo.Options{Prefer: []string{"JO", "PS"}})
	for i := 0; i < 3; i++ {
		checkLocate(t, jo, []locateCase{{"عمان", "JO", ""}, {"Jerusalem", "PS", ""}})
	}
	if _, err := geo.New(geo.Options{Prefer: []string{"XX"}}); err == nil {
		t.Error("New with prefer XX: want an error")
	}
	if _, err := geo.New(geo.Options{Prefer: []string{"uk"}}); err != nil {
		t.Errorf("New with prefer uk: %v", err)
	}
}

// TestLocateInvalidUTF8: invalid bytes in a profile location separate words
// and never reach the answer.
func TestLocateInvalidUTF8(t *testing.T) {
	checkLocate(t, newAttributor(t, geo.Options{}), []locateCase{
		{"Gaza\xff", "PS", ""}, {"\xff\xfeBerlin", "DE", ""}, {"Paris,\xc3 TX", "US", ""},
		{"\xed\xa0\x80", geo.Unknown, ""}, {"القدس\xff", geo.Unknown, geo.MethodDisputed},
		{"ÜT: 34.07,\xff-118.35", geo.Unknown, ""}, // the pair is broken: read as text, "ÜT" is no Utah
	})
}

// TestCityBesideOtherCountry: a city named beside a country that holds no
// place of that name is the city's when it is a city of a million or more
// (the country is more likely a slip, or where the author comes from);
// beside a smaller one the country is read, as the gazetteer lacks many
// towns' local names ("Saida, Lebanon" is Sidon, not Saïda in Algeria);
// and when another place of the text lies in the country named next to
// it, the country wins whatever the city's size.
func TestCityBesideOtherCountry(t *testing.T) {
	checkLocate(t, newAttributor(t, geo.Options{}), []locateCase{
		{"New Delhi -  USA", "IN", ""}, {"Mumbai, Canada", "IN", ""}, {"Nairobi, USA", "KE", ""},
		{"Saida, Lebanon", "LB", ""}, {"Saïda, Algérie", "DZ", ""},
		{"Tralee, France", "FR", ""}, // 23,000 people in Ireland: the stated country is read
		{"Tripoli, Lebanon", "LB", ""}, {"London, Ontario", "CA", ""}, {"Paris, TX", "US", ""},
		{"Edinburgh, sometimes Europe & USA", "GB", ""},
		// Unless another place of the text lies in that country: it is said twice.
		{"Salt Lake City, Kolkata, India", "IN", ""},
		{"Salt Lake City, India", "IN", ""},        // under a million people: the country is read
		{"Los Angeles | Kolkata, India", "US", ""}, // a list: the first place is the author's
	})
}

// TestCodeBeforeCountry: a division code is read as a division of the
// country named after it, if any: "D.C." is Washington's only when no other
// country follows.
func TestCodeBeforeCountry(t *testing.T) {
	checkLocate(t, newAttributor(t, geo.Options{}), []locateCase{
		{"Bogotá, D.C., Colombia", "CO", ""}, {"Washington D.C.", "US", ""}, {"Washington, D.C., USA", "US", ""},
		{"Perth, WA, Australia", "AU", ""}, {"Perth, WA", "AU", ""}, {"Paris, TX, USA", "US", ""},
		{"Campinas, SP, Brasil", "BR", ""},
	})
}

// TestPlaceLists: in a list of places separated by | / · • and the like,
// the first listed wins; a country later in the list does not move it.
func TestPlaceLists(t *testing.T) {
	checkLocate(t, newAttributor(t, geo.Options{}), []locateCase{
		{"Frankfurt|Hong Kong|Singapore", "DE", ""}, {"Lyon • Canada", "FR", ""}, {"Kraków / Germany", "PL", ""},
		{"Lagos · Ghana", "NG", ""}, {"Tralee | France", "IE", ""}, {"Tralee / USA", "IE", ""},
		{"Cork, Ireland", "IE", ""}, {"São Paulo/SP - Brasil", "BR", ""}, {"London / UK", "GB", ""},
	})
}

// TestCodeAndPostcode: a state or province code followed by a postcode of
// its country's shape is that division, whatever else the code spells.
func TestCodeAndPostcode(t *testing.T) {
	checkLocate(t, newAttributor(t, geo.Options{}), []locateCase{
		{"Runnymede VIC 3559", "AU", ""}, {"Fitzroy North VIC 3068", "AU", ""}, {"Woolloomooloo NSW 2011", "AU", ""},
		{"Knightstown, IN 46148", "US", ""}, {"Springwood QLD 4127", "AU", ""},
		{"Vic, Barcelona", "ES", ""},
	})
}

// TestDominantSense: a bare name of cities in several countries goes to
// the country whose best-known place of that name outweighs every other
// country's by dominanceRatio (notability, as the gazetteer ranks places),
// else it stays Unknown.
func TestDominantSense(t *testing.T) {
	checkLocate(t, newAttributor(t, geo.Options{}), []locateCase{
		// Granada: Spain 6.3× Nicaragua (and Grenada's Spanish name gives way
		// to the city's own); Westminster: Colorado only 2.2× London's;
		// Cambridge 1.5×, Bethlehem 1.3×. (Salem: India 3.4× Oregon, so India.)
		{"Granada", "ES", ""}, {"Westminster, mostly....", geo.Unknown, ""}, {"Cambridge", geo.Unknown, ""},
		{"Paris", "FR", ""}, {"Birmingham", "GB", ""}, {"Berlin", "DE", ""}, {"Bethlehem", geo.Unknown, ""},
		{"Tripoli", "LY", ""}, {"Kingston", "JM", ""},
		{"Salem, Oregon", "US", ""}, {"Salem, Tamil Nadu", "IN", ""}, {"Westminster, London", "GB", ""},
		{"Granada, Nicaragua", "NI", ""}, {"Grenada", "GD", ""},
	})
}

// TestAlternateNamesAmongWords: an alternate name of a town (another
// language's, a historic one) among words that are no places counts only
// for a well-known city.
func TestAlternateNamesAmongWords(t *testing.T) {
	checkLocate(t, newAttributor(t, geo.Options{}), []locateCase{
		{"Empordà i Bages", geo.Unknown, ""}, // Bages: an old name of Bitlis, Turkey
		{"gonzales chaves", geo.Unknown, ""}, // Adolfo Gonzales Chaves, Argentina; not Mexico's Gonzales
		{"living in Munich", "DE", ""}, {"somewhere in Lisbon", "PT", ""},
	})
}

// TestCapitalCodesNotTowns: two capital letters that are a state, province
// or country code are that code, not a town spelt the same ("WA" is
// Washington or Western Australia, not Wa in Ghana); alone, a code of
// several countries stays Unknown.
func TestCapitalCodesNotTowns(t *testing.T) {
	checkLocate(t, newAttributor(t, geo.Options{}), []locateCase{
		{"WA", geo.Unknown, ""}, {"BA", geo.Unknown, ""}, {"Serving CA, OR & WA", geo.Unknown, ""},
		{"Seattle, WA", "US", ""}, {"Perth WA", "AU", ""}, {"Wa, Ghana", "GH", ""}, {"NJ", "US", ""},
	})
}

// TestNearbyCityPlainOnly: a second city in the same region confirms a
// reading of the first only when it is named plainly: an everyday word or a
// name among other words does not move a capital to a village of its name.
func TestNearbyCityPlainOnly(t *testing.T) {
	checkLocate(t, newAttributor(t, geo.Options{}), []locateCase{
		{"Dublin/Limerick", "IE", ""},              // limerick is a word; Limerick, PA is not Dublin's
		{"Ottawa (Algonquin Territory)", "CA", ""}, // not Ottawa, Illinois beside Algonquin, Illinois
		{"Hackney, London", "GB", ""},
		{"Dublin, Pleasanton", "US", ""},            // both in California, named plainly
		{"London, New York, Los Angeles", "GB", ""}, // Los Angeles is not next to London: no London, California
	})
}

// TestStateBesideCity: a state or province named beside a city places it in
// that state, not merely somewhere in its country.
func TestStateBesideCity(t *testing.T) {
	checkLocate(t, newAttributor(t, geo.Options{}), []locateCase{
		{"London, New York", "GB", ""}, // no London in New York State: not London, Kentucky
		{"London, Ontario", "CA", ""},
		{"Paris, Texas", "US", ""},
		{"Kochi, Kerala", "IN", ""},
	})
}

// TestSpacedDash: a dash between spaces parts segments like a comma, so a
// slogan before it does not silence the place after it; a hyphen inside a
// name still joins it.
func TestSpacedDash(t *testing.T) {
	checkLocate(t, newAttributor(t, geo.Options{}), []locateCase{
		{"Live Free or Die - NH USA", "US", ""},
		{"Free Palestine - London", "GB", ""},
		{"Kwa-Thema, South Africa", "ZA", ""},
		{"New Delhi - USA", "IN", ""},
		{"Free Palestine", geo.Unknown, ""},
	})
}

// TestCountyAbbrev: "Co" before a capitalised name is County, as in Ireland
// and Britain, not the code of Colorado or Colombia; after a name, or in
// capitals, it is still a code.
func TestCountyAbbrev(t *testing.T) {
	checkLocate(t, newAttributor(t, geo.Options{}), []locateCase{
		{"Co. Cork", "IE", ""}, {"Co Cork", "IE", ""}, {"Co. Kerry", "IE", ""},
		{"Boulder, CO", "US", ""}, {"Denver Co.", "US", ""},
	})
}

// TestJapaneseWardsAndPrefectureStems: a prefecture written without 県 or
// 府 is the prefecture; Tokyo's wards and the best-known districts of
// Japan's cities are Japan, alone, in a list or with a word after them
// ("湘南あたり", around Shōnan).
func TestJapaneseWardsAndPrefectureStems(t *testing.T) {
	checkLocate(t, newAttributor(t, geo.Options{}), []locateCase{
		{"宮城", "JP", ""}, {"岩手", "JP", ""}, {"宮城県", "JP", ""}, {"千葉", "JP", ""}, {"京都府", "JP", ""},
		{"渋谷", "JP", ""}, {"新宿区", "JP", ""}, {"六本木", "JP", ""}, {"秋葉原に近い大学", "JP", ""},
		{"渋谷 原宿 千葉 成田", "JP", ""}, {"湘南あたり", "JP", ""}, {"歌舞伎町 BAR", "JP", ""},
		{"地球", geo.Unknown, ""}, {"冥王星", geo.Unknown, ""}, {"こたつ", geo.Unknown, ""},
	})
}

// TestThaiKoreanArabicShortForms: the names people of these countries write
// for their provinces, districts and country, beyond the official long forms.
func TestThaiKoreanArabicShortForms(t *testing.T) {
	checkLocate(t, newAttributor(t, geo.Options{}), []locateCase{
		{"กทม", "TH", ""}, {"กทม.", "TH", ""}, {"ขอนแก่น", "TH", ""}, {"นนทบุรี", "TH", ""}, {"พัทยา", "TH", ""},
		{"ที่แห่งนี้.", geo.Unknown, ""}, {"กวีขี้เมา", geo.Unknown, ""},
		{"경기", "KR", ""}, {"경남 창원", "KR", ""}, {"강남", "KR", ""}, {"서울특별시", "KR", ""},
		{"الإمارات", "AE", ""}, {"الامارات", "AE", ""}, {"دبي، الإمارات", "AE", ""},
		{"جنب الشاحن", geo.Unknown, ""}, {"الخاص مفتوح للجاد", geo.Unknown, ""},
	})
}

// TestSpanishGermanNicknames: Buenos Aires and the Ruhr as their people
// write them.
func TestSpanishGermanNicknames(t *testing.T) {
	checkLocate(t, newAttributor(t, geo.Options{}), []locateCase{
		{"Bs As", "AR", ""}, {"Bs. As.", "AR", ""}, {"Capital Federal", "AR", ""}, {"CABA", "AR", ""},
		{"Ruhrpott", "DE", ""}, {"En un lugar llamado mundo ツ.", geo.Unknown, ""},
	})
}

// TestEasternArabicDigitCoordinates: coordinates in Arabic-Indic or Persian
// digits, with the Arabic decimal separator and comma, are a point.
func TestEasternArabicDigitCoordinates(t *testing.T) {
	const pc = geo.MethodProfileCoordinates
	checkLocate(t, newAttributor(t, geo.Options{}), []locateCase{
		{"٢١٫٤٦٩٣٢٨،٣٩٫٢٦٨١٧١", "SA", pc}, {"٢١٫٤٦٩٣٢٨، ٣٩٫٢٦٨١٧١", "SA", pc}, {"۳۵٫۶۹، ۵۱٫۳۸", "IR", pc},
		{"١٢٣٤٥", geo.Unknown, ""}, {"٠٥٤٤٧٧٤٩٩٤", geo.Unknown, ""},
	})
}

// TestAppsAndCommonWordsAreNoPlaces: messaging apps named before a handle,
// Babel, and everyday Spanish, Italian and Portuguese words that are also
// names of provinces ("Meta", Colombia) or nicknames ("NoVa") name no
// place alone; with their country beside them they do.
func TestAppsAndCommonWordsAreNoPlaces(t *testing.T) {
	checkLocate(t, newAttributor(t, geo.Options{}), []locateCase{
		{"Instagram/Kik: @perfectbabies", geo.Unknown, ""}, {"Kik", geo.Unknown, ""}, {"snapchat: someone", geo.Unknown, ""},
		{"BABEL（超能力支援研究局）", geo.Unknown, ""}, {"Meta", geo.Unknown, ""}, {"COMPLEXO DE NOVA CIDADE", geo.Unknown, ""},
		{"Villavicencio, Meta", "CO", ""}, {"Meta, Colombia", "CO", ""}, {"Nova Scotia", "CA", ""}, {"Nova Iguaçu", "BR", ""},
		{"Nuevo León", "MX", ""}, {"Nueva York", "US", ""}, {"NoVa, VA", "US", ""},
	})
}

// TestKoreanCityStems: Korean cities and counties written without 시 or 군
// ("창원" for 창원시), and the best-known districts of Seoul and Busan.
func TestKoreanCityStems(t *testing.T) {
	checkLocate(t, newAttributor(t, geo.Options{}), []locateCase{
		{"창원", "KR", ""}, {"창원시", "KR", ""}, {"수원", "KR", ""}, {"일산", "KR", ""}, {"홍대", "KR", ""},
		{"해운대", "KR", ""}, {"우리집", geo.Unknown, ""}, {"지구", geo.Unknown, ""},
	})
}

// TestRegionsPeopleWrite: Spanish islands, Italian and German historic
// regions and landscapes, Mexican and Argentine city nicknames, Bangkok's
// and Khartoum's names as written; continents in Spanish are no country.
func TestRegionsPeopleWrite(t *testing.T) {
	checkLocate(t, newAttributor(t, geo.Options{}), []locateCase{
		{"Mallorca", "ES", ""}, {"Gran Canaria", "ES", ""}, {"Barna", "ES", ""}, {"BCN", "ES", ""},
		{"Salento", "IT", ""}, {"Romagna", "IT", ""}, {"Allgäu", "DE", ""}, {"Sauerland", "DE", ""},
		{"Ostfriesland", "DE", ""}, {"Schwarzwald", "DE", ""}, {"Mty", "MX", ""}, {"Edomex", "MX", ""},
		{"GBA", "AR", ""}, {"Conurbano", "AR", ""}, {"BKK", "TH", ""}, {"الخرطوم", "SD", ""},
		{"Abya Yala", geo.Unknown, ""}, {"Latinoamérica", geo.Unknown, ""}, {"Europa", geo.Unknown, ""},
	})
}

// TestThaiRunOnText: Thai is written without spaces, so a place inside a
// longer run of Thai is found ("อยู่กรุงเทพ", living in Bangkok); runs of
// fewer than four letters are not read inside words (ตาก, Tak, is also "to
// dry": "ตากแดด" is sunbathing). Thai names of foreign cities count too.
func TestThaiRunOnText(t *testing.T) {
	checkLocate(t, newAttributor(t, geo.Options{}), []locateCase{
		{"อยู่กรุงเทพ", "TH", ""}, {"บ้านที่เชียงใหม่", "TH", ""}, {"ภูเก็ตบ้านเกิด", "TH", ""}, {"ลอนดอน", "GB", ""},
		{"ตากแดด", geo.Unknown, ""}, {"ฉันรักเธอ", geo.Unknown, ""}, {"สวัสดีครับ", geo.Unknown, ""}, {"บ้าน", geo.Unknown, ""},
	})
}

// TestRegionNamedLikeForeignCountry: a region whose English name is another
// country's name in some other language is still a region: "Norfolk" is
// Norfolk Island in Czech, Dutch and Polish, and an English county.
func TestRegionNamedLikeForeignCountry(t *testing.T) {
	checkLocate(t, newAttributor(t, geo.Options{}), []locateCase{
		{"Bristol&Norfolk", "GB", ""}, {"Bristol, Norfolk", "GB", ""}, {"Norwich, Norfolk", "GB", ""},
		{"Norfolk Island", "NF", ""}, {"Norfolk, VA", "US", ""}, {"Nouvelle-Calédonie", "NC", ""}, {"Macau", "MO", ""},
	})
}

// TestEverydayWordsWithArticles: everyday Spanish and German words, with or
// without an article, are no places alone ("El Paraíso" is paradise before
// a department of Honduras, "In den Bergen" in the mountains, not Bergen,
// "Norden" the north); a common word that is only an alternate name of a
// city ("Sol", an old spelling of Seoul) is none either. With their
// country they are.
func TestEverydayWordsWithArticles(t *testing.T) {
	checkLocate(t, newAttributor(t, geo.Options{}), []locateCase{
		{"El Paraíso", geo.Unknown, ""}, {"Casa Blanca", geo.Unknown, ""}, {"In den Bergen", geo.Unknown, ""},
		{"Norden", geo.Unknown, ""}, {"Sol", geo.Unknown, ""}, {"El Sol", geo.Unknown, ""}, {"La Luna", geo.Unknown, ""},
		{"El Paraíso, Honduras", "HN", ""}, {"Norden, Ostfriesland", "DE", ""}, {"Bergen", "NO", ""},
		{"Casablanca", "MA", ""}, {"La Paz", "BO", ""}, {"Mar del Plata", "AR", ""}, {"El Salvador", "SV", ""},
		{"Las Palmas", "ES", ""}, {"Roma", "IT", ""},
	})
}

// TestArabicRegionsAndTowns: first-level divisions and historic regions of
// Arab countries written in Arabic, and the Arabic names of towns in
// Israel, where Arabic is spoken and written too.
func TestArabicRegionsAndTowns(t *testing.T) {
	checkLocate(t, newAttributor(t, geo.Options{}), []locateCase{
		{"القصيم", "SA", ""}, {"الأحساء", "SA", ""}, {"المنطقة الشرقية", "SA", ""}, {"الدقهلية", "EG", ""},
		{"الصعيد", "EG", ""}, {"حضرموت", "YE", ""}, {"إقليم كردستان", "IQ", ""}, {"الضفة", "PS", ""},
		{"الناصرة", "IL", ""}, {"يافا", "IL", ""}, {"أم الفحم", "IL", ""}, {"الخليل", "PS", ""},
		{"الشرقية", geo.Unknown, ""}, {"القدس", geo.Unknown, geo.MethodDisputed},
	})
}

// TestListedCityConfirmsNothing: a city after a list separator is another
// place of the author's, not a hint that the first is its namesake nearby.
func TestListedCityConfirmsNothing(t *testing.T) {
	checkLocate(t, newAttributor(t, geo.Options{}), []locateCase{
		{"London/Los Angeles", "GB", ""}, {"London/San Francisco", "GB", ""}, {"Paris/Dallas", "FR", ""},
		{"Hackney, London", "GB", ""}, {"Kingston/Ontario", "CA", ""}, {"Hollywood/Los Angeles", "US", ""},
	})
}
