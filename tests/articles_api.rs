//! The articles resource on the real server: JSONL and text/plain bodies, listing with filters
//! and pages, one article with its mentions, and DELETE taking its incidents out of the items and
//! tiles at once.

mod common;

use reqwest::StatusCode;
use serde_json::Value;

const TOKEN: &str = "articles-token";

#[test]
fn list_read_and_delete_articles() {
    let server = common::start(Some(TOKEN), &["--no-samples"]);
    let base = &server.base;
    let c = common::client();
    let post = |ctype: &str, query: &str, body: &str| {
        let r = c
            .post(format!("{base}/api/articles{query}"))
            .bearer_auth(TOKEN)
            .header("Content-Type", ctype)
            .body(body.to_string())
            .send()
            .unwrap();
        let s = r.status();
        (s, r.json::<Value>().unwrap())
    };
    // JSONL: one article a line
    let jsonl = concat!(
        "{\"title\": \"Kapan\", \"published\": \"2023-09-20\", \"source\": \"Wire\", \"text\": \"Clashes near Kapan in Syunik Province, Armenia.\"}\n",
        "\n",
        "{\"title\": \"Izium\", \"published\": \"2022-09-11\", \"source\": \"Desk\", \"text\": \"Troops entered Izium in Kharkiv Oblast.\"}\n"
    );
    let (s, v) = post("application/x-ndjson", "", jsonl);
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["articles"].as_array().unwrap().len(), 2);
    // a bad JSONL line is named, nothing stored
    let (s, v) = post("application/x-ndjson", "", "{\"text\": \"Goris\"}\n{\"text\": \n");
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    assert!(v["message"].as_str().unwrap().contains("line 2"), "{v}");
    // text/plain: the text of one article, metadata from the query
    let (s, v) = post(
        "text/plain; charset=utf-8",
        "?published=2023-09-25&source=Wire&url=https://example.org/goris",
        "Refugees reach Goris\nThousands of refugees arrived in Goris, Armenia, on Monday.",
    );
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let goris_id = v["articles"][0]["id"].as_i64().unwrap();
    let (s, v) = post("text/plain", "?colour=red", "Shelling near Kherson.");
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    // with a JSON or JSONL body a query parameter is refused, not ignored
    for ctype in ["application/json", "application/x-ndjson"] {
        let (s, v) = post(ctype, "?title=Kherson", "{\"text\": \"Shelling near Kherson.\"}");
        assert_eq!(s, StatusCode::BAD_REQUEST, "{ctype}: {v}");
        assert!(v["message"].as_str().unwrap().contains("`title`"), "{v}");
    }

    let get = |url: String| -> (StatusCode, Value) {
        let r = c.get(url).send().unwrap();
        (r.status(), r.json().unwrap())
    };
    let (s, all) = get(format!("{base}/api/articles"));
    assert_eq!(s, StatusCode::OK);
    assert_eq!(all["total"], 3);
    assert_eq!(all["articles"][0]["id"], goris_id, "newest first");
    assert_eq!(all["articles"][0]["title"], "Refugees reach Goris");
    let (_, wire) = get(format!("{base}/api/articles?source=Wire"));
    assert_eq!(wire["total"], 2);
    let (_, dated) = get(format!("{base}/api/articles?from=2023-01-01&to=2023-09-22"));
    assert_eq!(dated["total"], 1);
    assert_eq!(dated["articles"][0]["title"], "Kapan");
    let (_, page) = get(format!("{base}/api/articles?limit=2"));
    assert_eq!(page["articles"].as_array().unwrap().len(), 2);
    assert_eq!(page["next_offset"], 2);
    let (_, page2) = get(format!("{base}/api/articles?limit=2&offset=2"));
    assert_eq!(page2["articles"].as_array().unwrap().len(), 1);
    assert!(page2["next_offset"].is_null());
    let (s, v) = get(format!("{base}/api/articles?from=yesterday"));
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    let (s, _) = get(format!("{base}/api/articles?sort=title"));
    assert_eq!(s, StatusCode::BAD_REQUEST);

    // one article with its mentions
    let (s, one) = get(format!("{base}/api/articles/{goris_id}"));
    assert_eq!(s, StatusCode::OK);
    assert!(one["text"].as_str().unwrap().contains("Thousands of refugees"));
    assert_eq!(one["url"], "https://example.org/goris");
    let mentions = one["mentions"]["features"].as_array().unwrap();
    assert!(mentions.iter().any(|f| f["properties"]["place_id"] == "geonames:174895"), "{one}");
    let (s, _) = get(format!("{base}/api/articles/999999"));
    assert_eq!(s, StatusCode::NOT_FOUND);

    // DELETE needs the token, then takes the incidents out of the items at once
    let items = || -> usize {
        let v: Value = c
            .get(format!("{base}/collections/incidents/items?bbox=46.2,39.4,46.5,39.6&limit=1000"))
            .send()
            .unwrap()
            .json()
            .unwrap();
        v["features"].as_array().unwrap().iter().filter(|f| f["properties"]["article_id"] == goris_id).count()
    };
    assert!(items() > 0, "Goris is on the map");
    let r = c.delete(format!("{base}/api/articles/{goris_id}")).send().unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let r = c.delete(format!("{base}/api/articles/{goris_id}")).bearer_auth(TOKEN).send().unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let v: Value = r.json().unwrap();
    assert!(v["mentions_removed"].as_u64().unwrap() >= 1, "{v}");
    assert_eq!(items(), 0, "the deleted article's incidents are gone from the items");
    let (s, _) = get(format!("{base}/api/articles/{goris_id}"));
    assert_eq!(s, StatusCode::NOT_FOUND);
    let r = c.delete(format!("{base}/api/articles/{goris_id}")).bearer_auth(TOKEN).send().unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let h: Value = c.get(format!("{base}/health")).send().unwrap().json().unwrap();
    assert_eq!(h["articles"], 2);
}
