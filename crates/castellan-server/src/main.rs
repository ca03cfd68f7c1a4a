//! The `castellan` binary: parses the command line and runs it.

/// mimalloc instead of glibc's allocator: the request path allocates heavily (rows, JSON), and
/// glibc malloc/free were about a fifth of the server's time under load (docs/benchmarks.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    castellan_server::startup::process_start();
    castellan_server::cli::main()
}
