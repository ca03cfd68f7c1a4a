//! OAuth2 providers, codes, tokens, device tokens and scope mappings, on both engines.
use castellan_core::oauth2::{
    AuthorizationCode, ClientType, DeviceToken, IssuedToken, IssuerMode, MatchingMode,
    OAuth2Provider, RedirectUri, SubMode, TokenGrant, TokenKind,
};
use castellan_core::provider::{Provider, ProviderType};
use castellan_store::objects::{self, Object};
use castellan_store::{AnyConnection, oauth2_providers, oauth2_tokens, providers, scope_mappings};
use castellan_testkit::{TestApp, db_test};
use chrono::{Duration, SubsecRound, Utc};
use serde_json::{Map, json};
use uuid::Uuid;

use super::flows::obj;

fn provider(name: &str, client_id: &str) -> OAuth2Provider {
    OAuth2Provider {
        base: Provider {
            pk: 0,
            name: name.into(),
            provider_type: ProviderType::OAuth2,
            authentication_flow: None,
            authorization_flow: None,
            invalidation_flow: None,
            backchannel_application: None,
            is_backchannel: false,
        },
        client_type: ClientType::Public,
        client_id: client_id.into(),
        client_secret: "s3cret".into(),
        redirect_uris: vec![RedirectUri {
            matching_mode: MatchingMode::Regex,
            url: "https://app/.*".into(),
        }],
        include_claims_in_id_token: false,
        access_code_validity: "minutes=2".into(),
        access_token_validity: "hours=2".into(),
        refresh_token_validity: "days=3".into(),
        sub_mode: SubMode::UserEmail,
        issuer_mode: IssuerMode::Global,
        signing_key: None,
        encryption_key: None,
        jwks_sources: vec![Uuid::new_v4()],
        property_mappings: vec![Uuid::new_v4(), Uuid::new_v4()],
    }
}

async fn create(conn: &mut AnyConnection, p: &OAuth2Provider) -> OAuth2Provider {
    let pk = oauth2_providers::create(conn, p).await.unwrap();
    let mut p = p.clone();
    p.base.pk = pk;
    p
}

fn grant(provider: i64, user: i64, expires: chrono::DateTime<Utc>) -> TokenGrant {
    TokenGrant {
        provider,
        user,
        scope: vec!["openid".into(), "profile".into()],
        expires,
        auth_time: Some(Utc::now().trunc_subsecs(6)),
        session: Some(Uuid::new_v4()),
    }
}

