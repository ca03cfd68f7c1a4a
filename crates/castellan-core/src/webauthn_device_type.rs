//! WebAuthn device types (spec §5.6): authenticator models by AAGUID, shipped in the binary from
//! the FIDO Metadata Service and the passkey-provider AAGUID list (`data/webauthn_aaguids.tsv`).

/// The AAGUID authenticators report when they do not disclose their model.
pub const UNKNOWN_AAGUID: &str = "00000000-0000-0000-0000-000000000000";

/// `extra_description` of a WebAuthn device whose model is not known.
pub const NO_EXTRA_DESCRIPTION: &str = "Extra description not available";

/// One authenticator model (`WebAuthnDeviceType`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebAuthnDeviceType {
    /// The model's AAGUID (lowercase, hyphenated).
    pub aaguid: String,
    /// The model's name.
    pub description: String,
    /// Icon (a data URL), when known.
    pub icon: Option<String>,
}

const TABLE: &str = include_str!("../data/webauthn_aaguids.tsv");

/// The embedded models, in AAGUID order.
pub fn embedded() -> impl Iterator<Item = (&'static str, &'static str)> {
    TABLE
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| l.split_once('\t'))
}

/// The embedded model of `aaguid`, if any.
pub fn embedded_description(aaguid: &str) -> Option<&'static str> {
    let aaguid = aaguid.to_ascii_lowercase();
    embedded().find(|(a, _)| *a == aaguid).map(|(_, d)| d)
}

#[cfg(test)]
mod tests {
    //! The embedded table.

    use super::*;

    #[test]
    fn table_is_sorted_unique_and_well_formed() {
        let all: Vec<_> = embedded().collect();
        assert!(all.len() > 300, "{}", all.len());
        for w in all.windows(2) {
            assert!(w[0].0 < w[1].0, "{} !< {}", w[0].0, w[1].0);
        }
        for (aaguid, description) in &all {
            assert_eq!(aaguid.len(), 36, "{aaguid}");
            assert!(!description.is_empty());
        }
        assert_eq!(
            embedded_description(UNKNOWN_AAGUID),
            Some("authentik: Unknown devices")
        );
        assert_eq!(
            embedded_description("08987058-CADC-4B81-B6E1-30DE50DCBE96"),
            Some("Windows Hello")
        );
    }
}
