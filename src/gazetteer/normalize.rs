//! Name normalisation and tokenisation shared by gazetteer keys and text scanning.
//!
//! Contract: `normalize(name)` and the keys built from `tokenize(text)` agree, so a name in the
//! gazetteer matches the same words in an article. Folding is case-insensitive, ignores punctuation
//! (hyphens and dots separate words, apostrophes vanish) and folds diacritics of **Latin** letters only
//! (`Cap-Haïtien` = `cap haitien`); other scripts are lowercased but kept as they are
//! (`Київ` stays `київ`, never `kiyiv`).
//! Not for: deciding what is a place; that is `geoparse`'s job.

use unicode_normalization::UnicodeNormalization;

/// One word of a text, with its span in Unicode code points and in bytes.
#[derive(Debug, Clone, PartialEq)]
pub struct Token {
    /// Normalised form (lowercase, Latin diacritics folded, apostrophes removed).
    pub norm: String,
    /// Start offset in code points.
    pub start: usize,
    /// End offset in code points (exclusive).
    pub end: usize,
    /// Start offset in bytes.
    pub byte_start: usize,
    /// End offset in bytes (exclusive).
    pub byte_end: usize,
}

fn is_apostrophe(c: char) -> bool {
    matches!(c, '\'' | '’' | 'ʼ' | '‘' | 'ʻ' | '`' | '´')
}

fn is_latin(c: char) -> bool {
    let u = c as u32;
    u < 0x02B0 || (0x1E00..=0x1EFF).contains(&u) || (0x2C60..=0x2C7F).contains(&u) || (0xA720..=0xA7FF).contains(&u)
}

/// Appends the folded form of one character of a word.
#[inline]
fn fold_char(c: char, out: &mut String) {
    if is_apostrophe(c) {
        return;
    }
    if c.is_ascii() {
        out.push(c.to_ascii_lowercase());
    } else if c == 'ə' || c == 'Ə' {
        // Azerbaijani schwa: Xankəndi is written Xankendi in English.
        out.push('e');
    } else if is_latin(c) {
        for d in deunicode::deunicode_char(c).unwrap_or("").chars() {
            if d.is_alphanumeric() {
                out.push(d.to_ascii_lowercase());
            }
        }
    } else {
        // Callers pass word characters only (see `is_word_char`).
        out.extend(c.to_lowercase());
    }
}

/// Folds one word (no separators inside) to its key form.
fn fold_word(word: &str, out: &mut String) {
    if word.is_ascii() {
        // Fast path: most words of English text.
        for b in word.bytes() {
            if b != b'\'' && b != b'`' {
                out.push(b.to_ascii_lowercase() as char);
            }
        }
        return;
    }
    for_each_nfc(word, |c| fold_char(c, out));
}

/// Calls `f` with the characters of `s` in NFC. Most text is already NFC: the quick check skips
/// the decomposition and recomposition passes for it.
fn for_each_nfc(s: &str, mut f: impl FnMut(char)) {
    match unicode_normalization::is_nfc_quick(s.chars()) {
        unicode_normalization::IsNormalized::Yes => s.chars().for_each(f),
        _ => s.nfc().for_each(&mut f),
    }
}

fn is_word_char(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_alphanumeric();
    }
    let u = c as usize;
    if u < 0x1_0000 {
        // Basic Multilingual Plane: one bit per character, computed once (the Unicode tables'
        // slow path was the largest single cost of building the name index).
        let bits = BMP_WORD_CHARS.get_or_init(|| {
            let mut bits = vec![0u64; 0x1_0000 / 64].into_boxed_slice();
            for (u, word) in (0..0x1_0000u32).map(|u| (u, char::from_u32(u).is_some_and(is_word_char_slow))) {
                if word {
                    bits[u as usize / 64] |= 1 << (u % 64);
                }
            }
            bits
        });
        return bits[u / 64] & (1 << (u % 64)) != 0;
    }
    is_word_char_slow(c)
}

static BMP_WORD_CHARS: std::sync::OnceLock<Box<[u64]>> = std::sync::OnceLock::new();

