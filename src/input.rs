//! Reading articles from files and standard input for `sitrep ingest`.
//!
//! Contract: [`read`] turns one input (a path, or `-` for standard input) into articles, each
//! with the place it came from (`file`, `file:line`, `file item N`) so that a skipped record can
//! be named. Formats: `.txt` / `.md` (title = first line; YAML front matter between `---` lines
//! may set `title`, `date`/`published`, `source`, `url`), `.json` (one article or an array),
//! `.jsonl` / `.ndjson` (one article a line), `.html` (the page's article, see [`crate::page`]),
//! `.xml` / `.rss` / `.atom` and JSON Feed `.json` (one article per item); standard input is read
//! as a feed or a page when it starts with `<`, as JSON or JSONL when it starts with `{` or `[`,
//! as text otherwise. [`Overrides`] (the `--title --date --source --url`
//! flags) replace what a text file says and fill what a JSON record leaves out. A file that cannot
//! be read at all is an [`InputError`]; a malformed record inside a readable file is one `Err`
//! item, the other records still come through.
//! Not for: validation of the article itself ([`crate::ingest::validate`]) or storing.

use crate::store::NewArticle;
use std::io::Read;
use std::path::Path;

/// Metadata given on the command line for every article read.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub title: Option<String>,
    /// YYYY-MM-DD.
    pub date: Option<String>,
    pub source: Option<String>,
    pub url: Option<String>,
}

/// Why an input could not be read at all.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error("{path}: {source}")]
    Io { path: String, source: std::io::Error },
    #[error("{path}: not UTF-8 text (invalid byte at offset {offset})")]
    NotUtf8 { path: String, offset: usize },
    #[error("{path}: unknown file type; use .txt, .md, .json, .jsonl, .html, .xml/.rss/.atom (feeds) or - for standard input")]
    UnknownType { path: String },
    #[error("{path}: {message}")]
    Malformed { path: String, message: String },
}

/// One article read, or why a record could not be made into one; `origin` names the file and,
/// for JSON formats, the line or item.
#[derive(Debug)]
pub struct Item {
    pub origin: String,
    pub article: Result<NewArticle, String>,
}

/// Reads one input (`-` is standard input); see the module contract.
pub fn read(path: &Path, overrides: &Overrides) -> Result<Vec<Item>, InputError> {
    let name = if path == Path::new("-") { "<stdin>".to_string() } else { path.display().to_string() };
    let bytes = if path == Path::new("-") {
        let mut buf = Vec::new();
        std::io::stdin()
            .lock()
            .read_to_end(&mut buf)
            .map_err(|source| InputError::Io { path: name.clone(), source })?;
        buf
    } else {
        std::fs::read(path).map_err(|source| InputError::Io { path: name.clone(), source })?
    };
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
    let start = String::from_utf8_lossy(&bytes[..bytes.len().min(2048)]).trim_start().to_ascii_lowercase();
    let is_feed = start.contains("<rss") || start.contains("<feed") || start.contains("<rdf:rdf");
    let html = match ext.as_str() {
        "html" | "htm" | "xhtml" => Some(false),
        "xml" | "rss" | "atom" | "feed" => Some(true),
        "json" if start.starts_with('{') && start.contains("jsonfeed.org") => Some(true),
        _ if path == Path::new("-") && start.starts_with('<') => Some(is_feed),
        _ => None,
    };
    if let Some(feed) = html {
        return if feed {
            let items = crate::page::feed_articles(&bytes)
                .map_err(|e| InputError::Malformed { path: name.clone(), message: e.to_string() })?;
            let mut out: Vec<Item> = items
                .into_iter()
                .map(|i| Item { origin: format!("{name} {}", i.origin), article: i.article })
                .collect();
            for item in &mut out {
                if let Ok(a) = &mut item.article {
                    apply(a, overrides, false);
                }
            }
            Ok(out)
        } else {
            let text = crate::page::decode_html(&bytes);
            let mut article = crate::page::html_article(&text, None).map_err(|e| e.to_string());
            if let Ok(a) = &mut article {
                apply(a, overrides, true);
            }
            Ok(vec![Item { origin: name, article }])
        };
    }
    let text = String::from_utf8(bytes)
        .map_err(|e| InputError::NotUtf8 { path: name.clone(), offset: e.utf8_error().valid_up_to() })?;
    let kind = if path == Path::new("-") {
        match text.trim_start().chars().next() {
            Some('[') => Kind::Json,
            Some('{') if looks_like_jsonl(&text) => Kind::Jsonl,
            Some('{') => Kind::Json,
            _ => Kind::Text,
        }
    } else {
        match ext.as_str() {
            "txt" | "md" | "markdown" => Kind::Text,
            "json" => Kind::Json,
            "jsonl" | "ndjson" => Kind::Jsonl,
            _ => return Err(InputError::UnknownType { path: name }),
        }
    };
    let mut items = match kind {
        Kind::Text => vec![Item { origin: name.clone(), article: text_article(&text).map_err(|e| format!("{e}")) }],
        Kind::Json => match serde_json::from_str::<serde_json::Value>(&text) {
            Ok(serde_json::Value::Array(values)) => values
                .into_iter()
                .enumerate()
                .map(|(i, v)| Item {
                    origin: format!("{name} item {}", i + 1),
                    article: serde_json::from_value(v).map_err(|e| e.to_string()),
                })
                .collect(),
            Ok(v) => vec![Item { origin: name.clone(), article: serde_json::from_value(v).map_err(|e| e.to_string()) }],
            Err(e) => return Err(InputError::Malformed { path: name, message: e.to_string() }),
        },
        Kind::Jsonl => text
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
            .map(|(i, l)| Item {
                origin: format!("{name}:{}", i + 1),
                article: serde_json::from_str(l).map_err(|e| jsonl_message(&e)),
            })
            .collect(),
    };
    for item in &mut items {
        if let Ok(a) = &mut item.article {
            apply(a, overrides, kind == Kind::Text);
        }
    }
    Ok(items)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Text,
    Json,
    Jsonl,
}

