//! Articles from web pages and news feeds (bytes from a file or from [`crate::fetch`]).
//!
//! Contract: [`decode_html`] turns a page's bytes into text by the charset it declares (BOM,
//! `<meta charset>`, `http-equiv` Content-Type; UTF-8 otherwise, through encoding_rs);
//! [`decode_html_with`] puts the HTTP Content-Type's charset between the BOM and the page's own;
//! [`html_article`] extracts the article of a page with `dom_smoothie` (Mozilla Readability's
//! algorithm: navigation, comments, footers and scripts left out) and takes the title, published
//! date and canonical URL (`<link rel=canonical>`, `og:url`, JSON-LD) from its metadata;
//! [`feed_articles`] reads RSS 2.0 / RSS 1.0 / Atom / JSON Feed with `feed-rs`, one article per
//! item (its content, else its summary, as text; its link as URL; the feed's title as source).
//! Items with no text are reported, not stored.

/// Why a page or feed gave no article.
#[derive(Debug, thiserror::Error)]
pub enum PageError {
    #[error("no article text found in the page")]
    NoArticle,
    #[error("not a feed: {0}")]
    Feed(String),
}

/// The page's text, decoded by the charset it declares.
pub fn decode_html(bytes: &[u8]) -> String {
    decode_html_with(bytes, None)
}

/// The page's text, decoded by its BOM, else `http_charset` (the Content-Type header's
/// `charset`, when encoding_rs knows the label), else the charset the page declares.
pub fn decode_html_with(bytes: &[u8], http_charset: Option<&str>) -> String {
    if let Some((enc, bom)) = encoding_rs::Encoding::for_bom(bytes) {
        return enc.decode_without_bom_handling(&bytes[bom..]).0.into_owned();
    }
    if let Some(enc) = http_charset.and_then(|c| encoding_rs::Encoding::for_label(c.trim().as_bytes())) {
        return enc.decode_without_bom_handling(bytes).0.into_owned();
    }
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(4096)]).to_ascii_lowercase();
    let declared = head.find("charset").and_then(|i| {
        let rest = head[i + "charset".len()..].trim_start().strip_prefix('=')?.trim_start();
        let rest = rest.trim_start_matches(['"', '\'']);
        let end = rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_')).unwrap_or(rest.len());
        encoding_rs::Encoding::for_label(&rest.as_bytes()[..end])
    });
    declared.unwrap_or(encoding_rs::UTF_8).decode_without_bom_handling(bytes).0.into_owned()
}

/// The article of an HTML page (see the module contract); `url` is where it came from, if known.
pub fn html_article(html: &str, url: Option<&str>) -> Result<crate::store::NewArticle, PageError> {
    let doc = dom_query::Document::from(html);
    let canonical = doc
        .select("link[rel=canonical]")
        .attr("href")
        .or_else(|| doc.select("meta[property='og:url']").attr("content"))
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty());
    let cfg = dom_smoothie::Config { text_mode: dom_smoothie::TextMode::Formatted, ..Default::default() };
    let mut r = dom_smoothie::Readability::new(html, url, Some(cfg)).map_err(|_| PageError::NoArticle)?;
    let a = r.parse().map_err(|_| PageError::NoArticle)?;
    let text = tidy(&a.text_content);
    if text.is_empty() {
        return Err(PageError::NoArticle);
    }
    let title = Some(a.title.trim().to_string()).filter(|t| !t.is_empty());
    let published = a.published_time.as_deref().and_then(date_of);
    Ok(crate::store::NewArticle {
        title,
        url: canonical.or(a.url).or_else(|| url.map(str::to_string)),
        published,
        source: a.site_name.filter(|s| !s.trim().is_empty()),
        text,
    })
}

/// The YYYY-MM-DD of a date-time string when it starts with a real date.
fn date_of(s: &str) -> Option<String> {
    let d = s.trim().get(..10)?;
    crate::features::date_to_unix(d).map(|_| d.to_string())
}

/// Text with runs of blank lines and trailing spaces removed.
fn tidy(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut blank = 0;
    for line in text.lines().map(str::trim_end) {
        if line.trim().is_empty() {
            blank += 1;
            continue;
        }
        if !out.is_empty() {
            out.push_str(if blank > 0 { "\n\n" } else { "\n" });
        }
        blank = 0;
        out.push_str(line.trim_start());
    }
    out
}

/// Plain text of an HTML fragment (a feed item's content or summary).
fn fragment_text(html: &str) -> String {
    if !html.contains('<') && !html.contains('&') {
        return tidy(html);
    }
    let doc = dom_query::Document::from(html);
    doc.select("script, style, noscript").remove();
    tidy(&doc.select("body").formatted_text())
}

/// One item of a feed as an article, or why it is not one; `origin` names the item.
pub struct FeedItem {
    pub origin: String,
    /// The item's link (the page it summarises), also the article's URL when there is one.
    pub link: Option<String>,
    /// What the item says, its text possibly empty (what following the link starts from).
    pub known: crate::store::NewArticle,
    pub article: Result<crate::store::NewArticle, String>,
}

/// The items of a feed document (see the module contract).
pub fn feed_articles(bytes: &[u8]) -> Result<Vec<FeedItem>, PageError> {
    let feed = feed_rs::parser::parse(bytes).map_err(|e| PageError::Feed(e.to_string()))?;
    let source = feed.title.as_ref().map(|t| fragment_text(&t.content)).filter(|t| !t.is_empty());
    Ok(feed
        .entries
        .into_iter()
        .enumerate()
        .map(|(i, e)| {
            let title = e.title.as_ref().map(|t| fragment_text(&t.content)).filter(|t| !t.is_empty());
            let url = e
                .links
                .iter()
                .find(|l| l.rel.as_deref().is_none_or(|r| r == "alternate"))
                .or(e.links.first())
                .map(|l| l.href.clone());
            let origin = format!("item {} ({})", i + 1, title.as_deref().or(url.as_deref()).unwrap_or(&e.id));
            let body = e
                .content
                .as_ref()
                .and_then(|c| c.body.as_deref())
                .map(fragment_text)
                .filter(|t| !t.is_empty())
                .or_else(|| e.summary.as_ref().map(|s| fragment_text(&s.content)).filter(|t| !t.is_empty()));
            let published = e.published.or(e.updated).map(|d| d.format("%Y-%m-%d").to_string());
            let known = crate::store::NewArticle {
                title,
                url: url.clone(),
                published,
                source: source.clone(),
                text: body.clone().unwrap_or_default(),
            };
            let article = match body {
                Some(_) => Ok(known.clone()),
                None => Err("the item has no text (content or summary)".to_string()),
            };
            FeedItem { origin, link: url, known, article }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declared_charset_decodes() {
        let (bytes, _, _) = encoding_rs::WINDOWS_1251.encode("<meta charset=\"windows-1251\"><p>Харків</p>");
        assert!(decode_html(&bytes).contains("Харків"));
        assert!(decode_html("<p>Kyiv — Київ</p>".as_bytes()).contains("Київ"));
    }
}