fn is_word_char_slow(c: char) -> bool {
    c.is_alphanumeric() || unicode_normalization::char::is_combining_mark(c)
}

/// Splits text into word tokens. Apostrophes inside a word belong to it (`K'arvacharr`), except a
/// trailing possessive `'s`, which is left out of the token (`Armenia's` → `Armenia`).
pub fn tokenize(text: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let n = chars.len();
    let mut i = 0;
    while i < n {
        if !is_word_char(chars[i].1) {
            i += 1;
            continue;
        }
        let start = i;
        let mut j = i;
        while j < n {
            let c = chars[j].1;
            if is_word_char(c) {
                j += 1;
            } else if is_apostrophe(c) && j + 1 < n && is_word_char(chars[j + 1].1) && j > start {
                j += 1;
            } else {
                break;
            }
        }
        // Drop a possessive 's / ’s at the end of the word.
        let mut end = j;
        if end - start >= 3 && is_apostrophe(chars[end - 2].1) && matches!(chars[end - 1].1, 's' | 'S') {
            end -= 2;
        }
        let byte_start = chars[start].0;
        let byte_end = if end < n { chars[end].0 } else { text.len() };
        let mut norm = String::with_capacity(byte_end - byte_start);
        fold_word(&text[byte_start..byte_end], &mut norm);
        if !norm.is_empty() {
            tokens.push(Token { norm, start, end, byte_start, byte_end });
        }
        i = j;
    }
    tokens
}

/// The lookup key of a name: its normalised words joined by single spaces.
///
/// ```
/// use sitrep::gazetteer::normalize;
/// assert_eq!(normalize("Cap-Haïtien"), normalize("cap haitien"));
/// assert_eq!(normalize("Київ"), "київ");
/// assert_eq!(normalize("Syunik'"), "syunik");
/// ```
pub fn normalize(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    normalize_into(name, &mut out);
    out
}

