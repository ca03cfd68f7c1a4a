//! RFC 4514 rendering of X.509 names, matching Python cryptography's
//! `Name.rfc4514_string()` (which authentik stores as `cert_subject`):
//! RDNs in reverse order joined by `,`, multi-valued RDN members in encoded
//! order joined by `+`, short names only for CN, L, ST, O, OU, C, STREET,
//! DC and UID (dotted OIDs otherwise) and cryptography's escaping rules.

use x509_parser::asn1_rs::{Any, Tag};
use x509_parser::x509::{AttributeTypeAndValue, RelativeDistinguishedName, X509Name};

/// Renders `name`; `None` when an attribute value cannot be decoded as text.
pub(super) fn rfc4514(name: &X509Name<'_>) -> Option<String> {
    let mut rdns = name
        .iter_rdn()
        .map(rdn_string)
        .collect::<Option<Vec<_>>>()?;
    rdns.reverse();
    Some(rdns.join(","))
}

/// One RDN: its attributes joined by `+`.
fn rdn_string(rdn: &RelativeDistinguishedName<'_>) -> Option<String> {
    let attributes = rdn
        .iter()
        .map(attribute_string)
        .collect::<Option<Vec<_>>>()?;
    Some(attributes.join("+"))
}

/// `TYPE=value` for one attribute.
fn attribute_string(attribute: &AttributeTypeAndValue<'_>) -> Option<String> {
    let oid = attribute.attr_type().to_id_string();
    let value = attribute.attr_value();
    let rendered = if value.tag() == Tag::BitString {
        format!("#{}", hex::encode(value.data))
    } else {
        escape(&decode_text(value)?)
    };
    let name = short_name(&oid).map_or(oid.clone(), str::to_owned);
    Some(format!("{name}={rendered}"))
}

/// Attribute short names known to cryptography's `_NAMEOID_TO_NAME`.
fn short_name(oid: &str) -> Option<&'static str> {
    Some(match oid {
        "2.5.4.3" => "CN",
        "2.5.4.7" => "L",
        "2.5.4.8" => "ST",
        "2.5.4.10" => "O",
        "2.5.4.11" => "OU",
        "2.5.4.6" => "C",
        "2.5.4.9" => "STREET",
        "0.9.2342.19200300.100.1.25" => "DC",
        "0.9.2342.19200300.100.1.1" => "UID",
        _ => return None,
    })
}

/// Decodes a string value: BMPString as UTF-16BE, UniversalString as
/// UTF-32BE, every other type as UTF-8 (as cryptography does).
fn decode_text(value: &Any<'_>) -> Option<String> {
    let data = value.data;
    match value.tag() {
        Tag::BmpString => {
            if !data.len().is_multiple_of(2) {
                return None;
            }
            let units = data
                .chunks_exact(2)
                .map(|pair| u16::from_be_bytes([pair[0], pair[1]]));
            char::decode_utf16(units)
                .collect::<Result<String, _>>()
                .ok()
        }
        Tag::UniversalString => {
            if !data.len().is_multiple_of(4) {
                return None;
            }
            data.chunks_exact(4)
                .map(|quad| {
                    char::from_u32(u32::from_be_bytes([quad[0], quad[1], quad[2], quad[3]]))
                })
                .collect()
        }
        _ => std::str::from_utf8(data).ok().map(str::to_owned),
    }
}

/// cryptography's `_escape_dn_value` for text values.
fn escape(value: &str) -> String {
    let mut escaped = String::with_capacity(value.len() + 2);
    for ch in value.chars() {
        match ch {
            '\\' | '"' | '+' | ',' | ';' | '<' | '>' => {
                escaped.push('\\');
                escaped.push(ch);
            }
            '\0' => escaped.push_str("\\00"),
            _ => escaped.push(ch),
        }
    }
    if escaped.starts_with('#') || escaped.starts_with(' ') {
        escaped.insert(0, '\\');
    }
    if escaped.ends_with(' ') {
        escaped.pop();
        escaped.push_str("\\ ");
    }
    escaped
}

#[cfg(test)]
mod tests {
    //! Unit tests for this module.

    use super::escape;

    #[test]
    fn escapes_like_cryptography() {
        assert_eq!(escape(""), "");
        assert_eq!(escape("plain"), "plain");
        assert_eq!(
            escape("a,b+c;d<e>f\"g\\h"),
            "a\\,b\\+c\\;d\\<e\\>f\\\"g\\\\h"
        );
        assert_eq!(escape("#x"), "\\#x");
        assert_eq!(escape(" x "), "\\ x\\ ");
        assert_eq!(escape(" "), "\\\\ ");
        assert_eq!(escape("a\0b"), "a\\00b");
    }
}
