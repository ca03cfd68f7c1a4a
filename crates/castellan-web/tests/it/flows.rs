//! `/flows/instances/` and `/flows/bindings/`, with the golden files of authentik.
use castellan_testkit::{TestApp, db_test};
use serde_json::{Value, json};

const FLOWS: &str = "/api/v3/flows/instances/";
const BINDINGS: &str = "/api/v3/flows/bindings/";

fn keys(v: &Value) -> Vec<String> {
    v.as_object().unwrap().keys().cloned().collect()
}

fn golden(name: &str) -> Value {
    let path = format!(
        "{}/../../../shared/reference/authentik-2024.10/golden/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

pub async fn create_flow(app: &TestApp, slug: &str, designation: &str) -> Value {
    let r = app
        .admin("POST", FLOWS, Some(json!({"name": slug, "slug": slug, "title": format!("Title {slug}"), "designation": designation})))
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    r.json
}

pub async fn bind(app: &TestApp, flow: &Value, stage: &str, order: i64) -> Value {
    let r = app
        .admin(
            "POST",
            BINDINGS,
            Some(json!({"target": flow["pk"], "stage": stage, "order": order})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    r.json
}

db_test!(flow_crud_matches_golden, |app: TestApp| async move {
    let flow = create_flow(&app, "default-authentication-flow", "authentication").await;
    let g = golden("flow-default-authentication.json");
    assert_eq!(keys(&flow), keys(&g["body"]));
    assert_eq!(flow["background"], g["body"]["background"]);
    assert_eq!(flow["export_url"], g["body"]["export_url"]);
    assert_eq!(flow["pk"], flow["policybindingmodel_ptr_id"]);
    assert_eq!(flow["layout"], "stacked");
    assert_eq!(flow["denied_action"], "message_continue");
    assert_eq!(flow["authentication"], "none");
    assert_eq!(flow["cache_count"], 0);

    let one = format!("{FLOWS}default-authentication-flow/");
    let r = app
        .admin(
            "PATCH",
            &one,
            Some(json!({"layout": "sidebar_left", "compatibility_mode": true})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["layout"], "sidebar_left");
    assert_eq!(r.json["title"], "Title default-authentication-flow");
    let r = app
        .admin(
            "PUT",
            &one,
            Some(json!({"name": "n", "slug": "renamed", "title": "t"})),
        )
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(r.json["designation"], json!(["This field is required."]));

    let r = app.admin("POST", FLOWS, Some(json!({"name": "x", "slug": "default-authentication-flow", "title": "x", "designation": "nope", "layout": 1}))).await;
    assert_eq!(r.status, 400);
    assert_eq!(
        r.json["slug"],
        json!(["flow with this slug already exists."])
    );
    assert_eq!(
        r.json["designation"],
        json!(["\"nope\" is not a valid choice."])
    );
    assert_eq!(r.json["layout"], json!(["\"1\" is not a valid choice."]));
    let r = app
        .admin(
            "POST",
            FLOWS,
            Some(json!({"name": "x", "slug": "bad slug", "title": "x", "designation": "recovery"})),
        )
        .await;
    assert_eq!(r.status, 400);
    assert!(
        r.json["slug"][0]
            .as_str()
            .unwrap()
            .starts_with("Enter a valid")
    );

    create_flow(&app, "logout", "invalidation").await;
    let r = app
        .admin("GET", &format!("{FLOWS}?designation=invalidation"), None)
        .await;
    assert_eq!(r.json["pagination"]["count"], 1);
    assert_eq!(r.json["results"][0]["slug"], "logout");
    let r = app
        .admin(
            "GET",
            &format!("{FLOWS}?search=DEFAULT&ordering=-slug"),
            None,
        )
        .await;
    assert_eq!(r.json["pagination"]["count"], 1);
    let r = app
        .admin("GET", &format!("{FLOWS}?ordering=-slug"), None)
        .await;
    assert_eq!(r.json["results"][0]["slug"], "logout");

    assert_eq!(
        app.admin("GET", &format!("{FLOWS}cache_info/"), None)
            .await
            .json,
        json!({"count": 0})
    );
    assert_eq!(
        app.admin("POST", &format!("{FLOWS}cache_clear/"), None)
            .await
            .status,
        204
    );
    assert_eq!(
        app.admin("DELETE", &format!("{FLOWS}logout/"), None)
            .await
            .status,
        204
    );
    assert_eq!(
        app.admin("GET", &format!("{FLOWS}logout/"), None)
            .await
            .status,
        404
    );
    let r = app
        .admin("GET", "/api/v3/events/events/?action=model_created", None)
        .await;
    assert!(r.json["pagination"]["count"].as_i64().unwrap() >= 2);
});

db_test!(bindings_stages_and_diagram, |app: TestApp| async move {
    let flow = create_flow(&app, "default-authentication-flow", "authentication").await;
    let r = app
        .admin(
            "POST",
            "/api/v3/stages/password/",
            Some(json!({"name": "pw", "backends": ["authentik.core.auth.InbuiltBackend"]})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let pw = r.json["pk"].as_str().unwrap().to_string();
    let r = app
        .admin("POST", "/api/v3/stages/identification/", Some(json!({"name": "default-authentication-identification", "user_fields": ["email", "username"]})))
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let ident = r.json["pk"].as_str().unwrap().to_string();
    let b2 = bind(&app, &flow, &pw, 20).await;
    let b1 = bind(&app, &flow, &ident, 10).await;
    assert_eq!(
        b1["stage_obj"]["name"],
        "default-authentication-identification"
    );
    assert_eq!(
        b1["stage_obj"]["flow_set"][0]["slug"],
        "default-authentication-flow"
    );
    assert_eq!(b1["invalid_response_action"], "retry");
    assert_eq!(b1["re_evaluate_policies"], true);
    assert!(b1["policybindingmodel_ptr_id"].is_string());

    // Duplicate (target, stage, order) and unknown references.
    let r = app
        .admin(
            "POST",
            BINDINGS,
            Some(json!({"target": flow["pk"], "stage": pw, "order": 20})),
        )
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(
        r.json["non_field_errors"],
        json!(["The fields target, stage, order must make a unique set."])
    );
    let nil = "00000000-0000-4000-8000-000000000000";
    let r = app
        .admin(
            "POST",
            BINDINGS,
            Some(json!({"target": nil, "stage": "x", "order": "a"})),
        )
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(
        r.json["target"],
        json!([format!("Invalid pk \"{nil}\" - object does not exist.")])
    );
    assert_eq!(r.json["stage"], json!(["Must be a valid UUID."]));
    assert_eq!(r.json["order"], json!(["A valid integer is required."]));

    let r = app
        .admin("GET", &format!("{FLOWS}default-authentication-flow/"), None)
        .await;
    assert_eq!(r.json["stages"], json!([ident, pw]));
    let r = app
        .admin(
            "GET",
            &format!(
                "{BINDINGS}?target={}&ordering=order",
                flow["pk"].as_str().unwrap()
            ),
            None,
        )
        .await;
    assert_eq!(r.json["pagination"]["count"], 2);
    assert_eq!(r.json["results"][0]["stage"], ident.as_str());
    let r = app
        .admin(
            "GET",
            &format!("{BINDINGS}?stage={pw}&evaluate_on_plan=false"),
            None,
        )
        .await;
    assert_eq!(r.json["pagination"]["count"], 1);
    let r = app
        .admin("GET", &format!("{BINDINGS}?order=10"), None)
        .await;
    assert_eq!(r.json["results"][0]["pk"], b1["pk"]);

    // The identification stage serialises like authentik's golden file.
    let r = app
        .admin("GET", "/api/v3/stages/identification/", None)
        .await;
    let g = golden("stages-identification.json");
    assert_eq!(keys(&r.json), keys(&g["body"]));
    assert_eq!(keys(&r.json["results"][0]), keys(&g["body"]["results"][0]));
    assert_eq!(
        keys(&r.json["results"][0]["flow_set"][0]),
        keys(&g["body"]["results"][0]["flow_set"][0])
    );
    let mut ours = r.json["results"][0].clone();
    let mut theirs = g["body"]["results"][0].clone();
    for v in [&mut ours, &mut theirs] {
        v["pk"] = json!(null);
        v["flow_set"] = json!(null);
    }
    assert_eq!(ours, theirs);

    // A policy bound to the second binding shows in the diagram.
    let r = app
        .admin(
            "POST",
            "/api/v3/policies/expression/",
            Some(json!({"name": "gate", "expression": "return True"})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let r = app
        .admin(
            "POST",
            "/api/v3/policies/bindings/",
            Some(json!({"target": b2["policybindingmodel_ptr_id"], "policy": r.json["pk"], "order": 0})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let r = app
        .admin(
            "GET",
            &format!("{FLOWS}default-authentication-flow/diagram/"),
            None,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let d = r.json["diagram"].as_str().unwrap();
    assert!(
        d.starts_with("graph TD\nflow_start[[\"Flow\ndefault-authentication-flow\"]]"),
        "{d}"
    );
    assert!(
        d.contains("stage_1_policy_0{{\"Policy (Expression Policy)\ngate\"}}"),
        "{d}"
    );
    assert!(
        d.contains("--Policy passed--> stage_1([\"Stage (Password Stage)\npw\"])"),
        "{d}"
    );
    assert!(d.contains("done[[\"End of the flow\"]]"), "{d}");

    // Deleting the binding removes its policy binding; deleting the stage removes bindings.
    assert_eq!(
        app.admin(
            "DELETE",
            &format!("{BINDINGS}{}/", b2["pk"].as_str().unwrap()),
            None
        )
        .await
        .status,
        204
    );
    let r = app.admin("GET", "/api/v3/policies/bindings/", None).await;
    assert_eq!(r.json["pagination"]["count"], 0);
    assert_eq!(
        app.admin("DELETE", &format!("/api/v3/stages/all/{ident}/"), None)
            .await
            .status,
        204
    );
    let r = app.admin("GET", BINDINGS, None).await;
    assert_eq!(r.json["pagination"]["count"], 0);
});
