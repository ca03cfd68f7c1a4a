//! The indexes the write path was trimmed to still serve their lookups: events by action
//! (newest first), and tokens by the authorization code they came from, through a partial index
//! that leaves out tokens issued without a code.
use castellan_testkit::{DbKind, TestApp, db_test};
use sqlx::Row;

/// The query plan of `sql` as text, with sequential scans priced out on PostgreSQL (a fresh
/// table is small enough for the planner to prefer them).
async fn plan(app: &TestApp, conn: &mut castellan_store::AnyConnection, sql: &str) -> String {
    // PostgreSQL's EXPLAIN gives one text column; SQLite's plan detail is the fourth column.
    let (explain, column) = if app.kind == DbKind::Postgres {
        sqlx::query("SET enable_seqscan = off")
            .execute(&mut *conn)
            .await
            .unwrap();
        ("EXPLAIN", 0)
    } else {
        ("EXPLAIN QUERY PLAN", 3)
    };
    let rows = sqlx::query(&format!("{explain} {sql}"))
        .fetch_all(&mut *conn)
        .await
        .unwrap();
    let lines: Vec<String> = rows
        .iter()
        .map(|r| r.try_get::<String, _>(column).unwrap())
        .collect();
    lines.join("\n")
}

db_test!(
    trimmed_indexes_still_serve_their_lookups,
    |app: TestApp| async move {
        let app = app;
        let mut conn = app.store.conn().await.unwrap();
        let events = plan(
            &app,
            &mut conn,
            "SELECT event_uuid FROM events_event WHERE action = 'login' ORDER BY created DESC",
        )
        .await;
        assert!(events.contains("events_event_action_created"), "{events}");
        let tokens = plan(
        &app,
        &mut conn,
        "UPDATE providers_oauth2_token SET revoked = TRUE WHERE from_code = 'code' AND revoked = FALSE",
    )
    .await;
        assert!(
            tokens.contains("providers_oauth2_token_from_code"),
            "{tokens}"
        );
        let definition: String = if app.kind == DbKind::Postgres {
            sqlx::query("SELECT indexdef FROM pg_indexes WHERE indexname = 'providers_oauth2_token_from_code'")
            .fetch_one(&mut *conn)
            .await
            .unwrap()
            .try_get(0)
            .unwrap()
        } else {
            sqlx::query(
                "SELECT sql FROM sqlite_master WHERE name = 'providers_oauth2_token_from_code'",
            )
            .fetch_one(&mut *conn)
            .await
            .unwrap()
            .try_get(0)
            .unwrap()
        };
        assert!(definition.contains("from_code IS NOT NULL"), "{definition}");
        let dropped = if app.kind == DbKind::Postgres {
            "SELECT COUNT(*) FROM pg_indexes WHERE indexname = 'events_event_action'"
        } else {
            "SELECT COUNT(*) FROM sqlite_master WHERE name = 'events_event_action'"
        };
        let n: i64 = sqlx::query(dropped)
            .fetch_one(&mut *conn)
            .await
            .unwrap()
            .try_get(0)
            .unwrap();
        assert_eq!(n, 0);
    }
);
