//! The `sitrep` binary: a thin command-line front over the library (see `sitrep --help`).

use clap::Parser;

fn main() {
    let args = match sitrep::cli::config::args_with_config(std::env::args_os().collect()) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("sitrep: {e:#}");
            std::process::exit(2);
        }
    };
    let cli = sitrep::cli::Cli::parse_from(args);
    if let Err(e) = sitrep::cli::run(cli) {
        eprintln!("sitrep: {e:#}");
        std::process::exit(1);
    }
}
