//! The command line as a user meets it: `sitrep ingest` on good and bad inputs (real files, real
//! SQLite), an installed copy run from an unrelated directory, the configuration file, the logs.

mod common;

use rusqlite::Connection;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn sitrep(dir: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_sitrep"));
    c.current_dir(dir).env("SITREP_DATA", Path::new(env!("CARGO_MANIFEST_DIR")).join("data"));
    for v in ["SITREP_DB", "SITREP_CONFIG", "SITREP_LOG", "SITREP_LOG_FORMAT", "SITREP_TOKEN", "SITREP_STATIC"] {
        c.env_remove(v);
    }
    c
}

fn text(o: &Output) -> (String, String) {
    (String::from_utf8_lossy(&o.stdout).into_owned(), String::from_utf8_lossy(&o.stderr).into_owned())
}

fn articles(db: &Path) -> Vec<(Option<String>, Option<String>, Option<String>, Option<String>)> {
    let c = Connection::open(db).unwrap();
    let mut s = c.prepare("SELECT title, published, source, url FROM articles ORDER BY id").unwrap();
    s.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))).unwrap().map(Result::unwrap).collect()
}

#[test]
fn ingest_names_every_skipped_input_and_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("empty.txt"), "").unwrap();
    std::fs::write(d.join("a.jsonl"), "{\"text\": \"Shelling hit Kharkiv overnight.\"}\n\n{\"text\": 3}\n").unwrap();
    std::fs::write(d.join("b.md"), "---\ntitle: Refugees in Goris\ndate: 2023-09-25\nsource: Wire\nurl: https://example.org/goris\n---\nThousands of refugees arrived in Goris, Armenia.\n").unwrap();
    std::fs::write(d.join("feed.bin"), "x").unwrap();
    let o = sitrep(d)
        .args(["ingest", "--db", "s.db", "empty.txt", "missing.txt", "a.jsonl", "b.md", "feed.bin"])
        .output()
        .unwrap();
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}\n{err}");
    assert!(err.contains("empty.txt: `text` is empty"), "{err}");
    assert!(err.contains("missing.txt: No such file"), "{err}");
    // the JSONL error names the file's line (3), not serde's line 1
    assert!(err.contains("a.jsonl:3: invalid type"), "{err}");
    assert!(!err.contains("line 1 column"), "{err}");
    assert!(err.contains("feed.bin: unknown file type"), "{err}");
    assert!(out.contains("articles stored: 2") && out.contains("skipped: 4"), "{out}");
    let stored = articles(&d.join("s.db"));
    assert_eq!(stored.len(), 2);
    assert_eq!(
        stored[1],
        (
            Some("Refugees in Goris".into()),
            Some("2023-09-25".into()),
            Some("Wire".into()),
            Some("https://example.org/goris".into())
        )
    );
    // all good inputs again: nothing new, exit 0
    let o = sitrep(d).args(["ingest", "--db", "s.db", "a.jsonl", "b.md"]).output().unwrap();
    // a.jsonl line 3 is still bad
    assert_eq!(o.status.code(), Some(1));
    let o = sitrep(d).args(["ingest", "--db", "s.db", "b.md"]).output().unwrap();
    assert!(o.status.success(), "{:?}", text(&o));
    assert!(text(&o).0.contains("already stored: 1"));
}

#[test]
fn ingest_reads_stdin_with_metadata_flags() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = sitrep(dir.path())
        .args(["ingest", "--db", "s.db", "--date", "2024-01-02", "--source", "Desk", "--url", "https://example.org/r"])
        .args(["--title", "Rafah brief", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child.stdin.take().unwrap().write_all(b"Troops moved into Rafah on Tuesday.\n").unwrap();
    let o = child.wait_with_output().unwrap();
    assert!(o.status.success(), "{:?}", text(&o));
    assert_eq!(
        articles(&dir.path().join("s.db")),
        vec![(
            Some("Rafah brief".into()),
            Some("2024-01-02".into()),
            Some("Desk".into()),
            Some("https://example.org/r".into())
        )]
    );
    // a bad --date is refused before anything is read or created
    let o = sitrep(dir.path()).args(["ingest", "--db", "t.db", "--date", "2024-02-31", "-"]).output().unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).1.contains("--date \"2024-02-31\" is not a date"), "{:?}", text(&o));
    assert!(!dir.path().join("t.db").exists());
}

