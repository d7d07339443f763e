//! Logging set-up for every subcommand: `tracing` to stderr, filtered by `--log` / `SITREP_LOG`
//! (default `warn`), as text (colours only when stderr is a terminal) or JSON lines.

use std::io::IsTerminal;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object a line (timestamp, level, target, fields).
    Json,
}

/// Installs the global subscriber; a malformed filter is the flag's error.
pub fn init(filter: Option<&str>, format: LogFormat) -> anyhow::Result<()> {
    let filter = filter.map(str::trim).filter(|f| !f.is_empty()).unwrap_or("warn");
    let filter = tracing_subscriber::EnvFilter::builder()
        .parse(filter)
        .map_err(|e| anyhow::anyhow!("--log {filter:?} (or SITREP_LOG) is not a log filter: {e}"))?;
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    let done = match format {
        LogFormat::Text => builder.with_ansi(std::io::stderr().is_terminal()).try_init(),
        LogFormat::Json => builder.json().with_ansi(false).try_init(),
    };
    // a subscriber already installed (library use, tests) is not an error
    drop(done);
    Ok(())
}
