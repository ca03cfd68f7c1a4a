//! The group hierarchy is cached per configuration version: a change to a group made outside
//! the API (another server, a blueprint run from the command line) reaches the next request's
//! permissions and claims, and memberships (read with the user) need no version change.
use castellan_core::group::Group;
use castellan_store::{groups, users};
use castellan_testkit::{TestApp, db_test};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::oauth_errors::token_as;
use crate::oauth_support::{setup, userinfo};

fn group(name: &str, is_superuser: bool) -> Group {
    Group {
        pk: Uuid::new_v4(),
        name: name.into(),
        is_superuser,
        parent: None,
        attributes: json!({}),
    }
}

async fn save(app: &TestApp, g: &Group, create: bool) {
    let mut conn = app.store.conn().await.unwrap();
    if create {
        groups::create(&mut conn, g).await.unwrap();
    } else {
        groups::update(&mut conn, g).await.unwrap();
    }
}

async fn status_as(app: &TestApp, key: &str, path: &str) -> u16 {
    let auth = format!("Bearer {key}");
    app.send("GET", path, None, &[("authorization", &auth)])
        .await
        .status
}

db_test!(
    superuser_flag_of_a_group_reaches_the_next_request,
    |app: TestApp| async move {
        let app = app;
        let (grace, key) = app.user_with_token("grace").await;
        let mut staff = group("staff", false);
        save(&app, &staff, true).await;
        let mut conn = app.store.conn().await.unwrap();
        users::add_to_group(&mut conn, grace, staff.pk)
            .await
            .unwrap();
        drop(conn);
        // A plain member may not list groups; the tree is now cached.
        assert_eq!(status_as(&app, &key, "/api/v3/core/groups/").await, 403);

        // The flag set outside the API: the next request sees a superuser.
        staff.is_superuser = true;
        save(&app, &staff, false).await;
        assert_eq!(status_as(&app, &key, "/api/v3/core/groups/").await, 200);

        // Membership reaches down the hierarchy (spec: a user's groups are its direct groups
        // and their descendants): a superuser child group made outside the API counts too.
        staff.is_superuser = false;
        save(&app, &staff, false).await;
        assert_eq!(status_as(&app, &key, "/api/v3/core/groups/").await, 403);
        let mut root = group("root", true);
        save(&app, &root, true).await;
        assert_eq!(status_as(&app, &key, "/api/v3/core/groups/").await, 403);
        root.parent = Some(staff.pk);
        save(&app, &root, false).await;
        assert_eq!(status_as(&app, &key, "/api/v3/core/groups/").await, 200);
    }
);

/// The `groups` claim of the ID token in a token response.
fn id_token_groups(body: &Value) -> Value {
    let token = body["id_token"].as_str().expect("id_token");
    let payload = token.split('.').nth(1).expect("payload");
    let bytes = base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, payload)
        .expect("base64url");
    let claims: Value = serde_json::from_slice(&bytes).expect("claims");
    claims["groups"].clone()
}

db_test!(
    token_and_userinfo_claims_follow_groups,
    |app: TestApp| async move {
        let app = app;
        let c = setup(&app, "grouped", json!({})).await;
        let form = [
            ("grant_type", "client_credentials"),
            ("scope", "openid profile"),
        ];
        let r = token_as(&app, &c.client_id, &c.client_secret, &form).await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(id_token_groups(&r.json), json!([]));

        // The service account joins a group: its membership comes with its row.
        let mut conn = app.store.conn().await.unwrap();
        let account = users::get_by_username(&mut conn, "ak-grouped provider-client_credentials")
            .await
            .unwrap()
            .expect("service account");
        drop(conn);
        let mut ops = group("ops", false);
        save(&app, &ops, true).await;
        let mut conn = app.store.conn().await.unwrap();
        users::add_to_group(&mut conn, account.pk, ops.pk)
            .await
            .unwrap();
        drop(conn);
        let r = token_as(&app, &c.client_id, &c.client_secret, &form).await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(id_token_groups(&r.json), json!(["ops"]));

        // Renamed outside the API: the next token and userinfo carry the new name.
        ops.name = "operations".into();
        save(&app, &ops, false).await;
        let r = token_as(&app, &c.client_id, &c.client_secret, &form).await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(id_token_groups(&r.json), json!(["operations"]));
        let access = r.json["access_token"].as_str().unwrap().to_string();
        let info = userinfo(&app, &access).await;
        assert_eq!(info.status, 200, "{}", info.text);
        assert_eq!(info.json["groups"], json!(["operations"]));
        ops.name = "platform".into();
        save(&app, &ops, false).await;
        let info = userinfo(&app, &access).await;
        assert_eq!(info.json["groups"], json!(["platform"]));
    }
);
