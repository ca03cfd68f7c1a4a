//! End-to-end tests of [`super::load`] with injected environment and files.

#![allow(clippy::unwrap_used)]

mod database;
mod defaults;
mod errors;
mod indirection;
mod precedence;
mod redaction;

use std::collections::HashMap;
use std::io;
use std::path::Path;

use super::{ConfigError, Settings, Tree, load};

/// An in-memory file system.
fn files(list: &[(&str, &str)]) -> impl Fn(&Path) -> io::Result<Option<String>> {
    let map: HashMap<String, String> = list
        .iter()
        .map(|(p, c)| ((*p).to_owned(), (*c).to_owned()))
        .collect();
    move |path: &Path| Ok(path.to_str().and_then(|p| map.get(p).cloned()))
}

/// An environment from pairs.
fn env(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// Loads, expecting success.
fn ok(e: &[(&str, &str)], f: &[(&str, &str)]) -> (Settings, Tree) {
    match load(env(e), &files(f)) {
        Ok(loaded) => loaded,
        Err(errors) => panic!("unexpected errors: {errors:#?}"),
    }
}

/// Loads, expecting failure.
fn err(e: &[(&str, &str)], f: &[(&str, &str)]) -> Vec<ConfigError> {
    match load(env(e), &files(f)) {
        Ok((settings, _)) => panic!("expected errors, got {settings:#?}"),
        Err(errors) => errors,
    }
}

/// Error messages as displayed.
fn texts(errors: &[ConfigError]) -> Vec<String> {
    errors.iter().map(ToString::to_string).collect()
}
