//! Invitations: the invitation stage in an enrollment flow (token from `itoken`/`token`,
//! `fixed_data` into the prompt data, expiry, flow binding, `continue_flow_without_invitation`,
//! single-use consumed exactly once under concurrent use) and the
//! `/stages/invitation/invitations/` API.
use castellan_testkit::flow_client::FlowClient;
use castellan_testkit::{TestApp, db_test};
use serde_json::{Value, json};

use crate::flow_prompt::{events, flow, prompt, stage};

const API: &str = "/api/v3/stages/invitation/invitations/";
const DENIED: &str = "Invalid invite/invite not found";

/// An enrollment flow `slug`: invitation stage → prompt (username, password) → user write.
async fn enrollment(app: &TestApp, slug: &str, continue_without: bool) -> Value {
    let fields = vec![
        prompt(
            app,
            &format!("{slug}-user"),
            json!({"field_key": "username", "type": "username"}),
        )
        .await,
        prompt(
            app,
            &format!("{slug}-pw"),
            json!({"field_key": "password", "type": "password", "order": 1}),
        )
        .await,
    ];
    let i = stage(
        app,
        "stages/invitation/stages",
        json!({"name": format!("{slug}-invite"),
               "continue_flow_without_invitation": continue_without}),
    )
    .await;
    let p = stage(
        app,
        "stages/prompt/stages",
        json!({"name": format!("{slug}-prompt"), "fields": fields}),
    )
    .await;
    let w = stage(
        app,
        "stages/user_write",
        json!({"name": format!("{slug}-write"), "user_creation_mode": "always_create"}),
    )
    .await;
    flow(app, slug, json!({}), &[i, p, w]).await
}

async fn invitation(app: &TestApp, body: Value) -> Value {
    let r = app.admin("POST", API, Some(body)).await;
    assert_eq!(r.status, 201, "{}", r.text);
    r.json
}

fn client<'a>(app: &'a TestApp, slug: &str, query: &str) -> FlowClient<'a> {
    let mut c = FlowClient::new(app, slug);
    c.query = query.to_string();
    c
}

async fn user_json(app: &TestApp, username: &str) -> Value {
    let r = app
        .admin(
            "GET",
            &format!("/api/v3/core/users/?username={username}"),
            None,
        )
        .await;
    r.json["results"][0].clone()
}

fn assert_denied(r: &Value) {
    assert_eq!(r["component"], "ak-stage-access-denied", "{r}");
    assert_eq!(r["error_message"], DENIED, "{r}");
}

db_test!(
    invitation_fills_prompt_data_and_enrolls,
    |app: TestApp| async move {
        let f = enrollment(&app, "inv-enroll", false).await;
        let invite = invitation(
            &app,
            json!({"name": "team-a", "flow": f["pk"], "expires": "2099-01-01T00:00:00Z",
               "fixed_data": {"name": "Invited Person", "email": "invited@example.org",
                              "attributes": {"team": "a"}}}),
        )
        .await;
        let token = invite["pk"].as_str().unwrap();
        let mut c = client(&app, "inv-enroll", &format!("itoken={token}"));
        let r = c.get().await;
        assert_eq!(r.json["component"], "ak-stage-prompt", "{}", r.text);
        let r = c
            .post(
                json!({"component": "ak-stage-prompt", "username": "invited",
                     "password": "Invited-pw-1"}),
            )
            .await;
        assert_eq!(
            r.json,
            json!({"component": "xak-flow-redirect", "to": "/"}),
            "{}",
            r.text
        );
        let u = user_json(&app, "invited").await;
        assert_eq!(u["name"], "Invited Person", "{u}");
        assert_eq!(u["email"], "invited@example.org");
        assert_eq!(u["attributes"], json!({"team": "a"}));
        let used = events(&app, "invitation_used").await;
        assert_eq!(used.len(), 1);
        assert_eq!(
            used[0]["context"]["invitation_uuid"],
            token.replace('-', ""),
            "{}",
            used[0]
        );
        // Not single-use: still there, and usable again (here through `?token=`).
        let r = app.admin("GET", &format!("{API}{token}/"), None).await;
        assert_eq!(r.status, 200);
        let mut again = client(&app, "inv-enroll", &format!("token={token}"));
        assert_eq!(again.get().await.json["component"], "ak-stage-prompt");
    }
);

