//! The `aivis` binary: parses the command line and hands it to [`aivis::app::run`].

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = aivis::cli::Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("error: cannot start the async runtime: {err}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(aivis::app::run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {}", aivis::app::describe_error(&err));
            ExitCode::from(aivis::app::exit_code(&err))
        }
    }
}
