//! The QR code of the TOTP setup page (spec §5.4): the challenge's `otpauth://` URL as an inline
//! SVG that authenticator apps scan, drawn on the server (no script, no image request).
use qrcode::render::svg;
use qrcode::{EcLevel, QrCode};
use serde_json::Value;

/// The SVG of the challenge's `config_url`, for the TOTP setup challenge only.
pub fn otpauth_svg(challenge: &Value) -> Option<String> {
    if challenge.get("component").and_then(Value::as_str) != Some("ak-stage-authenticator-totp") {
        return None;
    }
    let url = challenge.get("config_url")?.as_str()?;
    if !url.starts_with("otpauth://") {
        return None;
    }
    let code = QrCode::with_error_correction_level(url.as_bytes(), EcLevel::M).ok()?;
    let image = code
        .render::<svg::Color<'_>>()
        .min_dimensions(200, 200)
        .dark_color(svg::Color("#000000"))
        .light_color(svg::Color("#ffffff"))
        .quiet_zone(true)
        .build();
    // Only the <svg> element: the page is HTML, not an XML document.
    let start = image.find("<svg")?;
    Some(image[start..].replacen(
        "<svg",
        "<svg role=\"img\" aria-label=\"QR code of the authenticator app link\"",
        1,
    ))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    //! Which challenges get a code, and its shape.

    use super::*;
    use serde_json::json;

    #[test]
    fn totp_only() {
        let totp = json!({"component": "ak-stage-authenticator-totp",
                          "config_url": "otpauth://totp/a:b?secret=ABC&issuer=a"});
        let svg = otpauth_svg(&totp).unwrap();
        assert!(svg.starts_with("<svg role=\"img\""), "{svg}");
        assert!(svg.contains("<path"), "{svg}");
        assert_eq!(
            otpauth_svg(&json!({"component": "ak-stage-password"})),
            None
        );
        let other = json!({"component": "ak-stage-authenticator-totp",
                           "config_url": "javascript:alert(1)"});
        assert_eq!(otpauth_svg(&other), None);
    }
}