#[test]
fn a_failed_ingest_leaves_no_empty_database() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("empty.txt"), "  \n").unwrap();
    let o = sitrep(dir.path()).args(["ingest", "--db", "new.db", "empty.txt", "missing.json"]).output().unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(!dir.path().join("new.db").exists(), "a failed run left a database behind");
    // a data directory that does not exist: clear error, no database
    let o = sitrep(dir.path())
        .args(["ingest", "--db", "new.db", "--data", "/nonexistent/sitrep-data", "-"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    // nothing on stdin: nothing to do, nothing created
    assert!(!dir.path().join("new.db").exists());
    drop(o);
    std::fs::write(dir.path().join("ok.txt"), "Fighting near Kapan, Armenia.").unwrap();
    let o = sitrep(dir.path())
        .args(["ingest", "--db", "new.db", "--data", "/nonexistent/sitrep-data", "ok.txt"])
        .output()
        .unwrap();
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(1));
    assert!(err.contains("cannot find the data directory") && err.contains("/nonexistent/sitrep-data"), "{err}");
    assert!(!dir.path().join("new.db").exists());
}

/// Copies a directory tree (as an install would).
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_tree(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).unwrap();
        }
    }
}

/// The layout `scripts/install.sh PREFIX` makes: PREFIX/bin/sitrep, PREFIX/share/sitrep/{data,static}.
fn install(prefix: &Path) -> PathBuf {
    let src = Path::new(env!("CARGO_MANIFEST_DIR"));
    std::fs::create_dir_all(prefix.join("bin")).unwrap();
    let bin = prefix.join("bin/sitrep");
    std::fs::copy(env!("CARGO_BIN_EXE_sitrep"), &bin).unwrap();
    copy_tree(&src.join("data"), &prefix.join("share/sitrep/data"));
    copy_tree(&src.join("static"), &prefix.join("share/sitrep/static"));
    bin
}

