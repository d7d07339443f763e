//! The configuration file (`sitrep.toml`): every flag of every subcommand, by its long name.
//!
//! Top-level keys apply to every subcommand that has a flag of that name (`db`, `data`, `log`);
//! a table named after a subcommand (`[serve]`, `[ingest]`, …) applies to that one only. Values
//! are strings, numbers, booleans (a `true` switch is given, `false` left out) or arrays (a
//! repeated flag or several positional values: `paths = ["a.txt"]`). The file is found at
//! `--config PATH`, `SITREP_CONFIG`, else `./sitrep.toml` when it exists. Precedence: command line,
//! then environment variable, then the file. An unknown key is an error naming the file and key.

use clap::CommandFactory;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// The command line with the configuration file's settings put in as flags (before the user's own,
/// which override them).
pub fn args_with_config(args: Vec<OsString>) -> anyhow::Result<Vec<OsString>> {
    let Some(path) = config_path(&args) else { return Ok(args) };
    let text = std::fs::read_to_string(&path).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    let table: toml::Table = text.parse().map_err(|e: toml::de::Error| {
        let line = e.span().map(|s| text[..s.start].lines().count().max(1));
        anyhow::anyhow!("{}{}: {}", path.display(), line.map(|l| format!(":{l}")).unwrap_or_default(), e.message())
    })?;
    let cmd = super::Cli::command();
    let names: Vec<String> = cmd.get_subcommands().map(|c| c.get_name().to_string()).collect();
    // where the subcommand's flags go: after the (nested) subcommand name
    let Some((sub, at)) = subcommand_position(&args, &names) else { return Ok(args) };
    let mut sub_cmd = cmd.find_subcommand(&sub).cloned().ok_or_else(|| anyhow::anyhow!("unknown subcommand {sub}"))?;
    let mut insert_at = at + 1;
    if sub_cmd.has_subcommands() {
        // `gazetteer lookup`: the nested one
        if let Some(nested) = args.get(insert_at).and_then(|a| a.to_str()) {
            if let Some(n) = sub_cmd.find_subcommand(nested).cloned() {
                sub_cmd = n;
                insert_at += 1;
            }
        }
    }
    let mut extra: Vec<OsString> = Vec::new();
    let src = Source { path: &path, given: &args };
    for (key, value) in &table {
        if let toml::Value::Table(t) = value {
            if !names.contains(key) {
                anyhow::bail!("{}: unknown section [{key}]; sections: {}", path.display(), names.join(", "));
            }
            if *key == sub {
                for (k, v) in t {
                    push_flag(&src, &sub_cmd, &format!("[{key}] {k}"), k, v, true, &mut extra)?;
                }
            }
        } else {
            let known = cmd
                .get_subcommands()
                .any(|c| find_arg(c, key).is_some() || c.get_subcommands().any(|n| find_arg(n, key).is_some()))
                || find_arg(&cmd, key).is_some();
            if !known {
                anyhow::bail!("{}: unknown key `{key}` (not a flag of any subcommand)", path.display());
            }
            // a global flag (log, log-format) is taken after the subcommand too
            let owner =
                if find_arg(&sub_cmd, key).is_none() && find_arg(&cmd, key).is_some() { &cmd } else { &sub_cmd };
            push_flag(&src, owner, key, key, value, false, &mut extra)?;
        }
    }
    let mut out = args;
    out.splice(insert_at..insert_at, extra);
    Ok(out)
}

fn config_path(args: &[OsString]) -> Option<PathBuf> {
    let mut it = args.iter().skip(1);
    while let Some(a) = it.next() {
        let a = a.to_string_lossy();
        if a == "--" {
            break;
        }
        if a == "--config" {
            return it.next().map(PathBuf::from);
        }
        if let Some(p) = a.strip_prefix("--config=") {
            return Some(PathBuf::from(p));
        }
    }
    if let Some(p) = std::env::var_os("SITREP_CONFIG").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(p));
    }
    Path::new("sitrep.toml").is_file().then(|| PathBuf::from("sitrep.toml"))
}

/// The first argument naming a subcommand (global flags with a value may come before it).
fn subcommand_position(args: &[OsString], names: &[String]) -> Option<(String, usize)> {
    let mut i = 1;
    while i < args.len() {
        let a = args[i].to_string_lossy();
        if names.iter().any(|n| *n == a) {
            return Some((a.into_owned(), i));
        }
        if matches!(a.as_ref(), "--log" | "--log-format" | "--config") {
            i += 1;
        } else if !a.starts_with('-') {
            return None;
        }
        i += 1;
    }
    None
}

fn find_arg<'a>(cmd: &'a clap::Command, key: &str) -> Option<&'a clap::Arg> {
    let long = key.replace('_', "-");
    cmd.get_arguments().find(|a| a.get_long() == Some(long.as_str()) || (a.get_long().is_none() && a.get_id() == key))
}

/// The file being applied and the command line it is applied to.
struct Source<'a> {
    path: &'a Path,
    given: &'a [OsString],
}

fn push_flag(
    src: &Source<'_>,
    cmd: &clap::Command,
    label: &str,
    key: &str,
    value: &toml::Value,
    required: bool,
    out: &mut Vec<OsString>,
) -> anyhow::Result<()> {
    let (path, given) = (src.path, src.given);
    let Some(arg) = find_arg(cmd, key) else {
        if required {
            let known: Vec<&str> = cmd.get_arguments().filter_map(|a| a.get_long()).collect();
            anyhow::bail!("{}: unknown key {label}; known: {}", path.display(), known.join(", "));
        }
        return Ok(()); // a top-level key of another subcommand
    };
    if arg.get_env().is_some_and(|e| std::env::var_os(e).is_some_and(|v| !v.is_empty())) {
        return Ok(()); // the environment variable wins
    }
    if let Some(long) = arg.get_long() {
        let (flag, with_value) = (format!("--{long}"), format!("--{long}="));
        if given.iter().any(|a| a.to_str().is_some_and(|a| a == flag || a.starts_with(&with_value))) {
            return Ok(()); // the command line wins
        }
    }
    let values: Vec<&toml::Value> = match value {
        toml::Value::Array(a) => a.iter().collect(),
        v => vec![v],
    };
    for v in values {
        let text = match v {
            toml::Value::String(s) => s.clone(),
            toml::Value::Integer(i) => i.to_string(),
            toml::Value::Float(f) => f.to_string(),
            toml::Value::Boolean(b) => {
                if *b {
                    if let Some(long) = arg.get_long() {
                        out.push(format!("--{long}").into());
                    }
                }
                continue;
            }
            other => anyhow::bail!("{}: {label} = {other}: expected a string, number or boolean", path.display()),
        };
        match arg.get_long() {
            Some(long) => out.push(format!("--{long}={text}").into()),
            None => out.push(text.into()),
        }
    }
    Ok(())
}
