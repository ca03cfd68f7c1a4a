//! The JSON of MFA devices (spec §5.2): the class-independent `Device` of `/authenticators/all/`,
//! the per-class `DuoDevice`, `TOTPDevice`, `StaticDevice` and `WebAuthnDevice`, and their
//! OpenAPI schemas.
use castellan_core::mfa::{
    DeviceCommon, DuoDevice, SmsDevice, StaticDevice, TotpDevice, WebAuthnDevice,
};
use castellan_core::webauthn_device_type::NO_EXTRA_DESCRIPTION;
use castellan_store::{
    AnyConnection, StoreError, devices, devices_duo, devices_sms, devices_static, devices_totp,
    devices_webauthn,
};
use serde_json::{Value, json};

/// A device class this release serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeviceKind {
    /// `authentik_stages_authenticator_duo.DuoDevice`.
    Duo,
    /// `authentik_stages_authenticator_sms.SMSDevice`.
    Sms,
    /// `authentik_stages_authenticator_static.StaticDevice`.
    Static,
    /// `authentik_stages_authenticator_totp.TOTPDevice`.
    Totp,
    /// `authentik_stages_authenticator_webauthn.WebAuthnDevice`.
    WebAuthn,
}

impl DeviceKind {
    /// `<app_label>.<ModelName>` (`type`).
    pub fn type_label(self) -> &'static str {
        match self {
            Self::Duo => "authentik_stages_authenticator_duo.DuoDevice",
            Self::Sms => "authentik_stages_authenticator_sms.SMSDevice",
            Self::Static => "authentik_stages_authenticator_static.StaticDevice",
            Self::Totp => "authentik_stages_authenticator_totp.TOTPDevice",
            Self::WebAuthn => "authentik_stages_authenticator_webauthn.WebAuthnDevice",
        }
    }
    /// `<app_label>.<model_name>` (`meta_model_name`).
    pub fn meta_model_name(self) -> &'static str {
        match self {
            Self::Duo => "authentik_stages_authenticator_duo.duodevice",
            Self::Sms => "authentik_stages_authenticator_sms.smsdevice",
            Self::Static => "authentik_stages_authenticator_static.staticdevice",
            Self::Totp => "authentik_stages_authenticator_totp.totpdevice",
            Self::WebAuthn => "authentik_stages_authenticator_webauthn.webauthndevice",
        }
    }
    /// Verbose name and its plural.
    pub fn verbose(self) -> (&'static str, &'static str) {
        match self {
            Self::Duo => ("Duo Device", "Duo Devices"),
            Self::Sms => ("SMS Device", "SMS Devices"),
            Self::Static => ("Static Device", "Static Devices"),
            Self::Totp => ("TOTP Device", "TOTP Devices"),
            Self::WebAuthn => ("WebAuthn Device", "WebAuthn Devices"),
        }
    }
    /// The store table.
    pub fn table(self) -> &'static str {
        match self {
            Self::Duo => devices_duo::TABLE,
            Self::Sms => devices_sms::TABLE,
            Self::Static => devices::STATIC_TABLE,
            Self::Totp => devices::TOTP_TABLE,
            Self::WebAuthn => devices_webauthn::TABLE,
        }
    }
    /// The longest name the class accepts (authentik's WebAuthn devices allow 200 characters).
    pub fn name_max_length(self) -> usize {
        match self {
            Self::Duo | Self::Sms | Self::Static | Self::Totp => 64,
            Self::WebAuthn => 200,
        }
    }
    /// The audit model reference of a device.
    pub fn model_ref(self, d: &DeviceCommon) -> Value {
        let (app, model) = self.meta_model_name().split_once('.').unwrap_or_default();
        crate::audit::model_ref(app, model, d.pk, &d.name)
    }
}

/// A device of either class.
#[derive(Debug, Clone)]
pub enum AnyDevice {
    /// A Duo device.
    Duo(DuoDevice),
    /// An SMS device.
    Sms(SmsDevice),
    /// A static device.
    Static(StaticDevice),
    /// A TOTP device.
    Totp(TotpDevice),
    /// A WebAuthn device.
    WebAuthn(WebAuthnDevice),
}

