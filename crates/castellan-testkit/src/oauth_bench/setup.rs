//! Setting the benchmark up through the admin API, as an administrator would: the default
//! blueprints, a user in two groups, three generated certificate-key pairs (RSA-2048 for signing,
//! P-256 for signing, RSA-2048 for encryption), and three confidential OAuth2 providers with the
//! managed scope mappings, each behind its own application (RS256, ES256, RS256 + JWE). The
//! signing-only measurement uses the same keys, parsed here.
use base64::Engine;
use castellan_core::group::Group;
use castellan_core::user::UserType;
use castellan_crypto::certificate::kid;
use castellan_crypto::jose::{JweEncrypter, JwtSigner};
use castellan_store::users::NewUser;
use castellan_store::{certificates, groups, scope_mappings, users};
use serde_json::{Value, json};
use uuid::Uuid;

use super::Alg;
use crate::TestApp;

/// Prefix of the managed OAuth2 scope mappings (`openid`, `email`, `profile`, …).
const MANAGED_SCOPES: &str = "goauthentik.io/providers/oauth2/scope-";

/// An OAuth2 client of the benchmark.
#[derive(Debug, Clone)]
pub struct Client {
    /// Its signing key.
    pub alg: Alg,
    /// Provider pk.
    pub provider: i64,
    /// `client_id`.
    pub client_id: String,
    /// `client_secret`.
    pub client_secret: String,
    /// The registered redirect URI.
    pub redirect_uri: String,
    /// `Basic base64(client_id:client_secret)`.
    pub basic: String,
}

/// Everything the measurements need.
#[derive(Debug)]
pub struct Bench {
    /// The user authorization codes are issued to.
    pub user: i64,
    /// The providers, in [`Alg::ALL`] order.
    pub clients: Vec<Client>,
    /// The providers' RS256 signer (the same key).
    pub rs256: JwtSigner,
    /// The ES256 provider's signer.
    pub es256: JwtSigner,
    /// The RS256 + JWE provider's encrypter.
    pub jwe: JweEncrypter,
}

impl Bench {
    /// The client signing with `alg`.
    ///
    /// # Errors
    /// No such client (cannot happen after [`setup`]).
    pub fn client(&self, alg: Alg) -> Result<&Client, String> {
        self.clients
            .iter()
            .find(|c| c.alg == alg)
            .ok_or_else(|| format!("no {} client", alg.label()))
    }
}

/// A request as `akadmin` that must answer `status`; returns the JSON body.
async fn admin(
    app: &TestApp,
    method: &str,
    path: &str,
    body: Value,
    status: u16,
) -> Result<Value, String> {
    let body = (method != "GET").then_some(body);
    let r = app.admin(method, path, body).await;
    if r.status != status {
        return Err(format!("{method} {path}: {} {}", r.status, r.text));
    }
    Ok(r.json)
}

/// The user of the codes: active, with an email, in two groups (so the `profile` mapping lists
/// groups).
async fn user(app: &TestApp) -> Result<i64, String> {
    let err = |e: castellan_store::StoreError| e.to_string();
    let mut conn = app.store.conn().await.map_err(err)?;
    let new = NewUser {
        username: "bench-user".into(),
        name: "Bench User".into(),
        email: "bench-user@example.org".into(),
        password: String::new(),
        is_active: true,
        path: "users".into(),
        user_type: UserType::Internal,
        attributes: json!({"department": "benchmarks"}),
        last_login: None,
    };
    let user = users::create(&mut conn, &new, app.store.now())
        .await
        .map_err(err)?;
    for name in ["bench-readers", "bench-writers"] {
        let group = Group {
            pk: Uuid::new_v4(),
            name: name.into(),
            is_superuser: false,
            parent: None,
            attributes: json!({}),
        };
        groups::create(&mut conn, &group).await.map_err(err)?;
        users::add_to_group(&mut conn, user.pk, group.pk)
            .await
            .map_err(err)?;
    }
    Ok(user.pk)
}

