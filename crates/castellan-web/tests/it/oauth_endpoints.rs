//! The OAuth2 provider's discovery surface: the provider root redirect, the discovery document's
//! fields and CORS (OpenID Connect Discovery 1.0 §3–4), the JWKS of an HS256 provider (`{}`),
//! WebFinger for the brand's default application (RFC 7033), and the launch URL the library
//! derives from the first redirect URI.
use castellan_testkit::{TestApp, db_test};
use serde_json::{Value, json};

use crate::oauth_support::setup;

db_test!(
    discovery_webfinger_and_launch_url,
    |app: TestApp| async move {
        setup(&app, "disco-app", json!({})).await;
        let r = app
            .send(
                "GET",
                "/application/o/disco-app/",
                None,
                &[("host", "id.example")],
            )
            .await;
        assert_eq!(r.status, 302);
        assert_eq!(
            r.headers.get("location").unwrap(),
            "/application/o/disco-app/.well-known/openid-configuration"
        );
        let r = app
            .send(
                "GET",
                "/application/o/disco-app/.well-known/openid-configuration",
                None,
                &[("host", "id.example"), ("origin", "https://rp.example")],
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert!(
            r.text.contains("\n  \"issuer\""),
            "pretty-printed: {}",
            r.text
        );
        assert_eq!(
            r.headers.get("access-control-allow-origin").unwrap(),
            "https://rp.example"
        );
        let d = &r.json;
        assert_eq!(d["issuer"], "http://id.example/application/o/disco-app/");
        assert_eq!(
            d["authorization_endpoint"],
            "http://id.example/application/o/authorize/"
        );
        assert_eq!(
            d["token_endpoint"],
            "http://id.example/application/o/token/"
        );
        assert_eq!(
            d["jwks_uri"],
            "http://id.example/application/o/disco-app/jwks/"
        );
        assert_eq!(
            d["end_session_endpoint"],
            "http://id.example/application/o/disco-app/end-session/"
        );
        assert_eq!(d["id_token_signing_alg_values_supported"], json!(["HS256"]));
        assert_eq!(d["request_parameter_supported"], false);
        assert_eq!(
            d["code_challenge_methods_supported"],
            json!(["plain", "S256"])
        );
        assert!(d.get("id_token_encryption_alg_values_supported").is_none());
        let scopes: Vec<&str> = d["scopes_supported"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(Value::as_str)
            .collect();
        for s in ["openid", "email", "profile", "offline_access"] {
            assert!(scopes.contains(&s), "{scopes:?}");
        }
        let claims: Vec<&str> = d["claims_supported"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(Value::as_str)
            .collect();
        for claim in [
            "sub",
            "iss",
            "nonce",
            "email",
            "preferred_username",
            "groups",
        ] {
            assert!(claims.contains(&claim), "{claims:?}");
        }
        let r = app
            .send(
                "GET",
                "/application/o/disco-app/.well-known/openid-configuration",
                None,
                &[("origin", "https://evil.example")],
            )
            .await;
        assert!(r.headers.get("access-control-allow-origin").is_none());
        let r = app
            .send("GET", "/application/o/disco-app/jwks/", None, &[])
            .await;
        assert_eq!((r.status, r.json.clone()), (200, json!({})));
        assert_eq!(r.headers.get("access-control-allow-origin").unwrap(), "*");
        let r = app
            .send("GET", "/application/o/nope/jwks/", None, &[])
            .await;
        assert_eq!(r.status, 404);

        let r = app
            .admin("GET", "/api/v3/core/applications/disco-app/", None)
            .await;
        assert_eq!(r.json["launch_url"], "https://rp.example", "{}", r.text);

        let r = app
            .send(
                "GET",
                "/.well-known/webfinger?resource=acct:alice@id.example",
                None,
                &[],
            )
            .await;
        assert_eq!(r.status, 404, "no default application yet");
        let brands = app.admin("GET", "/api/v3/core/brands/", None).await;
        let brand = brands.json["results"][0]["brand_uuid"]
            .as_str()
            .unwrap()
            .to_string();
        let application = app
            .admin("GET", "/api/v3/core/applications/disco-app/", None)
            .await;
        let r = app
            .admin(
                "PATCH",
                &format!("/api/v3/core/brands/{brand}/"),
                Some(json!({"default_application": application.json["pk"]})),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        let r = app
            .send(
                "GET",
                "/.well-known/webfinger?resource=acct:alice@id.example",
                None,
                &[("host", "id.example")],
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(
            r.headers.get("content-type").unwrap(),
            "application/jrd+json"
        );
        assert_eq!(
            r.json,
            json!({"subject": "acct:alice@id.example", "links": [{"rel": "http://openid.net/specs/connect/1.0/issuer", "href": "http://id.example/application/o/disco-app/"}]})
        );
    }
);
