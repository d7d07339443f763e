//! Where an installed or checked-out `sitrep` finds its data (gazetteer, conflict layer, sample
//! articles) and the web map's files.
//!
//! Contract: [`data_dir`] and [`static_dir`] return the first directory of a documented search
//! order that holds the expected file; when none does, [`NotFound`] lists every place looked at.
//! A directory given explicitly (flag, config file or environment variable) is the only one
//! tried: a wrong explicit path is an error, never silently replaced by another.
//!
//! Search order, after the explicit directory:
//! 1. beside the executable: `<bin>/data` (`<bin>/static`), then `<bin>/../share/sitrep/data`
//!    (`…/static`) — the layout `scripts/install.sh PREFIX` makes;
//! 2. the XDG data directories: `$XDG_DATA_HOME/sitrep/data` (default `~/.local/share`), then each
//!    of `$XDG_DATA_DIRS` (default `/usr/local/share:/usr/share`) + `/sitrep/data`;
//! 3. `./data` (`./static`) in the current directory (running from a checkout);
//! 4. the source checkout this binary was built from, if it is still there.

use std::path::{Path, PathBuf};

/// No directory of the search order holds what was looked for.
#[derive(Debug, thiserror::Error)]
#[error("cannot find the {what} directory (a directory holding {marker}); looked in: {}. Give it with {hint}", list(.tried))]
pub struct NotFound {
    pub what: &'static str,
    pub marker: &'static str,
    pub hint: &'static str,
    pub tried: Vec<PathBuf>,
}

fn list(tried: &[PathBuf]) -> String {
    tried.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
}

/// The data directory: holds `gazetteer/` (and `conflict/`, `articles/`).
pub fn data_dir(explicit: Option<&Path>) -> Result<PathBuf, NotFound> {
    find(explicit, "data", "gazetteer", "--data DIR or SITREP_DATA=DIR", |d| d.join("gazetteer").is_dir())
}

/// The web map's directory: holds `index.html`.
pub fn static_dir(explicit: Option<&Path>) -> Result<PathBuf, NotFound> {
    find(explicit, "static", "index.html", "--static-dir DIR or SITREP_STATIC=DIR", |d| d.join("index.html").is_file())
}

/// The candidate directories for `name` (`data` or `static`) after an explicit one, in order.
pub fn candidates(name: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Some(bin) = std::env::current_exe().ok().and_then(|e| e.canonicalize().ok()) {
        if let Some(dir) = bin.parent() {
            out.push(dir.join(name));
            if let Some(prefix) = dir.parent() {
                out.push(prefix.join("share").join("sitrep").join(name));
            }
        }
    }
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let data_home = std::env::var_os("XDG_DATA_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| home.map(|h| h.join(".local").join("share")));
    if let Some(h) = data_home {
        out.push(h.join("sitrep").join(name));
    }
    let dirs = std::env::var("XDG_DATA_DIRS").ok().filter(|s| !s.is_empty());
    for d in dirs.as_deref().unwrap_or("/usr/local/share:/usr/share").split(':') {
        if Path::new(d).is_absolute() {
            out.push(Path::new(d).join("sitrep").join(name));
        }
    }
    out.push(PathBuf::from(name));
    out.push(Path::new(env!("CARGO_MANIFEST_DIR")).join(name));
    out.dedup();
    out
}

fn find(
    explicit: Option<&Path>,
    what: &'static str,
    marker: &'static str,
    hint: &'static str,
    ok: impl Fn(&Path) -> bool,
) -> Result<PathBuf, NotFound> {
    let tried = match explicit {
        Some(p) => vec![p.to_path_buf()],
        None => candidates(what),
    };
    match tried.iter().find(|d| ok(d)) {
        Some(d) => {
            let shown = d.canonicalize().unwrap_or_else(|_| d.clone());
            tracing::debug!(target: "sitrep::paths", "{what} directory: {}", shown.display());
            Ok(d.clone())
        }
        None => Err(NotFound { what, marker, hint, tried }),
    }
}
