//! A small user-agent parser for `AuthenticatedSession.user_agent`, shaped like the dictionary
//! authentik returns from `ua_parser` (`{device, os, user_agent, string}`).
//!
//! It recognises the common browsers (Chrome, Chrome Mobile, Chrome Mobile iOS, Chromium, Edge,
//! Edge Mobile, Firefox, Firefox Mobile, Firefox iOS, Opera, Safari, Mobile Safari) and curl, the
//! common systems (Windows, Mac OS X, iOS, Android, Chrome OS, Linux, Ubuntu, Fedora) and Apple,
//! Google Pixel and Samsung devices; anything else is reported as `Other`. Unknown version parts
//! and brands are empty strings (ua_parser reports them as `null`; authentik's schema declares
//! them as strings). Names follow ua_parser's (uap-core) so clients keyed on them keep working.
use serde::Serialize;
use utoipa::ToSchema;

/// User agent device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct UserAgentDevice {
    /// Brand (`Apple`, `Google`, …).
    pub brand: String,
    /// Device family (`iPhone`, `Mac`, `Other`, …).
    pub family: String,
    /// Model.
    pub model: String,
}

/// User agent OS.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct UserAgentOs {
    /// OS family (`Windows`, `Mac OS X`, `iOS`, `Android`, `Linux`, `Other`, …).
    pub family: String,
    /// Major version.
    pub major: String,
    /// Minor version.
    pub minor: String,
    /// Patch version.
    pub patch: String,
    /// Patch-minor version.
    pub patch_minor: String,
}

/// User agent browser.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct UserAgentBrowser {
    /// Browser family (`Chrome`, `Firefox`, `Safari`, `Edge`, `curl`, `Other`, …).
    pub family: String,
    /// Major version.
    pub major: String,
    /// Minor version.
    pub minor: String,
    /// Patch version.
    pub patch: String,
}

/// User agent details.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct UserAgent {
    /// Device.
    #[schema(inline)]
    pub device: UserAgentDevice,
    /// Operating system.
    #[schema(inline)]
    pub os: UserAgentOs,
    /// Browser.
    #[schema(inline)]
    pub user_agent: UserAgentBrowser,
    /// The raw user agent.
    pub string: String,
}

const OTHER: &str = "Other";

/// Dot-separated numeric version right after `token` (e.g. `Chrome/` → `["120", "0", "6099"]`).
fn version_after(ua: &str, token: &str) -> Option<Vec<String>> {
    let start = ua.find(token)? + token.len();
    Some(numeric_parts(&ua[start..], '.'))
}

/// Leading numeric parts separated by `sep` (`"17_1_2 like"` with `_` → `["17", "1", "2"]`).
fn numeric_parts(text: &str, sep: char) -> Vec<String> {
    let mut parts = Vec::new();
    for part in text.split(sep) {
        let digits: String = part.chars().take_while(char::is_ascii_digit).collect();
        if digits.is_empty() {
            break;
        }
        let complete = digits.len() == part.len();
        parts.push(digits);
        if !complete {
            break;
        }
    }
    parts
}

fn part(parts: &[String], i: usize) -> String {
    parts.get(i).cloned().unwrap_or_default()
}

fn browser(family: &str, version: &[String]) -> UserAgentBrowser {
    UserAgentBrowser {
        family: family.to_string(),
        major: part(version, 0),
        minor: part(version, 1),
        patch: part(version, 2),
    }
}