/// [`normalize`] into a caller's buffer (cleared first), so a loop over many names reuses one
/// allocation.
pub fn normalize_into(name: &str, out: &mut String) {
    out.clear();
    if name.is_ascii() {
        return normalize_ascii(name.as_bytes(), out);
    }
    thread_local! {
        static CHARS: std::cell::RefCell<Vec<char>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    CHARS.with_borrow_mut(|chars| {
        chars.clear();
        for_each_nfc(name, |c| chars.push(c));
        normalize_chars(chars, out)
    })
}

/// The word logic of [`tokenize`] over already NFC-normalised characters, producing only the key.
fn normalize_chars(c: &[char], out: &mut String) {
    let n = c.len();
    let is_word_char = |i: usize| is_word_char(c[i]);
    let mut i = 0;
    while i < n {
        if !is_word_char(i) {
            i += 1;
            continue;
        }
        let start = i;
        let mut j = i;
        while j < n {
            if is_word_char(j) || (is_apostrophe(c[j]) && j + 1 < n && is_word_char(j + 1) && j > start) {
                j += 1;
            } else {
                break;
            }
        }
        let mut end = j;
        if end - start >= 3 && is_apostrophe(c[end - 2]) && matches!(c[end - 1], 's' | 'S') {
            end -= 2;
        }
        let before = out.len();
        if before > 0 {
            out.push(' ');
        }
        let word_start = out.len();
        for &ch in &c[start..end] {
            fold_char(ch, out);
        }
        if out.len() == word_start {
            out.truncate(before);
        }
        i = j;
    }
}

/// The same result as the general path for ASCII input, without per-character allocation
/// (most gazetteer names are ASCII, and start-up normalises over a million of them).
fn normalize_ascii(b: &[u8], out: &mut String) {
    let word = |c: u8| c.is_ascii_alphanumeric();
    let apos = |c: u8| c == b'\'' || c == b'`';
    let n = b.len();
    let mut i = 0;
    while i < n {
        if !word(b[i]) {
            i += 1;
            continue;
        }
        let start = i;
        let mut j = i;
        while j < n {
            if word(b[j]) || (apos(b[j]) && j + 1 < n && word(b[j + 1]) && j > start) {
                j += 1;
            } else {
                break;
            }
        }
        let mut end = j;
        if end - start >= 3 && apos(b[end - 2]) && (b[end - 1] == b's' || b[end - 1] == b'S') {
            end -= 2;
        }
        let before = out.len();
        if before > 0 {
            out.push(' ');
        }
        for &c in &b[start..end] {
            if !apos(c) {
                out.push(c.to_ascii_lowercase() as char);
            }
        }
        if out.len() == before + usize::from(before > 0) {
            out.truncate(before);
        }
        i = j;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn word_char_table_agrees_with_unicode_tables() {
        for u in (0..0x1_0000u32).chain(0x1_0000..0x2_0000) {
            if let Some(c) = char::from_u32(u) {
                let expected = if c.is_ascii() { c.is_ascii_alphanumeric() } else { is_word_char_slow(c) };
                assert_eq!(is_word_char(c), expected, "U+{u:04X}");
            }
        }
        assert!(is_word_char('Ք') && is_word_char('\u{0301}') && !is_word_char('—'));
    }

    #[test]
    fn folds_latin_diacritics_and_punctuation() {
        assert_eq!(normalize("Cap-Haïtien"), "cap haitien");
        assert_eq!(normalize("Łódź"), "lodz");
        assert_eq!(normalize("Øresund"), "oresund");
        assert_eq!(normalize("Straße"), "strasse");
        assert_eq!(normalize("Xankəndi"), normalize("Xankendi"));
        assert_eq!(normalize("St. Louis"), "st louis");
        assert_eq!(normalize("  Nagorno–Karabakh "), "nagorno karabakh");
    }

    /// The key as the text scanner builds it: the tokens' normalised forms joined by spaces.
    fn key_from_tokens(s: &str) -> String {
        tokenize(s).into_iter().map(|t| t.norm).collect::<Vec<_>>().join(" ")
    }

    #[test]
    fn ascii_fast_path_agrees_with_the_general_path() {
        for s in [
            "Armenia's",
            "K'arvacharr",
            "St. Louis",
            "'s",
            "a's",
            "x'",
            "'Ain Defla",
            "O'Hare  Int'l",
            "Rock 'n' Roll",
            "A-B-C",
            "",
            "  ",
            "Ivano-Frankivs'k",
        ] {
            let mut key = String::from("stale");
            normalize_ascii(s.as_bytes(), {
                key.clear();
                &mut key
            });
            assert_eq!(key, key_from_tokens(s), "{s:?}");
        }
        let mut reused = String::from("left over from a previous name");
        for s in ["Київ", "Cap-Haïtien", "Xankəndi", "Ağdam’s", "Łódź  Ø", "Sy'unik'", "Cap-Hai\u{0308}tien"]
        {
            assert_eq!(normalize(s), key_from_tokens(s), "{s:?}");
            normalize_into(s, &mut reused);
            assert_eq!(reused, normalize(s), "{s:?}");
        }
    }

    #[test]
    fn keeps_other_scripts() {
        assert_eq!(normalize("Київ"), "київ");
        assert_eq!(normalize("Ереван"), "ереван");
        assert_eq!(normalize("Երևան"), "երևան");
        assert_eq!(normalize("حلب"), "حلب");
    }

    #[test]
    fn apostrophes_and_possessives() {
        assert_eq!(normalize("K'arvacharr"), "karvacharr");
        let t = tokenize("Armenia's border");
        assert_eq!(t[0].norm, "armenia");
        assert_eq!((t[0].start, t[0].end), (0, 7));
        assert_eq!(t[1].norm, "border");
    }

    #[test]
    fn offsets_are_code_points() {
        let text = "Київ and Łódź";
        let t = tokenize(text);
        assert_eq!(t.len(), 3);
        assert_eq!((t[0].start, t[0].end), (0, 4));
        assert_eq!((t[2].start, t[2].end), (9, 13));
        assert_eq!(&text[t[2].byte_start..t[2].byte_end], "Łódź");
    }
}
