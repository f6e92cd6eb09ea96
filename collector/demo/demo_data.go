package demo

// demoCountry is one country of the simulated campaign: how much it takes
// part, its UTC offset (for following the sun), towns its geotagged posts
// come from, the profile locations its people write, and their languages.
type demoCountry struct {
	code   string
	weight float64
	offset float64
	towns  []demoTown
	places []string
	langs  []string
}

// demoTown is a point inside its country: a geotag is placed within
// demoJitter degrees of it, and every such point is inside the country's
// borders (TestDemoCoordinatesInTheirCountry).
type demoTown struct{ lat, lon float64 }

const demoJitter = 0.02 // degrees, about 2 km

// demoPalestine's towns span Gaza and the West Bank; Gaza is a strip a few
// kilometres wide, so a wide jitter around one point lands in Israel or the
// sea.
var demoPalestine = []demoTown{
	{31.50, 34.46}, // Gaza City
	{31.34, 34.31}, // Khan Younis
	{31.92, 35.20}, // Ramallah (north of the centre, clear of Jerusalem's boundary)
	{32.22, 35.26}, // Nablus
	{31.53, 35.10}, // Hebron
	{31.69, 35.20}, // Bethlehem (south of the centre, likewise)
	{32.46, 35.30}, // Jenin
	{31.86, 35.45}, // Jericho
}