/// Generates a certificate-key pair (`alg`: `rsa` or `ecdsa`) through the API; returns its pk
/// and its (certificate, private key) PEMs.
async fn keypair(app: &TestApp, name: &str, alg: &str) -> Result<(String, String, String), String> {
    let body = json!({"common_name": name, "validity_days": 30, "alg": alg});
    let kp = admin(
        app,
        "POST",
        "/api/v3/crypto/certificatekeypairs/generate/",
        body,
        200,
    )
    .await?;
    let pk = kp["pk"]
        .as_str()
        .ok_or("generated key pair has no pk")?
        .to_string();
    let id = Uuid::parse_str(&pk).map_err(|e| e.to_string())?;
    let mut conn = app.store.conn().await.map_err(|e| e.to_string())?;
    let stored = certificates::get(&mut conn, id)
        .await
        .map_err(|e| e.to_string())?
        .ok_or("generated key pair is not stored")?;
    Ok((pk, stored.certificate_data, stored.key_data))
}

/// The pks of the managed scope mappings.
async fn managed_scopes(app: &TestApp) -> Result<Vec<Value>, String> {
    let mut conn = app.store.conn().await.map_err(|e| e.to_string())?;
    let list: Vec<Value> = scope_mappings::all(&mut conn)
        .await
        .map_err(|e| e.to_string())?
        .into_iter()
        .filter(|m| {
            m.managed
                .as_deref()
                .is_some_and(|s| s.starts_with(MANAGED_SCOPES))
        })
        .map(|m| Value::String(m.pk.to_string()))
        .collect();
    if list.is_empty() {
        return Err("no managed scope mappings (default blueprints not applied?)".into());
    }
    Ok(list)
}

/// A confidential provider signing with `signing` (and encrypting to `encryption`), behind an
/// application with slug `slug`.
async fn provider(
    app: &TestApp,
    alg: Alg,
    slug: &str,
    signing: &str,
    encryption: Option<&str>,
) -> Result<Client, String> {
    let flow = |slug: &str| format!("/api/v3/flows/instances/{slug}/");
    let authz = admin(
        app,
        "GET",
        &flow("default-provider-authorization-implicit-consent"),
        Value::Null,
        200,
    )
    .await?;
    let invalidation = admin(
        app,
        "GET",
        &flow("default-provider-invalidation-flow"),
        Value::Null,
        200,
    )
    .await?;
    let redirect_uri = format!("https://rp.example/{slug}/callback");
    let body = json!({
        "name": format!("{slug} provider"),
        "authorization_flow": authz["pk"],
        "invalidation_flow": invalidation["pk"],
        "client_type": "confidential",
        "redirect_uris": [{"matching_mode": "strict", "url": redirect_uri}],
        "property_mappings": managed_scopes(app).await?,
        "signing_key": signing,
        "encryption_key": encryption,
    });
    let p = admin(app, "POST", "/api/v3/providers/oauth2/", body, 201).await?;
    let application = json!({"name": slug, "slug": slug, "provider": p["pk"]});
    admin(app, "POST", "/api/v3/core/applications/", application, 201).await?;
    let text = |key: &str| {
        p[key]
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| format!("provider has no {key}: {p}"))
    };
    let (client_id, client_secret) = (text("client_id")?, text("client_secret")?);
    let credentials = format!("{client_id}:{client_secret}");
    Ok(Client {
        alg,
        provider: p["pk"].as_i64().ok_or("provider has no pk")?,
        basic: format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(credentials)
        ),
        client_id,
        client_secret,
        redirect_uri,
    })
}

/// Sets the benchmark up on `app`.
///
/// # Errors
/// An API call failed, or a generated key could not be parsed.
pub async fn setup(app: &TestApp) -> Result<Bench, String> {
    castellan_web::blueprints::apply_defaults(&app.store, &Default::default())
        .await
        .map_err(|e| format!("default blueprints: {e}"))?;
    let user = user(app).await?;
    let (rsa, _, rsa_key) = keypair(app, "bench rs256", "rsa").await?;
    let (ec, _, ec_key) = keypair(app, "bench es256", "ecdsa").await?;
    let (enc, enc_cert, enc_key) = keypair(app, "bench encryption", "rsa").await?;
    let clients = vec![
        provider(app, Alg::Rs256, "bench-rs256", &rsa, None).await?,
        provider(app, Alg::Es256, "bench-es256", &ec, None).await?,
        provider(app, Alg::Rs256Jwe, "bench-rs256-jwe", &rsa, Some(&enc)).await?,
    ];
    let signer = |pem: &str| JwtSigner::from_key_pem(pem).map_err(|e| e.to_string());
    Ok(Bench {
        user,
        clients,
        rs256: signer(&rsa_key)?,
        es256: signer(&ec_key)?,
        jwe: JweEncrypter::from_certificate_pem(&enc_cert, &kid(&enc_key))
            .map_err(|e| e.to_string())?,
    })
}
