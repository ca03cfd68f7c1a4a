//! The direct PostgreSQL path (PostgreSQL only: on SQLite the direct SQLite path takes its place,
//! see `direct.rs`): connections killed server-side cost a reconnect and never a failed read or
//! transaction; a connection given back inside a transaction is not reused; the path holds at
//! most the pool size of connections and a caller waiting longer than the acquire timeout gets
//! `Unavailable`.
use std::time::Duration;

use castellan_store::{Arg, Db, DbTx, Reader, Store, StoreError, StoreOptions};
use castellan_testkit::db::{DbKind, TestDb, postgres_admin_url};

async fn migrated(db: &TestDb, options: StoreOptions) -> Store {
    let store = Store::connect(&db.url, options).await.unwrap();
    castellan_store::migrate::run(&store).await.unwrap();
    store
}

/// Ends every server process connected to `db` (as a database restart would); how many.
async fn kill_backends(db: &TestDb) -> i64 {
    let name = db.url.rsplit('/').next().unwrap().to_string();
    let mut admin = <sqlx::PgConnection as sqlx::Connection>::connect(&postgres_admin_url())
        .await
        .unwrap();
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE datname = $1 AND pid <> pg_backend_pid()) t",
    )
    .bind(&name)
    .fetch_one(&mut admin)
    .await
    .unwrap()
}

async fn count_events(reader: &mut Reader<'_>, action: &str) -> i64 {
    reader
        .db()
        .fetch_one(
            "SELECT COUNT(*) AS n FROM events_event WHERE action = $1",
            &[Arg::from(action)],
            |row| castellan_store::codec::int(row, "n"),
        )
        .await
        .unwrap()
}

const INSERT: &str = "INSERT INTO events_event (event_uuid, user_json, username, action, app, \
     context, client_ip, created, expires, brand) \
     VALUES ($1, '{}', '', $2, 'test', '{}', NULL, '2026-01-01T00:00:00Z', '2027-01-01T00:00:00Z', '{}')";

/// One plain (not retried) insert of an event with `action`.
async fn insert(db: Db<'_>, action: &str) -> Result<u64, StoreError> {
    db.execute(INSERT, &insert_args(action)).await
}

fn insert_args(action: &str) -> [Arg; 2] {
    [
        Arg::from(uuid::Uuid::new_v4().to_string()),
        Arg::from(action),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_connections_are_replaced_without_a_failure() {
    let db = TestDb::create(DbKind::Postgres).await;
    let store = migrated(&db, StoreOptions::default()).await;
    // Two connections of the direct path go idle.
    let mut first = store.reader().await.unwrap();
    assert!(matches!(first, Reader::Pg(_)));
    let mut second = store.reader().await.unwrap();
    assert_eq!(count_events(&mut first, "login").await, 0);
    assert_eq!(count_events(&mut second, "login").await, 0);
    drop((first, second));
    assert!(kill_backends(&db).await >= 2);
    // A read on a killed idle connection is run again on a new one.
    let mut reader = store.reader().await.unwrap();
    assert_eq!(count_events(&mut reader, "login").await, 0);
    drop(reader);
    // So is `BEGIN`: the transaction starts on a live connection and commits.
    assert!(kill_backends(&db).await >= 1);
    let mut conn = store.conn().await.unwrap();
    let mut tx = DbTx::begin(&store, &mut conn).await.unwrap();
    assert!(matches!(tx, DbTx::Pg(_)));
    insert(tx.db(), "login").await.unwrap();
    tx.commit().await.unwrap();
    // And so is `write_all`, whose rows have unique keys.
    assert!(kill_backends(&db).await >= 1);
    let writes = [1, 2].map(|_| castellan_store::Write {
        sql: INSERT,
        args: insert_args("login").to_vec(),
    });
    castellan_store::write_all(&store, &mut (&mut *conn).into(), &writes)
        .await
        .unwrap();
    let mut reader = store.reader().await.unwrap();
    assert_eq!(count_events(&mut reader, "login").await, 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_on_a_killed_connection_is_not_repeated() {
    let db = TestDb::create(DbKind::Postgres).await;
    let store = migrated(&db, StoreOptions::default()).await;
    let mut reader = store.reader().await.unwrap();
    assert_eq!(count_events(&mut reader, "login").await, 0);
    drop(reader);
    assert!(kill_backends(&db).await >= 1);
    // A statement that may write is never run twice: it fails as unavailable, and the dead
    // connection is not given back.
    let mut reader = store.reader().await.unwrap();
    let err = insert(reader.db(), "login").await.unwrap_err();
    assert!(matches!(err, StoreError::Unavailable(_)), "{err:?}");
    drop(reader);
    // The next plain write (not retried either) gets a live connection.
    let mut reader = store.reader().await.unwrap();
    insert(reader.db(), "after").await.unwrap();
    assert_eq!(count_events(&mut reader, "login").await, 0);
    assert_eq!(count_events(&mut reader, "after").await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_left_in_a_transaction_is_not_reused() {
    let db = TestDb::create(DbKind::Postgres).await;
    let store = migrated(&db, StoreOptions::default()).await;
    let mut conn = store.conn().await.unwrap();
    {
        let mut tx = DbTx::begin(&store, &mut conn).await.unwrap();
        insert(tx.db(), "dropped").await.unwrap();
    }
    // The next user of the path is outside any transaction: its write is committed on its own
    // and the dropped one is gone.
    let mut reader = store.reader().await.unwrap();
    insert(reader.db(), "kept").await.unwrap();
    drop(reader);
    let mut reader = store.reader().await.unwrap();
    assert_eq!(count_events(&mut reader, "dropped").await, 0);
    assert_eq!(count_events(&mut reader, "kept").await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_path_holds_at_most_the_pool_size() {
    let db = TestDb::create(DbKind::Postgres).await;
    let options = StoreOptions {
        max_connections: 1,
        acquire_timeout: Duration::from_millis(200),
    };
    let store = migrated(&db, options).await;
    let held = store.reader().await.unwrap();
    let err = store.reader().await.err().unwrap();
    assert!(matches!(err, StoreError::Unavailable(_)), "{err:?}");
    drop(held);
    let mut reader = store.reader().await.unwrap();
    assert_eq!(count_events(&mut reader, "login").await, 0);
}
