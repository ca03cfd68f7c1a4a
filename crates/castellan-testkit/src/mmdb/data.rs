//! MaxMind DB format 2.0 data-section values and their binary encoding ("Output Data Section"):
//! a control byte (type in the top three bits, size in the low five, extended types in a second
//! byte), size extension bytes, then the payload; pointers for repeated map keys.
use std::collections::HashMap;

/// A value of the MaxMind DB data section.
#[derive(Debug, Clone, PartialEq)]
pub enum MmdbValue {
    /// `utf8_string` (type 2).
    Utf8(String),
    /// `double` (type 3), eight bytes.
    Double(f64),
    /// `bytes` (type 4).
    Bytes(Vec<u8>),
    /// `uint16` (type 5).
    U16(u16),
    /// `uint32` (type 6).
    U32(u32),
    /// `map` (type 7): keys are UTF-8 strings, in this order.
    Map(Vec<(String, MmdbValue)>),
    /// `int32` (extended type 8).
    I32(i32),
    /// `uint64` (extended type 9).
    U64(u64),
    /// `array` (extended type 11).
    Array(Vec<MmdbValue>),
    /// `boolean` (extended type 14): the value is the size, there is no payload.
    Bool(bool),
    /// `float` (extended type 15), four bytes.
    Float(f32),
}

impl MmdbValue {
    /// A map from `(key, value)` pairs.
    pub fn map<'a>(pairs: impl IntoIterator<Item = (&'a str, MmdbValue)>) -> Self {
        Self::Map(pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
    }

    /// A UTF-8 string.
    pub fn str(text: &str) -> Self {
        Self::Utf8(text.to_owned())
    }
}

const POINTER: u8 = 1;
const UTF8: u8 = 2;
const DOUBLE: u8 = 3;
const BYTES: u8 = 4;
const UINT16: u8 = 5;
const UINT32: u8 = 6;
const MAP: u8 = 7;
const INT32: u8 = 8;
const UINT64: u8 = 9;
const ARRAY: u8 = 11;
const BOOLEAN: u8 = 14;
const FLOAT: u8 = 15;

/// Writes a control byte (plus extended-type and size bytes) for `kind` and `size`.
fn control(out: &mut Vec<u8>, kind: u8, size: usize) {
    let (size_bits, extra): (u8, Vec<u8>) = if size < 29 {
        (size as u8, vec![])
    } else if size < 29 + 256 {
        (29, vec![(size - 29) as u8])
    } else if size < 285 + 65_536 {
        (30, ((size - 285) as u16).to_be_bytes().to_vec())
    } else {
        let rest = (size - 65_821) as u32;
        assert!(rest < 1 << 24, "value too large for the MaxMind DB format");
        (31, rest.to_be_bytes()[1..].to_vec())
    };
    if kind <= 7 {
        out.push((kind << 5) | size_bits);
    } else {
        out.push(size_bits);
        out.push(kind - 7);
    }
    out.extend_from_slice(&extra);
}

/// The shortest big-endian form of `value` (no leading zero bytes; zero is empty).
fn minimal(value: u64) -> Vec<u8> {
    let bytes = value.to_be_bytes();
    let skip = bytes.iter().take_while(|b| **b == 0).count();
    bytes[skip..].to_vec()
}

/// Writes a pointer to `offset` (relative to the start of the data section).
pub(crate) fn pointer(out: &mut Vec<u8>, offset: usize) {
    let p = offset as u64;
    if p < 1 << 11 {
        out.push((POINTER << 5) | ((p >> 8) as u8));
        out.push(p as u8);
    } else if p < (1 << 19) + 2048 {
        let q = p - 2048;
        out.push((POINTER << 5) | (1 << 3) | ((q >> 16) as u8));
        out.extend_from_slice(&(q as u32).to_be_bytes()[2..]);
    } else if p < (1 << 27) + 526_336 {
        let q = p - 526_336;
        out.push((POINTER << 5) | (2 << 3) | ((q >> 24) as u8));
        out.extend_from_slice(&(q as u32).to_be_bytes()[1..]);
    } else {
        out.push((POINTER << 5) | (3 << 3));
        out.extend_from_slice(&(p as u32).to_be_bytes());
    }
}

