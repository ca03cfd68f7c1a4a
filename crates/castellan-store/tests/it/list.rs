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

db_test!(user_search_finds_substrings, |app: TestApp| async move {
    use castellan_store::users::{self, UserFilter};
    let mut pks = Vec::new();
    for name in ["alice-smith", "bob-jones", "carol-smithers"] {
        pks.push(app.user_with_token(name).await.0);
    }
    let mut conn = app.store.conn().await.unwrap();
    let page = Page {
        page: 1,
        page_size: 10,
    };
    let found = |search: &str| UserFilter {
        search: Some(search.to_string()),
        ..UserFilter::default()
    };
    let names = |list: Vec<castellan_core::user::User>| -> Vec<String> {
        list.into_iter().map(|u| u.username).collect()
    };
    let (list, count) = users::list(&mut conn, &found("SMITH"), page).await.unwrap();
    assert_eq!(
        (names(list), count),
        (vec!["alice-smith".to_string(), "carol-smithers".into()], 2)
    );
    // Short texts, quotes and LIKE wildcards are plain text.
    let (list, _) = users::list(&mut conn, &found("ob"), page).await.unwrap();
    assert_eq!(names(list), ["bob-jones"]);
    assert_eq!(
        users::list(&mut conn, &found("a\"b"), page)
            .await
            .unwrap()
            .1,
        0
    );
    assert_eq!(
        users::list(&mut conn, &found("%mit%"), page)
            .await
            .unwrap()
            .1,
        0
    );
    // The index follows renames and deletes.
    let mut bob = users::get(&mut conn, pks[1]).await.unwrap().unwrap();
    bob.username = "bob-smithson".into();
    bob.name = "Bob Smithson".into();
    bob.email = "bob@example.org".into();
    users::update(&mut conn, &bob).await.unwrap();
    assert!(users::delete(&mut conn, pks[0]).await.unwrap());
    let (list, _) = users::list(&mut conn, &found("smith"), page).await.unwrap();
    assert_eq!(names(list), ["bob-smithson", "carol-smithers"]);
    assert_eq!(
        users::list(&mut conn, &found("jones"), page)
            .await
            .unwrap()
            .1,
        0
    );
    if app.kind == castellan_testkit::DbKind::Postgres {
        // On PostgreSQL the search can use the trigram indexes (pg_trgm ships with the server
        // here); with sequential scans priced out the planner must pick them.
        use sqlx::Row;
        sqlx::query("SET enable_seqscan = off")
            .execute(&mut *conn)
            .await
            .unwrap();
        let plan: Vec<String> = sqlx::query(
            "EXPLAIN SELECT id FROM core_user WHERE LOWER(username) LIKE '%smith%' \
             OR LOWER(name) LIKE '%smith%' OR LOWER(email) LIKE '%smith%' \
             OR LOWER(uuid) LIKE '%smith%'",
        )
        .fetch_all(&mut *conn)
        .await
        .unwrap()
        .iter()
        .map(|r| r.try_get::<String, _>(0).unwrap())
        .collect();
        let plan = plan.join("\n");
        for index in ["core_user_username_trgm", "core_user_email_trgm"] {
            assert!(plan.contains(index), "{plan}");
        }
    }
});
