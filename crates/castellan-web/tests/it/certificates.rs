//! `/crypto/certificatekeypairs/`.
use castellan_core::brand::Brand;
use castellan_core::certificate::{CertificateKeyPair, JWT_MANAGED};
use castellan_crypto::certificate::{
    GeneratedCertificate, KeyAlgorithm, generate_self_signed, parse_certificate,
};
use castellan_testkit::{TestApp, db_test};
use serde_json::{Value, json};
use uuid::Uuid;

const BASE: &str = "/api/v3/crypto/certificatekeypairs/";

fn pair(cn: &str, alg: KeyAlgorithm) -> GeneratedCertificate {
    generate_self_signed(cn, &[cn.to_string()], 30, alg).unwrap()
}

/// No response may carry PEM material outside the `view_*` endpoints.
fn assert_no_pem(r: &castellan_testkit::Response) {
    assert!(!r.text.contains("BEGIN"), "PEM data leaked: {}", r.text);
    assert!(!r.text.contains("certificate_data"), "{}", r.text);
    assert!(!r.text.contains("key_data"), "{}", r.text);
}

async fn create(app: &TestApp, name: &str, p: &GeneratedCertificate, with_key: bool) -> Value {
    let mut body = json!({"name": name, "certificate_data": p.certificate_pem});
    if with_key {
        body["key_data"] = json!(p.private_key_pem);
    }
    let r = app.admin("POST", BASE, Some(body)).await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_no_pem(&r);
    r.json
}

