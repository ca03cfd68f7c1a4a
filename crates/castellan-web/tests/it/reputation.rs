//! Reputation: failed and successful logins move the scores, the API lists and resets them, and
//! the reputation policy reads them.
use castellan_testkit::flow_client::FlowClient;
use castellan_testkit::{TestApp, db_test};
use serde_json::json;

use crate::flow_support::{create, defaults, user};

db_test!(
    logins_move_scores_and_the_policy_reads_them,
    |app: TestApp| async move {
        defaults(&app).await;
        user(&app, "rita", "Rita-pw-1").await;
        let mut c = FlowClient::new(&app, "default-authentication-flow");
        c.get().await;
        c.post(json!({"component": "ak-stage-identification", "uid_field": "rita"}))
            .await;
        for _ in 0..3 {
            c.post(json!({"component": "ak-stage-password", "password": "nope"}))
                .await;
        }
        let r = app
            .admin(
                "GET",
                "/api/v3/policies/reputation/scores/?identifier=rita",
                None,
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.json["pagination"]["count"], 1);
        assert_eq!(r.json["results"][0]["score"], -3);
        assert_eq!(r.json["results"][0]["ip"], "127.0.0.1");
        // The reputation policy passes for bad reputation (score <= threshold).
        let p = create(
            &app,
            "/api/v3/policies/reputation/",
            json!({"name": "bad-rep", "threshold": -3}),
        )
        .await;
        let pk = p["pk"].as_str().unwrap();
        let rita = app
            .admin("GET", "/api/v3/core/users/?username=rita", None)
            .await
            .json["results"][0]["pk"]
            .clone();
        let t = app
            .admin(
                "POST",
                &format!("/api/v3/policies/all/{pk}/test/"),
                Some(json!({"user": rita})),
            )
            .await;
        assert_eq!(t.json["passing"], true, "{}", t.text);
        // A successful login raises it again.
        c.post(json!({"component": "ak-stage-password", "password": "Rita-pw-1"}))
            .await;
        let r = app
            .admin(
                "GET",
                "/api/v3/policies/reputation/scores/?identifier=rita",
                None,
            )
            .await;
        assert_eq!(r.json["results"][0]["score"], -2);
        let id = r.json["results"][0]["pk"].as_str().unwrap().to_string();
        let one = app
            .admin(
                "GET",
                &format!("/api/v3/policies/reputation/scores/{id}/"),
                None,
            )
            .await;
        assert_eq!(one.json["identifier"], "rita");
        let d = app
            .admin(
                "DELETE",
                &format!("/api/v3/policies/reputation/scores/{id}/"),
                None,
            )
            .await;
        assert_eq!(d.status, 204);
        let r = app
            .admin(
                "GET",
                "/api/v3/policies/reputation/scores/?identifier=rita",
                None,
            )
            .await;
        assert_eq!(r.json["pagination"]["count"], 0);
        let t = app
            .admin(
                "POST",
                &format!("/api/v3/policies/all/{pk}/test/"),
                Some(json!({"user": rita})),
            )
            .await;
        assert_eq!(
            t.json["passing"], false,
            "reset: score 0 is above the threshold"
        );
    }
);
