//! Keeping the running map in step with the store: one path for every change to the index.
//!
//! Contract: [`publish`] adds incidents to the index and invalidates the cached tiles their
//! places may touch (each distinct place's [`Footprint`]: its bbox, narrowed by its coarse cover
//! for lines and areas; an items page touched keeps its features' JSON when its incidents are the
//! same, see `pages`); [`withdraw`]
//! removes incidents the same way. Both the HTTP ingest and delete and [`spawn_refresh`] go
//! through them. [`spawn_refresh`] watches the store for commits by other connections (SQLite's
//! `PRAGMA data_version`: `sitrep ingest` or another server writing into the same file;
//! PostgreSQL's notifications on `sitrep_changes`: another replica), then
//! - reads the mentions above the highest id it knows, builds their incidents (places and
//!   articles read once) and publishes them, announcing each new article on `/api/events`
//!   (event `ingest`);
//! - reads the change log of deletions (`deleted_mentions`) above the highest seq it has seen,
//!   withdraws those of its incidents, and announces each article removed (event `delete`).
//!
//! Its own writes come back through the same log too; what the index already holds (or no
//! longer holds) is skipped, so nothing is published or announced twice.

use super::{AppState, IngestEvent};
use crate::features;
use crate::index::cover::Footprint;
use crate::index::Incident;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// Inserts `incidents` and invalidates what they touch; returns the touched lon/lat bbox. Those
/// an analyst rejected go to the rejected set instead ([`AppState::rejected`]), off the map.
pub fn publish(st: &AppState, incidents: Vec<Incident>) -> Option<[f64; 4]> {
    let (rejected, incidents): (Vec<Incident>, Vec<Incident>) = incidents.into_iter().partition(features::is_rejected);
    if !rejected.is_empty() {
        st.rejected.insert(rejected);
    }
    let mut seen = HashSet::new();
    let fps: Vec<Footprint> = incidents
        .iter()
        .filter(|i| seen.insert(Arc::as_ptr(&i.place) as usize))
        .map(|i| Footprint::of(&i.place))
        .collect();
    let bbox = st.index.insert(incidents);
    if bbox.is_some() {
        invalidate(st, &fps);
    }
    bbox
}

/// Removes the incidents with these ids (from the map or the rejected set) and invalidates what
/// they covered.
pub fn withdraw(st: &AppState, ids: &[u64]) -> Option<[f64; 4]> {
    let rejected = st.rejected.snapshot();
    if ids.iter().any(|id| rejected.get(*id).is_some()) {
        st.rejected.remove(ids);
    }
    drop(rejected);
    let snap = st.index.snapshot();
    let mut seen = HashSet::new();
    let fps: Vec<Footprint> = ids
        .iter()
        .filter_map(|id| snap.get(*id))
        .filter(|i| seen.insert(Arc::as_ptr(&i.place) as usize))
        .map(|i| Footprint::of(&i.place))
        .collect();
    drop(snap);
    let bbox = st.index.remove(ids);
    if bbox.is_some() {
        invalidate(st, &fps);
    }
    bbox
}

fn invalidate(st: &AppState, fps: &[Footprint]) {
    let generation = st.index.snapshot().generation();
    st.incident_tiles.invalidate(fps, generation);
    st.item_pages.note_write(generation, fps);
}

/// Polls the store every `every` for other writers' commits (see the module contract).
/// `deletions_seen` is the change log's highest seq when the index was loaded.
/// `reviews_seen` is the highest review seq when the index was loaded.
pub fn spawn_refresh(state: Arc<AppState>, every: std::time::Duration, deletions_seen: i64, reviews_seen: i64) {
    let (mut deletions_seen, mut reviews_seen) = (deletions_seen, reviews_seen);
    let (map, rejected) = (state.index.snapshot(), state.rejected.snapshot());
    let mut watermark = map
        .iter()
        .chain(rejected.iter())
        .filter(|i| matches!(i.incident().props, crate::schema::Props::Mention(_)))
        .map(|i| i.incident().id as i64)
        .max()
        .unwrap_or(0);
    drop((map, rejected));
    std::thread::Builder::new()
        .name("sitrep-refresh".into())
        .spawn(move || {
            let mut version = None;
            loop {
                std::thread::sleep(every);
                if Arc::strong_count(&state) == 1 {
                    return; // the server is gone
                }
                match state.store.data_version() {
                    Ok(v) if Some(v) == version => continue,
                    Ok(v) => version = Some(v),
                    Err(e) => {
                        tracing::warn!("refresh: cannot read the store's change counter: {e}");
                        continue;
                    }
                }
                // additions first: a mention added and deleted meanwhile is then withdrawn below
                match refresh(&state, &mut watermark) {
                    Ok(0) => {}
                    Ok(n) => tracing::info!("refresh: {n} mentions written by another process added to the map"),
                    Err(e) => tracing::warn!("refresh: reading new rows failed: {e}"),
                }
                match catch_up_deletions(&state, &mut deletions_seen) {
                    Ok(0) => {}
                    Ok(n) => tracing::info!("refresh: {n} mentions deleted by another process removed from the map"),
                    Err(e) => tracing::warn!("refresh: reading the deletion log failed: {e}"),
                }
                match catch_up_reviews(&state, &mut reviews_seen) {
                    Ok(0) => {}
                    Ok(n) => tracing::info!("refresh: {n} incidents reviewed by another process redrawn"),
                    Err(e) => tracing::warn!("refresh: reading the reviews failed: {e}"),
                }
            }
        })
        .map(drop)
        .unwrap_or_else(|e| tracing::warn!("refresh: cannot start its thread: {e}"));
}