/// Standard input holds JSONL when its first non-empty line is a whole JSON object.
fn looks_like_jsonl(text: &str) -> bool {
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    lines.next().is_some_and(|l| serde_json::from_str::<serde_json::Value>(l).is_ok()) && lines.next().is_some()
}

/// A serde error on one JSONL line, without serde's "at line 1 column N" (the line is the file's).
pub fn jsonl_message(e: &serde_json::Error) -> String {
    let full = e.to_string();
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    match full.strip_suffix(&suffix) {
        Some(msg) => format!("{msg} (column {})", e.column()),
        None => full,
    }
}

pub(crate) fn apply(a: &mut NewArticle, o: &Overrides, replace: bool) {
    let set = |field: &mut Option<String>, value: &Option<String>| {
        if value.is_some() && (replace || field.is_none()) {
            field.clone_from(value);
        }
    };
    set(&mut a.title, &o.title);
    set(&mut a.published, &o.date);
    set(&mut a.source, &o.source);
    set(&mut a.url, &o.url);
}

/// The fields YAML front matter may set (other keys are ignored).
#[derive(Debug, Default, serde::Deserialize)]
struct FrontMatter {
    title: Option<String>,
    #[serde(alias = "published")]
    date: Option<serde_norway::Value>,
    source: Option<String>,
    #[serde(alias = "link", alias = "canonical_url")]
    url: Option<String>,
}

/// A text or Markdown article: optional YAML front matter, then the text (title = first line).
pub fn text_article(text: &str) -> Result<NewArticle, FrontMatterError> {
    let (front, body) = split_front_matter(text);
    let meta: FrontMatter = match front {
        Some(yaml) if !yaml.trim().is_empty() => serde_norway::from_str(yaml)
            .map_err(|e| FrontMatterError { line: e.location().map_or(1, |l| l.line() + 1), message: e.to_string() })?,
        _ => FrontMatter::default(),
    };
    let first = body.lines().find(|l| !l.trim().is_empty());
    let title =
        meta.title.or_else(|| first.map(|l| l.trim_start_matches('#').trim().to_string())).filter(|t| !t.is_empty());
    let date = match meta.date {
        None | Some(serde_norway::Value::Null) => None,
        Some(serde_norway::Value::String(s)) => Some(s),
        Some(other) => {
            return Err(FrontMatterError {
                line: 1,
                message: format!("`date` {other:?} is not a date: use YYYY-MM-DD"),
            })
        }
    };
    Ok(NewArticle { title, url: meta.url, published: date, source: meta.source, text: body.to_string() })
}

/// YAML front matter that does not parse; `line` counts from the file's first line.
#[derive(Debug, thiserror::Error)]
#[error("front matter, line {line}: {message}")]
pub struct FrontMatterError {
    pub line: usize,
    pub message: String,
}

/// (front matter, rest) when the text opens with a `---` line and a closing `---` or `...` follows.
fn split_front_matter(text: &str) -> (Option<&str>, &str) {
    let t = text.strip_prefix('\u{feff}').unwrap_or(text);
    let Some(rest) = t.strip_prefix("---\n").or_else(|| t.strip_prefix("---\r\n")) else {
        return (None, text);
    };
    let mut offset = 0;
    for line in rest.split_inclusive('\n') {
        let l = line.trim_end();
        if l == "---" || l == "..." {
            return (Some(&rest[..offset]), &rest[offset + line.len()..]);
        }
        offset += line.len();
    }
    (None, text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn front_matter_sets_metadata_and_title() {
        let a = text_article("---\ntitle: Shelling near Kharkiv\ndate: 2024-05-14\nsource: Wire\nurl: https://example.org/a\n---\nBody text.\n").unwrap();
        assert_eq!(a.title.as_deref(), Some("Shelling near Kharkiv"));
        assert_eq!(a.published.as_deref(), Some("2024-05-14"));
        assert_eq!(a.source.as_deref(), Some("Wire"));
        assert_eq!(a.url.as_deref(), Some("https://example.org/a"));
        assert_eq!(a.text, "Body text.\n");
    }

    #[test]
    fn no_front_matter_keeps_the_first_line_as_title() {
        let a = text_article("# Heading\n\nText.").unwrap();
        assert_eq!(a.title.as_deref(), Some("Heading"));
        assert_eq!(a.text, "# Heading\n\nText.");
        // a lone rule is not front matter
        assert_eq!(text_article("---\nno end").unwrap().text, "---\nno end");
    }

    #[test]
    fn bad_front_matter_names_the_line() {
        let e = text_article("---\ntitle: a\ndate: [2024\n---\nx").unwrap_err();
        assert!(e.line >= 2, "{e}");
    }

    #[test]
    fn jsonl_message_drops_serdes_line_one() {
        let e = serde_json::from_str::<NewArticle>("{\"text\": 3}").unwrap_err();
        let m = jsonl_message(&e);
        assert!(!m.contains("line 1"), "{m}");
        assert!(m.contains("column"), "{m}");
    }
}
