//! Minimal CBOR decoder (RFC 8949) for the definite-length subset WebAuthn uses.
//!
//! Supported: unsigned and negative integers, byte strings, UTF-8 text
//! strings, arrays, maps (duplicate keys rejected) and the simple values
//! `false`, `true` and `null`. Rejected: indefinite lengths, tags, floats,
//! `undefined` and other simple values, nesting deeper than [`MAX_DEPTH`],
//! and lengths that run past the input. The decoder never panics and never
//! allocates more than the input can justify.

/// Maximum nesting depth of arrays and maps.
pub const MAX_DEPTH: usize = 16;

/// A decoded CBOR data item.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Value {
    /// Major type 0: an unsigned integer.
    Unsigned(u64),
    /// Major type 1: the integer `-1 - n`.
    Negative(u64),
    /// Major type 2: a byte string.
    Bytes(Vec<u8>),
    /// Major type 3: a text string.
    Text(String),
    /// Major type 4: an array.
    Array(Vec<Value>),
    /// Major type 5: a map, in encoded order.
    Map(Vec<(Value, Value)>),
    /// Simple values 20 / 21.
    Bool(bool),
    /// Simple value 22.
    Null,
}

/// Why CBOR input was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CborError {
    /// The input ends inside an item.
    #[error("input truncated")]
    Truncated,
    /// Bytes follow the item where a single whole item was expected.
    #[error("trailing bytes after item")]
    TrailingBytes,
    /// An indefinite-length string, array or map.
    #[error("indefinite lengths are not supported")]
    IndefiniteLength,
    /// Reserved additional-information values 28..=30.
    #[error("reserved additional information")]
    Reserved,
    /// Nesting deeper than [`MAX_DEPTH`].
    #[error("nesting too deep")]
    TooDeep,
    /// A tagged item (major type 6).
    #[error("tags are not supported")]
    Tag,
    /// Floats, `undefined` and unassigned simple values.
    #[error("unsupported simple value or float")]
    UnsupportedSimple,
    /// A text string is not valid UTF-8.
    #[error("text string is not valid UTF-8")]
    InvalidUtf8,
    /// A map has the same key twice.
    #[error("duplicate map key")]
    DuplicateKey,
}

impl Value {
    /// The value as a signed integer, if it is an integer that fits `i64`.
    pub fn as_i64(&self) -> Option<i64> {
        match *self {
            Value::Unsigned(n) => i64::try_from(n).ok(),
            // -1 - n, which fits i64 iff n <= i64::MAX.
            Value::Negative(n) => i64::try_from(n).ok().map(|n| -1 - n),
            _ => None,
        }
    }

    /// The bytes of a byte string.
    pub fn as_bytes(&self) -> Option<&[u8]> {
        match self {
            Value::Bytes(b) => Some(b),
            _ => None,
        }
    }

    /// The text of a text string.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Value::Text(t) => Some(t),
            _ => None,
        }
    }

    /// The entries of a map.
    pub fn as_map(&self) -> Option<&[(Value, Value)]> {
        match self {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }

    /// The items of an array.
    pub fn as_array(&self) -> Option<&[Value]> {
        match self {
            Value::Array(a) => Some(a),
            _ => None,
        }
    }

    /// In a map, the value under the integer key `key`.
    pub fn get_int(&self, key: i64) -> Option<&Value> {
        self.as_map()?
            .iter()
            .find(|(k, _)| k.as_i64() == Some(key))
            .map(|(_, v)| v)
    }

    /// In a map, the value under the text key `key`.
    pub fn get_text(&self, key: &str) -> Option<&Value> {
        self.as_map()?
            .iter()
            .find(|(k, _)| k.as_text() == Some(key))
            .map(|(_, v)| v)
    }
}

/// Decodes exactly one item spanning all of `input`.
pub fn decode(input: &[u8]) -> Result<Value, CborError> {
    let (value, used) = decode_prefix(input)?;
    if used == input.len() {
        Ok(value)
    } else {
        Err(CborError::TrailingBytes)
    }
}

/// Decodes one item from the start of `input`; returns it and the number
/// of bytes it occupied.
pub fn decode_prefix(input: &[u8]) -> Result<(Value, usize), CborError> {
    let mut reader = Reader { input, pos: 0 };
    let value = reader.item(0)?;
    Ok((value, reader.pos))
}

/// Cursor over the input.
struct Reader<'a> {
    input: &'a [u8],
    pos: usize,
}