#[test]
fn an_installed_copy_serves_the_map_from_an_unrelated_directory() {
    let prefix = tempfile::tempdir().unwrap();
    let bin = install(prefix.path());
    // a marker in the installed page shows that the install's copy is the one served
    let index = prefix.path().join("share/sitrep/static/index.html");
    let page = std::fs::read_to_string(&index).unwrap() + "\n<!-- installed copy -->\n";
    std::fs::write(&index, page).unwrap();
    let work = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(&bin);
    // port 0: the server names the port it holds on stderr (a port picked here could be taken
    // by another test's listener before the server binds it)
    cmd.current_dir(work.path()).args(["serve", "--no-samples", "--addr", "127.0.0.1:0"]);
    for v in ["SITREP_DATA", "SITREP_STATIC", "SITREP_DB", "SITREP_CONFIG", "SITREP_TOKEN"] {
        cmd.env_remove(v);
    }
    // the XDG directories point nowhere, so only the install beside the binary can be found
    // (the build's checkout is the last fallback: the test checks which one was used)
    cmd.env("XDG_DATA_HOME", work.path().join("xdg")).env("XDG_DATA_DIRS", work.path().join("xdg2"));
    cmd.env("SITREP_LOG", "sitrep::paths=debug,sitrep::request=info,warn");
    let mut child = cmd.stdout(Stdio::null()).stderr(Stdio::piped()).spawn().unwrap();
    struct Kill(std::process::Child);
    impl Drop for Kill {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let stderr = child.stderr.take().unwrap();
    let _guard = Kill(child);
    let lines = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    {
        let lines = lines.clone();
        std::thread::spawn(move || {
            use std::io::BufRead;
            for l in std::io::BufReader::new(stderr).lines().map_while(Result::ok) {
                lines.lock().unwrap().push_str(&(l + "\n"));
            }
        });
    }
    let c = common::client();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    let base = loop {
        let log = lines.lock().unwrap().clone();
        if let Some((_, rest)) = log.split_once("serving http://") {
            break format!("http://{}", rest.split('/').next().unwrap());
        }
        assert!(std::time::Instant::now() < deadline, "the server named no address: {log}");
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    loop {
        if c.get(format!("{base}/health")).send().is_ok_and(|r| r.status().is_success()) {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "no /health: {}", lines.lock().unwrap());
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    let page = c.get(format!("{base}/")).header("Accept", "text/html").send().unwrap();
    assert!(page.status().is_success());
    let page = page.text().unwrap();
    assert!(page.contains("<html") && page.contains("<!-- installed copy -->"), "the installed web map is served");
    let style = c.get(format!("{base}/style.json")).send().unwrap();
    assert!(style.status().is_success());
    // the database was created in the working directory, the data read from the install
    assert!(work.path().join("sitrep.db").exists());
    std::thread::sleep(std::time::Duration::from_millis(200));
    let log = lines.lock().unwrap().clone();
    // the request log: method, path, status, bytes, ms
    let logged = log.lines().any(|l| {
        l.contains("sitrep::request")
            && l.contains("method=GET")
            && l.contains("path=/style.json")
            && l.contains("status=200")
            && l.contains("bytes=")
            && l.contains("ms=")
            && l.contains("complete=true")
    });
    assert!(logged, "no request log line for /style.json: {log}");
    assert!(!log.contains('\u{1b}'), "colour codes in a piped log");
    let share = prefix.path().canonicalize().unwrap().join("share/sitrep");
    assert!(log.contains(&share.join("data").display().to_string()), "data not from the install: {log}");
    assert!(log.contains(&share.join("static").display().to_string()), "static not from the install: {log}");
}

#[test]
fn a_missing_data_directory_lists_where_it_looked() {
    let work = tempfile::tempdir().unwrap();
    let o = sitrep(work.path()).env_remove("SITREP_DATA").args(["serve", "--data", "nowhere"]).output().unwrap();
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        err.contains("cannot find the data directory") && err.contains("nowhere") && err.contains("--data"),
        "{err}"
    );
    assert!(!work.path().join("sitrep.db").exists());
}

#[test]
fn the_config_file_sets_flags_and_the_command_line_wins() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("a.txt"), "Shelling was reported near Izium.").unwrap();
    std::fs::write(d.join("sitrep.toml"), "db = \"from-config.db\"\n[ingest]\nsource = \"Config desk\"\n").unwrap();
    let o = sitrep(d).args(["ingest", "a.txt"]).output().unwrap();
    assert!(o.status.success(), "{:?}", text(&o));
    assert_eq!(articles(&d.join("from-config.db"))[0].2.as_deref(), Some("Config desk"));
    let o = sitrep(d).args(["ingest", "--db", "cli.db", "--source", "CLI desk", "a.txt"]).output().unwrap();
    assert!(o.status.success(), "{:?}", text(&o));
    assert_eq!(articles(&d.join("cli.db"))[0].2.as_deref(), Some("CLI desk"));
    // an unknown key is named with the file
    std::fs::write(d.join("bad.toml"), "[serve]\nadress = \"127.0.0.1:1\"\n").unwrap();
    let o = sitrep(d).args(["--config", "bad.toml", "serve"]).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).1.contains("bad.toml: unknown key [serve] adress"), "{:?}", text(&o));
    // the example in the repository is valid for serve
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("sitrep.example.toml");
    for sub in ["serve", "ingest", "watch"] {
        let o = sitrep(d).arg("--config").arg(&example).args([sub, "--help"]).output().unwrap();
        assert!(o.status.success(), "{sub}: {:?}", text(&o));
    }
    // `feeds` and `interval` at the top level reach `watch` (a URL that is not one is refused)
    std::fs::write(d.join("feeds.toml"), "feeds = [\"not-a-url\"]\ninterval = 60\n").unwrap();
    let o = sitrep(d).args(["--config", "feeds.toml", "watch"]).output().unwrap();
    assert_eq!(o.status.code(), Some(1), "{:?}", text(&o));
    assert!(text(&o).1.contains("not-a-url: expected an http:// or https:// URL"), "{:?}", text(&o));
}

#[test]
fn logs_are_plain_or_json_and_never_coloured_off_a_terminal() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.txt"), "Shelling was reported near Izium.").unwrap();
    let o = sitrep(dir.path()).args(["--log", "debug", "ingest", "--db", "s.db", "a.txt"]).output().unwrap();
    let (_, err) = text(&o);
    assert!(o.status.success());
    assert!(err.contains("DEBUG") || err.contains("INFO"), "{err}");
    assert!(!err.contains('\u{1b}'), "colour codes written to a pipe: {err:?}");
    let o = sitrep(dir.path())
        .args(["--log", "debug", "--log-format", "json", "ingest", "--db", "t.db", "a.txt"])
        .output()
        .unwrap();
    let (_, err) = text(&o);
    let json_lines: Vec<serde_json::Value> =
        err.lines().filter(|l| l.starts_with('{')).map(|l| serde_json::from_str(l).unwrap()).collect();
    assert!(!json_lines.is_empty() && json_lines.iter().all(|v| v["level"].is_string()), "{err}");
    let o = sitrep(dir.path()).args(["--log", "no such=filter=x", "ingest", "a.txt"]).output().unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).1.contains("is not a log filter"), "{:?}", text(&o));
}