fn parse_browser(ua: &str) -> UserAgentBrowser {
    let android = ua.contains("Android");
    let ios = ua.contains("iPhone") || ua.contains("iPad") || ua.contains("iPod");
    let mobile = ua.contains("Mobile");
    if let Some(rest) = ua.strip_prefix("curl/") {
        return browser("curl", &numeric_parts(rest, '.'));
    }
    // Most specific tokens first: Edge, Opera and the iOS shells all also claim Chrome/Safari.
    let rules: [(&str, &str); 8] = [
        ("EdgA/", "Edge Mobile"),
        ("EdgiOS/", "Edge Mobile"),
        ("Edg/", "Edge"),
        ("Edge/", "Edge"),
        ("FxiOS/", "Firefox iOS"),
        ("CriOS/", "Chrome Mobile iOS"),
        ("OPR/", if android { "Opera Mobile" } else { "Opera" }),
        ("Chromium/", "Chromium"),
    ];
    for (token, family) in rules {
        if let Some(v) = version_after(ua, token) {
            return browser(family, &v);
        }
    }
    if let Some(v) = version_after(ua, "Firefox/") {
        let family = if android || (mobile && !ios) {
            "Firefox Mobile"
        } else {
            "Firefox"
        };
        return browser(family, &v);
    }
    if let Some(v) = version_after(ua, "Chrome/") {
        let family = if android && ua.contains("; wv)") {
            "Chrome Mobile WebView"
        } else if android && mobile {
            "Chrome Mobile"
        } else {
            "Chrome"
        };
        return browser(family, &v);
    }
    if ua.contains("Safari/")
        && let Some(v) = version_after(ua, "Version/")
    {
        return browser(if ios { "Mobile Safari" } else { "Safari" }, &v);
    }
    browser(OTHER, &[])
}

fn os(family: &str, version: &[String]) -> UserAgentOs {
    UserAgentOs {
        family: family.to_string(),
        major: part(version, 0),
        minor: part(version, 1),
        patch: part(version, 2),
        patch_minor: part(version, 3),
    }
}

fn windows_version(nt: &[String]) -> Vec<String> {
    let v = |s: &[&str]| s.iter().map(|p| (*p).to_string()).collect::<Vec<_>>();
    match (part(nt, 0).as_str(), part(nt, 1).as_str()) {
        ("10", _) => v(&["10"]),
        ("6", "4") => v(&["10"]),
        ("6", "3") => v(&["8", "1"]),
        ("6", "2") => v(&["8"]),
        ("6", "1") => v(&["7"]),
        ("6", "0") => v(&["Vista"]),
        ("5", "1" | "2") => v(&["XP"]),
        _ => Vec::new(),
    }
}

fn parse_os(ua: &str) -> UserAgentOs {
    if ua.contains("iPhone") || ua.contains("iPad") || ua.contains("iPod") {
        for token in ["iPhone OS ", "CPU OS "] {
            if let Some(start) = ua.find(token) {
                return os("iOS", &numeric_parts(&ua[start + token.len()..], '_'));
            }
        }
        return os("iOS", &[]);
    }
    if let Some(v) = version_after(ua, "Android ") {
        return os("Android", &v);
    }
    if ua.contains("Android") {
        return os("Android", &[]);
    }
    if let Some(v) = version_after(ua, "Windows NT ") {
        return os("Windows", &windows_version(&v));
    }
    if ua.contains("Windows") {
        return os("Windows", &[]);
    }
    if let Some(start) = ua.find("Mac OS X ") {
        let rest = &ua[start + "Mac OS X ".len()..];
        let sep = if rest.contains('_') && rest.find('_') < rest.find('.') {
            '_'
        } else {
            '.'
        };
        return os("Mac OS X", &numeric_parts(rest, sep));
    }
    if ua.contains("Macintosh") {
        return os("Mac OS X", &[]);
    }
    if ua.contains("CrOS") {
        return os("Chrome OS", &[]);
    }
    for family in ["Ubuntu", "Fedora"] {
        if ua.contains(family) {
            return os(family, &[]);
        }
    }
    if ua.contains("Linux") {
        return os("Linux", &[]);
    }
    os(OTHER, &[])
}

fn device(brand: &str, family: &str, model: &str) -> UserAgentDevice {
    UserAgentDevice {
        brand: brand.to_string(),
        family: family.to_string(),
        model: model.to_string(),
    }
}

