//! The `devsvc` binary: parse arguments, run the command, map the outcome to
//! an exit code (SPEC section 3).
use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = devsvc::cli::Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    let outcome = runtime.block_on(devsvc::commands::run(cli));
    // Do not wait for in-flight engine calls after an interrupt.
    runtime.shutdown_background();
    match outcome {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(e.code())
        }
    }
}