impl AnyDevice {
    /// Common fields.
    pub fn common(&self) -> &DeviceCommon {
        match self {
            Self::Duo(d) => &d.common,
            Self::Sms(d) => &d.common,
            Self::Static(d) => &d.common,
            Self::Totp(d) => &d.common,
            Self::WebAuthn(d) => &d.common,
        }
    }
    /// Class.
    pub fn kind(&self) -> DeviceKind {
        match self {
            Self::Duo(_) => DeviceKind::Duo,
            Self::Sms(_) => DeviceKind::Sms,
            Self::Static(_) => DeviceKind::Static,
            Self::Totp(_) => DeviceKind::Totp,
            Self::WebAuthn(_) => DeviceKind::WebAuthn,
        }
    }
    /// The per-class serializer: TOTP `{name, pk}`, static `{name, token_set, pk}`, WebAuthn
    /// `{pk, name, created_on, device_type, aaguid}`.
    pub fn class_json(&self) -> Value {
        match self {
            Self::Duo(d) => json!({"pk": d.common.pk, "name": d.common.name}),
            Self::Totp(d) => json!({"name": d.common.name, "pk": d.common.pk}),
            Self::Sms(d) => {
                json!({"name": d.common.name, "pk": d.common.pk, "phone_number": d.phone_number})
            }
            Self::Static(d) => {
                let tokens: Vec<Value> =
                    d.tokens.iter().map(|t| json!({"token": t.token})).collect();
                json!({"name": d.common.name, "token_set": tokens, "pk": d.common.pk})
            }
            Self::WebAuthn(d) => {
                let device_type = d
                    .device_type
                    .as_ref()
                    .map(|t| json!({"aaguid": t.aaguid, "description": t.description}));
                json!({"pk": d.common.pk, "name": d.common.name, "created_on": d.common.created,
                       "device_type": device_type, "aaguid": d.aaguid})
            }
        }
    }
    /// `extra_description`: a WebAuthn device's model, or "Extra description not available";
    /// "" for the other classes.
    pub fn extra_description(&self) -> &str {
        match self {
            Self::WebAuthn(d) => d
                .device_type
                .as_ref()
                .map_or(NO_EXTRA_DESCRIPTION, |t| t.description.as_str()),
            Self::Duo(_) | Self::Sms(_) | Self::Static(_) | Self::Totp(_) => "",
        }
    }
    /// The class-independent `Device` (string `pk`).
    pub fn device_json(&self) -> Value {
        let c = self.common();
        let kind = self.kind();
        let (verbose, plural) = kind.verbose();
        json!({"verbose_name": verbose, "verbose_name_plural": plural,
               "meta_model_name": kind.meta_model_name(), "pk": c.pk.to_string(),
               "name": c.name, "type": kind.type_label(), "confirmed": c.confirmed,
               "created": c.created, "last_updated": c.last_updated, "last_used": c.last_used,
               "extra_description": self.extra_description()})
    }
}

/// Devices of one class (or every class), of one user or of everyone, ordered by class (Duo,
/// static, TOTP, WebAuthn) then as the store lists them.
pub async fn load(
    conn: &mut AnyConnection,
    kind: Option<DeviceKind>,
    user: Option<i64>,
    confirmed_only: bool,
) -> Result<Vec<AnyDevice>, StoreError> {
    let mut out = Vec::new();
    if kind.is_none_or(|k| k == DeviceKind::Duo) {
        let list = devices_duo::list(conn, user, confirmed_only).await?;
        out.extend(list.into_iter().map(AnyDevice::Duo));
    }
    if kind.is_none_or(|k| k == DeviceKind::Sms) {
        let list = devices_sms::list(conn, user, confirmed_only).await?;
        out.extend(list.into_iter().map(AnyDevice::Sms));
    }
    if kind.is_none_or(|k| k == DeviceKind::Static) {
        let list = devices_static::list(conn, user, confirmed_only).await?;
        out.extend(list.into_iter().map(AnyDevice::Static));
    }
    if kind.is_none_or(|k| k == DeviceKind::Totp) {
        let list = devices_totp::list(conn, user, confirmed_only).await?;
        out.extend(list.into_iter().map(AnyDevice::Totp));
    }
    if kind.is_none_or(|k| k == DeviceKind::WebAuthn) {
        let list = devices_webauthn::list(conn, user, confirmed_only).await?;
        out.extend(list.into_iter().map(AnyDevice::WebAuthn));
    }
    Ok(out)
}

/// One device by class and pk.
pub async fn get(
    conn: &mut AnyConnection,
    kind: DeviceKind,
    pk: i64,
) -> Result<Option<AnyDevice>, StoreError> {
    Ok(match kind {
        DeviceKind::Duo => devices_duo::get(conn, pk).await?.map(AnyDevice::Duo),
        DeviceKind::Sms => devices_sms::get(conn, pk).await?.map(AnyDevice::Sms),
        DeviceKind::Static => devices_static::get(conn, pk).await?.map(AnyDevice::Static),
        DeviceKind::Totp => devices_totp::get(conn, pk).await?.map(AnyDevice::Totp),
        DeviceKind::WebAuthn => devices_webauthn::get(conn, pk)
            .await?
            .map(AnyDevice::WebAuthn),
    })
}

fn name_schema(request: bool) -> Value {
    let mut s = json!({"type": "string", "description": "The human-readable name of this device.",
                       "maxLength": 64});
    if request {
        s["minLength"] = json!(1);
    }
    s
}

fn webauthn_name_schema(request: bool) -> Value {
    let mut s = json!({"type": "string", "maxLength": 200});
    if request {
        s["minLength"] = json!(1);
    }
    s
}