var demoCountries = []demoCountry{
	{"PS", 9, 2, demoPalestine, []string{"Gaza, Palestine", "غزة", "Ramallah", "رام الله، فلسطين", "Palestine 🇵🇸", "Nablus", "Jerusalem, Palestine", "الخليل"}, []string{"ar", "ar", "en"}},
	{"JO", 4, 3, []demoTown{{31.95, 35.93}}, []string{"Amman, Jordan", "عمان، الأردن", "Irbid", "Jordan"}, []string{"ar", "en"}},
	{"LB", 2.5, 2, []demoTown{{33.89, 35.50}}, []string{"Beirut", "بيروت، لبنان", "Lebanon", "Saida, Lebanon"}, []string{"ar", "fr", "en"}},
	{"EG", 4, 2, []demoTown{{30.04, 31.24}}, []string{"Cairo, Egypt", "القاهرة", "Alexandria", "مصر"}, []string{"ar"}},
	{"SA", 2, 3, []demoTown{{24.71, 46.68}}, []string{"Riyadh", "الرياض", "Jeddah, Saudi Arabia"}, []string{"ar"}},
	{"AE", 1.5, 4, []demoTown{{25.20, 55.27}}, []string{"Dubai", "Abu Dhabi, UAE", "دبي"}, []string{"ar", "en"}},
	{"QA", 1, 3, []demoTown{{25.29, 51.53}}, []string{"Doha, Qatar", "الدوحة"}, []string{"ar", "en"}},
	{"KW", 1, 3, []demoTown{{29.38, 47.99}}, []string{"Kuwait City", "الكويت"}, []string{"ar"}},
	{"IQ", 1.5, 3, []demoTown{{33.31, 44.36}}, []string{"Baghdad", "بغداد، العراق", "Basra"}, []string{"ar"}},
	{"TR", 3, 3, []demoTown{{41.01, 28.98}}, []string{"İstanbul", "Istanbul, Türkiye", "Ankara", "Izmir"}, []string{"tr"}},
	{"MA", 2.5, 1, []demoTown{{33.57, -7.59}}, []string{"Casablanca", "Rabat, Maroc", "الدار البيضاء", "Marrakech"}, []string{"ar", "fr"}},
	{"DZ", 2, 1, []demoTown{{36.75, 3.06}}, []string{"Alger", "Algiers, Algeria", "الجزائر العاصمة", "Oran"}, []string{"ar", "fr"}},
	{"TN", 1.5, 1, []demoTown{{36.81, 10.18}}, []string{"Tunis", "تونس", "Sfax, Tunisie"}, []string{"ar", "fr"}},
	{"GB", 6, 0, []demoTown{{51.51, -0.13}}, []string{"London", "London, UK", "Manchester", "Glasgow, Scotland", "Birmingham, England", "Bristol", "Leeds 🇵🇸"}, []string{"en"}},
	{"IE", 2, 0, []demoTown{{53.35, -6.26}}, []string{"Dublin, Ireland", "Cork", "Éire", "Galway"}, []string{"en", "ga"}},
	{"FR", 4, 1, []demoTown{{48.86, 2.35}}, []string{"Paris", "Paris, France", "Marseille", "Lyon", "Toulouse", "Lille, France"}, []string{"fr"}},
	{"DE", 3.5, 1, []demoTown{{52.52, 13.40}}, []string{"Berlin", "Berlin, Deutschland", "Hamburg", "München", "Köln", "Frankfurt am Main"}, []string{"de", "en"}},
	{"ES", 3, 1, []demoTown{{40.42, -3.70}}, []string{"Madrid", "Barcelona", "Sevilla, España", "València", "Bilbao"}, []string{"es", "ca"}},
	{"IT", 2.5, 1, []demoTown{{41.90, 12.50}}, []string{"Roma", "Milano, Italia", "Napoli", "Torino"}, []string{"it"}},
	{"NL", 2, 1, []demoTown{{52.37, 4.90}}, []string{"Amsterdam", "Rotterdam", "Den Haag, Nederland"}, []string{"nl", "en"}},
	{"BE", 1.5, 1, []demoTown{{50.85, 4.35}}, []string{"Brussels", "Bruxelles, Belgique", "Antwerpen"}, []string{"fr", "nl"}},
	{"SE", 1.5, 1, []demoTown{{59.33, 18.07}}, []string{"Stockholm", "Göteborg, Sverige", "Malmö"}, []string{"sv"}},
	{"NO", 1, 1, []demoTown{{59.91, 10.75}}, []string{"Oslo", "Bergen, Norge"}, []string{"no"}},
	{"DK", 1, 1, []demoTown{{55.68, 12.57}}, []string{"København", "Copenhagen, Denmark"}, []string{"da"}},
	{"PL", 1, 1, []demoTown{{52.23, 21.01}}, []string{"Warszawa", "Kraków, Polska"}, []string{"pl"}},
	{"GR", 1, 2, []demoTown{{37.98, 23.73}}, []string{"Athens, Greece", "Αθήνα", "Θεσσαλονίκη"}, []string{"el"}},
	{"PT", 1, 0, []demoTown{{38.72, -9.14}}, []string{"Lisboa", "Porto, Portugal"}, []string{"pt"}},
	{"CH", 1, 1, []demoTown{{46.95, 7.45}}, []string{"Zürich", "Genève, Suisse", "Bern"}, []string{"de", "fr"}},
	{"AT", 1, 1, []demoTown{{48.21, 16.37}}, []string{"Wien", "Vienna, Austria"}, []string{"de"}},
	{"US", 8, -5, []demoTown{{40.71, -74.01}}, []string{"New York, NY", "Chicago, IL", "Los Angeles, CA", "Dearborn, Michigan", "Brooklyn, NY", "Oakland, CA", "Houston, TX", "Seattle, WA", "Paris, TX"}, []string{"en", "en", "es"}},
	{"CA", 3, -5, []demoTown{{43.65, -79.38}}, []string{"Toronto", "Montréal, QC", "Vancouver, BC", "London, Ontario", "Ottawa"}, []string{"en", "fr"}},
	{"MX", 2, -6, []demoTown{{19.43, -99.13}}, []string{"Ciudad de México", "CDMX", "Guadalajara, Jalisco", "Monterrey"}, []string{"es"}},
	{"BR", 2.5, -3, []demoTown{{-23.55, -46.63}}, []string{"São Paulo", "Rio de Janeiro, Brasil", "Belo Horizonte"}, []string{"pt"}},
	{"AR", 1.5, -3, []demoTown{{-34.60, -58.38}}, []string{"Buenos Aires", "Córdoba, Argentina", "Rosario"}, []string{"es"}},
	{"CL", 2, -3, []demoTown{{-33.45, -70.67}}, []string{"Santiago de Chile", "Valparaíso", "Chile 🇨🇱🇵🇸"}, []string{"es"}},
	{"CO", 1, -5, []demoTown{{4.71, -74.07}}, []string{"Bogotá", "Medellín, Colombia"}, []string{"es"}},
	{"VE", 1, -4, []demoTown{{10.48, -66.90}}, []string{"Caracas", "Maracaibo, Venezuela"}, []string{"es"}},
	{"ZA", 2.5, 2, []demoTown{{-26.20, 28.05}}, []string{"Johannesburg", "Cape Town, South Africa", "Durban", "Soweto"}, []string{"en", "zu"}},
	{"NG", 1.5, 1, []demoTown{{6.52, 3.38}}, []string{"Lagos", "Abuja, Nigeria", "Kano"}, []string{"en", "ha"}},
	{"KE", 1, 3, []demoTown{{-1.29, 36.82}}, []string{"Nairobi", "Mombasa, Kenya"}, []string{"en", "sw"}},
	{"SN", 0.7, 0, []demoTown{{14.72, -17.47}}, []string{"Dakar", "Dakar, Sénégal"}, []string{"fr"}},
	{"IN", 2, 5.5, []demoTown{{28.61, 77.21}}, []string{"New Delhi", "Mumbai, India", "Hyderabad", "Kerala", "Kolkata"}, []string{"en", "hi", "ur"}},
	{"PK", 3, 5, []demoTown{{24.86, 67.01}}, []string{"Karachi", "Lahore, Pakistan", "Islamabad", "کراچی"}, []string{"ur", "en"}},
	{"BD", 1, 6, []demoTown{{23.81, 90.41}}, []string{"Dhaka", "ঢাকা", "Chittagong, Bangladesh"}, []string{"bn", "en"}},
	{"MY", 3, 8, []demoTown{{3.14, 101.69}}, []string{"Kuala Lumpur", "Penang, Malaysia", "Johor Bahru", "Shah Alam"}, []string{"ms", "en"}},
	{"ID", 3, 7, []demoTown{{-6.21, 106.85}}, []string{"Jakarta", "Bandung, Indonesia", "Surabaya", "Yogyakarta"}, []string{"in", "en"}},
	{"AU", 1.5, 10, []demoTown{{-33.87, 151.21}}, []string{"Sydney", "Melbourne, VIC", "Brisbane, Australia", "Perth WA"}, []string{"en"}},
	{"NZ", 0.7, 12, []demoTown{{-36.85, 174.76}}, []string{"Auckland", "Wellington, New Zealand", "Aotearoa"}, []string{"en"}},
	{"JP", 0.8, 9, []demoTown{{35.68, 139.69}}, []string{"Tokyo", "東京", "大阪"}, []string{"ja"}},
	{"KR", 0.5, 9, []demoTown{{37.57, 126.98}}, []string{"Seoul", "서울"}, []string{"ko"}},
	{"PH", 0.8, 8, []demoTown{{14.60, 120.98}}, []string{"Manila", "Quezon City, Philippines"}, []string{"en", "tl"}},
}