db_test!(
    expired_and_foreign_invitations_are_denied,
    |app: TestApp| async move {
        let f = enrollment(&app, "inv-a", false).await;
        let other = enrollment(&app, "inv-b", false).await;
        let expired = invitation(
            &app,
            json!({"name": "old", "flow": f["pk"], "expires": "2020-01-01T00:00:00Z"}),
        )
        .await;
        let foreign = invitation(&app, json!({"name": "for-b", "flow": other["pk"]})).await;
        for invite in [&expired, &foreign] {
            let token = invite["pk"].as_str().unwrap();
            let mut c = client(&app, "inv-a", &format!("itoken={token}"));
            assert_denied(&c.get().await.json);
        }
        // Bound to inv-b, it works there.
        let token = foreign["pk"].as_str().unwrap();
        let mut c = client(&app, "inv-b", &format!("itoken={token}"));
        assert_eq!(c.get().await.json["component"], "ak-stage-prompt");
        assert_eq!(events(&app, "invitation_used").await.len(), 1);
    }
);

db_test!(
    missing_invitation_continues_or_denies,
    |app: TestApp| async move {
        enrollment(&app, "inv-strict", false).await;
        enrollment(&app, "inv-open", true).await;
        let unknown = format!("itoken={}", uuid::Uuid::new_v4());
        for query in ["", unknown.as_str(), "itoken=not-a-uuid"] {
            let mut c = client(&app, "inv-strict", query);
            assert_denied(&c.get().await.json);
            let mut c = client(&app, "inv-open", query);
            let r = c.get().await;
            assert_eq!(
                r.json["component"], "ak-stage-prompt",
                "{query}: {}",
                r.text
            );
        }
        assert!(events(&app, "invitation_used").await.is_empty());
    }
);

db_test!(
    single_use_is_consumed_exactly_once,
    |app: TestApp| async move {
        enrollment(&app, "inv-once", false).await;
        let invite = invitation(
            &app,
            json!({"name": "once", "single_use": true, "fixed_data": {"name": "Once"}}),
        )
        .await;
        let token = invite["pk"].as_str().unwrap();
        let query = format!("itoken={token}");
        let mut a = client(&app, "inv-once", &query);
        let mut b = client(&app, "inv-once", &query);
        let (ra, rb) = tokio::join!(a.get(), b.get());
        let components = [&ra.json["component"], &rb.json["component"]];
        let passed = components
            .iter()
            .filter(|c| **c == "ak-stage-prompt")
            .count();
        assert_eq!(passed, 1, "{} / {}", ra.text, rb.text);
        let loser = if ra.json["component"] == "ak-stage-prompt" {
            &rb.json
        } else {
            &ra.json
        };
        assert_denied(loser);
        assert_eq!(events(&app, "invitation_used").await.len(), 1);
        let r = app.admin("GET", &format!("{API}{token}/"), None).await;
        assert_eq!(r.status, 404);
        // A third flow after the fact is refused too.
        let mut c = client(&app, "inv-once", &query);
        assert_denied(&c.get().await.json);
    }
);

db_test!(store_take_has_one_winner, |app: TestApp| async move {
    use castellan_core::invitation::{Invitation, MODEL};
    use castellan_store::objects::{self, Object};
    // Keep the whole app (and its database) alive: the body only reads `app.store`.
    let app = app;
    let i = Invitation {
        pk: uuid::Uuid::new_v4(),
        name: "race".into(),
        ..Invitation::default()
    };
    let mut conn = app.store.conn().await.unwrap();
    let o = Object {
        pk: i.pk,
        model: MODEL.into(),
        name: i.pk.to_string(),
        config: i.to_config(),
    };
    objects::create(&mut conn, &o).await.unwrap();
    let mut c1 = app.store.conn().await.unwrap();
    let mut c2 = app.store.conn().await.unwrap();
    let (x, y) = tokio::join!(
        objects::take(&mut c1, MODEL, i.pk),
        objects::take(&mut c2, MODEL, i.pk)
    );
    assert_eq!([x.unwrap(), y.unwrap()].iter().filter(|w| **w).count(), 1);
});

