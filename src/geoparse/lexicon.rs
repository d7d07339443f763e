//! Word lists the recogniser needs beyond the gazetteer: capitalised common words that are never
//! places on their own, personal titles, first names (shipped in `data/lexicon/first_names.txt`,
//! see `scripts/fetch_first_names.sh`), US state abbreviations, and demonyms of macro-regions.
//! All entries are normalised keys (see `gazetteer::normalize`).

use std::collections::HashSet;

/// The shipped first-names list (Moby word lists via @stdlib datasets, Apache-2.0), one per line.
pub const FIRST_NAMES: &str = include_str!("../../data/lexicon/first_names.txt");

/// Capitalised words that are not places when they stand alone, even though some town is named so.
pub const STOP: &[&str] = &[
    // months and weekdays
    "january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
    "november", "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov",
    "dec", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "today",
    "tomorrow", "yesterday", "christmas", "easter", "ramadan", "halloween", "thanksgiving",
    // function words and sentence starters
    "the", "a", "an", "and", "but", "or", "if", "when", "while", "after", "before", "since", "as", "at",
    "in", "on", "of", "for", "to", "by", "with", "from", "about", "all", "most", "many", "some", "more",
    "best", "good", "new", "old", "so", "no", "yes", "not", "also", "however", "there", "here", "what",
    "who", "why", "how", "where", "which", "this", "that", "these", "those", "it", "he", "she", "we",
    "they", "you", "i", "my", "our", "his", "her", "their", "its", "one", "two", "three", "first", "last",
    "then", "now", "even", "just", "only", "every", "each", "other", "both", "such", "very", "well",
    "again", "still", "over", "under", "during", "despite", "although", "though", "because", "until",
    "among", "against", "between", "into", "through", "without", "within", "like", "unlike", "per",
    "via", "hope", "love", "joy", "faith", "grace", "hi", "hello", "thanks", "please", "sorry", "ok",
    "read", "see", "say", "said", "says", "get", "go", "let", "make", "take", "watch", "look", "call",
    "live", "free", "see also", "more", "less", "top", "big", "great", "little", "high", "low", "long",
    "early", "late", "next", "back", "home", "day", "night", "morning", "evening", "week", "year",
    "time", "life", "man", "men", "woman", "women", "people", "family", "friends", "police", "fire",
    "health", "energy", "water", "power", "money", "trade", "business", "market", "markets", "world",
    "earth", "sun", "moon", "star", "stars", "god", "jesus", "christ", "allah", "lord", "bible", "church",
    "mass", "mission", "union", "federal", "national", "international", "republic", "kingdom", "empire",
    "government", "parliament", "congress", "senate", "house", "court", "army", "navy", "force",
    "forces", "party", "council", "committee", "company", "group", "news", "times", "post", "daily",
    "agency", "press", "radio", "tv", "media", "report", "story", "university", "college", "school",
    "academy", "institute", "hospital", "department", "ministry", "office", "center", "centre", "club",
    "city", "county", "state", "states", "province", "region", "district", "river", "lake", "mountain",
    "street", "road", "avenue", "sea", "ocean", "island", "valley", "bay", "park", "airport", "station",
    "bridge", "hall", "tower", "north", "south", "east", "west", "central", "western", "eastern",
    "northern", "southern", "upper", "lower", "middle", "general", "president", "minister", "king",
    "queen", "prince", "princess", "governor", "mayor", "senator", "judge", "chief", "captain",
    "colonel", "sergeant", "officer", "director", "chairman", "secretary", "spokesman", "leader",
    "premier", "pope", "bishop", "sheriff", "agent", "doctor", "professor", "mr", "mrs", "ms", "dr",
    "sir", "dame", "saint", "st", "mount", "fort", "port", "cape", "lake", "facebook", "twitter",
    "google", "apple", "amazon", "microsoft", "uber", "netflix", "youtube", "instagram", "tass", "reuters",
    "afp", "ap", "bbc", "cnn", "nbc", "cbs", "abc", "fox", "nato", "un", "who", "isis", "isil", "ira",
    "phone", "email", "online", "video", "photo", "image", "images", "music", "film", "movie", "game",
    "games", "sport", "sports", "football", "soccer", "baseball", "basketball", "hockey", "golf",
    "tennis", "cup", "league", "team", "season", "final", "finals", "championship", "olympic",
    "olympics", "award", "awards", "prize", "gold", "silver", "bronze", "black", "white", "red", "green",
    "blue", "brown", "orange", "gray", "grey", "pink", "rose", "ocean", "sunset", "paradise", "liberty",
    "victory", "independence", "freedom", "justice", "peace", "war", "battle", "attack", "strike",
    "ceasefire", "border", "corridor", "front", "line", "zone", "area", "camp", "base", "republican",
    "republicans", "democrat", "democrats", "democratic", "conservative", "labour", "labor", "liberal",
    "green", "greens", "independent", "senior", "junior", "jr", "sr", "inc", "ltd", "co", "corp", "llc",
    "plc", "bank", "hotel", "restaurant", "cafe", "bar", "store", "shop", "mall", "plaza", "square",
    "market", "stadium", "arena", "theatre", "theater", "museum", "library", "gallery", "zoo", "farm",
    "ranch", "industries", "energy", "oil", "gas", "coal", "steel", "general", "motors", "airlines",
    "airways", "express", "online", "digital", "tech", "technology", "science", "research", "data",
    "internet", "web", "app", "apps", "software", "hardware", "network", "networks", "systems",
    "services", "service", "care", "trust", "fund", "foundation", "association", "society", "federation",
    "alliance", "coalition", "movement", "front", "brigade", "battalion", "division", "regiment",
    "unit", "units", "squad", "command", "operation", "operations", "mobile", "unity", "harmony",
    "hope", "providence", "welcome", "concord", "friendship", "progress", "enterprise", "commerce",
    "industry", "eden", "heaven", "hell", "bethlehem", "nazareth", "eden", "canaan", "zion", "english",
    "four", "five", "six", "seven", "eight", "nine", "ten", "hundred", "thousand", "million", "millions",
    "billion", "supreme", "royal", "vice", "act", "out", "buy", "hey", "human", "sky", "cathedral",
    "parachute", "newcomers", "colleges", "sgt", "gen", "col", "lt", "capt", "gov", "sen", "rep", "chef",
    "mega", "court", "justice", "notre", "dame", "jae", "rue", "fig", "mary",
];

