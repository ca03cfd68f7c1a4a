//! `/providers/all/`.
use castellan_core::flow::FlowRef;
use castellan_core::provider::{Provider, ProviderType};
use castellan_testkit::{TestApp, db_test};
use uuid::Uuid;

db_test!(providers_all_lists_base_fields, |app: TestApp| async move {
    let mut conn = app.store.conn().await.unwrap();
    let flow = FlowRef {
        flow_uuid: Uuid::new_v4(),
        slug: "authz".into(),
        name: "authz".into(),
        title: "".into(),
        designation: "authorization".into(),
    };
    castellan_store::flows::create(&mut conn, &flow)
        .await
        .unwrap();
    let pk = castellan_store::providers::create(
        &mut conn,
        &Provider {
            pk: 0,
            name: "bench-oidc".into(),
            provider_type: ProviderType::OAuth2,
            authentication_flow: None,
            authorization_flow: Some(flow.flow_uuid),
            invalidation_flow: Some(flow.flow_uuid),
            backchannel_application: None,
            is_backchannel: false,
        },
    )
    .await
    .unwrap();
    drop(conn);
    let r = app.admin("GET", "/api/v3/providers/all/", None).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let p = &r.json["results"][0];
    assert_eq!(p["pk"], pk);
    assert_eq!(p["component"], "ak-provider-oauth2-form");
    assert_eq!(
        p["meta_model_name"],
        "authentik_providers_oauth2.oauth2provider"
    );
    assert_eq!(p["invalidation_flow"], flow.flow_uuid.to_string());
    let r = app
        .admin(
            "GET",
            "/api/v3/providers/all/?application__isnull=true",
            None,
        )
        .await;
    assert_eq!(r.json["pagination"]["count"], 1);
    let r = app
        .admin("DELETE", &format!("/api/v3/providers/all/{pk}/"), None)
        .await;
    assert_eq!(r.status, 204);
    let r = app.admin("GET", "/api/v3/providers/all/", None).await;
    assert_eq!(r.json["pagination"]["count"], 0);
});
