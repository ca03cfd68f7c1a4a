//! Locating and decoding a PEM block, tolerant of surrounding text and of
//! indentation (authentik strips every line before loading); writing certificates as PEM.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

/// A decoded PEM block.
pub(super) struct PemBlock {
    /// Label between `BEGIN ` and the dashes, e.g. `PRIVATE KEY`.
    pub(super) label: String,
    /// Decoded (DER) contents.
    pub(super) der: Vec<u8>,
}

/// Decodes the first block whose label satisfies `accept`; blocks with other
/// labels are skipped. `None` if no such block exists or it is malformed
/// (missing END line, RFC 1421 headers such as `Proc-Type` used by encrypted
/// keys, bad base64).
pub(super) fn find_block(text: &str, accept: impl Fn(&str) -> bool) -> Option<PemBlock> {
    let mut lines = text.lines().map(str::trim);
    while let Some(line) = lines.next() {
        let Some(label) = boundary_label(line, "BEGIN") else {
            continue;
        };
        if !accept(label) {
            continue;
        }
        let mut body = String::new();
        for line in lines.by_ref() {
            if let Some(end_label) = boundary_label(line, "END") {
                if end_label != label {
                    return None;
                }
                let der = STANDARD.decode(body.as_bytes()).ok()?;
                return Some(PemBlock {
                    label: label.to_owned(),
                    der,
                });
            }
            if line.contains(':') {
                return None;
            }
            body.push_str(line);
        }
        return None;
    }
    None
}

/// The label of a `-----BEGIN LABEL-----` / `-----END LABEL-----` line.
fn boundary_label<'a>(line: &'a str, kind: &str) -> Option<&'a str> {
    line.strip_prefix("-----")?
        .strip_suffix("-----")?
        .strip_prefix(kind)?
        .strip_prefix(' ')
}

/// Encodes a DER certificate as PEM (64-character lines).
pub fn certificate_pem(der: &[u8]) -> String {
    let body = STANDARD.encode(der);
    let mut out = String::from("-----BEGIN CERTIFICATE-----\n");
    for chunk in body.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(chunk));
        out.push('\n');
    }
    out.push_str("-----END CERTIFICATE-----\n");
    out
}

/// The SHA-256 fingerprint of DER bytes, lowercase hex.
pub fn sha256_fingerprint(der: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(der))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    //! Unit tests for this module.

    use super::*;

    #[test]
    fn finds_first_accepted_block_and_skips_others() {
        let text = "junk\n-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n  -----BEGIN EC PRIVATE KEY-----\n  AQID\n  -----END EC PRIVATE KEY-----\n";
        let block = find_block(text, |l| l == "EC PRIVATE KEY").unwrap();
        assert_eq!(block.label, "EC PRIVATE KEY");
        assert_eq!(block.der, [1, 2, 3]);
    }

    #[test]
    fn rejects_malformed_blocks() {
        let accept = |l: &str| l == "X";
        assert!(find_block("", accept).is_none());
        assert!(find_block("-----BEGIN X-----\nAQID\n", accept).is_none());
        assert!(find_block("-----BEGIN X-----\nAQID\n-----END Y-----", accept).is_none());
        assert!(find_block("-----BEGIN X-----\n!!!!\n-----END X-----", accept).is_none());
        assert!(
            find_block(
                "-----BEGIN X-----\nProc-Type: 4,ENCRYPTED\n\nAQID\n-----END X-----",
                accept
            )
            .is_none()
        );
        assert!(find_block("-----BEGIN Y-----\nAQID\n-----END Y-----", accept).is_none());
    }
}