/// The OpenAPI schemas of the SMS device serializer.
fn sms_schemas() -> Vec<(String, Value)> {
    let describe = json!("Serializer for sms authenticator devices");
    let sms = json!({"type": "object", "description": describe,
        "properties": {"name": name_schema(false),
            "pk": {"type": "integer", "readOnly": true, "title": "ID"},
            "phone_number": {"type": "string", "readOnly": true}},
        "required": ["name", "phone_number", "pk"]});
    let request = json!({"type": "object", "description": describe,
        "properties": {"name": name_schema(true)}, "required": ["name"]});
    let patched = json!({"type": "object", "description": describe,
        "properties": {"name": name_schema(true)}});
    vec![
        ("SMSDevice".into(), sms),
        ("SMSDeviceRequest".into(), request),
        ("PatchedSMSDeviceRequest".into(), patched),
    ]
}

/// The OpenAPI schemas of the device serializers.
pub fn schemas() -> Vec<(String, Value)> {
    let pk = json!({"type": "integer", "readOnly": true, "title": "ID"});
    let ro_s = json!({"type": "string", "readOnly": true});
    let dt = |nullable: bool| {
        let mut v = json!({"type": "string", "format": "date-time", "readOnly": true});
        if nullable {
            v["nullable"] = json!(true);
        }
        v
    };
    let device = json!({"type": "object", "properties": {
        "verbose_name": ro_s, "verbose_name_plural": ro_s, "meta_model_name": ro_s,
        "pk": {"type": "string"}, "name": {"type": "string"}, "type": ro_s,
        "confirmed": {"type": "boolean"}, "created": dt(false), "last_updated": dt(false),
        "last_used": dt(true), "extra_description": ro_s},
        "required": ["confirmed", "created", "extra_description", "last_updated", "last_used",
                     "meta_model_name", "name", "pk", "type", "verbose_name",
                     "verbose_name_plural"]});
    let token = json!({"type": "object", "properties": {"token": {"type": "string", "maxLength": 16}},
                       "required": ["token"]});
    let totp = json!({"type": "object", "properties": {"name": name_schema(false), "pk": pk},
                      "required": ["name", "pk"]});
    let fixed = json!({"type": "object", "properties": {"name": name_schema(false),
        "token_set": {"type": "array", "items": {"$ref": "#/components/schemas/StaticDeviceToken"},
                      "readOnly": true}, "pk": pk},
        "required": ["name", "pk", "token_set"]});
    let request = json!({"type": "object", "properties": {"name": name_schema(true)},
                         "required": ["name"]});
    let patched = json!({"type": "object", "properties": {"name": name_schema(true)}});
    let webauthn = json!({"type": "object",
        "description": "Serializer for WebAuthn authenticator devices",
        "properties": {"pk": pk, "name": webauthn_name_schema(false),
            "created_on": dt(false),
            "device_type": {"allOf": [{"$ref": "#/components/schemas/WebAuthnDeviceType"}],
                            "readOnly": true, "nullable": true},
            "aaguid": ro_s},
        "required": ["aaguid", "created_on", "device_type", "name", "pk"]});
    let webauthn_request = json!({"type": "object",
        "description": "Serializer for WebAuthn authenticator devices",
        "properties": {"name": webauthn_name_schema(true)}, "required": ["name"]});
    let webauthn_patched = json!({"type": "object",
        "description": "Serializer for WebAuthn authenticator devices",
        "properties": {"name": webauthn_name_schema(true)}});
    let duo_description = json!("Serializer for Duo authenticator devices");
    let mut duo = json!({"type": "object", "properties": {"pk": pk, "name": name_schema(false)},
                         "required": ["name", "pk"]});
    duo["description"] = duo_description.clone();
    let mut duo_request = request.clone();
    duo_request["description"] = duo_description.clone();
    let mut duo_patched = patched.clone();
    duo_patched["description"] = duo_description;
    let mut out = vec![
        ("Device".into(), device),
        ("DuoDevice".into(), duo),
        ("DuoDeviceRequest".into(), duo_request),
        ("PatchedDuoDeviceRequest".into(), duo_patched),
        ("StaticDeviceToken".into(), token),
        ("TOTPDevice".into(), totp),
        ("StaticDevice".into(), fixed),
        ("TOTPDeviceRequest".into(), request.clone()),
        ("StaticDeviceRequest".into(), request),
        ("PatchedTOTPDeviceRequest".into(), patched.clone()),
        ("PatchedStaticDeviceRequest".into(), patched),
        ("WebAuthnDevice".into(), webauthn),
        ("WebAuthnDeviceRequest".into(), webauthn_request),
        ("PatchedWebAuthnDeviceRequest".into(), webauthn_patched),
    ];
    out.extend(sms_schemas());
    out.extend(super::webauthn_device_types::schemas());
    out
}
