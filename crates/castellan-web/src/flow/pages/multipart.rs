//! `multipart/form-data` bodies (RFC 7578) of flow page forms that carry a file prompt: text
//! parts become form fields; a file part becomes the `data:` URI authentik's file prompt sends
//! (`data:<type>;base64,<content>`), so the prompt stage sees the same value with or without
//! JavaScript.
use base64::Engine;

/// Why a multipart body was refused.
#[derive(Debug, PartialEq, Eq)]
pub struct Malformed(pub &'static str);

/// The boundary of a `multipart/form-data` content type, when it is one.
pub fn boundary(content_type: &str) -> Option<String> {
    let mut parts = content_type.split(';');
    let kind = parts.next()?.trim();
    if !kind.eq_ignore_ascii_case("multipart/form-data") {
        return None;
    }
    parts.find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case("boundary")
            .then(|| v.trim().trim_matches('"').to_string())
            .filter(|b| !b.is_empty() && b.len() <= 70)
    })
}

fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    if needle.is_empty() || from > hay.len() {
        return None;
    }
    hay[from..]
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
}

/// A `key="value"` parameter of a `Content-Disposition` header.
fn disposition_param(header: &str, name: &str) -> Option<String> {
    header.split(';').skip(1).find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case(name)
            .then(|| v.trim().trim_matches('"').to_string())
    })
}

/// The fields of a multipart body, in order.
pub fn parse(boundary: &str, body: &[u8]) -> Result<Vec<(String, String)>, Malformed> {
    let delimiter = format!("--{boundary}").into_bytes();
    let mut at =
        find(body, &delimiter, 0).ok_or(Malformed("no multipart boundary"))? + delimiter.len();
    let mut out = Vec::new();
    loop {
        if body[at..].starts_with(b"--") {
            return Ok(out);
        }
        if !body[at..].starts_with(b"\r\n") {
            return Err(Malformed(
                "a multipart boundary is not followed by a line break",
            ));
        }
        at += 2;
        let head_end =
            find(body, b"\r\n\r\n", at).ok_or(Malformed("a multipart part has no header end"))?;
        let head = std::str::from_utf8(&body[at..head_end])
            .map_err(|_| Malformed("a multipart header is not UTF-8"))?;
        let mut closing = b"\r\n".to_vec();
        closing.extend_from_slice(&delimiter);
        let content_start = head_end + 4;
        let content_end = find(body, &closing, content_start)
            .ok_or(Malformed("a multipart part is not closed"))?;
        let content = &body[content_start..content_end];
        let mut name = None;
        let mut filename = None;
        let mut content_type = "application/octet-stream".to_string();
        for line in head.split("\r\n") {
            let Some((k, v)) = line.split_once(':') else {
                continue;
            };
            if k.trim().eq_ignore_ascii_case("content-disposition") {
                name = disposition_param(v, "name");
                filename = disposition_param(v, "filename");
            } else if k.trim().eq_ignore_ascii_case("content-type") {
                content_type = v.trim().to_string();
            }
        }
        let name = name.ok_or(Malformed("a multipart part has no name"))?;
        let value = match filename {
            // No file chosen: browsers send an empty part with an empty file name.
            Some(f) if f.is_empty() && content.is_empty() => String::new(),
            Some(_) => format!(
                "data:{content_type};base64,{}",
                base64::engine::general_purpose::STANDARD.encode(content)
            ),
            None => String::from_utf8(content.to_vec())
                .map_err(|_| Malformed("a form field is not UTF-8"))?,
        };
        out.push((name, value));
        at = content_end + closing.len();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BODY: &[u8] = b"--XyZ\r\nContent-Disposition: form-data; name=\"csrfmiddlewaretoken\"\r\n\r\ntok\r\n--XyZ\r\nContent-Disposition: form-data; name=\"avatar\"; filename=\"a.png\"\r\nContent-Type: image/png\r\n\r\n\x89PNG\r\n--XyZ\r\nContent-Disposition: form-data; name=\"none\"; filename=\"\"\r\nContent-Type: application/octet-stream\r\n\r\n\r\n--XyZ\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nJ\xc3\xb6rg\r\n--XyZ--\r\n";

    #[test]
    fn fields_and_files() {
        assert_eq!(
            boundary("multipart/form-data; boundary=XyZ").as_deref(),
            Some("XyZ")
        );
        assert_eq!(
            boundary("multipart/form-data; boundary=\"XyZ\"").as_deref(),
            Some("XyZ")
        );
        assert_eq!(boundary("application/x-www-form-urlencoded"), None);
        let fields = parse("XyZ", BODY).expect("well-formed");
        assert_eq!(fields[0], ("csrfmiddlewaretoken".into(), "tok".into()));
        assert_eq!(
            fields[1],
            ("avatar".into(), "data:image/png;base64,iVBORw==".into())
        );
        assert_eq!(fields[2], ("none".into(), String::new()));
        assert_eq!(fields[3], ("name".into(), "Jörg".into()));
    }

    #[test]
    fn malformed_bodies_are_refused() {
        assert!(parse("nope", BODY).is_err());
        let cut = &BODY[..BODY.len() - 12];
        assert_eq!(
            parse("XyZ", cut),
            Err(Malformed("a multipart part is not closed"))
        );
        assert!(
            parse(
                "XyZ",
                b"--XyZ\r\nContent-Disposition: form-data\r\n\r\nx\r\n--XyZ--"
            )
            .is_err()
        );
        assert!(
            parse(
                "XyZ",
                b"--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n\xff\r\n--XyZ--"
            )
            .is_err()
        );
    }
}