// demoNowhere are profile texts that name no place: none may be attributed
// to a country (TestDemoPlacesInTheirCountry). A solidarity text such as
// "Free Palestine 🇵🇸" names a country, and is read as PS wherever its author is.
var demoNowhere = []string{"she/her", "Planet Earth", "everywhere", "🍉", "somewhere over the rainbow", "🌍", "he/him", "in my head", "Earth"}

var demoHandles = []string{"amal", "yusuf", "sara", "noor", "leila", "omar", "maria", "jonas", "chloe", "diego", "aisha", "ben", "fatima", "lucas", "hana", "kofi", "mei", "ravi", "zainab", "tom"}

var demoNames = []string{"Amal", "Yusuf K.", "Sara", "Noor 🇵🇸", "Leila", "Omar A.", "María", "Jonas", "Chloé", "Diego", "Aisha", "Ben", "فاطمة", "Lucas", "Hana", "Kofi", "Mei", "Ravi", "زينب", "Tom"}

var demoTexts = map[string][]string{
	"en": {"Standing with Palestine today.", "We will not be silent.", "Join the day of action:", "Marching in solidarity this afternoon.", "Ceasefire now.", "Thousands gathered in the square today."},
	"ar": {"معًا من أجل فلسطين", "لن نصمت", "يوم التضامن الدولي مع الشعب الفلسطيني", "كلنا مع غزة اليوم"},
	"fr": {"Solidarité avec la Palestine aujourd'hui.", "Rassemblement ce soir place de la République.", "Nous ne nous tairons pas."},
	"es": {"Solidaridad con Palestina hoy.", "Marchamos esta tarde.", "Alto el fuego ya."},
	"de": {"Solidarität mit Palästina heute.", "Kundgebung heute Abend.", "Wir schweigen nicht."},
	"tr": {"Bugün Filistin ile dayanışma içindeyiz."},
	"ur": {"آج فلسطین کے ساتھ یکجہتی"},
	"pt": {"Solidariedade com a Palestina hoje."},
	"it": {"Solidarietà con la Palestina oggi."},
	"nl": {"Solidariteit met Palestina vandaag."},
	"ms": {"Bersama Palestin hari ini."},
	"in": {"Bersama Palestina hari ini."},
	"el": {"Αλληλεγγύη στην Παλαιστίνη σήμερα."},
	"ja": {"今日はパレスチナと連帯します。"},
}
