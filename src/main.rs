//! The `sitrep` binary: a thin command-line front over the library (see `sitrep --help`).

use clap::Parser;

fn main() {
    let cli = sitrep::cli::Cli::parse();
    if let Err(e) = sitrep::cli::run(cli) {
        eprintln!("sitrep: {e:#}");
        std::process::exit(1);
    }
}