/// Reads the rows above `cursor` page by page (ascending by `key`) until a short page, moving
/// `cursor` past each page and handing it to `handle`; returns the sum of what `handle` counted.
fn drain<T>(
    cursor: &mut i64,
    fetch: impl Fn(i64, usize) -> Result<Vec<T>, crate::store::StoreError>,
    key: impl Fn(&T) -> i64,
    mut handle: impl FnMut(Vec<T>) -> Result<usize, crate::store::StoreError>,
) -> Result<usize, crate::store::StoreError> {
    const PAGE: usize = 20_000;
    let mut counted = 0;
    loop {
        let rows = fetch(*cursor, PAGE)?;
        let Some(last) = rows.last() else { return Ok(counted) };
        *cursor = key(last);
        let full = rows.len() == PAGE;
        counted += handle(rows)?;
        if !full {
            return Ok(counted);
        }
    }
}

/// Publishes every stored mention above `watermark` that the index does not hold yet.
fn refresh(st: &AppState, watermark: &mut i64) -> Result<usize, crate::store::StoreError> {
    drain(
        watermark,
        |after, n| st.store.mentions_after(after, n),
        |m| m.id,
        |rows| {
            let (snap, rejected) = (st.index.snapshot(), st.rejected.snapshot());
            let rows: Vec<_> = rows
                .into_iter()
                .filter(|m| snap.get(m.id as u64).is_none() && rejected.get(m.id as u64).is_none())
                .collect();
            drop((snap, rejected));
            let n = rows.len();
            if n > 0 {
                publish_rows(st, rows)?;
            }
            Ok(n)
        },
    )
}

/// Withdraws the incidents the change log of deletions lists above `seen`; announces each
/// article whose mentions left the map. Returns how many incidents were removed.
fn catch_up_deletions(st: &AppState, seen: &mut i64) -> Result<usize, crate::store::StoreError> {
    drain(
        seen,
        |after, n| st.store.deletions_after(after, n),
        |d| d.seq,
        |rows| {
            let (snap, rejected) = (st.index.snapshot(), st.rejected.snapshot());
            let rows: Vec<_> = rows
                .into_iter()
                .filter(|d| snap.get(d.mention_id as u64).is_some() || rejected.get(d.mention_id as u64).is_some())
                .collect();
            drop((snap, rejected));
            let mut per_article: Vec<(i64, Vec<u64>)> = Vec::new();
            for d in &rows {
                match per_article.last_mut() {
                    Some((a, ids)) if *a == d.article_id => ids.push(d.mention_id as u64),
                    _ => per_article.push((d.article_id, vec![d.mention_id as u64])),
                }
            }
            for (article_id, ids) in &per_article {
                let bbox = withdraw(st, ids);
                let _ = st.events.send(IngestEvent {
                    article_id: *article_id,
                    mentions: ids.len(),
                    bbox,
                    deleted: true,
                    reviewed: false,
                    generation: st.index.snapshot().generation(),
                });
            }
            Ok(rows.len())
        },
    )
}