db_test!(import_and_crud, |app: TestApp| async move {
    let p = pair("import.example", KeyAlgorithm::Rsa);
    let info = parse_certificate(&p.certificate_pem).unwrap();
    let kp = create(&app, "imported", &p, true).await;
    let pk = kp["pk"].as_str().unwrap().to_string();
    let keys: Vec<&String> = kp.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        [
            "pk",
            "name",
            "fingerprint_sha256",
            "fingerprint_sha1",
            "cert_expiry",
            "cert_subject",
            "private_key_available",
            "private_key_type",
            "certificate_download_url",
            "private_key_download_url",
            "managed"
        ]
    );
    assert_eq!(kp["name"], "imported");
    assert_eq!(kp["fingerprint_sha256"], info.fingerprint_sha256.as_str());
    assert_eq!(kp["fingerprint_sha1"], info.fingerprint_sha1.as_str());
    assert_eq!(kp["cert_subject"], info.subject.as_str());
    assert_eq!(kp["cert_subject"], "CN=import.example");
    let expiry = chrono::DateTime::parse_from_rfc3339(kp["cert_expiry"].as_str().unwrap())
        .unwrap()
        .with_timezone(&chrono::Utc);
    assert_eq!(expiry, info.expiry);
    assert_eq!(kp["private_key_available"], true);
    assert_eq!(kp["private_key_type"], "rsa");
    assert_eq!(
        kp["certificate_download_url"],
        format!("{BASE}{pk}/view_certificate/?download")
    );
    assert_eq!(
        kp["private_key_download_url"],
        format!("{BASE}{pk}/view_private_key/?download")
    );
    assert_eq!(kp["managed"], Value::Null);

    // The cache is in the row.
    let mut conn = app.store.conn().await.unwrap();
    let row = castellan_store::certificates::get(&mut conn, Uuid::parse_str(&pk).unwrap())
        .await
        .unwrap()
        .unwrap();
    drop(conn);
    assert_eq!(
        row.fingerprint_sha256.as_deref(),
        Some(info.fingerprint_sha256.as_str())
    );
    assert_eq!(row.private_key_type.as_deref(), Some("rsa"));
    assert_eq!(row.cert_expiry, Some(info.expiry));

    // A certificate without key.
    let q = pair("nokey.example", KeyAlgorithm::Ecdsa);
    let nokey = create(&app, "no key", &q, false).await;
    assert_eq!(nokey["private_key_available"], false);
    assert_eq!(nokey["private_key_type"], Value::Null);
    assert_eq!(nokey["cert_subject"], "CN=nokey.example");

    let r = app.admin("GET", BASE, None).await;
    assert_eq!(r.status, 200);
    assert_no_pem(&r);
    assert_eq!(r.json["pagination"]["count"], 2);
    assert_eq!(r.json["results"][0]["name"], "imported");
    let r = app
        .admin("GET", &format!("{BASE}?has_key=true"), None)
        .await;
    assert_eq!(r.json["pagination"]["count"], 1);
    assert_eq!(r.json["results"][0]["name"], "imported");
    // authentik's has_key only ever narrows: false lists everything.
    let r = app
        .admin("GET", &format!("{BASE}?has_key=false"), None)
        .await;
    assert_eq!(r.json["pagination"]["count"], 2);
    let r = app
        .admin("GET", &format!("{BASE}?name=no%20key"), None)
        .await;
    assert_eq!(r.json["pagination"]["count"], 1);
    let r = app
        .admin("GET", &format!("{BASE}?search=IMPORT"), None)
        .await;
    assert_eq!(r.json["pagination"]["count"], 1);
    let r = app
        .admin("GET", &format!("{BASE}?ordering=-name"), None)
        .await;
    assert_eq!(r.json["results"][0]["name"], "no key");
    let r = app
        .admin("GET", &format!("{BASE}?include_details=false"), None)
        .await;
    for kp in r.json["results"].as_array().unwrap() {
        for field in [
            "fingerprint_sha256",
            "fingerprint_sha1",
            "cert_expiry",
            "cert_subject",
            "private_key_type",
        ] {
            assert_eq!(kp[field], Value::Null, "{field}");
        }
    }
    assert_eq!(r.json["results"][0]["private_key_available"], true);

    let r = app.admin("GET", &format!("{BASE}{pk}/"), None).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json, kp);
    let r = app
        .admin("GET", &format!("{BASE}{pk}/?include_details=False"), None)
        .await;
    assert_eq!(r.json["fingerprint_sha1"], Value::Null);
    let r = app.admin("GET", &format!("{BASE}not-a-uuid/"), None).await;
    assert_eq!(r.status, 404);
    assert_eq!(r.json["detail"], "Not found.");

    // PATCH the name only; the key stays.
    let r = app
        .admin(
            "PATCH",
            &format!("{BASE}{pk}/"),
            Some(json!({"name": "renamed"})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_no_pem(&r);
    assert_eq!(r.json["name"], "renamed");
    assert_eq!(r.json["private_key_type"], "rsa");
    // PATCH the key away.
    let r = app
        .admin(
            "PATCH",
            &format!("{BASE}{pk}/"),
            Some(json!({"key_data": ""})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["private_key_available"], false);
    assert_eq!(r.json["private_key_type"], Value::Null);
    // PUT replaces the certificate and key: the cache follows.
    let e = pair("ec.example", KeyAlgorithm::Ecdsa);
    let e_info = parse_certificate(&e.certificate_pem).unwrap();
    let r = app
        .admin(
            "PUT",
            &format!("{BASE}{pk}/"),
            Some(json!({"name": "renamed", "certificate_data": e.certificate_pem, "key_data": e.private_key_pem})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_no_pem(&r);
    assert_eq!(r.json["private_key_type"], "ec");
    assert_eq!(
        r.json["fingerprint_sha256"],
        e_info.fingerprint_sha256.as_str()
    );
    assert_eq!(r.json["cert_subject"], "CN=ec.example");
    let r = app
        .admin(
            "PUT",
            &format!("{BASE}{pk}/"),
            Some(json!({"name": "renamed"})),
        )
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(
        r.json,
        json!({"certificate_data": ["This field is required."]})
    );
    // Unique name.
    let r = app
        .admin(
            "PATCH",
            &format!("{BASE}{pk}/"),
            Some(json!({"name": "no key"})),
        )
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(r.json, json!({"name": ["This field must be unique."]}));

    let r = app.admin("DELETE", &format!("{BASE}{pk}/"), None).await;
    assert_eq!(r.status, 204);
    let r = app.admin("GET", &format!("{BASE}{pk}/"), None).await;
    assert_eq!(r.status, 404);

    let r = app
        .admin("GET", "/api/v3/events/events/?page_size=100", None)
        .await;
    let events = r.json["results"].as_array().unwrap();
    for action in ["model_created", "model_updated", "model_deleted"] {
        assert!(
            events.iter().any(|e| e["action"] == action
                && e["context"]["model"]["app"] == "authentik_crypto"
                && e["context"]["model"]["model_name"] == "certificatekeypair"),
            "{action}"
        );
    }
    assert!(!r.text.contains("PRIVATE KEY"));
});

db_test!(validation_errors, |app: TestApp| async move {
    let p = pair("a.example", KeyAlgorithm::Rsa);
    let q = pair("b.example", KeyAlgorithm::Rsa);
    let r = app.admin("POST", BASE, Some(json!({}))).await;
    assert_eq!(r.status, 400);
    assert_eq!(
        r.json,
        json!({"name": ["This field is required."], "certificate_data": ["This field is required."]})
    );
    let r = app
        .admin(
            "POST",
            BASE,
            Some(json!({"name": "junk", "certificate_data": "-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----"})),
        )
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(
        r.json,
        json!({"certificate_data": ["Unable to load certificate."]})
    );
    let r = app
        .admin(
            "POST",
            BASE,
            Some(json!({"name": "junk", "certificate_data": p.certificate_pem, "key_data": "not a key"})),
        )
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(
        r.json,
        json!({"key_data": ["Unable to load private key (possibly encrypted?)."]})
    );
    let encrypted = "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIBvTBXBgkqhkiG9w0BBQ0wSjApBgkqhkiG9w0BBQwwHAQI\n-----END ENCRYPTED PRIVATE KEY-----\n";
    let r = app
        .admin(
            "POST",
            BASE,
            Some(json!({"name": "enc", "certificate_data": p.certificate_pem, "key_data": encrypted})),
        )
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(
        r.json["key_data"][0],
        "Unable to load private key (possibly encrypted?)."
    );
    // Both junk: both reported.
    let r = app
        .admin(
            "POST",
            BASE,
            Some(json!({"name": "junk", "certificate_data": "x", "key_data": "y"})),
        )
        .await;
    assert_eq!(
        r.json,
        json!({"certificate_data": ["Unable to load certificate."], "key_data": ["Unable to load private key (possibly encrypted?)."]})
    );
    // A key of another pair (Castellan's check; authentik accepts it).
    let r = app
        .admin(
            "POST",
            BASE,
            Some(json!({"name": "mismatch", "certificate_data": p.certificate_pem, "key_data": q.private_key_pem})),
        )
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(
        r.json,
        json!({"key_data": ["Private key does not match certificate."]})
    );
    // The same through PATCH, on either side.
    let kp = create(&app, "good", &p, true).await;
    let url = format!("{BASE}{}/", kp["pk"].as_str().unwrap());
    let r = app
        .admin("PATCH", &url, Some(json!({"key_data": q.private_key_pem})))
        .await;
    assert_eq!(
        r.json,
        json!({"key_data": ["Private key does not match certificate."]})
    );
    let r = app
        .admin(
            "PATCH",
            &url,
            Some(json!({"certificate_data": q.certificate_pem})),
        )
        .await;
    assert_eq!(
        r.json,
        json!({"key_data": ["Private key does not match certificate."]})
    );
    let r = app
        .admin(
            "PATCH",
            &url,
            Some(json!({"certificate_data": "", "name": ""})),
        )
        .await;
    assert_eq!(
        r.json,
        json!({"certificate_data": ["This field may not be blank."], "name": ["This field may not be blank."]})
    );
    // Surrounding whitespace is trimmed (DRF CharField), lines of the key too.
    let indented: String = p
        .private_key_pem
        .lines()
        .map(|l| format!("  {l}  \n"))
        .collect();
    let r = app
        .admin(
            "PATCH",
            &url,
            Some(json!({"key_data": indented, "name": "  good  "})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["name"], "good");
    assert_eq!(r.json["private_key_type"], "rsa");
    // Only superusers.
    let (_, token) = app.user_with_token("eve").await;
    let r = app
        .send(
            "GET",
            BASE,
            None,
            &[("authorization", &format!("Bearer {token}"))],
        )
        .await;
    assert_eq!(r.status, 403);
});

db_test!(generate, |app: TestApp| async move {
    let url = format!("{BASE}generate/");
    let r = app
        .admin(
            "POST",
            &url,
            Some(json!({"common_name": "gen.example", "subject_alt_name": "gen.example, 10.0.0.1", "validity_days": 10})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_no_pem(&r);
    assert_eq!(r.json["name"], "gen.example");
    assert_eq!(r.json["cert_subject"], "CN=gen.example");
    assert_eq!(r.json["private_key_type"], "rsa");
    assert_eq!(r.json["private_key_available"], true);
    let expiry = chrono::DateTime::parse_from_rfc3339(r.json["cert_expiry"].as_str().unwrap())
        .unwrap()
        .with_timezone(&chrono::Utc);
    let days = (expiry - chrono::Utc::now()).num_hours();
    assert!((9 * 24..=10 * 24).contains(&days), "{days}");
    let r = app
        .admin(
            "POST",
            &url,
            Some(json!({"common_name": "ec.example", "validity_days": 1, "alg": "ecdsa"})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["private_key_type"], "ec");
    let pk = r.json["pk"].as_str().unwrap().to_string();
    let r = app
        .admin("GET", &format!("{BASE}{pk}/view_private_key/"), None)
        .await;
    assert!(
        r.json["data"]
            .as_str()
            .unwrap()
            .contains("BEGIN PRIVATE KEY")
    );

    let r = app.admin("POST", &url, Some(json!({}))).await;
    assert_eq!(r.status, 400);
    assert_eq!(
        r.json,
        json!({"common_name": ["This field is required."], "validity_days": ["This field is required."]})
    );
    let r = app
        .admin(
            "POST",
            &url,
            Some(json!({"common_name": "x", "validity_days": 0, "alg": "dsa"})),
        )
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(
        r.json,
        json!({"validity_days": ["Ensure this value is greater than or equal to 1."], "alg": ["\"dsa\" is not a valid choice."]})
    );
    let r = app
        .admin(
            "POST",
            &url,
            Some(json!({"common_name": "x", "validity_days": "ten"})),
        )
        .await;
    assert_eq!(
        r.json,
        json!({"validity_days": ["A valid integer is required."]})
    );
    let r = app
        .admin(
            "POST",
            &url,
            Some(json!({"common_name": "gen.example", "validity_days": 5})),
        )
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(
        r.json,
        json!({"common_name": ["This field must be unique."]})
    );
    let r = app.admin("GET", BASE, None).await;
    assert_eq!(r.json["pagination"]["count"], 2);
});

db_test!(view_and_download, |app: TestApp| async move {
    let p = pair("view.example", KeyAlgorithm::Rsa);
    let kp = create(&app, "web cert", &p, true).await;
    let pk = kp["pk"].as_str().unwrap().to_string();

    let r = app
        .admin("GET", &format!("{BASE}{pk}/view_certificate/"), None)
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json, json!({"data": p.certificate_pem.trim()}));
    let r = app
        .admin(
            "GET",
            &format!("{BASE}{pk}/view_certificate/?download"),
            None,
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.headers["content-type"], "application/x-pem-file");
    assert_eq!(
        r.headers["content-disposition"],
        "attachment; filename=\"web cert_certificate.pem\""
    );
    assert_eq!(r.text, p.certificate_pem.trim());

    let r = app
        .admin("GET", &format!("{BASE}{pk}/view_private_key/"), None)
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json, json!({"data": p.private_key_pem.trim()}));
    let r = app
        .admin(
            "GET",
            &format!("{BASE}{pk}/view_private_key/?download"),
            None,
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.headers["content-type"], "application/x-pem-file");
    assert_eq!(
        r.headers["content-disposition"],
        "attachment; filename=\"web cert_private_key.pem\""
    );
    assert_eq!(r.text, p.private_key_pem.trim());

    // A non-ASCII name gets an ASCII fallback and an RFC 5987 name.
    let r = app
        .admin(
            "PATCH",
            &format!("{BASE}{pk}/"),
            Some(json!({"name": "zertifikat-\u{e4}\"x"})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = app
        .admin(
            "GET",
            &format!("{BASE}{pk}/view_certificate/?download=1"),
            None,
        )
        .await;
    assert_eq!(
        r.headers["content-disposition"],
        "attachment; filename=\"zertifikat-__x_certificate.pem\"; filename*=UTF-8''zertifikat-%C3%A4%22x_certificate.pem"
    );

    // Every view is a secret_view event referencing the pair, never carrying its data.
    let r = app
        .admin("GET", "/api/v3/events/events/?action=secret_view", None)
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let events = r.json["results"].as_array().unwrap();
    assert_eq!(events.len(), 5);
    let kinds: Vec<&str> = events
        .iter()
        .map(|e| e["context"]["type"].as_str().unwrap())
        .collect();
    assert_eq!(kinds.iter().filter(|k| **k == "private_key").count(), 2);
    assert_eq!(kinds.iter().filter(|k| **k == "certificate").count(), 3);
    for e in events {
        assert_eq!(e["app"], "authentik.crypto.api");
        assert_eq!(e["context"]["secret"]["pk"], pk.as_str());
        assert_eq!(e["context"]["secret"]["app"], "authentik_crypto");
        assert_eq!(e["context"]["secret"]["model_name"], "certificatekeypair");
        assert_eq!(e["user"]["username"], "akadmin");
    }
    assert!(!r.text.contains("PRIVATE KEY"), "{}", r.text);
    assert!(!r.text.contains("CERTIFICATE-----"), "{}", r.text);
    let key_body: String = p
        .private_key_pem
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .take(2)
        .collect();
    assert!(!r.text.contains(&key_body[..40]));

    let r = app
        .admin(
            "GET",
            &format!("{BASE}{}/view_private_key/", Uuid::new_v4()),
            None,
        )
        .await;
    assert_eq!(r.status, 404);
});

db_test!(managed_jwt_pair_is_hidden, |app: TestApp| async move {
    let p = pair("jwt", KeyAlgorithm::Rsa);
    let hidden = CertificateKeyPair {
        kp_uuid: Uuid::new_v4(),
        name: "authentik Internal JWT Certificate".into(),
        certificate_data: p.certificate_pem.clone(),
        key_data: p.private_key_pem.clone(),
        managed: Some(JWT_MANAGED.into()),
        fingerprint_sha256: None,
        fingerprint_sha1: None,
        cert_expiry: None,
        cert_subject: None,
        private_key_type: None,
    };
    let visible = CertificateKeyPair {
        kp_uuid: Uuid::new_v4(),
        name: "managed visible".into(),
        managed: Some("goauthentik.io/other".into()),
        ..hidden.clone()
    };
    let mut conn = app.store.conn().await.unwrap();
    for kp in [&hidden, &visible] {
        castellan_store::certificates::save(&mut conn, kp, true, app.store.now())
            .await
            .unwrap();
    }
    drop(conn);
    let r = app.admin("GET", BASE, None).await;
    assert_eq!(r.json["pagination"]["count"], 1);
    let only = &r.json["results"][0];
    assert_eq!(only["name"], "managed visible");
    assert_eq!(only["managed"], "goauthentik.io/other");
    // A row written without the cache is derived on the fly.
    assert_eq!(only["cert_subject"], "CN=jwt");
    assert_eq!(only["private_key_type"], "rsa");
    let r = app
        .admin("GET", &format!("{BASE}?managed={JWT_MANAGED}"), None)
        .await;
    assert_eq!(r.json["pagination"]["count"], 0);
    for path in ["", "view_certificate/", "view_private_key/", "used_by/"] {
        let r = app
            .admin("GET", &format!("{BASE}{}/{path}", hidden.kp_uuid), None)
            .await;
        assert_eq!(r.status, 404, "{path}");
    }
    let r = app
        .admin("DELETE", &format!("{BASE}{}/", hidden.kp_uuid), None)
        .await;
    assert_eq!(r.status, 404);
});

db_test!(used_by_brands, |app: TestApp| async move {
    let p = pair("used.example", KeyAlgorithm::Ecdsa);
    let kp = create(&app, "used", &p, true).await;
    let pk = Uuid::parse_str(kp["pk"].as_str().unwrap()).unwrap();
    let r = app
        .admin("GET", &format!("{BASE}{pk}/used_by/"), None)
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json, json!([]));
    let brand = Brand {
        brand_uuid: Uuid::new_v4(),
        domain: "auth.example.org".into(),
        default: false,
        web_certificate: Some(pk),
        ..Brand::fallback()
    };
    let mut conn = app.store.conn().await.unwrap();
    castellan_store::brands::save(&mut conn, &brand, true)
        .await
        .unwrap();
    drop(conn);
    let r = app
        .admin("GET", &format!("{BASE}{pk}/used_by/"), None)
        .await;
    assert_eq!(
        r.json,
        json!([{
            "app": "authentik_brands",
            "model_name": "brand",
            "pk": brand.brand_uuid.to_string(),
            "name": "Brand auth.example.org",
            "action": "set_default",
        }])
    );
    // Deleting the pair clears the brand's reference.
    let r = app.admin("DELETE", &format!("{BASE}{pk}/"), None).await;
    assert_eq!(r.status, 204);
    let mut conn = app.store.conn().await.unwrap();
    let b = castellan_store::brands::get(&mut conn, brand.brand_uuid)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(b.web_certificate, None);
});