impl Reader<'_> {
    /// Bytes not yet consumed.
    fn remaining(&self) -> usize {
        self.input.len().saturating_sub(self.pos)
    }

    /// Consumes `n` bytes.
    fn take(&mut self, n: usize) -> Result<&[u8], CborError> {
        let end = self.pos.checked_add(n).ok_or(CborError::Truncated)?;
        let bytes = self.input.get(self.pos..end).ok_or(CborError::Truncated)?;
        self.pos = end;
        Ok(bytes)
    }

    /// Reads the argument that follows an initial byte (`info` = low 5 bits).
    fn argument(&mut self, info: u8) -> Result<u64, CborError> {
        let width = match info {
            0..=23 => return Ok(u64::from(info)),
            24 => 1,
            25 => 2,
            26 => 4,
            27 => 8,
            28..=30 => return Err(CborError::Reserved),
            _ => return Err(CborError::IndefiniteLength),
        };
        Ok(self
            .take(width)?
            .iter()
            .fold(0u64, |acc, &b| (acc << 8) | u64::from(b)))
    }

    /// A length that must be at most the remaining input times `min_item`.
    fn length(&mut self, info: u8, min_item_size: usize) -> Result<usize, CborError> {
        let len = self.argument(info)?;
        let len = usize::try_from(len).map_err(|_| CborError::Truncated)?;
        if len.saturating_mul(min_item_size) > self.remaining() {
            return Err(CborError::Truncated);
        }
        Ok(len)
    }

    /// Decodes one item at nesting depth `depth`.
    fn item(&mut self, depth: usize) -> Result<Value, CborError> {
        let initial = *self.take(1)?.first().ok_or(CborError::Truncated)?;
        let major = initial >> 5;
        let info = initial & 0x1f;
        match major {
            0 => Ok(Value::Unsigned(self.argument(info)?)),
            1 => Ok(Value::Negative(self.argument(info)?)),
            2 => {
                let len = self.length(info, 1)?;
                Ok(Value::Bytes(self.take(len)?.to_vec()))
            }
            3 => {
                let len = self.length(info, 1)?;
                let bytes = self.take(len)?.to_vec();
                String::from_utf8(bytes)
                    .map(Value::Text)
                    .map_err(|_| CborError::InvalidUtf8)
            }
            4 => {
                let len = self.length(info, 1)?;
                let depth = Self::deeper(depth)?;
                let mut items = Vec::with_capacity(len);
                for _ in 0..len {
                    items.push(self.item(depth)?);
                }
                Ok(Value::Array(items))
            }
            5 => {
                let len = self.length(info, 2)?;
                let depth = Self::deeper(depth)?;
                let mut entries = Vec::with_capacity(len);
                for _ in 0..len {
                    let key = self.item(depth)?;
                    let value = self.item(depth)?;
                    entries.push((key, value));
                }
                reject_duplicate_keys(&entries)?;
                Ok(Value::Map(entries))
            }
            6 => Err(CborError::Tag),
            _ => match info {
                20 => Ok(Value::Bool(false)),
                21 => Ok(Value::Bool(true)),
                22 => Ok(Value::Null),
                31 => Err(CborError::IndefiniteLength),
                28..=30 => Err(CborError::Reserved),
                _ => Err(CborError::UnsupportedSimple),
            },
        }
    }

    /// The depth of the children of a container at `depth`.
    fn deeper(depth: usize) -> Result<usize, CborError> {
        if depth >= MAX_DEPTH {
            Err(CborError::TooDeep)
        } else {
            Ok(depth + 1)
        }
    }
}

