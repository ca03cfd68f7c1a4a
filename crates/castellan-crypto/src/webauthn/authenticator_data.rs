//! Authenticator data (W3C WebAuthn §6.1) and attested credential data (§6.5.1).

use super::WebauthnError;
use super::cbor::{self, Value};
use super::cose::CosePublicKey;

/// User present.
pub const FLAG_UP: u8 = 0x01;
/// User verified.
pub const FLAG_UV: u8 = 0x04;
/// Backup eligible.
pub const FLAG_BE: u8 = 0x08;
/// Backup state (currently backed up).
pub const FLAG_BS: u8 = 0x10;
/// Attested credential data included.
pub const FLAG_AT: u8 = 0x40;
/// Extension data included.
pub const FLAG_ED: u8 = 0x80;

/// Maximum credential ID length (§6.5.1).
pub const MAX_CREDENTIAL_ID_LEN: usize = 1023;

/// Length of the fixed prefix: rpIdHash, flags, signCount.
const FIXED_LEN: usize = 32 + 1 + 4;

/// Parsed authenticator data.
#[derive(Debug, Clone)]
pub struct AuthenticatorData {
    /// SHA-256 of the RP ID the authenticator scoped the credential to.
    pub rp_id_hash: [u8; 32],
    /// The flags byte.
    pub flags: u8,
    /// The signature counter.
    pub sign_count: u32,
    /// Present when the AT flag is set.
    pub attested_credential: Option<AttestedCredential>,
    /// The extension outputs map, present when the ED flag is set.
    pub extensions: Option<Value>,
}

/// Attested credential data.
#[derive(Debug, Clone)]
pub struct AttestedCredential {
    /// The authenticator model's AAGUID.
    pub aaguid: [u8; 16],
    /// The credential ID.
    pub credential_id: Vec<u8>,
    /// The credential public key (with its COSE encoding).
    pub public_key: CosePublicKey,
}

impl AuthenticatorData {
    /// Parses authenticator data, rejecting truncation and trailing bytes.
    pub fn parse(bytes: &[u8]) -> Result<Self, WebauthnError> {
        let malformed = WebauthnError::MalformedAuthenticatorData;
        let (fixed, mut rest) = bytes
            .split_at_checked(FIXED_LEN)
            .ok_or(malformed("shorter than 37 bytes"))?;
        let mut rp_id_hash = [0u8; 32];
        rp_id_hash.copy_from_slice(&fixed[..32]);
        let flags = fixed[32];
        let sign_count = u32::from_be_bytes([fixed[33], fixed[34], fixed[35], fixed[36]]);
        if flags & FLAG_BS != 0 && flags & FLAG_BE == 0 {
            return Err(malformed("backup state set without backup eligibility"));
        }

        let attested_credential = if flags & FLAG_AT != 0 {
            let (credential, used) = parse_attested_credential(rest)?;
            rest = rest.get(used..).ok_or(malformed("truncated"))?;
            Some(credential)
        } else {
            None
        };

        let extensions = if flags & FLAG_ED != 0 {
            let value = cbor::decode(rest)?;
            if value.as_map().is_none() {
                return Err(malformed("extensions are not a map"));
            }
            rest = &[];
            Some(value)
        } else {
            None
        };

        if !rest.is_empty() {
            return Err(malformed("trailing bytes"));
        }
        Ok(Self {
            rp_id_hash,
            flags,
            sign_count,
            attested_credential,
            extensions,
        })
    }

    /// UP flag.
    pub fn user_present(&self) -> bool {
        self.flags & FLAG_UP != 0
    }

    /// UV flag.
    pub fn user_verified(&self) -> bool {
        self.flags & FLAG_UV != 0
    }

    /// BE flag.
    pub fn backup_eligible(&self) -> bool {
        self.flags & FLAG_BE != 0
    }

    /// BS flag.
    pub fn backup_state(&self) -> bool {
        self.flags & FLAG_BS != 0
    }
}

/// Parses attested credential data at the start of `bytes`; returns it and
/// the number of bytes it occupied.
fn parse_attested_credential(bytes: &[u8]) -> Result<(AttestedCredential, usize), WebauthnError> {
    let malformed = WebauthnError::MalformedAuthenticatorData;
    let (head, rest) = bytes
        .split_at_checked(18)
        .ok_or(malformed("truncated attested credential data"))?;
    let mut aaguid = [0u8; 16];
    aaguid.copy_from_slice(&head[..16]);
    let id_len = usize::from(u16::from_be_bytes([head[16], head[17]]));
    if id_len > MAX_CREDENTIAL_ID_LEN {
        return Err(malformed("credential ID longer than 1023 bytes"));
    }
    let (credential_id, rest) = rest
        .split_at_checked(id_len)
        .ok_or(malformed("truncated credential ID"))?;
    let (key_value, key_len) = cbor::decode_prefix(rest)?;
    let cose_bytes = rest.get(..key_len).ok_or(malformed("truncated"))?;
    let public_key = CosePublicKey::from_value(&key_value, cose_bytes.to_vec())?;
    Ok((
        AttestedCredential {
            aaguid,
            credential_id: credential_id.to_vec(),
            public_key,
        },
        18 + id_len + key_len,
    ))
}
