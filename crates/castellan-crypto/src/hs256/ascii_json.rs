//! Compact JSON serialisation with Python's `json.dumps` (ensure_ascii)
//! string escaping, so tokens match PyJWT's byte for byte.

use std::io;

use serde::Serialize;
use serde_json::Value;
use serde_json::ser::{CompactFormatter, Formatter};

/// Serialises `value` compactly, escaping every character outside
/// printable ASCII (`' '..='~'`) as `\uXXXX` (UTF-16, lowercase hex).
pub(super) fn to_vec(value: &Value) -> Result<Vec<u8>, serde_json::Error> {
    let mut out = Vec::new();
    let mut serializer = serde_json::Serializer::with_formatter(&mut out, AsciiFormatter);
    value.serialize(&mut serializer)?;
    Ok(out)
}

/// [`CompactFormatter`] with ASCII-only string fragments.
struct AsciiFormatter;

impl Formatter for AsciiFormatter {
    fn write_string_fragment<W>(&mut self, writer: &mut W, fragment: &str) -> io::Result<()>
    where
        W: ?Sized + io::Write,
    {
        let mut units = [0u16; 2];
        for ch in fragment.chars() {
            if (' '..='~').contains(&ch) {
                let mut utf8 = [0u8; 4];
                writer.write_all(ch.encode_utf8(&mut utf8).as_bytes())?;
            } else {
                for unit in ch.encode_utf16(&mut units) {
                    write!(writer, "\\u{unit:04x}")?;
                }
            }
        }
        Ok(())
    }

    fn write_char_escape<W>(
        &mut self,
        writer: &mut W,
        char_escape: serde_json::ser::CharEscape,
    ) -> io::Result<()>
    where
        W: ?Sized + io::Write,
    {
        CompactFormatter.write_char_escape(writer, char_escape)
    }
}
