//! Interim entry point: only `tokctl server` (the command line lands separately).

use std::process::ExitCode;

use clap::Parser;

#[derive(Parser)]
#[command(name = "tokctl", version)]
enum Cli {
    Server(tokctl::server::ServerArgs),
}

fn main() -> ExitCode {
    match Cli::parse() {
        Cli::Server(args) => match tokctl::server::main(args) {
            Ok(code) => ExitCode::from(code),
            Err(e) => {
                eprintln!("error: {e:#}");
                ExitCode::from(1)
            }
        },
    }
}
