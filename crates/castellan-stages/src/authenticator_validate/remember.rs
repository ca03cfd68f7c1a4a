//! The remember-MFA cookie (spec §5.3 `last_auth_threshold`): after a successful validation the
//! browser receives an HS256 token `{device, class, stage, exp}` signed with a key of this stage;
//! within the threshold a later login that presents it for this stage, with a device the user
//! still has among the stage's classes, passes the stage without a challenge.
use castellan_core::mfa::{CLASS_DUO, CLASS_SMS, CLASS_STATIC, CLASS_TOTP, CLASS_WEBAUTHN};
use castellan_core::timedelta::parse_timedelta;
use castellan_crypto::hs256;
use castellan_flows::{EnvError, ResponseCookie, StageContext};
use chrono::Duration;
use serde_json::{Value, json};

/// The cookie's name (authentik's).
pub const COOKIE: &str = "authentik_mfa";

/// The stage's threshold, when it is above zero.
pub fn threshold(cx: &StageContext<'_>) -> Option<Duration> {
    let raw = cx.config().get("last_auth_threshold")?.as_str()?;
    parse_timedelta(raw).ok().filter(|d| *d > Duration::zero())
}

async fn has_device(
    cx: &mut StageContext<'_>,
    user: i64,
    class: &str,
    pk: i64,
) -> Result<bool, EnvError> {
    Ok(match class {
        CLASS_TOTP => cx
            .env
            .totp_devices(user)
            .await?
            .iter()
            .any(|d| d.common.pk == pk),
        CLASS_STATIC => cx
            .env
            .static_devices(user)
            .await?
            .iter()
            .any(|d| d.common.pk == pk),
        CLASS_WEBAUTHN => cx
            .env
            .webauthn_devices(user)
            .await?
            .iter()
            .any(|d| d.common.pk == pk),
        CLASS_SMS => cx
            .env
            .sms_devices(user)
            .await?
            .iter()
            .any(|d| d.common.pk == pk),
        CLASS_DUO => cx
            .env
            .duo_devices(user)
            .await?
            .iter()
            .any(|d| d.common.pk == pk),
        _ => false,
    })
}

/// Whether the browser's cookie lets `user` pass this stage now.
pub async fn remembered(
    cx: &mut StageContext<'_>,
    user: i64,
    classes: &[String],
) -> Result<bool, EnvError> {
    let (Some(limit), Some(token)) = (threshold(cx), cx.request.mfa_cookie.clone()) else {
        return Ok(false);
    };
    let Some(stage) = cx.stage.pk else {
        return Ok(false);
    };
    let now = cx.env.now();
    let key = cx.env.stage_key(stage);
    let Ok(claims) = hs256::verify(&token, &key, now.timestamp()) else {
        return Ok(false);
    };
    let exp = claims.get("exp").and_then(Value::as_i64).unwrap_or(0);
    let class = claims
        .get("class")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let fresh = exp > now.timestamp() && exp <= (now + limit).timestamp();
    let ours = claims.get("stage").and_then(Value::as_str) == Some(&stage.simple().to_string());
    let Some(pk) = claims.get("device").and_then(Value::as_i64) else {
        return Ok(false);
    };
    if !fresh || !ours || !classes.iter().any(|c| c == class) {
        return Ok(false);
    }
    has_device(cx, user, class, pk).await
}

/// Gives the browser the cookie after a successful validation with `device` of `class`.
pub fn remember(cx: &mut StageContext<'_>, class: &str, device: i64) {
    let (Some(limit), Some(stage)) = (threshold(cx), cx.stage.pk) else {
        return;
    };
    let expires = cx.env.now() + limit;
    let claims = json!({"device": device, "class": class, "stage": stage.simple().to_string(),
                        "exp": expires.timestamp()});
    let key = cx.env.stage_key(stage);
    if let Ok(value) = hs256::sign(&claims, &key) {
        cx.env.set_cookie(ResponseCookie {
            name: COOKIE.into(),
            value,
            expires,
        });
    }
}
