//! `/core/brands/` and `/core/brands/current/`.
use castellan_core::certificate::CertificateKeyPair;
use castellan_core::flow::FlowRef;
use castellan_testkit::{TestApp, db_test};
use serde_json::{Value, json};
use uuid::Uuid;

const BASE: &str = "/api/v3/core/brands/";

fn golden(name: &str) -> Value {
    let path = format!(
        "{}/../../../shared/reference/authentik-2024.10/golden/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {path}: {e}"));
    serde_json::from_str(&text).unwrap()
}

/// Same keys in the same order (recursively through objects and the first element of arrays)
/// and same JSON types (null matches anything).
fn same_shape(path: &str, ours: &Value, theirs: &Value) {
    match (ours, theirs) {
        (Value::Object(a), Value::Object(b)) => {
            let ka: Vec<_> = a.keys().collect();
            let kb: Vec<_> = b.keys().collect();
            assert_eq!(ka, kb, "keys differ at {path}");
            for (k, v) in b {
                same_shape(&format!("{path}.{k}"), &a[k], v);
            }
        }
        (Value::Array(a), Value::Array(b)) => {
            if let (Some(x), Some(y)) = (a.first(), b.first()) {
                same_shape(&format!("{path}[0]"), x, y);
            }
        }
        (_, Value::Null) | (Value::Null, _) => {}
        (a, b) => assert_eq!(
            std::mem::discriminant(a),
            std::mem::discriminant(b),
            "type differs at {path}: {a} vs {b}"
        ),
    }
}

async fn flow(app: &TestApp, slug: &str, designation: &str) -> Uuid {
    let mut conn = app.store.conn().await.unwrap();
    let f = FlowRef {
        flow_uuid: Uuid::new_v4(),
        slug: slug.into(),
        name: slug.into(),
        title: slug.into(),
        designation: designation.into(),
    };
    castellan_store::flows::create(&mut conn, &f).await.unwrap();
    f.flow_uuid
}

async fn certificate(app: &TestApp) -> Uuid {
    let mut conn = app.store.conn().await.unwrap();
    let kp = CertificateKeyPair {
        kp_uuid: Uuid::new_v4(),
        name: "web".into(),
        certificate_data: String::new(),
        key_data: String::new(),
        managed: None,
        fingerprint_sha256: None,
        fingerprint_sha1: None,
        cert_expiry: None,
        cert_subject: None,
        private_key_type: None,
    };
    castellan_store::certificates::save(&mut conn, &kp, true, app.store.now())
        .await
        .unwrap();
    kp.kp_uuid
}

async fn count(app: &TestApp) -> i64 {
    let r = app.admin("GET", BASE, None).await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.json["pagination"]["count"].as_i64().unwrap()
}

async fn create(app: &TestApp, body: Value) -> Value {
    let r = app.admin("POST", BASE, Some(body)).await;
    assert_eq!(r.status, 201, "{}", r.text);
    r.json
}

async fn current(app: &TestApp, host: Option<&str>) -> Value {
    let headers: Vec<(&str, &str)> = host.map(|h| ("host", h)).into_iter().collect();
    let r = app
        .send("GET", &format!("{BASE}current/"), None, &headers)
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.json
}

db_test!(list_matches_golden, |app: TestApp| async move {
    let auth = flow(&app, "default-authentication-flow", "authentication").await;
    let inval = flow(&app, "default-invalidation-flow", "invalidation").await;
    let settings = flow(&app, "default-user-settings-flow", "stage_configuration").await;
    create(
        &app,
        json!({
            "domain": "authentik-default",
            "default": true,
            "flow_authentication": auth,
            "flow_invalidation": inval,
            "flow_user_settings": settings,
        }),
    )
    .await;
    let r = app.admin("GET", BASE, None).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let g = golden("core-brands.json")["body"].clone();
    same_shape("$", &r.json, &g);
    let (ours, theirs) = (&r.json["results"][0], &g["results"][0]);
    for key in [
        "domain",
        "default",
        "branding_title",
        "branding_logo",
        "branding_favicon",
        "flow_recovery",
        "flow_unenrollment",
        "flow_device_code",
        "default_application",
        "web_certificate",
        "attributes",
    ] {
        assert_eq!(ours[key], theirs[key], "{key}");
    }
    assert_eq!(ours["flow_authentication"], auth.to_string());
    assert_eq!(r.json["pagination"], g["pagination"]);
});