/// The model token of an Android user agent (`Linux; Android 13; Pixel 7)` → `Pixel 7`).
fn android_model(ua: &str) -> Option<String> {
    let start = ua.find("Android")?;
    let inside = &ua[start..];
    let inside = &inside[..inside.find(')').unwrap_or(inside.len())];
    let model = inside.split(';').skip(1).map(str::trim).find(|t| {
        !t.is_empty()
            && *t != "wv"
            && *t != "U"
            && !t.starts_with("Mobile")
            && !t.starts_with("Tablet")
            && !t.starts_with("rv:")
            && !is_locale(t)
    })?;
    let model = model.split(" Build").next().unwrap_or(model).trim();
    (!model.is_empty()).then(|| model.to_string())
}

fn is_locale(token: &str) -> bool {
    let b = token.as_bytes();
    b.len() == 5
        && b[0].is_ascii_lowercase()
        && b[1].is_ascii_lowercase()
        && (b[2] == b'-' || b[2] == b'_')
        && b[3].is_ascii_alphabetic()
        && b[4].is_ascii_alphabetic()
}

fn parse_device(ua: &str) -> UserAgentDevice {
    for family in ["iPhone", "iPad", "iPod"] {
        if ua.contains(family) {
            return device("Apple", family, family);
        }
    }
    if ua.contains("Macintosh") {
        return device("Apple", "Mac", "Mac");
    }
    if ua.contains("Android") {
        return match android_model(ua) {
            Some(model) if model.starts_with("Pixel") => device("Google", &model, &model),
            Some(model) if model.starts_with("SM-") => {
                device("Samsung", &format!("Samsung {model}"), &model)
            }
            Some(model) => device("Generic_Android", &model, &model),
            None => device("Generic", "Generic Smartphone", "Smartphone"),
        };
    }
    device("", OTHER, "")
}

