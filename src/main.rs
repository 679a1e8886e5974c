//! The `devsvc` binary: parse arguments, run the command, map the outcome to
//! an exit code (README: Exit codes).
use std::io::Write;
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
            let _ = writeln!(
                std::io::stderr(),
                "error: cannot start the async runtime: {e}"
            );
            return ExitCode::from(1);
        }
    };
    let outcome = runtime.block_on(devsvc::commands::run(cli));
    // Do not wait for in-flight engine calls after an interrupt.
    runtime.shutdown_background();
    match outcome {
        Ok(code) => ExitCode::from(code),
        Err(devsvc::error::Error::OutputClosed) => ExitCode::SUCCESS,
        Err(e) => {
            // Nothing is left to tell if stderr is gone too.
            let _ = writeln!(std::io::stderr(), "error: {e}");
            ExitCode::from(e.code())
        }
    }
}
