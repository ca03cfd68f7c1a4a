//! Translation of the typed configuration into the web layer's settings.

use std::collections::BTreeMap;

use castellan_web::WebSettings;
use castellan_web::blueprints::BlueprintEnv;

use crate::config::Settings;

/// The build hash recorded in the version history and reported by
/// `admin/version/`: `CASTELLAN_BUILD_HASH` at compile time, else empty.
pub const BUILD_HASH: &str = match option_env!("CASTELLAN_BUILD_HASH") {
    Some(hash) => hash,
    None => "",
};

/// The [`WebSettings`] for `settings`.
#[must_use]
pub fn web_settings(settings: &Settings) -> WebSettings {
    let cache = &settings.cache;
    let er = &settings.error_reporting;
    WebSettings {
        max_body_bytes: settings.web.max_body_bytes,
        custom_css: settings.web.custom_css.clone(),
        cookie_domain: settings.cookie_domain.clone(),
        debug: settings.debug,
        build_hash: BUILD_HASH.to_owned(),
        cache_timeouts: [
            seconds(cache.timeout),
            seconds(cache.timeout_flows),
            seconds(cache.timeout_policies),
            seconds(cache.timeout_reputation),
        ],
        error_reporting: (
            er.enabled,
            er.sentry_dsn.clone().unwrap_or_default(),
            er.environment.clone(),
            er.send_pii,
            er.sample_rate,
        ),
        trusted_proxies: settings
            .listen
            .trusted_proxy_cidrs
            .iter()
            .map(|net| (net.addr(), net.prefix()))
            .collect(),
        blueprints_dir: settings.blueprints_dir.clone(),
        hibp_url: settings.hibp_url.trim_end_matches('/').to_string(),
        twilio_api_url: settings
            .sms_twilio_api_url
            .trim_end_matches('/')
            .to_string(),
        geoip_database: settings.geoip_database.clone(),
        asn_database: settings.asn_database.clone(),
        email: email_settings(&settings.email),
        blueprint_env: BlueprintEnv(blueprint_env(settings, std::env::vars())),
    }
}

/// The web layer's email settings for `email.*`; an empty or missing `template_dir` means
/// built-in templates only.
#[must_use]
pub fn email_settings(e: &crate::config::EmailSettings) -> castellan_web::email::EmailSettings {
    castellan_web::email::EmailSettings {
        smtp: castellan_web::email::SmtpSettings {
            host: e.host.clone(),
            port: e.port,
            username: e.username.clone(),
            password: e.password.expose().to_owned(),
            use_tls: e.use_tls,
            use_ssl: e.use_ssl,
            timeout: std::time::Duration::from_secs(e.timeout.max(1)),
            from: e.from.clone(),
        },
        template_dir: Some(e.template_dir.clone()).filter(|d| !d.as_os_str().is_empty()),
    }
}

/// The variables blueprints see with `!Env`: the process environment, plus authentik's
/// `AUTHENTIK_BOOTSTRAP_PASSWORD`, `…_TOKEN` and `…_EMAIL` from the bootstrap settings when
/// they are not set (so authentik's bootstrap blueprint behaves as there).
#[must_use]
pub fn blueprint_env(
    settings: &Settings,
    vars: impl Iterator<Item = (String, String)>,
) -> BTreeMap<String, String> {
    let mut env: BTreeMap<String, String> = vars.collect();
    let bootstrap = [
        (
            "AUTHENTIK_BOOTSTRAP_PASSWORD",
            settings
                .bootstrap_password
                .as_ref()
                .map(|s| s.expose().to_owned()),
        ),
        (
            "AUTHENTIK_BOOTSTRAP_TOKEN",
            settings
                .bootstrap_token
                .as_ref()
                .map(|s| s.expose().to_owned()),
        ),
        (
            "AUTHENTIK_BOOTSTRAP_EMAIL",
            Some(settings.bootstrap_email.clone()),
        ),
    ];
    for (key, value) in bootstrap {
        if let Some(value) = value.filter(|v| !v.is_empty()) {
            env.entry(key.to_owned()).or_insert(value);
        }
    }
    env
}

/// A configured number of seconds as the web layer's `i64`, saturating.
fn seconds(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn defaults_translate() {
        let settings = Settings::embedded_defaults().unwrap();
        let web = web_settings(&settings);
        assert_eq!(web.max_body_bytes, settings.web.max_body_bytes);
        assert_eq!(web.cache_timeouts, [300, 300, 300, 300]);
        assert_eq!(web.error_reporting.2, "customer");
        assert_eq!(
            web.trusted_proxies.len(),
            settings.listen.trusted_proxy_cidrs.len()
        );
        assert!(
            web.trusted_proxies
                .contains(&("127.0.0.0".parse().unwrap(), 8))
        );
    }

    #[test]
    fn blueprint_env_adds_bootstrap_settings() {
        let settings = Settings::embedded_defaults().unwrap();
        let env = blueprint_env(
            &settings,
            [("AUTHENTIK_BOOTSTRAP_EMAIL".to_owned(), "x@y".to_owned())].into_iter(),
        );
        assert_eq!(env["AUTHENTIK_BOOTSTRAP_EMAIL"], "x@y");
        assert!(!env.contains_key("AUTHENTIK_BOOTSTRAP_PASSWORD"));
        let env = blueprint_env(&settings, std::iter::empty());
        assert_eq!(env["AUTHENTIK_BOOTSTRAP_EMAIL"], settings.bootstrap_email);
    }

    #[test]
    fn email_settings_translate() {
        let settings = Settings::embedded_defaults().unwrap();
        let web = web_settings(&settings);
        assert_eq!(web.email.smtp.host, settings.email.host);
        assert_eq!(web.email.smtp.port, settings.email.port);
        assert_eq!(web.email.smtp.from, settings.email.from);
        assert_eq!(
            web.email.smtp.timeout,
            std::time::Duration::from_secs(settings.email.timeout)
        );
        assert_eq!(
            web.email.template_dir.as_deref(),
            Some(settings.email.template_dir.as_path())
        );
        let mut e = settings.email.clone();
        e.template_dir = std::path::PathBuf::new();
        assert_eq!(email_settings(&e).template_dir, None);
    }

    #[test]
    fn huge_cache_timeout_saturates() {
        assert_eq!(seconds(u64::MAX), i64::MAX);
        assert_eq!(seconds(5), 5);
    }
}
