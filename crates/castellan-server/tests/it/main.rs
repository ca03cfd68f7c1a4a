//! Integration tests of the `castellan` binary: the real process is started
//! in a temporary directory with free ports and driven over TCP, TLS and its
//! command line.
//!
//! The PostgreSQL tests need a server at `CASTELLAN_TEST_POSTGRES_URL`
//! (default `postgres://postgres@127.0.0.1:5432/postgres`) allowed to create
//! databases; `scripts/test.sh` provides one. They fail, never skip, when it
//! is unreachable.
#![allow(clippy::unwrap_used)]

mod blueprints;
mod cli;
mod email;
mod geoip;
mod postgres;
mod sqlite;
mod support;
