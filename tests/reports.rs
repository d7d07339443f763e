//! `GET /api/reports` (issue 14): the reports on the map grouped into events over real HTTP —
//! two differently worded reports of one strike become one event with both sources and a reason,
//! a protest in the same town on the same day stays its own event, and a bad parameter is a 400
//! naming it; an analyst's decisions (`POST /api/reports/link`) keep two reports apart or join
//! them, the newest winning. Runs on SQLite, and on PostgreSQL with `SITREP_TEST_BACKEND=postgres`.

mod common;

use reqwest::StatusCode;
use serde_json::{json, Value};

const TOKEN: &str = "reports-token";

#[test]
fn reports_of_one_event_are_one_event_with_every_source() {
    let s = common::start(Some(TOKEN), &["--no-samples"]);
    let c = common::client();
    let articles = json!([
        {"title": "Depot hit", "published": "2024-05-05", "source": "Wire A",
         "text": "Missiles struck a rail depot in Lozova overnight, wounding three workers, officials said."},
        {"title": "Strike on Lozova depot", "published": "2024-05-06", "source": "Wire B",
         "text": "A Russian missile attack damaged railway buildings in the town of Lozova, the regional governor said on Monday."},
        {"title": "Rally in Lozova", "published": "2024-05-05", "source": "Wire C",
         "text": "Hundreds of residents held a protest in Lozova demanding better shelters, organisers said."},
    ]);
    let r = c.post(format!("{}/api/articles", s.base)).bearer_auth(TOKEN).json(&articles).send().unwrap();
    assert!(r.status().is_success(), "{}", r.status());
    let v: Value = c.get(format!("{}/api/reports?bbox=35,48,38,51", s.base)).send().unwrap().json().unwrap();
    let events = v["events"].as_array().unwrap_or_else(|| panic!("{v}"));
    assert_eq!(v["articles_considered"], 3, "{v}");
    let mut counts: Vec<u64> = events.iter().map(|e| e["report_count"].as_u64().unwrap()).collect();
    counts.sort_unstable();
    assert_eq!(counts, [1, 2], "{v}");
    let strike = events.iter().find(|e| e["report_count"] == 2).unwrap();
    let sources: Vec<&str> =
        strike["reports"].as_array().unwrap().iter().map(|r| r["source"].as_str().unwrap()).collect();
    assert_eq!(sources, ["Wire A", "Wire B"], "{strike}");
    let why = strike["why"][0].as_str().unwrap();
    assert!(why.contains("Lozova") && why.contains("1 day apart"), "{why}");
    // outside the box: nothing
    let far: Value = c.get(format!("{}/api/reports?bbox=0,0,1,1", s.base)).send().unwrap().json().unwrap();
    assert_eq!(far["events"], json!([]));
    // an analyst keeps the two strike reports apart, then joins the rally to the first: the newest
    // decision on a pair wins, and the answer says an analyst joined them
    let ids: Vec<i64> =
        strike["reports"].as_array().unwrap().iter().map(|r| r["article_id"].as_i64().unwrap()).collect();
    let rally = events.iter().find(|e| e["report_count"] == 1).unwrap()["reports"][0]["article_id"].as_i64().unwrap();
    let link =
        |body: Value| c.post(format!("{}/api/reports/link", s.base)).bearer_auth(TOKEN).json(&body).send().unwrap();
    let r = c.post(format!("{}/api/reports/link", s.base)).json(&json!({})).send().unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    for (body, field) in [
        (json!({"a": ids[0], "b": ids[0], "decision": "apart", "author": "desk"}), "b"),
        (json!({"a": ids[0], "b": ids[1], "decision": "maybe", "author": "desk"}), "decision"),
        (json!({"a": ids[0], "b": ids[1], "decision": "apart", "author": ""}), "author"),
    ] {
        let r = link(body.clone());
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{body}");
        assert!(r.json::<Value>().unwrap()["message"].as_str().unwrap().contains(field), "{body}");
    }
    assert_eq!(
        link(json!({"a": ids[0], "b": 999_999, "decision": "apart", "author": "desk"})).status(),
        StatusCode::NOT_FOUND
    );
    let counts = |q: &str| {
        let v: Value = c.get(format!("{}/api/reports?bbox=35,48,38,51{q}", s.base)).send().unwrap().json().unwrap();
        let mut n: Vec<u64> =
            v["events"].as_array().unwrap().iter().map(|e| e["report_count"].as_u64().unwrap()).collect();
        n.sort_unstable();
        (n, v)
    };
    assert_eq!(link(json!({"a": ids[1], "b": ids[0], "decision": "apart", "author": "desk"})).status(), StatusCode::OK);
    assert_eq!(counts("").0, [1, 1, 1], "kept apart");
    assert_eq!(
        link(json!({"a": ids[0], "b": ids[1], "decision": "together", "author": "desk"})).status(),
        StatusCode::OK
    );
    assert_eq!(counts("").0, [1, 2], "the newest decision wins");
    assert_eq!(
        link(json!({"a": ids[0], "b": rally, "decision": "together", "author": "desk", "note": "same crowd"})).status(),
        StatusCode::OK
    );
    let (n, v) = counts("");
    assert_eq!(n, [3], "{v}");
    assert!(
        v["events"][0]["why"].as_array().unwrap().iter().any(|w| w.as_str().unwrap().contains("joined by an analyst")),
        "{v}"
    );
    for bad in ["limit=0", "colour=red", "bbox=1,2"] {
        let r = c.get(format!("{}/api/reports?{bad}", s.base)).send().unwrap();
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{bad}");
        let e: Value = r.json().unwrap();
        let name = bad.split('=').next().unwrap();
        assert!(e["message"].as_str().unwrap().contains(name), "{bad}: {e}");
    }
}
