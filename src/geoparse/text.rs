//! Text helpers of the geoparser: sentence boundaries, which word gaps may sit inside a name, dates,
//! directions and distances. Offsets follow `gazetteer::tokenize` (bytes and code points).

use crate::gazetteer::Token;
use std::collections::HashSet;

/// Sentences of a document: the sentence index of every token and each sentence's span.
pub struct Sentences {
    pub of_token: Vec<usize>,
    /// (byte start, byte end, code-point start) of each sentence.
    spans: Vec<(usize, usize, usize)>,
}

impl Sentences {
    /// Splits at `.`, `!`, `?` followed by white space (unless the word before is an abbreviation
    /// or a single letter, "U.S."), and at line breaks.
    pub fn split(text: &str, toks: &[Token], abbrev: &HashSet<String>) -> Sentences {
        let mut of_token = Vec::with_capacity(toks.len());
        let mut spans = Vec::new();
        let mut cur = 0usize;
        let mut sent_byte_start = toks.first().map(|t| t.byte_start).unwrap_or(0);
        let mut sent_cp_start = toks.first().map(|t| t.start).unwrap_or(0);
        for (i, t) in toks.iter().enumerate() {
            of_token.push(cur);
            let next_start = toks.get(i + 1).map(|n| n.byte_start).unwrap_or(text.len());
            let gap = &text[t.byte_end..next_start];
            if i + 1 < toks.len()
                && ends_sentence(gap, &text[t.byte_start..t.byte_end], &t.norm, abbrev, &text[next_start..])
            {
                // the sentence ends after its closing punctuation
                let trimmed = gap.trim_end();
                let end = t.byte_end + trimmed.len();
                spans.push((sent_byte_start, end, sent_cp_start));
                cur += 1;
                sent_byte_start = next_start;
                sent_cp_start = toks[i + 1].start;
            }
        }
        let last_end = toks.last().map(|t| {
            let rest = &text[t.byte_end..];
            let keep = rest.find('\n').unwrap_or(rest.len());
            t.byte_end + rest[..keep].trim_end().len()
        });
        spans.push((sent_byte_start, last_end.unwrap_or(text.len()), sent_cp_start));
        Sentences { of_token, spans }
    }

    /// (byte start, byte end, code-point start) of sentence `i`.
    pub fn span(&self, i: usize) -> (usize, usize, usize) {
        self.spans[i]
    }
}

fn ends_sentence(gap: &str, surface: &str, norm: &str, abbrev: &HashSet<String>, next: &str) -> bool {
    if gap.contains('\n') {
        return true;
    }
    let g = gap.trim_start_matches(['\'', '’']);
    let Some(first) = g.chars().next() else {
        return false;
    };
    if !matches!(first, '.' | '!' | '?' | ';') {
        return false;
    }
    if !gap.chars().any(char::is_whitespace) {
        // "U.S.A", "3.5", "e.g"
        return false;
    }
    if first == '.' {
        let single = surface.chars().count() == 1 && surface.chars().all(char::is_alphabetic);
        if single || abbrev.contains(norm) {
            // "Gen. Smith" / "U.S. officials": not a boundary unless the next word is clearly a new
            // sentence start after a single letter ("... in the U.S. The ...").
            let nw: String = next.chars().take_while(|c| c.is_alphabetic()).collect();
            return single && matches!(nw.as_str(), "The" | "It" | "He" | "She" | "They" | "We" | "In" | "But" | "A");
        }
    }
    true
}

/// Whether the characters between two words may sit inside one name ("St. Louis", "Nagorno-Karabakh",
/// "Rio de Janeiro"), as opposed to punctuation that separates names ("Goris, Armenia").
pub fn joinable_gap(gap: &str, prev_surface: &str, prev_norm: &str, abbrev: &HashSet<String>) -> bool {
    if gap.is_empty() {
        return false;
    }
    if gap.chars().count() > 3 {
        return false;
    }
    if gap.chars().all(|c| c == ' ' || c == '\u{a0}' || c == '\t') {
        return true;
    }
    let t = gap.trim_matches(|c: char| c == ' ' || c == '\u{a0}');
    match t {
        "-" | "‐" | "–" => true,
        "." => {
            prev_surface.chars().count() == 1
                || matches!(prev_norm, "st" | "mt" | "ft" | "pt" | "ste")
                || abbrev.contains(prev_norm) && prev_surface.len() <= 3
        }
        _ => false,
    }
}

/// The latest plausible year (1900–2099) written in the text.
pub fn latest_year(toks: &[Token]) -> Option<u32> {
    toks.iter()
        .filter(|t| t.norm.len() == 4)
        .filter_map(|t| t.norm.parse::<u32>().ok())
        .filter(|y| (1900..2100).contains(y))
        .max()
}

/// Compass direction of a word ("north" → "N", "southeast" → "SE").
pub fn direction(w: &str) -> Option<&'static str> {
    Some(match w {
        "north" | "northern" | "norths" => "N",
        "south" | "southern" => "S",
        "east" | "eastern" => "E",
        "west" | "western" => "W",
        "northeast" | "northeastern" => "NE",
        "northwest" | "northwestern" => "NW",
        "southeast" | "southeastern" => "SE",
        "southwest" | "southwestern" => "SW",
        _ => return None,
    })
}

/// A distance written as number and unit, in km ("3.5", "kilometers" → 3.5; "10", "miles" → 16.1).
pub fn distance_km(num: &str, unit: &str) -> Option<f64> {
    let v: f64 = num.parse().ok()?;
    let f = match unit {
        "km" | "kilometers" | "kilometres" | "kilometer" | "kilometre" | "kms" => 1.0,
        "mi" | "miles" | "mile" => 1.609_344,
        "m" | "meters" | "metres" | "meter" | "metre" => 0.001,
        _ => return None,
    };
    Some(v * f)
}