/// Fails if two map keys decode to the same value.
fn reject_duplicate_keys(entries: &[(Value, Value)]) -> Result<(), CborError> {
    let mut keys: Vec<&Value> = entries.iter().map(|(k, _)| k).collect();
    keys.sort();
    if keys.windows(2).any(|pair| pair[0] == pair[1]) {
        Err(CborError::DuplicateKey)
    } else {
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    //! Unit tests for the CBOR decoder.

    use super::*;

    #[test]
    fn decodes_scalars() {
        assert_eq!(decode(&[0x00]).unwrap(), Value::Unsigned(0));
        assert_eq!(decode(&[0x17]).unwrap(), Value::Unsigned(23));
        assert_eq!(decode(&[0x18, 0x18]).unwrap(), Value::Unsigned(24));
        assert_eq!(decode(&[0x19, 0x01, 0x00]).unwrap(), Value::Unsigned(256));
        assert_eq!(decode(&[0x20]).unwrap().as_i64(), Some(-1));
        assert_eq!(decode(&[0x26]).unwrap().as_i64(), Some(-7));
        assert_eq!(decode(&[0x39, 0x01, 0x00]).unwrap().as_i64(), Some(-257));
        let big = [0x3b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff];
        assert_eq!(decode(&big).unwrap().as_i64(), None);
        assert_eq!(decode(&[0xf4]).unwrap(), Value::Bool(false));
        assert_eq!(decode(&[0xf5]).unwrap(), Value::Bool(true));
        assert_eq!(decode(&[0xf6]).unwrap(), Value::Null);
        assert_eq!(
            decode(&[0x43, 1, 2, 3]).unwrap(),
            Value::Bytes(vec![1, 2, 3])
        );
        assert_eq!(
            decode(&[0x62, b'h', b'i']).unwrap(),
            Value::Text("hi".into())
        );
    }

    #[test]
    fn decodes_containers_and_lookups() {
        // {"fmt": "none", 3: -7, "a": [1, 2]}
        let input = [
            0xa3, 0x63, b'f', b'm', b't', 0x64, b'n', b'o', b'n', b'e', 0x03, 0x26, 0x61, b'a',
            0x82, 0x01, 0x02,
        ];
        let value = decode(&input).unwrap();
        assert_eq!(value.get_text("fmt").unwrap().as_text(), Some("none"));
        assert_eq!(value.get_int(3).unwrap().as_i64(), Some(-7));
        assert_eq!(value.get_text("a").unwrap().as_array().unwrap().len(), 2);
        assert!(value.get_int(4).is_none());
    }

    #[test]
    fn prefix_reports_consumed_length() {
        let (value, used) = decode_prefix(&[0x82, 0x01, 0x02, 0xff, 0xee]).unwrap();
        assert_eq!(value.as_array().unwrap().len(), 2);
        assert_eq!(used, 3);
        assert_eq!(decode(&[0x01, 0x02]), Err(CborError::TrailingBytes));
    }

    #[test]
    fn rejects_unsupported_and_malformed() {
        assert_eq!(decode(&[]), Err(CborError::Truncated));
        assert_eq!(decode(&[0x5f, 0xff]), Err(CborError::IndefiniteLength));
        assert_eq!(decode(&[0x9f, 0xff]), Err(CborError::IndefiniteLength));
        assert_eq!(decode(&[0xbf, 0xff]), Err(CborError::IndefiniteLength));
        assert_eq!(decode(&[0xff]), Err(CborError::IndefiniteLength));
        assert_eq!(decode(&[0x1c]), Err(CborError::Reserved));
        assert_eq!(decode(&[0xc2, 0x40]), Err(CborError::Tag));
        assert_eq!(decode(&[0xf7]), Err(CborError::UnsupportedSimple));
        assert_eq!(decode(&[0xf9, 0, 0]), Err(CborError::UnsupportedSimple));
        assert_eq!(decode(&[0x62, 0xff, 0xfe]), Err(CborError::InvalidUtf8));
        assert_eq!(decode(&[0x45, 1, 2]), Err(CborError::Truncated));
        assert_eq!(
            decode(&[0x5b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]),
            Err(CborError::Truncated)
        );
        assert_eq!(
            decode(&[0x9b, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]),
            Err(CborError::Truncated)
        );
        assert_eq!(
            decode(&[0xa2, 0x01, 0x01, 0x18, 0x01, 0x02]),
            Err(CborError::DuplicateKey)
        );
    }

    #[test]
    fn limits_nesting_depth() {
        let mut ok = vec![0x81; MAX_DEPTH];
        ok.push(0x00);
        assert!(decode(&ok).is_ok());
        let mut too_deep = vec![0x81; MAX_DEPTH + 1];
        too_deep.push(0x00);
        assert_eq!(decode(&too_deep), Err(CborError::TooDeep));
    }

    /// Tiny xorshift generator so the fuzz test is deterministic.
    fn xorshift(state: &mut u64) -> u64 {
        *state ^= *state << 13;
        *state ^= *state >> 7;
        *state ^= *state << 17;
        *state
    }

    #[test]
    fn random_and_truncated_inputs_never_panic() {
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..20_000 {
            let len = (xorshift(&mut state) % 48) as usize;
            let bytes: Vec<u8> = (0..len).map(|_| xorshift(&mut state) as u8).collect();
            let _ = decode(&bytes);
            let _ = decode_prefix(&bytes);
        }
        let valid = [
            0xa3, 0x63, b'f', b'm', b't', 0x64, b'n', b'o', b'n', b'e', 0x03, 0x26, 0x61, b'a',
            0x82, 0x01, 0x02,
        ];
        for cut in 0..valid.len() {
            assert_eq!(decode(&valid[..cut]), Err(CborError::Truncated));
        }
        for i in 0..valid.len() {
            for flip in [0x01u8, 0x20, 0x80, 0xff] {
                let mut mutated = valid;
                mutated[i] ^= flip;
                let _ = decode(&mutated);
            }
        }
    }
}
