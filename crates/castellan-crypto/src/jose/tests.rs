//! Tests for the JOSE module: sign / verify round trips through
//! [`public_jwk`], rejection cases, JWE round trips and JWKS members.

#![allow(clippy::unwrap_used)]

mod fixtures;
mod jwe;
mod jwk;
mod jws;
mod verify;

use super::*;
