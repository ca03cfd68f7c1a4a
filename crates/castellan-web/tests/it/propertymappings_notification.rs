//! `/api/v3/propertymappings/notification/` (spec §1.11): CRUD of notification webhook
//! mappings in authentik's `{pk, name, expression}` shape, list filters, search, ordering and
//! pagination, validation (compiling expression, unique name), admin-only access with CSRF for
//! cookie sessions, events, `used_by` naming SMS setup stages, and blueprint imports.
use castellan_testkit::{TestApp, db_test};
use serde_json::{Value, json};

use crate::blueprints::apply;
use crate::challenge_schema::assert_fits;
use crate::flow_prompt::events;
use crate::flow_support::{admin_password, defaults};
use crate::mfa_api::call;
use crate::page_session::login;
use crate::sms_support::{gateway, sms_stage};

const BASE: &str = "/api/v3/propertymappings/notification/";

fn keys(v: &Value) -> Vec<String> {
    let mut keys: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
    keys.sort();
    keys
}

/// Creates a mapping through the API; returns its JSON.
pub async fn webhook_mapping(app: &TestApp, name: &str, expression: &str) -> Value {
    let r = app
        .admin(
            "POST",
            BASE,
            Some(json!({"name": name, "expression": expression})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    r.json
}

db_test!(
    propertymappings_notification_crud,
    |app: TestApp| async move {
        let doc = castellan_web::openapi::document();

        // Validation: required fields, a compiling expression.
        let r = app.admin("POST", BASE, Some(json!({}))).await;
        assert_eq!(r.status, 400, "{}", r.text);
        assert_eq!(keys(&r.json), ["expression", "name"], "{}", r.text);
        let r = app
            .admin(
                "POST",
                BASE,
                Some(json!({"name": "broken", "expression": "return {"})),
            )
            .await;
        assert_eq!(r.status, 400, "{}", r.text);
        assert_eq!(keys(&r.json), ["expression"], "{}", r.text);
        assert!(r.json["expression"][0].is_string(), "{}", r.text);
        let r = app
            .admin(
                "POST",
                BASE,
                Some(json!({"name": "blank", "expression": " "})),
            )
            .await;
        assert_eq!(keys(&r.json), ["expression"], "{}", r.text);

        // Create: authentik's three fields, a model_created event.
        let created =
            webhook_mapping(&app, "sms body", "return {\"to\": device.phone_number}").await;
        assert_eq!(keys(&created), ["expression", "name", "pk"]);
        assert_eq!(created["name"], "sms body");
        assert_eq!(
            created["expression"],
            "return {\"to\": device.phone_number}"
        );
        assert_fits(&doc, &created, "NotificationWebhookMapping", "mapping");
        let pk = created["pk"].as_str().unwrap().to_string();
        let one = format!("{BASE}{pk}/");
        let made = events(&app, "model_created").await;
        assert!(
            made.iter().any(|e| e["context"]["model"]
                == json!({"app": "authentik_events", "model_name": "notificationwebhookmapping",
                          "pk": pk, "name": "sms body"})),
            "{made:?}"
        );

        // Names are unique.
        let r = app
            .admin(
                "POST",
                BASE,
                Some(json!({"name": "sms body", "expression": "return {}"})),
            )
            .await;
        assert_eq!(r.status, 400, "{}", r.text);
        assert_eq!(
            r.json["name"][0], "Property Mapping with this name already exists.",
            "{}",
            r.text
        );

        // Retrieve, PATCH, PUT.
        let r = app.admin("GET", &one, None).await;
        assert_eq!((r.status, &r.json), (200, &created), "{}", r.text);
        let r = app
            .admin(
                "PATCH",
                &one,
                Some(json!({"expression": "return {\"a\": 1}"})),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(
            r.json,
            json!({"pk": pk, "name": "sms body", "expression": "return {\"a\": 1}"})
        );
        let r = app
            .admin("PATCH", &one, Some(json!({"expression": "return ("})))
            .await;
        assert_eq!(r.status, 400, "{}", r.text);
        assert_eq!(keys(&r.json), ["expression"]);
        let r = app
            .admin("PUT", &one, Some(json!({"name": "renamed"})))
            .await;
        assert_eq!(r.status, 400, "{}", r.text);
        assert_eq!(keys(&r.json), ["expression"]);
        let r = app
            .admin(
                "PUT",
                &one,
                Some(json!({"name": "renamed", "expression": "return {}"})),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.json["name"], "renamed");
        assert_eq!(events(&app, "model_updated").await.len(), 2);

        // List: pagination, ?name=, ?search=, ?ordering=.
        webhook_mapping(&app, "another", "return {}").await;
        webhook_mapping(&app, "third one", "return {}").await;
        let r = app.admin("GET", BASE, None).await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_fits(
            &doc,
            &r.json,
            "PaginatedNotificationWebhookMappingList",
            "list",
        );
        let names: Vec<&str> = r.json["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["another", "renamed", "third one"]);
        assert_eq!(r.json["pagination"]["count"], 3);
        let r = app
            .admin("GET", &format!("{BASE}?ordering=-name&page_size=2"), None)
            .await;
        assert_eq!(r.json["results"][0]["name"], "third one", "{}", r.text);
        assert_eq!(r.json["results"].as_array().unwrap().len(), 2);
        assert_eq!(r.json["pagination"]["total_pages"], 2, "{}", r.text);
        let r = app
            .admin("GET", &format!("{BASE}?name=renamed"), None)
            .await;
        assert_eq!(r.json["pagination"]["count"], 1, "{}", r.text);
        assert_eq!(r.json["results"][0]["pk"], pk.as_str());
        let r = app
            .admin("GET", &format!("{BASE}?search=THIRD"), None)
            .await;
        assert_eq!(r.json["pagination"]["count"], 1, "{}", r.text);

        // Delete.
        assert_eq!(app.admin("DELETE", &one, None).await.status, 204);
        assert_eq!(app.admin("GET", &one, None).await.status, 404);
        assert_eq!(events(&app, "model_deleted").await.len(), 1);
        let r = app.admin("GET", &format!("{BASE}not-a-uuid/"), None).await;
        assert_eq!(r.status, 404);
    }
);

db_test!(
    propertymappings_notification_admin_only,
    |app: TestApp| async move {
        let m = webhook_mapping(&app, "m", "return {}").await;
        let one = format!("{BASE}{}/", m["pk"].as_str().unwrap());
        let (_, token) = app.user_with_token("bob").await;
        for (method, path, body) in [
            ("GET", BASE.to_string(), None),
            (
                "POST",
                BASE.to_string(),
                Some(json!({"name": "x", "expression": "return {}"})),
            ),
            ("GET", one.clone(), None),
            ("PATCH", one.clone(), Some(json!({"name": "x"}))),
            ("DELETE", one.clone(), None),
            ("GET", format!("{one}used_by/"), None),
        ] {
            let r = call(&app, &token, method, &path, body).await;
            assert_eq!(r.status, 403, "{method} {path}: {}", r.text);
        }
        assert_eq!(app.admin("GET", &one, None).await.json["name"], "m");
        assert_eq!(
            app.send("GET", BASE, None, &[]).await.status,
            403,
            "anonymous"
        );

        // A cookie session writes only with the CSRF header.
        defaults(&app).await;
        admin_password(&app, "Admin-pw-1").await;
        let s = login(&app, "akadmin", "Admin-pw-1").await;
        let body = json!({"name": "from the browser", "expression": "return {}"}).to_string();
        let r = app
            .send("POST", BASE, Some(&body), &[("cookie", &s.cookies)])
            .await;
        assert_eq!(r.status, 403, "{}", r.text);
        let headers = [
            ("cookie", s.cookies.as_str()),
            ("x-authentik-csrf", s.csrf.as_str()),
        ];
        let r = app.send("POST", BASE, Some(&body), &headers).await;
        assert_eq!(r.status, 201, "{}", r.text);
    }
);

db_test!(
    propertymappings_notification_used_by_sms_stage,
    |app: TestApp| async move {
        let gw = gateway().await;
        let m = webhook_mapping(&app, "payload", "return {}").await;
        let pk = m["pk"].as_str().unwrap().to_string();
        let used_by = format!("{BASE}{pk}/used_by/");
        let r = app.admin("GET", &used_by, None).await;
        assert_eq!((r.status, r.json.clone()), (200, json!([])), "{}", r.text);

        sms_stage(&app, &gw, "sms-plain", json!({})).await;
        let stage = sms_stage(&app, &gw, "sms-mapped", json!({"mapping": pk})).await;
        let r = app.admin("GET", &used_by, None).await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(
            r.json,
            json!([{"app": "authentik_stages_authenticator_sms",
                    "model_name": "authenticatorsmsstage", "pk": stage,
                    "name": "SMS Authenticator Setup Stage sms-mapped",
                    "action": "set_null"}])
        );

        // An SMS stage cannot name a mapping that does not exist.
        let missing = uuid::Uuid::new_v4().to_string();
        let r = app
            .admin(
                "POST",
                "/api/v3/stages/authenticator/sms/",
                Some(
                    json!({"name": "sms-bad", "provider": "generic", "from_number": "+1",
                            "account_sid": gw.webhook(), "auth": "tok", "mapping": missing}),
                ),
            )
            .await;
        assert_eq!(r.status, 400, "{}", r.text);
        assert!(r.json["mapping"].is_array(), "{}", r.text);

        // Deleting the mapping sets the stage's mapping to null.
        assert_eq!(
            app.admin("DELETE", &format!("{BASE}{pk}/"), None)
                .await
                .status,
            204
        );
        let path = format!(
            "/api/v3/stages/authenticator/sms/{}/",
            stage.as_str().unwrap()
        );
        let r = app.admin("GET", &path, None).await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.json["mapping"], Value::Null, "{}", r.text);
    }
);

db_test!(
    propertymappings_notification_from_blueprint,
    |app: TestApp| async move {
        let text = r#"version: 1
entries:
  - model: authentik_events.notificationwebhookmapping
    id: sms-payload
    identifiers: {name: SMS payload}
    attrs:
      expression: 'return {"to": device.phone_number, "text": token}'
  - model: authentik_stages_authenticator_sms.authenticatorsmsstage
    identifiers: {name: sms-from-blueprint}
    attrs:
      provider: generic
      from_number: "+15550000"
      account_sid: https://sms.example/hook
      auth: tok
      mapping: !KeyOf sms-payload
"#;
        apply(&app, text).await.expect("blueprint applies");
        let r = app
            .admin("GET", &format!("{BASE}?name=SMS%20payload"), None)
            .await;
        assert_eq!(r.json["pagination"]["count"], 1, "{}", r.text);
        let m = r.json["results"][0].clone();
        assert_eq!(
            m["expression"],
            r#"return {"to": device.phone_number, "text": token}"#
        );
        let r = app
            .admin("GET", "/api/v3/stages/authenticator/sms/", None)
            .await;
        let stage = r.json["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == "sms-from-blueprint")
            .cloned()
            .unwrap_or_else(|| panic!("stage imported: {}", r.text));
        assert_eq!(stage["mapping"], m["pk"], "{stage}");

        // Applying again with another expression updates the same mapping.
        let changed = text.replace(r#""text": token"#, r#""code": token"#);
        apply(&app, &changed).await.expect("blueprint reapplies");
        let r = app.admin("GET", BASE, None).await;
        assert_eq!(r.json["pagination"]["count"], 1, "{}", r.text);
        assert_eq!(r.json["results"][0]["pk"], m["pk"]);
        assert_eq!(
            r.json["results"][0]["expression"],
            r#"return {"to": device.phone_number, "code": token}"#
        );

        // An expression that does not compile is refused.
        let bad = "version: 1\nentries:\n  - model: authentik_events.notificationwebhookmapping\n    identifiers: {name: bad}\n    attrs: {expression: \"return (\"}\n";
        assert!(apply(&app, bad).await.is_err());
        let r = app.admin("GET", &format!("{BASE}?name=bad"), None).await;
        assert_eq!(r.json["pagination"]["count"], 0, "{}", r.text);
    }
);
