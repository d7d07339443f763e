//! `sitrep geoparse` and `sitrep eval` (owned by the geoparser work; placeholder argument types).

use clap::Args;
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct GeoparseArgs {
    /// Input file, or - for standard input.
    pub input: Option<PathBuf>,
    /// Article date (YYYY-MM-DD), used to pick curated features valid on that day.
    #[arg(long)]
    pub date: Option<String>,
    /// Read documents {"id","text"[,"date"]} one per line and write predictions one per line.
    #[arg(long)]
    pub jsonl: bool,
    /// Worker threads for --jsonl.
    #[arg(long, default_value_t = 1)]
    pub threads: usize,
    #[arg(long)]
    pub data: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct EvalArgs {
    /// Gold corpus in the evaluation JSONL format.
    pub corpus: PathBuf,
    #[arg(long, default_value_t = 1)]
    pub threads: usize,
    #[arg(long)]
    pub data: Option<PathBuf>,
}

pub fn geoparse(_args: GeoparseArgs) -> anyhow::Result<()> {
    anyhow::bail!("geoparse is not built yet")
}

pub fn eval(_args: EvalArgs) -> anyhow::Result<()> {
    anyhow::bail!("eval is not built yet")
}
