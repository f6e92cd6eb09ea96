package geo

import (
	"github.com/tagpulse/tagpulse/aggregator/geo/internal/textnorm"
)

// Jerusalem follows the position of the United Nations (General Assembly
// and Security Council resolutions 478 and 2334): East Jerusalem, the part
// of the city east of the 1949 armistice line (the "Green Line"), is part of
// the occupied Palestinian territory. So:
//
//   - coordinates east of the line within the municipality, East Jerusalem's
//     neighbourhoods by name, and the city named with a Palestinian qualifier
//     ("القدس المحتلة", "occupied Jerusalem", "East Jerusalem") are Palestine;
//   - "West Jerusalem", its neighbourhoods and coordinates west of the line
//     are Israel;
//   - the bare name of the city, which names both sides, is disputed: it is
//     Unknown with method "disputed", unless the rest of the text names a
//     country ("Jerusalem, Palestine"), a campaign overrides it
//     (geo.overrides: {Jerusalem: PS}) or prefers one of the two countries.

// eastJerusalem is a simplified polygon of the part of Jerusalem's
// municipality east of the 1949 armistice line, in degrees (lon, lat). Its
// west side follows the line's well-known course through the city — west of
// Ramot, between Sanhedria and Ramat Eshkol, the Mandelbaum Gate, just
// outside the Old City's west wall, through Abu Tor, north of Ramat Rachel,
// north of Gilo — drawn by hand for tagpulse to within a few hundred metres
// (see NOTICE). Its other sides lie on or beyond the municipal boundary,
// where the borders data already gives the West Bank (PS). A point on the
// line itself may fall on either side.
var eastJerusalem = [][2]float64{
	{35.175, 31.835}, // west of Ramot
	{35.185, 31.815},
	{35.200, 31.806},
	{35.214, 31.800},
	{35.221, 31.795}, // between Sanhedria and Ramat Eshkol
	{35.2255, 31.7875},
	{35.2262, 31.7840}, // Mandelbaum Gate
	{35.2265, 31.7800},
	{35.2268, 31.7765}, // outside the Old City's west wall
	{35.2280, 31.7715},
	{35.2300, 31.7680}, // Abu Tor
	{35.2320, 31.7620},
	{35.2280, 31.7520}, // Government House
	{35.2245, 31.7410}, // east of Ramat Rachel
	{35.2140, 31.7370},
	{35.2050, 31.7440}, // Beit Safafa
	{35.1900, 31.7450},
	{35.1750, 31.7480}, // north of Gilo
	{35.1650, 31.7380},
	// Then around the east of the municipality, generously (the West Bank
	// beyond is Palestine in the borders data too).
	{35.1680, 31.7150},
	{35.2150, 31.7080},
	{35.2450, 31.7180},
	{35.2650, 31.7500},
	{35.2700, 31.7900},
	{35.2650, 31.8200},
	{35.2500, 31.8500},
	{35.2350, 31.8800},
	{35.2000, 31.8800},
	{35.1850, 31.8550},
}

// inEastJerusalem applies the even-odd rule to eastJerusalem.
func inEastJerusalem(lat, lon float64) bool {
	if lat < 31.70 || lat > 31.89 || lon < 35.16 || lon > 35.28 {
		return false
	}
	in := false
	n := len(eastJerusalem)
	j := n - 1
	for i := 0; i < n; i++ {
		xi, yi := eastJerusalem[i][0], eastJerusalem[i][1]
		xj, yj := eastJerusalem[j][0], eastJerusalem[j][1]
		if (yi > lat) != (yj > lat) && lon < (xj-xi)*(lat-yi)/(yj-yi)+xi {
			in = !in
		}
		j = i
	}
	return in
}

// disputedCode marks a name that names both sides of a disputed city.
var disputedCode = [2]byte{'?', '?'}

// oldCityCode marks "Old City", which places a disputed city's name east of
// the line and means nothing alone.
var oldCityCode = [2]byte{'O', '?'}

// jerusalemNames are read before the gazetteer, like overrides (which come
// before them): a campaign's override of "Jerusalem" wins. Names that are
// also everyday words or other places' names are left out (الطور is also
// El Tor in Sinai, شرفات "balconies", גילה a given name).
var jerusalemNames = map[string][2]byte{}