/// Redraws the incidents of the reviews above `seen` that this index does not show yet (another
/// process's reviews; its own come back through the same log and are skipped). Returns how
/// many incidents were redrawn.
fn catch_up_reviews(st: &AppState, seen: &mut i64) -> Result<usize, crate::store::StoreError> {
    drain(
        seen,
        |after, n| st.store.reviews_after(after, n),
        |r| r.0,
        |rows| {
            let (snap, rejected) = (st.index.snapshot(), st.rejected.snapshot());
            let shown = |id: i64| {
                snap.get(id as u64).or_else(|| rejected.get(id as u64)).and_then(|i| match &i.props {
                    crate::schema::Props::Mention(m) => m.review.as_ref().map(|r| r.seq),
                    crate::schema::Props::Json(_) => None,
                })
            };
            let mut stale: Vec<(i64, i64)> =
                rows.iter().filter(|(seq, id, _)| shown(*id).is_none_or(|s| s < *seq)).map(|r| (r.1, r.2)).collect();
            drop((snap, rejected));
            stale.sort_unstable();
            stale.dedup();
            let n = stale.len();
            if n > 0 {
                redraw(st, &stale)?;
            }
            Ok(n)
        },
    )
}

/// Reads these mentions (id, article id) again from the store — with their current reviews —
/// and swaps their incidents on the map (or in the rejected set); announces each as a `review`
/// event. Returns the lon/lat bbox touched.
pub fn redraw(st: &AppState, mentions: &[(i64, i64)]) -> Result<Option<[f64; 4]>, crate::store::StoreError> {
    let mut by_article: std::collections::BTreeMap<i64, HashSet<i64>> = std::collections::BTreeMap::new();
    for (id, article) in mentions {
        by_article.entry(*article).or_default().insert(*id);
    }
    let mut rows = Vec::new();
    for (article, ids) in &by_article {
        rows.extend(st.store.mentions(Some(*article))?.into_iter().filter(|m| ids.contains(&m.id)));
    }
    let ids: Vec<u64> = mentions.iter().map(|m| m.0 as u64).collect();
    let before = withdraw(st, &ids);
    let (incidents, _) = build(st, rows)?;
    let after = publish(st, incidents);
    let bbox = match (before, after) {
        (Some(a), Some(b)) => Some([a[0].min(b[0]), a[1].min(b[1]), a[2].max(b[2]), a[3].max(b[3])]),
        (a, b) => a.or(b),
    };
    for (article_id, ids) in &by_article {
        let _ = st.events.send(IngestEvent {
            article_id: *article_id,
            mentions: ids.len(),
            bbox,
            deleted: false,
            reviewed: true,
            generation: st.index.snapshot().generation(),
        });
    }
    Ok(bbox)
}

/// The incidents of stored mentions (their places and articles read once, the places of
/// corrections too), and how many each article has, in order.
fn build(
    st: &AppState,
    rows: Vec<crate::store::StoredMention>,
) -> Result<(Vec<Incident>, Vec<(i64, usize)>), crate::store::StoreError> {
    let mut article_ids: Vec<i64> = rows.iter().map(|m| m.article_id).collect();
    article_ids.sort_unstable();
    article_ids.dedup();
    let articles: HashMap<i64, Arc<crate::schema::ArticleMeta>> =
        st.store.article_metas_in(&article_ids)?.into_iter().map(|a| (a.id, Arc::new(a))).collect();
    let corrections = rows.iter().filter_map(|m| m.review.as_ref()?.place_id.as_deref());
    let mut unknown: Vec<&str> = rows
        .iter()
        .map(|m| m.place_id.as_str())
        .chain(corrections)
        .filter(|id| st.index.known_place(id).is_none())
        .collect();
    unknown.sort_unstable();
    unknown.dedup();
    let fresh: Vec<Arc<crate::index::Place>> =
        st.store.places_in(&unknown)?.into_iter().map(|p| Arc::new(features::stored_place(p))).collect();
    st.index.add_places(fresh);
    let mut per_article: Vec<(i64, usize)> = Vec::new();
    let mut incidents = Vec::with_capacity(rows.len());
    for m in &rows {
        let (Some(place), Some(article)) = (st.index.known_place(&m.place_id), articles.get(&m.article_id)) else {
            tracing::warn!("mention {} refers to a missing place or article; left out of the map", m.id);
            continue;
        };
        match per_article.last_mut() {
            Some((a, n)) if *a == m.article_id => *n += 1,
            _ => per_article.push((m.article_id, 1)),
        }
        incidents.push(features::incident(m, place, article, |id| st.index.known_place(id)));
    }
    Ok((incidents, per_article))
}

fn publish_rows(st: &AppState, rows: Vec<crate::store::StoredMention>) -> Result<(), crate::store::StoreError> {
    let (incidents, per_article) = build(st, rows)?;
    let bbox = publish(st, incidents);
    for (article_id, mentions) in per_article {
        let _ = st.events.send(IngestEvent {
            article_id,
            mentions,
            bbox,
            deleted: false,
            reviewed: false,
            generation: st.index.snapshot().generation(),
        });
    }
    Ok(())
}