db_test!(invitations_api_crud, |app: TestApp| async move {
    let f = enrollment(&app, "inv-api", false).await;
    let created = invitation(
        &app,
        json!({"name": "crud", "flow": f["pk"], "expires": "2099-01-01T00:00:00Z",
               "fixed_data": {"email": "x@example.org"}, "created_by": 999}),
    )
    .await;
    let pk = created["pk"].as_str().unwrap().to_string();
    assert_eq!(created["name"], "crud");
    assert_eq!(created["single_use"], false);
    assert_eq!(created["created_by"]["username"], "akadmin", "{created}");
    assert_eq!(created["flow"], f["pk"]);
    assert_eq!(created["flow_obj"]["slug"], "inv-api");
    assert_eq!(created["fixed_data"], json!({"email": "x@example.org"}));
    let mut keys: Vec<&String> = created.as_object().unwrap().keys().collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "created_by",
            "expires",
            "fixed_data",
            "flow",
            "flow_obj",
            "name",
            "pk",
            "single_use"
        ]
    );
    // Names need not be unique; no flow, no expiry.
    let second = invitation(&app, json!({"name": "crud"})).await;
    assert_eq!(second["flow"], Value::Null);
    assert_eq!(second["flow_obj"], Value::Null);
    assert_eq!(second["expires"], Value::Null);
    assert_eq!(second["fixed_data"], json!({}));

    let list = app.admin("GET", API, None).await;
    assert_eq!(list.json["pagination"]["count"], 2);
    // -expires: never-expiring first.
    assert_eq!(list.json["results"][0]["pk"], second["pk"]);
    for q in [
        "flow__slug=inv-api",
        "search=inv-api",
        "expires=2099-01-01T00:00:00Z",
    ] {
        let r = app.admin("GET", &format!("{API}?{q}"), None).await;
        assert_eq!(r.json["pagination"]["count"], 1, "{q}: {}", r.text);
        assert_eq!(r.json["results"][0]["pk"], pk.as_str());
    }
    let r = app
        .admin(
            "GET",
            &format!("{API}?created_by__username=akadmin&name=crud"),
            None,
        )
        .await;
    assert_eq!(r.json["pagination"]["count"], 2);
    let r = app.admin("GET", &format!("{API}?expires=soon"), None).await;
    assert_eq!(r.status, 400);

    let r = app.admin("GET", &format!("{API}{pk}/"), None).await;
    assert_eq!(r.json, created);
    let r = app
        .admin(
            "PATCH",
            &format!("{API}{pk}/"),
            Some(json!({"single_use": true})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["single_use"], true);
    assert_eq!(r.json["fixed_data"], json!({"email": "x@example.org"}));
    let r = app
        .admin(
            "PUT",
            &format!("{API}{pk}/"),
            Some(json!({"name": "renamed", "flow": null})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["name"], "renamed");
    assert_eq!(r.json["flow"], Value::Null);
    let r = app.admin("GET", &format!("{API}{pk}/used_by/"), None).await;
    assert_eq!(r.json, json!([]));
    assert_eq!(
        events(&app, "model_created")
            .await
            .iter()
            .filter(|e| e["context"]["model"]["model_name"] == "invitation")
            .count(),
        2
    );
    let r = app.admin("DELETE", &format!("{API}{pk}/"), None).await;
    assert_eq!(r.status, 204);
    let r = app.admin("GET", &format!("{API}{pk}/"), None).await;
    assert_eq!(r.status, 404);
    let r = app.admin("DELETE", &format!("{API}{pk}/"), None).await;
    assert_eq!(r.status, 404);
});