db_test!(oauth2_provider_round_trip, |app: TestApp| async move {
    let app = app;
    let mut conn = app.store.conn().await.unwrap();
    let p = create(&mut conn, &provider("one", "client-1")).await;
    assert_eq!(
        oauth2_providers::get(&mut conn, p.base.pk).await.unwrap(),
        Some(p.clone())
    );
    assert_eq!(
        oauth2_providers::by_client_id(&mut conn, "client-1")
            .await
            .unwrap(),
        Some(p.clone())
    );
    assert!(
        oauth2_providers::by_client_id(&mut conn, "nope")
            .await
            .unwrap()
            .is_none()
    );
    let mut changed = p.clone();
    changed.base.name = "renamed".into();
    changed.client_type = ClientType::Confidential;
    changed.redirect_uris.clear();
    changed.property_mappings.clear();
    changed.sub_mode = SubMode::HashedUserId;
    oauth2_providers::update(&mut conn, &changed).await.unwrap();
    assert_eq!(
        oauth2_providers::get(&mut conn, p.base.pk).await.unwrap(),
        Some(changed.clone())
    );
    let other = create(&mut conn, &provider("two", "client-2")).await;
    assert_eq!(oauth2_providers::all(&mut conn).await.unwrap().len(), 2);
    assert!(
        oauth2_providers::client_id_taken(&mut conn, "client-2", Some(p.base.pk))
            .await
            .unwrap()
    );
    assert!(
        !oauth2_providers::client_id_taken(&mut conn, "client-2", Some(other.base.pk))
            .await
            .unwrap()
    );
    // A duplicate client id is refused by the database too.
    assert!(
        oauth2_providers::create(&mut conn, &provider("three", "client-2"))
            .await
            .is_err()
    );
    assert!(providers::delete(&mut conn, p.base.pk).await.unwrap());
    assert!(
        oauth2_providers::get(&mut conn, p.base.pk)
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(oauth2_providers::all(&mut conn).await.unwrap().len(), 1);
});

/// Runs a claiming statement alone ([`castellan_store::write_claimed`]): whether it changed a row.
async fn claim(app: &TestApp, statement: castellan_store::Write) -> bool {
    castellan_store::write_claimed(&app.store, &mut app.store.lazy(), &statement, &[])
        .await
        .unwrap()
}

db_test!(codes_tokens_and_devices, |app: TestApp| async move {
    let app = app;
    let mut conn = app.store.conn().await.unwrap();
    let p = create(&mut conn, &provider("p", "c")).await;
    let now = Utc::now().trunc_subsecs(6);
    let user = app.admin_pk;
    let mut code = AuthorizationCode {
        pk: 0,
        code: "abc".into(),
        grant: grant(p.base.pk, user, now + Duration::minutes(1)),
        nonce: Some("n".into()),
        code_challenge: Some("ch".into()),
        code_challenge_method: Some("S256".into()),
        redirect_uri: "https://app/cb".into(),
        used: false,
    };
    code.pk = oauth2_tokens::create_code(&mut conn, &code).await.unwrap();
    // With the configuration version, on a pooled connection and on the direct path.
    let version = castellan_store::config_version::current(&mut conn)
        .await
        .unwrap();
    assert_eq!(
        oauth2_tokens::code_with_config_version(&mut conn, "abc")
            .await
            .unwrap(),
        (Some(code.clone()), version)
    );
    let mut reader = app.store.reader().await.unwrap();
    assert_eq!(
        oauth2_tokens::code_with_config_version(reader.db(), "abc")
            .await
            .unwrap(),
        (Some(code.clone()), version)
    );
    assert_eq!(
        oauth2_tokens::code_with_config_version(reader.db(), "nope")
            .await
            .unwrap(),
        (None, version)
    );
    drop(reader);
    assert!(claim(&app, oauth2_tokens::mark_code_used_write(code.pk)).await);
    assert!(!claim(&app, oauth2_tokens::mark_code_used_write(code.pk)).await);
    assert!(
        oauth2_tokens::code_with_config_version(&mut conn, "abc")
            .await
            .unwrap()
            .0
            .unwrap()
            .used
    );
    assert_eq!(
        oauth2_tokens::codes_for_user(&mut conn, Some(user))
            .await
            .unwrap()
            .len(),
        1
    );
    assert!(
        oauth2_tokens::codes_for_user(&mut conn, Some(user + 1000))
            .await
            .unwrap()
            .is_empty()
    );

    let long = "x".repeat(20_000);
    let mut access = IssuedToken {
        pk: 0,
        kind: TokenKind::Access,
        token: long.clone(),
        grant: grant(p.base.pk, user, now + Duration::hours(1)),
        revoked: false,
        id_token: obj(json!({"sub": "u", "aud": "c"})),
        from_code: Some("abc".into()),
        created: now,
    };
    access.pk = oauth2_tokens::create_token(&mut conn, &access, &oauth2_tokens::hash(&long))
        .await
        .unwrap();
    let mut refresh = IssuedToken {
        kind: TokenKind::Refresh,
        token: "r1".into(),
        id_token: Map::new(),
        ..access.clone()
    };
    refresh.pk = oauth2_tokens::create_token(&mut conn, &refresh, &oauth2_tokens::hash("r1"))
        .await
        .unwrap();
    let h = oauth2_tokens::hash(&long);
    assert_eq!(
        oauth2_tokens::token(&mut conn, TokenKind::Access, &h)
            .await
            .unwrap(),
        Some(access.clone())
    );
    assert!(
        oauth2_tokens::token(&mut conn, TokenKind::Refresh, &h)
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(
        oauth2_tokens::token_by_pk(&mut conn, TokenKind::Refresh, refresh.pk)
            .await
            .unwrap(),
        Some(refresh.clone())
    );
    assert_eq!(
        oauth2_tokens::revoke_from_code(&mut conn, "abc")
            .await
            .unwrap(),
        2
    );
    assert!(
        oauth2_tokens::token_by_pk(&mut conn, TokenKind::Access, access.pk)
            .await
            .unwrap()
            .unwrap()
            .revoked
    );
    assert_eq!(
        oauth2_tokens::tokens_for_user(&mut conn, TokenKind::Access, None)
            .await
            .unwrap()
            .len(),
        1
    );
    oauth2_tokens::delete_token(&mut conn, access.pk)
        .await
        .unwrap();
    assert!(
        oauth2_tokens::tokens_for_user(&mut conn, TokenKind::Access, Some(user))
            .await
            .unwrap()
            .is_empty()
    );
    // revoke_from_code above revoked the refresh token too.
    assert!(
        !claim(&app, oauth2_tokens::revoke_token_write(refresh.pk)).await,
        "revoking a revoked token reports it was already revoked"
    );

    let mut device = DeviceToken {
        pk: 0,
        provider: p.base.pk,
        user: None,
        device_code: "dev".into(),
        user_code: "123456789".into(),
        scope: vec!["openid".into()],
        expires: now - Duration::minutes(1),
        auth_time: None,
        session: None,
    };
    device.pk = oauth2_tokens::create_device(&mut conn, &device)
        .await
        .unwrap();
    assert_eq!(
        oauth2_tokens::device_by_code(&mut conn, "dev")
            .await
            .unwrap(),
        Some(device.clone())
    );
    let session = Uuid::new_v4();
    let before_expiry = now - Duration::minutes(2);
    assert!(
        !oauth2_tokens::approve_device(&mut conn, device.pk, user, Some(now), Some(session), now)
            .await
            .unwrap(),
        "an expired device authorization cannot be approved"
    );
    assert!(
        oauth2_tokens::approve_device(
            &mut conn,
            device.pk,
            user,
            Some(now),
            Some(session),
            before_expiry
        )
        .await
        .unwrap()
    );
    assert!(
        !oauth2_tokens::approve_device(&mut conn, device.pk, user + 1, None, None, before_expiry)
            .await
            .unwrap(),
        "an approved device cannot be approved again"
    );
    let approved = oauth2_tokens::device_by_user_code(&mut conn, "123456789")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(approved.user, Some(user));
    assert_eq!(approved.session, Some(session));
    // The device token is expired; the code and refresh token are not.
    assert_eq!(
        oauth2_tokens::delete_expired(&mut conn, now).await.unwrap(),
        1
    );
    assert_eq!(
        oauth2_tokens::delete_expired(&mut conn, now + Duration::days(1))
            .await
            .unwrap(),
        2
    );
    oauth2_tokens::delete_code(&mut conn, code.pk)
        .await
        .unwrap();
    assert!(
        !claim(&app, oauth2_tokens::delete_device_write(device.pk)).await,
        "the expired device authorization was already deleted"
    );
});

db_test!(scope_mappings_from_objects, |app: TestApp| async move {
    let app = app;
    let mut conn = app.store.conn().await.unwrap();
    // The defaults are applied by the web layer, not by migrations: start from what is there.
    let before = scope_mappings::all(&mut conn).await.unwrap().len();
    let pk = Uuid::new_v4();
    objects::create(
        &mut conn,
        &Object {
            pk,
            model: "authentik_providers_oauth2.scopemapping".into(),
            name: "Test mapping".into(),
            config: obj(json!({"scope_name": "test", "description": "Testing",
                               "expression": "return {}", "managed": "test/managed"})),
        },
    )
    .await
    .unwrap();
    assert_eq!(
        scope_mappings::all(&mut conn).await.unwrap().len(),
        before + 1
    );
    let found = scope_mappings::by_managed(&mut conn, "test/managed")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.pk, pk);
    assert_eq!(found.scope_name, "test");
    assert_eq!(found.description, "Testing");
    assert_eq!(found.managed.as_deref(), Some("test/managed"));
    let many = scope_mappings::get_many(&mut conn, &[pk, Uuid::new_v4()])
        .await
        .unwrap();
    assert_eq!(many, vec![found]);
    assert!(
        scope_mappings::by_managed(&mut conn, "other")
            .await
            .unwrap()
            .is_none()
    );
});
