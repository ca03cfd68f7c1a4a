//! The `castellan` binary: parses the command line and runs it.

fn main() -> std::process::ExitCode {
    castellan_server::startup::process_start();
    castellan_server::cli::main()
}