db_test!(invitations_api_validation, |app: TestApp| async move {
    let bad_flow = uuid::Uuid::new_v4();
    let flow_message = format!("Invalid pk \"{bad_flow}\" - object does not exist.");
    let cases = [
        (json!({}), "name", "This field is required."),
        (
            json!({"name": "has space"}),
            "name",
            "Enter a valid \u{201c}slug\u{201d} consisting of letters, numbers, underscores or hyphens.",
        ),
        (
            json!({"name": "ok", "fixed_data": "nope"}),
            "fixed_data",
            "Expected a dictionary of items but got type \"str\".",
        ),
        (
            json!({"name": "ok", "fixed_data": [1]}),
            "fixed_data",
            "Expected a dictionary of items but got type \"list\".",
        ),
        (
            json!({"name": "ok", "flow": bad_flow}),
            "flow",
            flow_message.as_str(),
        ),
        (
            json!({"name": "ok", "flow": "x"}),
            "flow",
            "Must be a valid UUID.",
        ),
        (
            json!({"name": "ok", "expires": "tomorrow"}),
            "expires",
            "Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z].",
        ),
    ];
    for (body, field, message) in cases {
        let r = app.admin("POST", API, Some(body.clone())).await;
        assert_eq!(r.status, 400, "{body}: {}", r.text);
        assert_eq!(r.json[field], json!([message]), "{body}: {}", r.text);
    }
    let ok = invitation(&app, json!({"name": "keep", "fixed_data": {"a": 1}})).await;
    let pk = ok["pk"].as_str().unwrap();
    let r = app
        .admin(
            "PATCH",
            &format!("{API}{pk}/"),
            Some(json!({"fixed_data": "x", "flow": bad_flow, "name": "changed"})),
        )
        .await;
    assert_eq!(r.status, 400);
    assert!(
        r.json.get("fixed_data").is_some() && r.json.get("flow").is_some(),
        "{}",
        r.text
    );
    let r = app.admin("GET", API, None).await;
    assert_eq!(r.json["pagination"]["count"], 1);
    assert_eq!(r.json["results"][0]["name"], "keep");
    assert_eq!(r.json["results"][0]["fixed_data"], json!({"a": 1}));
    assert!(events(&app, "model_updated").await.is_empty());
});

db_test!(token_from_an_earlier_prompt, |app: TestApp| async move {
    let code = prompt(&app, "code", json!({"field_key": "token", "type": "text"})).await;
    let ask = stage(
        &app,
        "stages/prompt/stages",
        json!({"name": "ask-code", "fields": [code]}),
    )
    .await;
    let check = stage(
        &app,
        "stages/invitation/stages",
        json!({"name": "code-check"}),
    )
    .await;
    let user = prompt(
        &app,
        "code-user",
        json!({"field_key": "username", "type": "username"}),
    )
    .await;
    let rest = stage(
        &app,
        "stages/prompt/stages",
        json!({"name": "code-rest", "fields": [user]}),
    )
    .await;
    let w = stage(
        &app,
        "stages/user_write",
        json!({"name": "code-write", "user_creation_mode": "always_create"}),
    )
    .await;
    flow(&app, "by-code", json!({}), &[ask, check, rest, w]).await;
    let invite = invitation(
        &app,
        json!({"name": "code", "fixed_data": {"name": "Coded"}}),
    )
    .await;
    let mut c = client(&app, "by-code", "");
    assert_eq!(c.get().await.json["component"], "ak-stage-prompt");
    let r = c
        .post(json!({"component": "ak-stage-prompt", "token": invite["pk"]}))
        .await;
    assert_eq!(r.json["component"], "ak-stage-prompt", "{}", r.text);
    let r = c
        .post(json!({"component": "ak-stage-prompt", "username": "coded"}))
        .await;
    assert_eq!(r.json["component"], "xak-flow-redirect", "{}", r.text);
    assert_eq!(user_json(&app, "coded").await["name"], "Coded");
    // A wrong code ends the flow.
    let mut c = client(&app, "by-code", "");
    c.get().await;
    let r = c
        .post(json!({"component": "ak-stage-prompt", "token": uuid::Uuid::new_v4()}))
        .await;
    assert_denied(&r.json);
});