/// Encodes `value` at the end of `out`. With `keys`, map keys already written into `out`
/// (a data section) are replaced by pointers to their first copy.
pub(crate) fn encode(
    value: &MmdbValue,
    out: &mut Vec<u8>,
    mut keys: Option<&mut HashMap<String, usize>>,
) {
    match value {
        MmdbValue::Utf8(s) => {
            control(out, UTF8, s.len());
            out.extend_from_slice(s.as_bytes());
        }
        MmdbValue::Double(d) => {
            control(out, DOUBLE, 8);
            out.extend_from_slice(&d.to_be_bytes());
        }
        MmdbValue::Bytes(b) => {
            control(out, BYTES, b.len());
            out.extend_from_slice(b);
        }
        MmdbValue::U16(n) => unsigned(out, UINT16, u64::from(*n)),
        MmdbValue::U32(n) => unsigned(out, UINT32, u64::from(*n)),
        MmdbValue::U64(n) => unsigned(out, UINT64, *n),
        MmdbValue::I32(n) => {
            control(out, INT32, 4);
            out.extend_from_slice(&n.to_be_bytes());
        }
        MmdbValue::Float(f) => {
            control(out, FLOAT, 4);
            out.extend_from_slice(&f.to_be_bytes());
        }
        MmdbValue::Bool(b) => control(out, BOOLEAN, usize::from(*b)),
        MmdbValue::Array(items) => {
            control(out, ARRAY, items.len());
            for item in items {
                encode(item, out, keys.as_deref_mut());
            }
        }
        MmdbValue::Map(pairs) => {
            control(out, MAP, pairs.len());
            for (key, item) in pairs {
                match keys.as_deref_mut() {
                    Some(seen) => match seen.get(key) {
                        Some(offset) => pointer(out, *offset),
                        None => {
                            seen.insert(key.clone(), out.len());
                            encode(&MmdbValue::Utf8(key.clone()), out, None);
                        }
                    },
                    None => encode(&MmdbValue::Utf8(key.clone()), out, None),
                }
                encode(item, out, keys.as_deref_mut());
            }
        }
    }
}

fn unsigned(out: &mut Vec<u8>, kind: u8, value: u64) {
    let bytes = minimal(value);
    control(out, kind, bytes.len());
    out.extend_from_slice(&bytes);
}

/// The data section under construction: identical records are stored once.
#[derive(Debug, Default)]
pub(crate) struct DataSection {
    /// The encoded bytes.
    pub bytes: Vec<u8>,
    keys: HashMap<String, usize>,
    records: HashMap<Vec<u8>, usize>,
    pointers: bool,
}

impl DataSection {
    /// An empty section; `pointers` turns on pointer compression of repeated map keys.
    pub fn new(pointers: bool) -> Self {
        Self {
            pointers,
            ..Self::default()
        }
    }

    /// Adds a record (or finds an identical one) and returns its offset in the section.
    pub fn add(&mut self, value: &MmdbValue) -> usize {
        let mut canonical = Vec::new();
        encode(value, &mut canonical, None);
        if let Some(offset) = self.records.get(&canonical) {
            return *offset;
        }
        let offset = self.bytes.len();
        if self.pointers {
            encode(value, &mut self.bytes, Some(&mut self.keys));
        } else {
            self.bytes.extend_from_slice(&canonical);
        }
        self.records.insert(canonical, offset);
        offset
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bytes(value: &MmdbValue) -> Vec<u8> {
        let mut out = Vec::new();
        encode(value, &mut out, None);
        out
    }

    #[test]
    fn control_bytes_follow_the_specification() {
        assert_eq!(bytes(&MmdbValue::U16(0)), [0xa0]);
        assert_eq!(bytes(&MmdbValue::U32(500)), [0xc2, 0x01, 0xf4]);
        assert_eq!(bytes(&MmdbValue::str("ab")), [0x42, b'a', b'b']);
        assert_eq!(bytes(&MmdbValue::Bool(true)), [0x01, 0x07]);
        assert_eq!(bytes(&MmdbValue::U64(1)), [0x01, 0x02, 0x01]);
        assert_eq!(bytes(&MmdbValue::Array(vec![])), [0x00, 0x04]);
        let long = bytes(&MmdbValue::Utf8("x".repeat(300)));
        assert_eq!(long[..3], [0x5e, 0x00, 15]);
        let mut p = Vec::new();
        pointer(&mut p, 5000);
        assert_eq!(p, [0x28, 0x0b, 0x88]);
    }
}