db_test!(crud_round_trip, |app: TestApp| async move {
    let b = create(&app, json!({"domain": "example.org"})).await;
    let id = b["brand_uuid"].as_str().unwrap().to_string();
    assert_eq!(b["default"], false);
    assert_eq!(b["branding_title"], "authentik");
    assert_eq!(b["attributes"], json!({}));
    assert_eq!(b["flow_authentication"], Value::Null);

    let r = app.admin("GET", &format!("{BASE}{id}/"), None).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json, b);

    let cert = certificate(&app).await;
    let r = app
        .admin(
            "POST",
            "/api/v3/core/applications/",
            Some(json!({"name": "A", "slug": "a"})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let app_pk = r.json["pk"].as_str().unwrap().to_string();
    let recovery = flow(&app, "recovery", "recovery").await;
    let r = app
        .admin(
            "PATCH",
            &format!("{BASE}{id}/"),
            Some(json!({
                "branding_title": "Example",
                "attributes": {"settings": {"locale": "de"}},
                "web_certificate": cert,
                "default_application": app_pk,
                "flow_recovery": recovery,
            })),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["domain"], "example.org");
    assert_eq!(r.json["branding_title"], "Example");
    assert_eq!(r.json["web_certificate"], cert.to_string());
    assert_eq!(r.json["default_application"], app_pk);
    assert_eq!(r.json["flow_recovery"], recovery.to_string());
    assert_eq!(r.json["attributes"]["settings"]["locale"], "de");

    // PUT requires the domain; null clears a reference.
    let r = app
        .admin(
            "PUT",
            &format!("{BASE}{id}/"),
            Some(json!({"default": false})),
        )
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(r.json, json!({"domain": ["This field is required."]}));
    let r = app
        .admin(
            "PUT",
            &format!("{BASE}{id}/"),
            Some(json!({"domain": "example.com", "web_certificate": null})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["domain"], "example.com");
    assert_eq!(r.json["web_certificate"], Value::Null);
    assert_eq!(r.json["branding_title"], "Example");

    let r = app.admin("DELETE", &format!("{BASE}{id}/"), None).await;
    assert_eq!(r.status, 204);
    for method in ["GET", "PATCH", "DELETE"] {
        let r = app
            .admin(method, &format!("{BASE}{id}/"), Some(json!({})))
            .await;
        assert_eq!(r.status, 404, "{method}");
    }
    let r = app.admin("GET", &format!("{BASE}not-a-uuid/"), None).await;
    assert_eq!(r.status, 404);

    for action in ["model_created", "model_updated", "model_deleted"] {
        let r = app
            .admin(
                "GET",
                &format!("/api/v3/events/events/?action={action}"),
                None,
            )
            .await;
        assert!(
            r.json["results"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["context"]["model"]["model_name"] == "brand"),
            "{action}"
        );
    }
});

db_test!(validation_messages, |app: TestApp| async move {
    create(&app, json!({"domain": "taken.org"})).await;
    let r = app.admin("POST", BASE, Some(json!({}))).await;
    assert_eq!(r.status, 400);
    assert_eq!(r.json, json!({"domain": ["This field is required."]}));
    let r = app
        .admin(
            "POST",
            BASE,
            Some(
                json!({"domain": "", "branding_title": "", "default": "maybe", "attributes": null}),
            ),
        )
        .await;
    assert_eq!(
        r.json,
        json!({
            "domain": ["This field may not be blank."],
            "branding_title": ["This field may not be blank."],
            "default": ["Must be a valid boolean."],
            "attributes": ["This field may not be null."],
        })
    );
    let r = app
        .admin("POST", BASE, Some(json!({"domain": "taken.org"})))
        .await;
    assert_eq!(r.json, json!({"domain": ["This field must be unique."]}));

    let missing = "00000000-0000-4000-8000-000000000000";
    let r = app
        .admin(
            "POST",
            BASE,
            Some(json!({
                "domain": "new.org",
                "flow_authentication": missing,
                "flow_device_code": missing,
                "default_application": missing,
                "web_certificate": missing,
                "flow_recovery": "nope",
                "flow_invalidation": 5,
            })),
        )
        .await;
    let gone = format!("Invalid pk \"{missing}\" - object does not exist.");
    assert_eq!(
        r.json,
        json!({
            "flow_authentication": [gone],
            "flow_device_code": [gone],
            "default_application": [gone],
            "web_certificate": [gone],
            "flow_recovery": ["\u{201c}nope\u{201d} is not a valid UUID."],
            "flow_invalidation": ["Incorrect type. Expected pk value, received int."],
        })
    );
    // Nothing was written.
    assert_eq!(count(&app).await, 1);
});

db_test!(single_default_brand, |app: TestApp| async move {
    let first = create(&app, json!({"domain": "one.org", "default": true})).await;
    let second = create(&app, json!({"domain": "two.org"})).await;
    let msg = json!({"default": ["Only a single brand can be set as default."]});
    let r = app
        .admin(
            "POST",
            BASE,
            Some(json!({"domain": "three.org", "default": true})),
        )
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(r.json, msg);
    let r = app
        .admin(
            "PATCH",
            &format!("{BASE}{}/", second["brand_uuid"].as_str().unwrap()),
            Some(json!({"default": true, "branding_title": "Two"})),
        )
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(r.json, msg);
    // The failed requests wrote nothing.
    assert_eq!(count(&app).await, 2);
    let r = app
        .admin("GET", &format!("{BASE}?default=true"), None)
        .await;
    assert_eq!(r.json["pagination"]["count"], 1);
    assert_eq!(r.json["results"][0]["domain"], "one.org");
    let r = app
        .admin(
            "GET",
            &format!("{BASE}{}/", second["brand_uuid"].as_str().unwrap()),
            None,
        )
        .await;
    assert_eq!(r.json["branding_title"], "authentik");
    // The default brand itself may be saved with default=true.
    let first_id = first["brand_uuid"].as_str().unwrap();
    let r = app
        .admin(
            "PATCH",
            &format!("{BASE}{first_id}/"),
            Some(json!({"default": true})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    // Once it is no longer default, another brand can be.
    let r = app
        .admin(
            "PATCH",
            &format!("{BASE}{first_id}/"),
            Some(json!({"default": false})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = app
        .admin(
            "PATCH",
            &format!("{BASE}{}/", second["brand_uuid"].as_str().unwrap()),
            Some(json!({"default": true})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["default"], true);
});

db_test!(search_filter_ordering, |app: TestApp| async move {
    let auth = flow(&app, "auth", "authentication").await;
    create(
        &app,
        json!({"domain": "b.example", "branding_title": "Bravo", "flow_authentication": auth}),
    )
    .await;
    create(
        &app,
        json!({"domain": "a.example", "branding_title": "Alpha", "default": true}),
    )
    .await;
    create(
        &app,
        json!({"domain": "c.other", "branding_title": "Charlie", "branding_logo": "/logo.svg"}),
    )
    .await;
    let domains = |v: &Value| -> Vec<String> {
        v["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b["domain"].as_str().unwrap().to_string())
            .collect()
    };
    let get = |q: &str| {
        let path = format!("{BASE}{q}");
        let app = &app;
        async move {
            let r = app.admin("GET", &path, None).await;
            assert_eq!(r.status, 200, "{}", r.text);
            r.json
        }
    };
    assert_eq!(
        domains(&get("").await),
        ["a.example", "b.example", "c.other"]
    );
    assert_eq!(
        domains(&get("?ordering=-domain").await),
        ["c.other", "b.example", "a.example"]
    );
    assert_eq!(
        domains(&get("?ordering=-branding_title").await),
        ["c.other", "b.example", "a.example"]
    );
    assert_eq!(
        domains(&get("?search=EXAMPLE").await),
        ["a.example", "b.example"]
    );
    assert_eq!(domains(&get("?search=charl").await), ["c.other"]);
    assert_eq!(domains(&get("?domain=b.example").await), ["b.example"]);
    assert_eq!(
        domains(&get("?default=false").await),
        ["b.example", "c.other"]
    );
    assert_eq!(domains(&get("?branding_title=Alpha").await), ["a.example"]);
    assert_eq!(domains(&get("?branding_logo=/logo.svg").await), ["c.other"]);
    assert_eq!(
        domains(&get(&format!("?flow_authentication={auth}")).await),
        ["b.example"]
    );
    let r = app
        .admin("GET", &format!("{BASE}?flow_authentication=nope"), None)
        .await;
    assert_eq!(r.status, 400);
    let r = app
        .admin("GET", &format!("{BASE}?default=maybe"), None)
        .await;
    assert_eq!(r.status, 400);
});

db_test!(current_brand_by_host, |app: TestApp| async move {
    // No brand at all: the built-in fallback.
    let c = current(&app, Some("sso.example.org")).await;
    assert_eq!(
        c,
        json!({
            "matched_domain": "fallback",
            "branding_title": "authentik",
            "branding_logo": "/static/dist/assets/icons/icon_left_brand.svg",
            "branding_favicon": "/static/dist/assets/icons/icon.png",
            "ui_footer_links": [],
            "ui_theme": "automatic",
            "default_locale": "",
        })
    );

    let auth = flow(&app, "default-authentication-flow", "authentication").await;
    let inval = flow(&app, "default-invalidation-flow", "invalidation").await;
    create(
        &app,
        json!({
            "domain": "authentik-default",
            "default": true,
            "flow_authentication": auth,
            "flow_invalidation": inval,
        }),
    )
    .await;
    create(
        &app,
        json!({
            "domain": "example.org",
            "branding_title": "Example",
            "attributes": {"settings": {"theme": {"base": "dark"}, "locale": "fr"}},
            "flow_authentication": auth,
        }),
    )
    .await;

    // Suffix match (case-insensitive); unset flows are omitted.
    let c = current(&app, Some("SSO.Example.org")).await;
    assert_eq!(
        c,
        json!({
            "matched_domain": "example.org",
            "branding_title": "Example",
            "branding_logo": "/static/dist/assets/icons/icon_left_brand.svg",
            "branding_favicon": "/static/dist/assets/icons/icon.png",
            "ui_footer_links": [],
            "ui_theme": "dark",
            "flow_authentication": "default-authentication-flow",
            "default_locale": "fr",
        })
    );
    // Anything else gets the default brand, with its flows as slugs.
    let c = current(&app, Some("other.net")).await;
    assert_eq!(c["matched_domain"], "authentik-default");
    assert_eq!(c["flow_authentication"], "default-authentication-flow");
    assert_eq!(c["flow_invalidation"], "default-invalidation-flow");
    assert!(c.get("flow_recovery").is_none());
    assert_eq!(c["ui_theme"], "automatic");
    assert_eq!(c["default_locale"], "");
    let c = current(&app, None).await;
    assert_eq!(c["matched_domain"], "authentik-default");
    let keys: Vec<&str> = c.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "matched_domain",
            "branding_title",
            "branding_logo",
            "branding_favicon",
            "ui_footer_links",
            "ui_theme",
            "flow_authentication",
            "flow_invalidation",
            "default_locale",
        ]
    );
});