func init() {
	ps, il := [2]byte{'P', 'S'}, [2]byte{'I', 'L'}
	for _, n := range []string{
		// The city with a Palestinian qualifier.
		"East Jerusalem", "Eastern Jerusalem", "E Jerusalem", "Occupied Jerusalem", "Occupied East Jerusalem",
		"Jerusalem Occupied", "القدس المحتلة", "القدس الشرقية", "القدس الشريف", "القدس العربية",
		"Al Quds al Sharif", "Al Quds Al Muhtala", "Quds Occupied", "ירושלים המזרחית", "מזרח ירושלים",
		"Jérusalem-Est", "Jerusalén Este", "Jerusalén Oriental", "Gerusalemme Est", "Ostjerusalem", "Ost-Jerusalem",
		// East Jerusalem's neighbourhoods, in English, Arabic and Hebrew spellings.
		"Sheikh Jarrah", "Sheikh Jarah", "Shaikh Jarrah", "Sheik Jarrah", "Shaykh Jarrah", "Shiekh Jarrah",
		"الشيخ جراح", "شيخ جراح", "שייח' ג'ראח", "שיח' ג'ראח", "שייח ג'ראח",
		"Silwan", "سلوان", "סילוואן", "סילואן", "Wadi Hilweh", "Wadi Hilwe", "وادي حلوة", "Batn al-Hawa", "بطن الهوى",
		"Old City of Jerusalem", "Jerusalem Old City", "Old City Jerusalem", "البلدة القديمة في القدس",
		"Bab al-Amud", "باب العامود", "Damascus Gate", "Al-Aqsa", "Al Aqsa", "المسجد الأقصى", "الأقصى",
		"Shu'fat", "Shuafat", "Shufat", "Shu'afat", "Shuafat Camp", "شعفاط", "مخيم شعفاط", "שועפאט", "שועפט",
		"Beit Hanina", "Beit Hanena", "Bayt Hanina", "بيت حنينا", "בית חנינא",
		"Ras al-Amud", "Ras al Amud", "Ras el-Amud", "Ras Al-Amoud", "راس العامود", "رأس العامود", "ראס אל-עמוד", "ראס אל עמוד",
		"Jabal al-Mukabbir", "Jabal Mukaber", "Jabel Mukaber", "Jabal al Mukaber", "Jabal Al-Mukabber", "جبل المكبر", "ג'בל מוכבר", "ג'בל אל-מוכבר",
		"al-Issawiya", "Issawiya", "Isawiya", "Al Esawyeh", "Issawiyeh", "العيسوية", "العيساوية", "עיסאוויה", "עיסווייה",
		"Wadi al-Joz", "Wadi al Joz", "Wadi el-Joz", "وادي الجوز", "ואדי אל-ג'וז", "ואדי ג'וז",
		"at-Tur", "Et-Tur", "A-Tur", "א-טור", "א טור", "Mount of Olives", "Jabal al-Zaytun", "جبل الزيتون", "הר הזיתים",
		"Sur Baher", "Sur Bahir", "Tsur Baher", "Sour Baher", "صور باهر", "צור באהר",
		"Beit Safafa", "بيت صفافا", "בית צפאפא", "Sharafat",
		"Kafr Aqab", "كفر عقب", "כפר עקב", "Al-Sawahira", "Sawahra", "السواحرة", "Umm Tuba", "أم طوبا", "Jabal Abu Ghneim",
		"Bab al-Zahra", "باب الساهرة", "Salah al-Din Street", "شارع صلاح الدين",
		"Wadi Qaddum", "Ras al-Amoud", "Beit Iksa", "Anata", "عناتا", "Qalandia", "قلنديا",
		"Mount Scopus", "جبل المشارف", "הר הצופים",
		// Israeli settlements in East Jerusalem are east of the line too.
		"Pisgat Ze'ev", "Pisgat Zeev", "פסגת זאב", "French Hill", "הגבעה הצרפתית", "Har Homa", "הר חומה",
		"Neve Yaakov", "נווה יעקב", "Ramat Shlomo", "רמת שלמה", "Gilo", "Armon HaNatziv", "East Talpiot", "ארמון הנציב",
		"Givat HaMivtar", "Ramat Eshkol",
	} {
		jerusalemNames[textnorm.Key(n)] = ps
	}
	for _, n := range []string{
		"West Jerusalem", "Western Jerusalem", "W Jerusalem", "ירושלים המערבית", "מערב ירושלים", "القدس الغربية",
		"Jérusalem-Ouest", "Jerusalén Oeste", "Westjerusalem", "West-Jerusalem",
		// West Jerusalem's neighbourhoods.
		"Rehavia", "Rechavia", "רחביה", "Talbiya", "Talbiyeh", "Talbieh", "טלביה", "Katamon", "Qatamon", "קטמון",
		"German Colony Jerusalem", "Emek Refaim", "עמק רפאים", "Nachlaot", "Nahlaot", "נחלאות",
		"Mea Shearim", "Me'a She'arim", "מאה שערים", "Ein Karem", "Ein Kerem", "עין כרם", "Beit HaKerem", "בית הכרם",
		"Kiryat Yovel", "קריית יובל", "Givat Ram", "גבעת רם", "Har Nof", "הר נוף", "Romema", "רוממה",
		"Bayit Vegan", "בית וגן", "Malcha", "מלחה", "Kiryat Moshe", "קריית משה",
		"Givat Shaul", "גבעת שאול", "Mahane Yehuda", "מחנה יהודה", "Yemin Moshe", "ימין משה", "Mamilla", "ממילא",
		"Kiryat HaYovel", "Ramat Rachel", "רמת רחל", "Talpiot", "תלפיות", "Makor Baruch", "Geula Jerusalem",
	} {
		jerusalemNames[textnorm.Key(n)] = il
	}
	// The bare name of the city, in the languages the gazetteer reads.
	for _, n := range []string{
		"Jerusalem", "Jérusalem", "Jerusalén", "Jerusalém", "Gerusalemme", "Jeruzalem", "Jerozolima", "Jeruzsálem",
		"Kudüs", "Yerushalayim", "Yerushalaim", "Jerushalaim", "Ierusalim", "Al Quds", "Al-Quds", "Alquds", "El Quds",
		"El-Quds", "Al Kuds", "Quds", "Al Qods", "Beit al-Maqdis", "Bayt al-Maqdis", "القدس", "بيت المقدس", "أورشليم",
		"أورشليم القدس", "ירושלים", "ירושלים עיר הקודש", "Иерусалим", "Єрусалим", "Ιερουσαλήμ", "耶路撒冷", "エルサレム",
		"예루살렘", "Jerusalem City", "Jerusalem District", "Kota Yerusalem", "Yerusalem", "Baitul Maqdis",
	} {
		jerusalemNames[textnorm.Key(n)] = disputedCode
	}
	// "The Old City" beside the bare name of the city makes it East Jerusalem.
	for _, n := range []string{"Old City", "The Old City", "البلدة القديمة", "العتيقة", "העיר העתיקה"} {
		jerusalemNames[textnorm.Key(n)] = oldCityCode
	}
	for k, v := range jerusalemNames {
		h := textnorm.HashString(k)
		jerusalemHashes[h] = v
		jerusalemBits[h&jerusalemMask>>6] |= 1 << (h & 63)
		jerusalemN = max(jerusalemN, len(splitSpaces(k)))
	}
}

var (
	jerusalemHashes = map[uint64][2]byte{}
	jerusalemN      int // most words in a name
	// jerusalemBits filters hashes before the map: most words are not
	// Jerusalem's names, and a bit test is cheaper than a map lookup.
	jerusalemBits [1 << 10]uint64
)

const jerusalemMask = 1<<16 - 1

// jerusalemName returns the code of one of Jerusalem's names by hash.
func jerusalemName(h uint64) ([2]byte, bool) {
	if jerusalemBits[h&jerusalemMask>>6]&(1<<(h&63)) == 0 {
		return [2]byte{}, false
	}
	cc, ok := jerusalemHashes[h]
	return cc, ok
}

func splitSpaces(s string) []string {
	var out []string
	start := 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == ' ' {
			if i > start {
				out = append(out, s[start:i])
			}
			start = i + 1
		}
	}
	return out
}
