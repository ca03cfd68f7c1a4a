//! The generated OpenAPI document: every documented operation is routed, and it is served.
use castellan_testkit::{TestApp, db_test};

db_test!(
    every_documented_operation_is_routed,
    |app: TestApp| async move {
        for (method, path, op, _, _, _) in castellan_web::openapi::operations() {
            let concrete = path
                .replace("{id}", "999999")
                .replace("{group_uuid}", "00000000-0000-4000-8000-000000000000")
                .replace("{event_uuid}", "00000000-0000-4000-8000-000000000000")
                .replace("{identifier}", "nope");
            let r = app
                .admin(
                    &method.to_uppercase(),
                    &format!("/api/v3{concrete}"),
                    Some(serde_json::json!({})),
                )
                .await;
            assert_ne!(r.status, 405, "{op}: {method} {path} is not routed");
            assert!(r.status != 404 || r.json["detail"] == "Not found.", "{op}");
        }
        // YAML by default, as authentik; the same document as JSON on request.
        let r = app.send("GET", "/api/v3/schema/", None, &[]).await;
        assert_eq!(r.status, 200);
        assert_eq!(r.headers["content-type"], "application/vnd.oai.openapi");
        let yaml = <saphyr::YamlOwned as saphyr::LoadableYamlNode>::load_from_str(&r.text).unwrap();
        assert_eq!(
            crate::schema_compat::to_json(yaml.into_iter().next().unwrap()),
            castellan_web::openapi::document()
        );
        let r = app
            .send("GET", "/api/v3/schema/?format=json", None, &[])
            .await;
        assert_eq!(r.status, 200);
        assert_eq!(
            r.json["paths"]["/core/users/"]["get"]["operationId"],
            "core_users_list"
        );
        assert!(r.json["components"]["schemas"]["User"]["properties"]["groups_obj"].is_object());
    }
);