/// Words that, written before a capitalised name, make it a person ("President Putin", "Mr Chad").
pub const TITLES: &[&str] = &[
    "mr", "mrs", "ms", "miss", "dr", "sir", "lord", "lady", "dame", "president", "pres", "minister",
    "senator", "sen", "rep", "representative", "congressman", "congresswoman", "gov", "governor",
    "mayor", "king", "queen", "prince", "princess", "pope", "general", "gen", "col", "colonel", "capt",
    "captain", "lt", "lieutenant", "sgt", "sergeant", "officer", "detective", "det", "judge", "justice",
    "chancellor", "secretary", "ambassador", "coach", "father", "fr", "rev", "reverend", "pastor",
    "bishop", "archbishop", "cardinal", "imam", "rabbi", "sheikh", "emir", "ayatollah", "chairman",
    "chairwoman", "spokesman", "spokeswoman", "spokesperson", "director", "professor", "prof",
    "commander", "chief", "deputy", "agent", "attorney", "sheriff", "trooper", "councilman",
    "councilwoman", "councillor", "councilor", "premier", "ceo", "founder", "author", "actor", "actress",
    "singer", "player", "striker", "midfielder", "defender", "goalkeeper", "quarterback", "manager",
    "dj", "chef", "councillor", "dr", "host", "anchor", "reporter", "correspondent", "editor",
    "columnist", "writer", "artist", "designer", "photographer", "owner", "resident", "student",
    "teacher", "nurse", "lawyer", "analyst", "economist", "scientist", "researcher", "activist",
    "candidate", "nominee", "mp", "mep", "mla", "legislator", "lawmaker", "rapper", "comedian",
    "trainer", "jockey", "boxer", "cyclist", "chancellor", "aide", "adviser", "advisor",
];

/// Lower-case particles inside personal names ("Mike de Kock", "Mohammed bin Rashid").
pub const NAME_PARTICLES: &[&str] = &["de", "van", "von", "bin", "ibn", "binti", "bint", "der", "den", "ter", "da", "dos", "du", "della", "di", "le", "la"];

/// Words after a first name that show the name is a person ("Chad said", "Jordan, who").
pub const PERSON_VERBS: &[&str] = &[
    "said", "says", "told", "added", "explained", "wrote", "asked", "replied", "thinks", "believes",
    "who", "whose", "noted", "argued", "insisted", "claimed", "admitted", "recalled", "tweeted",
];

/// Name-part words that continue a place name rather than a surname ("Jordan Valley", "Victoria Falls").
pub const PLACE_HEADS: &[&str] = &[
    "county", "city", "state", "province", "region", "district", "river", "lake", "valley", "falls",
    "island", "islands", "mountains", "mountain", "bay", "sea", "beach", "park", "street", "road",
    "avenue", "square", "heights", "hills", "springs", "harbor", "harbour", "canyon", "creek", "gulf",
    "peninsula", "strait", "coast", "desert", "forest", "corridor", "crossing", "border", "airport",
    "station", "bridge", "parish", "borough", "township", "oblast", "governorate", "territory",
];

