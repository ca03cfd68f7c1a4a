//! A minimal, allocation-free DER reader for the few structures parsed by
//! hand (PKCS#1, SEC1, PKCS#8, RSA public keys).

/// `INTEGER`
pub(super) const TAG_INTEGER: u8 = 0x02;
/// `BIT STRING`
pub(super) const TAG_BIT_STRING: u8 = 0x03;
/// `OCTET STRING`
pub(super) const TAG_OCTET_STRING: u8 = 0x04;
/// `OBJECT IDENTIFIER`
pub(super) const TAG_OID: u8 = 0x06;
/// `SEQUENCE`
pub(super) const TAG_SEQUENCE: u8 = 0x30;
/// `[0]` constructed (explicit context tag 0).
pub(super) const TAG_CONTEXT_0: u8 = 0xa0;
/// `[1]` constructed (explicit context tag 1).
pub(super) const TAG_CONTEXT_1: u8 = 0xa1;
/// `[1]` primitive (implicit context tag 1 on a BIT STRING).
pub(super) const TAG_CONTEXT_1_PRIMITIVE: u8 = 0x81;

/// Sequential reader over concatenated DER elements.
#[derive(Debug, Clone, Copy)]
pub(super) struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    /// Reads the elements in `data`.
    pub(super) const fn new(data: &'a [u8]) -> Self {
        Self { rest: data }
    }

    /// Whether every element has been consumed.
    pub(super) const fn is_empty(&self) -> bool {
        self.rest.is_empty()
    }

    /// Reads the next element, which must have `tag`, returning its content.
    pub(super) fn read(&mut self, tag: u8) -> Option<&'a [u8]> {
        let (found, content, rest) = split_element(self.rest)?;
        if found != tag {
            return None;
        }
        self.rest = rest;
        Some(content)
    }

    /// Reads the next element only if it is well-formed and has `tag`.
    pub(super) fn read_optional(&mut self, tag: u8) -> Option<&'a [u8]> {
        if self.rest.first() == Some(&tag) {
            self.read(tag)
        } else {
            None
        }
    }
}

/// Reads a whole buffer that must be exactly one element with `tag`.
pub(super) fn single(data: &[u8], tag: u8) -> Option<&[u8]> {
    let mut reader = Reader::new(data);
    let content = reader.read(tag)?;
    reader.is_empty().then_some(content)
}

/// The magnitude of a non-negative INTEGER's content, without leading zeros
/// (zero becomes the empty slice). `None` for negative or empty encodings.
pub(super) fn unsigned_integer(content: &[u8]) -> Option<&[u8]> {
    let first = *content.first()?;
    if first & 0x80 != 0 {
        return None;
    }
    let start = content
        .iter()
        .position(|&b| b != 0)
        .unwrap_or(content.len());
    content.get(start..)
}

/// Content of a BIT STRING without unused bits (as keys always are).
pub(super) fn bit_string_bytes(content: &[u8]) -> Option<&[u8]> {
    match content.split_first()? {
        (0, bytes) => Some(bytes),
        _ => None,
    }
}

/// Splits the first element off `input`: `(tag, content, remainder)`.
/// Only single-byte tags and definite lengths up to 4 bytes are accepted.
fn split_element(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    if tag & 0x1f == 0x1f {
        return None;
    }
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let count = usize::from(first & 0x7f);
        if count == 0 || count > 4 {
            return None;
        }
        let (len_bytes, rest) = rest.split_at_checked(count)?;
        let len = len_bytes
            .iter()
            .fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
        (len, rest)
    };
    let (content, rest) = rest.split_at_checked(len)?;
    Some((tag, content, rest))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    //! Unit tests for this module.

    use super::*;

    #[test]
    fn reads_short_and_long_lengths() {
        let mut long = vec![TAG_OCTET_STRING, 0x81, 200];
        long.extend([7u8; 200]);
        long.extend([TAG_INTEGER, 1, 5]);
        let mut reader = Reader::new(&long);
        assert_eq!(reader.read(TAG_OCTET_STRING).unwrap().len(), 200);
        assert_eq!(reader.read(TAG_INTEGER).unwrap(), [5]);
        assert!(reader.is_empty());
    }

    #[test]
    fn rejects_truncated_and_indefinite() {
        assert!(single(&[TAG_SEQUENCE, 0x05, 1, 2], TAG_SEQUENCE).is_none());
        assert!(single(&[TAG_SEQUENCE, 0x80, 0, 0], TAG_SEQUENCE).is_none());
        assert!(single(&[TAG_SEQUENCE, 0x85, 0, 0, 0, 0, 1], TAG_SEQUENCE).is_none());
        assert!(single(&[TAG_SEQUENCE], TAG_SEQUENCE).is_none());
        assert!(single(&[], TAG_SEQUENCE).is_none());
        assert!(single(&[0x1f, 0x01, 0x00], 0x1f).is_none());
        assert!(single(&[TAG_INTEGER, 1, 1, 0], TAG_INTEGER).is_none());
        assert!(
            Reader::new(&[TAG_INTEGER, 1, 1])
                .read(TAG_SEQUENCE)
                .is_none()
        );
    }

    #[test]
    fn unsigned_integers() {
        assert_eq!(unsigned_integer(&[0, 0x80, 1]).unwrap(), [0x80, 1]);
        assert_eq!(unsigned_integer(&[0]).unwrap(), [0u8; 0]);
        assert!(unsigned_integer(&[0x80]).is_none());
        assert!(unsigned_integer(&[]).is_none());
    }
}