/// Parses a user agent string.
pub fn parse(ua: &str) -> UserAgent {
    UserAgent {
        device: parse_device(ua),
        os: parse_os(ua),
        user_agent: parse_browser(ua),
        string: ua.to_string(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn b(ua: &str) -> (String, String, String, String) {
        let p = parse(ua).user_agent;
        (p.family, p.major, p.minor, p.patch)
    }

    fn o(ua: &str) -> (String, String, String, String) {
        let p = parse(ua).os;
        (p.family, p.major, p.minor, p.patch)
    }

    fn t(a: &str, b: &str, c: &str, d: &str) -> (String, String, String, String) {
        (a.into(), b.into(), c.into(), d.into())
    }

    const CHROME_WIN: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.109 Safari/537.36";
    const EDGE_WIN: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 Edg/120.0.2210.61";
    const FIREFOX_LINUX: &str =
        "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0";
    const FIREFOX_UBUNTU: &str =
        "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:109.0) Gecko/20100101 Firefox/115.0";
    const SAFARI_MAC: &str = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15";
    const SAFARI_IPHONE: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1.2 Mobile/15E148 Safari/604.1";
    const SAFARI_IPAD: &str = "Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.6 Mobile/15E148 Safari/604.1";
    const CHROME_IOS: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/120.0.6099.119 Mobile/15E148 Safari/604.1";
    const CHROME_ANDROID: &str = "Mozilla/5.0 (Linux; Android 13; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/116.0.0.0 Mobile Safari/537.36";
    const FIREFOX_ANDROID: &str =
        "Mozilla/5.0 (Android 14; Mobile; rv:121.0) Gecko/121.0 Firefox/121.0";
    const SAMSUNG_CHROME: &str = "Mozilla/5.0 (Linux; Android 12; SM-G991B Build/SP1A.210812.016) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/112.0.5615.136 Mobile Safari/537.36";
    const CHROME_MAC: &str = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0.0.0 Safari/537.36";
    const WIN7_FIREFOX: &str =
        "Mozilla/5.0 (Windows NT 6.1; WOW64; rv:52.0) Gecko/20100101 Firefox/52.0";

    #[test]
    fn browsers() {
        assert_eq!(b(CHROME_WIN), t("Chrome", "120", "0", "6099"));
        assert_eq!(b(EDGE_WIN), t("Edge", "120", "0", "2210"));
        assert_eq!(b(FIREFOX_LINUX), t("Firefox", "121", "0", ""));
        assert_eq!(b(SAFARI_MAC), t("Safari", "17", "1", ""));
        assert_eq!(b(SAFARI_IPHONE), t("Mobile Safari", "17", "1", "2"));
        assert_eq!(b(CHROME_IOS), t("Chrome Mobile iOS", "120", "0", "6099"));
        assert_eq!(b(CHROME_ANDROID), t("Chrome Mobile", "116", "0", "0"));
        assert_eq!(b(FIREFOX_ANDROID), t("Firefox Mobile", "121", "0", ""));
        assert_eq!(b(CHROME_MAC), t("Chrome", "119", "0", "0"));
        assert_eq!(b("curl/8.4.0"), t("curl", "8", "4", "0"));
        assert_eq!(b("python-requests/2.31.0"), t("Other", "", "", ""));
        assert_eq!(b(""), t("Other", "", "", ""));
    }

    #[test]
    fn systems() {
        assert_eq!(o(CHROME_WIN), t("Windows", "10", "", ""));
        assert_eq!(o(WIN7_FIREFOX), t("Windows", "7", "", ""));
        assert_eq!(o(SAFARI_MAC), t("Mac OS X", "10", "15", "7"));
        assert_eq!(o(SAFARI_IPHONE), t("iOS", "17", "1", "2"));
        assert_eq!(o(SAFARI_IPAD), t("iOS", "16", "6", ""));
        assert_eq!(o(CHROME_ANDROID), t("Android", "13", "", ""));
        assert_eq!(o(FIREFOX_ANDROID), t("Android", "14", "", ""));
        assert_eq!(o(FIREFOX_LINUX), t("Linux", "", "", ""));
        assert_eq!(o(FIREFOX_UBUNTU), t("Ubuntu", "", "", ""));
        assert_eq!(o("curl/8.4.0"), t("Other", "", "", ""));
        assert_eq!(parse(SAFARI_MAC).os.patch_minor, "");
    }

    #[test]
    fn devices() {
        assert_eq!(
            parse(SAFARI_IPHONE).device,
            device("Apple", "iPhone", "iPhone")
        );
        assert_eq!(parse(SAFARI_IPAD).device, device("Apple", "iPad", "iPad"));
        assert_eq!(parse(SAFARI_MAC).device, device("Apple", "Mac", "Mac"));
        assert_eq!(
            parse(CHROME_ANDROID).device,
            device("Google", "Pixel 7", "Pixel 7")
        );
        assert_eq!(
            parse(SAMSUNG_CHROME).device,
            device("Samsung", "Samsung SM-G991B", "SM-G991B")
        );
        assert_eq!(
            parse(FIREFOX_ANDROID).device,
            device("Generic", "Generic Smartphone", "Smartphone")
        );
        assert_eq!(parse(CHROME_WIN).device, device("", "Other", ""));
        assert_eq!(parse("curl/8.4.0").device, device("", "Other", ""));
    }

    #[test]
    fn keeps_the_raw_string() {
        assert_eq!(parse(CHROME_WIN).string, CHROME_WIN);
        let json = serde_json::to_value(parse("curl/8.4.0")).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "device": {"brand": "", "family": "Other", "model": ""},
                "os": {"family": "Other", "major": "", "minor": "", "patch": "", "patch_minor": ""},
                "user_agent": {"family": "curl", "major": "8", "minor": "4", "patch": "0"},
                "string": "curl/8.4.0",
            })
        );
    }
}
