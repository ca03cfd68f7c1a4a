//! Migrations: idempotent, recorded, and a database newer than the binary is refused.
use castellan_store::{StoreError, migrate, settings};
use castellan_testkit::{DbKind, TestDb};

async fn case(kind: DbKind) {
    let db = TestDb::create(kind).await;
    let store = db.store().await;
    assert_eq!(migrate::current_version(&store).await.unwrap(), 0);
    let first = migrate::run(&store).await.unwrap();
    let all: Vec<i64> = migrate::MIGRATIONS.iter().map(|m| m.version).collect();
    assert_eq!(first.applied, all);
    assert_eq!(&all[..6], [1, 2, 3, 4, 5, 6]);
    assert_eq!(first.current, migrate::latest_version());
    let again = migrate::run(&store).await.unwrap();
    assert!(again.applied.is_empty());
    // Concurrent first-start settings agree on one value.
    let mut conn = store.conn().await.unwrap();
    let a = settings::get_or_insert(&mut conn, "k", "one")
        .await
        .unwrap();
    let b = settings::get_or_insert(&mut conn, "k", "two")
        .await
        .unwrap();
    assert_eq!((a.as_str(), b.as_str()), ("one", "one"));
    sqlx::query(
        "INSERT INTO castellan_migrations (version, name, applied_at) VALUES (999, 'future', 'x')",
    )
    .execute(&mut *conn)
    .await
    .unwrap();
    drop(conn);
    match migrate::run(&store).await {
        Err(StoreError::DatabaseTooNew { database: 999, .. }) => {}
        other => panic!("expected DatabaseTooNew, got {other:?}"),
    }
}

#[tokio::test]
async fn migrations_sqlite() {
    case(DbKind::Sqlite).await;
}

#[tokio::test]
async fn migrations_postgres() {
    case(DbKind::Postgres).await;
}

/// A broken migration leaves nothing behind (transactional DDL on both engines).
async fn failing_script_rolls_back(kind: DbKind) {
    let db = TestDb::create(kind).await;
    let store = db.store().await;
    migrate::run(&store).await.unwrap();
    let mut tx = store.begin().await.unwrap();
    sqlx::raw_sql("CREATE TABLE half_done (id INTEGER); SELECT * FROM no_such_table;")
        .execute(&mut *tx)
        .await
        .unwrap_err();
    drop(tx);
    let mut conn = store.conn().await.unwrap();
    let exists = sqlx::query("SELECT * FROM half_done")
        .fetch_all(&mut *conn)
        .await;
    assert!(
        exists.is_err(),
        "the table of a failed script must not exist"
    );
}

#[tokio::test]
async fn rollback_sqlite() {
    failing_script_rolls_back(DbKind::Sqlite).await;
}

#[tokio::test]
async fn rollback_postgres() {
    failing_script_rolls_back(DbKind::Postgres).await;
}