/// Lower-case words allowed inside a multi-word name ("Bosnia and Herzegovina", "Rio de Janeiro").
pub const NAME_INFIX: &[&str] = &[
    "of", "the", "and", "de", "la", "le", "les", "del", "della", "do", "da", "dos", "das", "du", "des",
    "di", "y", "e", "al", "el", "upon", "on", "am", "an", "im", "der", "die", "van", "von", "en", "sur",
    "au", "aux", "sous", "ul", "ad", "bin", "ibn", "i",
];

/// Abbreviations that end with a period without ending the sentence.
pub const ABBREV: &[&str] = &[
    "mr", "mrs", "ms", "dr", "st", "mt", "ft", "pt", "gen", "col", "lt", "sgt", "capt", "gov", "sen",
    "rep", "jr", "sr", "inc", "co", "corp", "ltd", "vs", "no", "jan", "feb", "mar", "apr", "jun", "jul",
    "aug", "sep", "sept", "oct", "nov", "dec", "prof", "rev", "fr", "det", "ave", "blvd", "rd", "e", "etc",
    "approx", "dept", "univ", "calif", "fla", "ill", "mass", "mich", "minn", "penn", "tenn", "tex", "va",
    "wash", "wis", "ariz", "ark", "colo", "conn", "del", "ga", "ind", "kan", "ky", "la", "md", "miss",
    "mo", "mont", "neb", "nev", "okla", "ore", "pa", "wyo", "ala",
];

/// US state abbreviations (AP style and postal), to GeoNames admin-1 codes (which are postal codes).
pub const US_STATES: &[(&str, &str)] = &[
    ("ala", "AL"), ("ariz", "AZ"), ("ark", "AR"), ("calif", "CA"), ("cal", "CA"), ("colo", "CO"),
    ("conn", "CT"), ("del", "DE"), ("fla", "FL"), ("ga", "GA"), ("ill", "IL"), ("ind", "IN"),
    ("kan", "KS"), ("kans", "KS"), ("ky", "KY"), ("la", "LA"), ("md", "MD"), ("mass", "MA"),
    ("mich", "MI"), ("minn", "MN"), ("miss", "MS"), ("mo", "MO"), ("mont", "MT"), ("neb", "NE"),
    ("nebr", "NE"), ("nev", "NV"), ("n h", "NH"), ("n j", "NJ"), ("n m", "NM"), ("n y", "NY"),
    ("n c", "NC"), ("n d", "ND"), ("okla", "OK"), ("ore", "OR"), ("pa", "PA"), ("penn", "PA"),
    ("r i", "RI"), ("s c", "SC"), ("s d", "SD"), ("tenn", "TN"), ("tex", "TX"), ("vt", "VT"),
    ("va", "VA"), ("wash", "WA"), ("w va", "WV"), ("wis", "WI"), ("wisc", "WI"), ("wyo", "WY"),
    ("d c", "DC"),
];

/// Demonyms of macro-regions and continents, to curated ids or names.
pub const REGION_DEMONYMS: &[(&str, &str)] = &[
    ("european", "sitrep:europe"), ("europeans", "sitrep:europe"), ("african", "sitrep:africa"),
    ("africans", "sitrep:africa"), ("asian", "sitrep:asia"), ("asians", "sitrep:asia"),
    ("latin american", "sitrep:latin-america"), ("latin americans", "sitrep:latin-america"),
    ("central american", "sitrep:central-america"), ("central americans", "sitrep:central-america"),
    ("south american", "sitrep:south-america"), ("north american", "sitrep:north-america"),
    ("middle eastern", "sitrep:middle-east"), ("scandinavian", "sitrep:scandinavia"),
    ("balkan", "sitrep:balkans"), ("kurdish", "sitrep:kurdistan"),
    ("kurds", "sitrep:kurdistan"), ("caucasian", "sitrep:caucasus"), ("siberian", "sitrep:siberia"),
    ("sahelian", "sitrep:sahel"),
];

pub fn set(words: &[&'static str]) -> HashSet<&'static str> {
    words.iter().copied().filter(|w| !w.is_empty()).collect()
}

/// Points GeoNames gives countries and continents (see `scripts/fetch_reference_points.sh`):
/// `key lat lon demonyms`, key = ISO alpha-2 or curated id.
pub const REFERENCE_POINTS: &str = include_str!("../../data/lexicon/reference_points.tsv");

/// Names the gazetteer lacks, to ISO alpha-2 codes or place ids.
pub const EXTRA_NAMES: &[(&str, &str)] = &[
    ("us", "US"), ("america", "US"), ("eu", "sitrep:europe"), ("european union", "sitrep:europe"),
    ("holy see", "VA"), ("the vatican", "VA"), ("britain", "GB"), ("great britain", "GB"),
];

/// Demonyms that are languages more often than people; never read as places.
pub const NOT_DEMONYMS: &[&str] = &["english", "arabic", "latin", "hebrew", "sanskrit", "esperanto"];
