//! `ListQuery::fetch_json_page` builds the same page as `fetch` on both engines.
use castellan_store::Page;
use castellan_store::list::{ListQuery, Param};
use castellan_testkit::{TestApp, db_test};

db_test!(json_page_matches_rows, |app: TestApp| async move {
    for name in ["carol", "alice", "bob"] {
        app.user_with_token(name).await;
    }
    let mut conn = app.store.conn().await.unwrap();
    let mut q = ListQuery::new("username DESC");
    q.raw("username <> {}", Param::Text("akadmin".into()));
    let page = Page {
        page: 1,
        page_size: 2,
    };
    let (json, count) = q
        .fetch_json_page(
            &mut conn,
            &[
                ("id", "id"),
                ("username", "username"),
                ("is_active", "is_active"),
            ],
            "core_user",
            page,
        )
        .await
        .unwrap();
    assert_eq!(count, 3);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let names: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["username"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["carol", "bob"]);
    let (rows, _) = q
        .fetch(&mut conn, "username", "core_user", page)
        .await
        .unwrap();
    assert_eq!(rows.len(), 2);
    let empty = q
        .fetch_json_page(
            &mut conn,
            &[("id", "id")],
            "core_user",
            Page {
                page: 5,
                page_size: 2,
            },
        )
        .await
        .unwrap();
    assert_eq!(empty, ("[]".to_string(), 3));
});
