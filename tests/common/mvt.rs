//! MVT decoding and the strict checks of `../shared/tools/mvt_check.py`, in Rust, for tests.
#![allow(dead_code)]

use fast_mvt::MvtReaderRef;
use geo_types::Geometry;
use std::collections::{BTreeMap, HashSet};

fn zz(v: u32) -> i32 {
    ((v >> 1) as i32) ^ -((v & 1) as i32)
}

pub fn area2(r: &[(i64, i64)]) -> i64 {
    let n = r.len();
    (0..n).map(|i| r[i].0 * r[(i + 1) % n].1 - r[(i + 1) % n].0 * r[i].1).sum()
}

/// The strict checks of ../shared/tools/mvt_check.py, on the raw command stream. Returns problems.
pub fn strict_check(bytes: &[u8]) -> Vec<String> {
    let mut problems = Vec::new();
    if bytes.is_empty() {
        return problems;
    }
    let reader = MvtReaderRef::new(bytes).expect("decodable tile");
    for layer in reader.layers() {
        assert_eq!(layer.extent(), 4096);
        assert_eq!(layer.version(), 2);
        for f in layer.features() {
            let gt = f.geom_type_value().unwrap_or(0);
            let tags = f.tags();
            if tags.len() % 2 == 1 {
                problems.push("odd tags".into());
            }
            let keys: Vec<u32> = tags.chunks(2).map(|c| c[0]).collect();
            if keys.len() != keys.iter().collect::<HashSet<_>>().len() {
                problems.push("duplicate keys".into());
            }
            let g = f.geometry_commands();
            let (mut i, mut cx, mut cy) = (0usize, 0i64, 0i64);
            let mut parts: Vec<Vec<(i64, i64)>> = Vec::new();
            let mut moves = 0;
            while i < g.len() {
                let (cmd, cnt) = (g[i] & 7, (g[i] >> 3) as usize);
                i += 1;
                match cmd {
                    1 => {
                        if gt != 1 && cnt != 1 {
                            problems.push("MoveTo count != 1".into());
                        }
                        moves += 1;
                        if gt == 1 && moves > 1 {
                            problems.push("more than one MoveTo in POINT".into());
                        }
                        for _ in 0..cnt {
                            cx += i64::from(zz(g[i]));
                            cy += i64::from(zz(g[i + 1]));
                            i += 2;
                            if gt == 1 {
                                if parts.is_empty() {
                                    parts.push(Vec::new());
                                }
                                parts[0].push((cx, cy));
                            } else {
                                parts.push(vec![(cx, cy)]);
                            }
                        }
                    }
                    2 => {
                        if cnt == 0 || (gt == 3 && cnt < 2) {
                            problems.push(format!("LineTo count {cnt}"));
                        }
                        for _ in 0..cnt {
                            let (dx, dy) = (zz(g[i]), zz(g[i + 1]));
                            i += 2;
                            if dx == 0 && dy == 0 {
                                problems.push("zero-length LineTo".into());
                            }
                            cx += i64::from(dx);
                            cy += i64::from(dy);
                            parts.last_mut().unwrap().push((cx, cy));
                        }
                    }
                    7 => {
                        if gt != 3 {
                            problems.push("ClosePath outside polygon".into());
                        }
                        let r = parts.last().unwrap();
                        if r.len() > 1 && r.first() == r.last() {
                            problems.push("ring repeats first point".into());
                        }
                    }
                    c => problems.push(format!("unknown command {c}")),
                }
            }
            for p in &parts {
                if p.iter().any(|&(x, y)| !(-64..=4160).contains(&x) || !(-64..=4160).contains(&y)) {
                    problems.push("coordinate outside extent+buffer".into());
                }
                if gt == 2 && p.len() < 2 {
                    problems.push("line part without LineTo".into());
                }
            }
            if gt == 3 {
                if let Some(first) = parts.first() {
                    if area2(first) <= 0 {
                        problems.push(format!("first ring area {} <= 0", area2(first)));
                    }
                }
                if parts.iter().any(|r| area2(r) == 0) {
                    problems.push("zero-area ring".into());
                }
            }
        }
    }
    problems
}

pub type Decoded = BTreeMap<String, Vec<(Option<u64>, Geometry<i32>, BTreeMap<String, String>)>>;

pub fn decode(bytes: &[u8]) -> Decoded {
    let mut out = Decoded::new();
    if bytes.is_empty() {
        return out;
    }
    let reader = MvtReaderRef::new(bytes).unwrap();
    for layer in reader.layers() {
        let v = out.entry(layer.name().to_string()).or_default();
        for f in layer.features() {
            let props = f.properties().map(|p| p.unwrap()).map(|(k, v)| (k.to_string(), format!("{v:?}"))).collect();
            v.push((f.id(), f.geometry().unwrap(), props));
        }
    }
    out
}
