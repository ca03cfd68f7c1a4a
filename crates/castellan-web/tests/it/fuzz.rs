//! Random bodies against every create/update endpoint: each answer is a 2xx, 400, 404 or 413 with
//! a JSON body, never a 500, and a rejected request writes nothing.
use castellan_testkit::{TestApp, db_test};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};

fn random_value(rng: &mut StdRng, depth: u32) -> Value {
    match rng.gen_range(0..if depth > 2 { 6 } else { 8 }) {
        0 => Value::Null,
        1 => Value::Bool(rng.r#gen()),
        2 => json!(rng.gen_range(-5i64..100_000)),
        3 => json!(rng.r#gen::<f64>() * 1e6),
        4 => {
            let len = rng.gen_range(0..40);
            Value::String((0..len).map(|_| rng.gen_range(' '..='~')).collect())
        }
        5 => Value::String(
            [
                "",
                "internal",
                "api",
                "all",
                "rsa",
                "00000000-0000-4000-8000-000000000000",
                "/x/",
                "a b",
                "é🔑",
            ][rng.gen_range(0..9)]
            .into(),
        ),
        6 => Value::Array(
            (0..rng.gen_range(0..4))
                .map(|_| random_value(rng, depth + 1))
                .collect(),
        ),
        _ => random_object(rng, depth + 1, &["a", "b", "settings"]),
    }
}

fn random_object(rng: &mut StdRng, depth: u32, keys: &[&str]) -> Value {
    let mut map = serde_json::Map::new();
    for k in keys {
        if rng.gen_bool(0.6) {
            map.insert((*k).to_string(), random_value(rng, depth));
        }
    }
    Value::Object(map)
}

const TARGETS: &[(&str, &[&str])] = &[
    (
        "/api/v3/core/users/",
        &[
            "username",
            "name",
            "email",
            "is_active",
            "groups",
            "attributes",
            "path",
            "type",
            "last_login",
        ],
    ),
    (
        "/api/v3/core/groups/",
        &[
            "name",
            "is_superuser",
            "parent",
            "users",
            "attributes",
            "roles",
        ],
    ),
    (
        "/api/v3/core/tokens/",
        &[
            "identifier",
            "intent",
            "user",
            "description",
            "expires",
            "expiring",
            "managed",
        ],
    ),
    (
        "/api/v3/core/applications/",
        &[
            "name",
            "slug",
            "provider",
            "backchannel_providers",
            "open_in_new_tab",
            "meta_launch_url",
            "policy_engine_mode",
            "group",
        ],
    ),
    (
        "/api/v3/core/brands/",
        &[
            "domain",
            "default",
            "branding_title",
            "flow_authentication",
            "default_application",
            "web_certificate",
            "attributes",
        ],
    ),
    (
        "/api/v3/crypto/certificatekeypairs/",
        &["name", "certificate_data", "key_data"],
    ),
    (
        "/api/v3/crypto/certificatekeypairs/generate/",
        &["common_name", "subject_alt_name", "validity_days", "alg"],
    ),
];

db_test!(
    random_bodies_never_cause_a_server_error,
    |app: TestApp| async move {
        let mut rng = StdRng::seed_from_u64(0x00ca_57e1_1a4e);
        let auth = format!("Bearer {}", app.admin_token);
        for round in 0..60 {
            for (path, keys) in TARGETS {
                let body = match round % 10 {
                    0 => (0..rng.gen_range(0..30))
                        .map(|_| rng.gen_range(0u8..128) as char)
                        .collect::<String>(),
                    1 => random_value(&mut rng, 0).to_string(),
                    _ => random_object(&mut rng, 0, keys).to_string(),
                };
                let before = app
                    .admin("GET", "/api/v3/events/events/?action=model_created", None)
                    .await
                    .json["pagination"]["count"]
                    .clone();
                let r = app
                    .send("POST", path, Some(&body), &[("authorization", &auth)])
                    .await;
                assert!(
                    matches!(r.status, 200 | 201 | 400 | 404 | 413),
                    "{path} answered {} to {body:?}: {}",
                    r.status,
                    r.text
                );
                assert!(
                    !r.json.is_null(),
                    "{path}: non-JSON answer to {body:?}: {}",
                    r.text
                );
                if r.status == 400 {
                    let after = app
                        .admin("GET", "/api/v3/events/events/?action=model_created", None)
                        .await
                        .json["pagination"]["count"]
                        .clone();
                    assert_eq!(
                        before, after,
                        "{path}: a rejected request wrote an event for {body:?}"
                    );
                }
            }
        }
    }
);
