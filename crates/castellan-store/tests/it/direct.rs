//! The direct paths: an SQLite file store has the direct SQLite path and PostgreSQL the direct
//! PostgreSQL path (its own behaviour is in `direct_pg.rs`); statements run
//! through [`Db`] / [`DbTx`] / [`Reader`] give the same rows on either path, bind `$N` parameters
//! by number, roll back when dropped, wait for a concurrent writer (without blocking their task's
//! thread), share one commit when written at the same time (each call failing alone), and report
//! constraint errors the way sqlx's do.
use castellan_core::event::Event;
use castellan_store::direct::file_of;
use castellan_store::{Arg, Db, DbTx, StoreError, events, write_all};
use castellan_testkit::{TestApp, db_test};
use chrono::{Duration, SubsecRound};
use serde_json::json;
use uuid::Uuid;

fn event(action: &str, app: &TestApp) -> Event {
    let now = app.store.now().trunc_subsecs(6);
    Event {
        event_uuid: Uuid::new_v4(),
        user: json!({"pk": 1, "username": "akadmin"}),
        action: action.into(),
        app: "authentik.providers.oauth2".into(),
        context: json!({"auth_method": "oauth_client_secret", "n": 1}),
        client_ip: Some("192.0.2.7".into()),
        created: now,
        expires: now + Duration::days(365),
        brand: json!({}),
    }
}

/// Each event is stored, as given.
async fn assert_stored(app: &TestApp, written: &[&Event]) {
    let mut conn = app.store.conn().await.unwrap();
    for e in written {
        let stored = events::get(&mut conn, e.event_uuid).await.unwrap();
        assert_eq!(stored.as_ref(), Some(*e));
    }
}

const BY_ACTION: &str = "SELECT event_uuid FROM events_event WHERE action = $1";

fn event_uuid(row: &dyn castellan_store::codec::RowRead) -> Result<String, StoreError> {
    castellan_store::codec::text(row, "event_uuid")
}

#[test]
fn only_sqlite_files_have_a_direct_path() {
    assert_eq!(
        file_of("sqlite:///var/lib/castellan/castellan.db?mode=rwc").as_deref(),
        Some(std::path::Path::new("/var/lib/castellan/castellan.db"))
    );
    assert_eq!(
        file_of("sqlite://./data/castellan.db").as_deref(),
        Some(std::path::Path::new("./data/castellan.db"))
    );
    assert_eq!(file_of("sqlite::memory:"), None);
    assert_eq!(file_of("sqlite://shared?mode=memory&cache=shared"), None);
    // The server percent-encodes what a URL cannot carry (`config/database.rs`).
    assert_eq!(
        file_of("sqlite:///var/lib/my db%3F%23%25.sqlite?mode=rwc").as_deref(),
        Some(std::path::Path::new("/var/lib/my db?#%.sqlite"))
    );
    assert_eq!(file_of("sqlite:///tmp/bad%2"), None);
    assert_eq!(file_of("sqlite:///tmp/bad%zz.db"), None);
    assert_eq!(file_of("postgres://postgres@127.0.0.1/x"), None);
}

db_test!(
    a_write_transaction_commits_what_sqlx_reads,
    |app: TestApp| async move {
        let app = app;
        let sqlite = app.store.backend() == castellan_store::Backend::Sqlite;
        assert_eq!(app.store.direct().unwrap().is_some(), sqlite);
        let mut conn = app.store.conn().await.unwrap();
        let e = event("login", &app);
        let mut tx = DbTx::begin(&app.store, &mut conn).await.unwrap();
        assert!(match tx {
            DbTx::Direct(_) => sqlite,
            DbTx::Pg(_) => !sqlite,
            DbTx::Sqlx(_) => false,
        });
        events::create(tx.db(), &e).await.unwrap();
        tx.commit().await.unwrap();
        let mut conn = app.store.conn().await.unwrap();
        assert_eq!(events::get(&mut conn, e.event_uuid).await.unwrap(), Some(e));
    }
);

db_test!(
    a_dropped_transaction_writes_nothing,
    |app: TestApp| async move {
        let app = app;
        let mut conn = app.store.conn().await.unwrap();
        let first = event("login", &app);
        {
            let mut tx = DbTx::begin(&app.store, &mut conn).await.unwrap();
            events::create(tx.db(), &first).await.unwrap();
        }
        // The connection went back to its pool rolled back, and takes the next write.
        let second = event("logout", &app);
        let mut tx = DbTx::begin(&app.store, &mut conn).await.unwrap();
        events::create(tx.db(), &second).await.unwrap();
        tx.commit().await.unwrap();
        let mut conn = app.store.conn().await.unwrap();
        assert_eq!(
            events::get(&mut conn, first.event_uuid).await.unwrap(),
            None
        );
        assert!(
            events::get(&mut conn, second.event_uuid)
                .await
                .unwrap()
                .is_some()
        );
    }
);

db_test!(
    a_duplicate_key_is_a_conflict_and_rolls_back,
    |app: TestApp| async move {
        let app = app;
        let mut conn = app.store.conn().await.unwrap();
        let e = event("login", &app);
        events::create(&mut conn, &e).await.unwrap();
        let other = event("logout", &app);
        let mut tx = DbTx::begin(&app.store, &mut conn).await.unwrap();
        events::create(tx.db(), &other).await.unwrap();
        let err = events::create(tx.db(), &e).await.unwrap_err();
        assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
        drop(tx);
        let mut conn = app.store.conn().await.unwrap();
        assert_eq!(
            events::get(&mut conn, other.event_uuid).await.unwrap(),
            None
        );
    }
);

db_test!(parameters_bind_by_number, |app: TestApp| async move {
    let app = app;
    let mut reader = app.store.reader().await.unwrap();
    let sql = "SELECT CAST($2 AS TEXT) AS a, CAST($1 AS BIGINT) AS b, CAST($1 AS BIGINT) + 1 AS c, \
               CAST($3 AS TEXT) AS d";
    let args = [Arg::from(41), Arg::from("two"), Arg::Text(None)];
    let row = reader
        .db()
        .fetch_one(sql, &args, |row| {
            Ok((
                castellan_store::codec::text(row, "a")?,
                castellan_store::codec::int(row, "b")?,
                castellan_store::codec::int(row, "c")?,
                castellan_store::codec::opt_text(row, "d")?,
            ))
        })
        .await
        .unwrap();
    assert_eq!(row, ("two".to_string(), 41, 42, None));
    let none = reader
        .db()
        .fetch_optional(BY_ACTION, &[Arg::from("nothing")], event_uuid)
        .await
        .unwrap();
    assert_eq!(none, None);
    let changed = reader
        .db()
        .execute(
            "UPDATE events_event SET action = $1 WHERE action = $2",
            &[Arg::from("x"), Arg::from("nothing")],
        )
        .await
        .unwrap();
    assert_eq!(changed, 0);
});

db_test!(
    a_missing_row_and_an_unknown_parameter_are_errors,
    |app: TestApp| async move {
        let app = app;
        let mut reader = app.store.reader().await.unwrap();
        let missing = reader
            .db()
            .fetch_one(BY_ACTION, &[Arg::from("nothing")], event_uuid)
            .await
            .unwrap_err();
        assert!(matches!(missing, StoreError::Other(_)), "{missing:?}");
        if let Some(mut direct) = app.store.direct().unwrap() {
            // Only `$N` parameters are bound on the direct path, as the store writes them.
            let err = Db::from(&mut direct)
                .fetch_one("SELECT ?1 AS a", &[Arg::from(1)], |row| {
                    castellan_store::codec::int(row, "a")
                })
                .await
                .unwrap_err();
            assert!(err.to_string().contains("is not $N"), "{err}");
        }
    }
);

db_test!(
    a_waiting_write_leaves_its_task_free,
    |app: TestApp| async move {
        let app = app;
        let (first, second) = (event("login", &app), event("logout", &app));
        // A transaction of the shared pool holds the write lock (on SQLite from `BEGIN`), and the
        // same task, through `join!`, is the one that must commit it: the waiting write may not
        // block the thread, or the commit never comes before the busy timeout.
        let mut tx = app.store.begin().await.unwrap();
        events::create(&mut *tx, &first).await.unwrap();
        let commit = async {
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            tx.commit().await.unwrap();
        };
        let (mut lazy, writes) = (app.store.lazy(), [events::insert(&second)]);
        let write = write_all(&app.store, &mut lazy, &writes);
        // A blocked thread would end the write with `Unavailable` after the busy timeout.
        let (written, ()) = tokio::join!(write, commit);
        written.unwrap();
        assert_stored(&app, &[&first, &second]).await;
    }
);

db_test!(
    a_write_waits_for_a_concurrent_writer,
    |app: TestApp| async move {
        let app = app;
        let first = event("login", &app);
        let second = event("logout", &app);
        // An sqlx transaction holds SQLite's write lock from `BEGIN` until it commits.
        let mut tx = app.store.begin().await.unwrap();
        events::create(&mut *tx, &first).await.unwrap();
        let (store, written) = (app.store.clone(), second.clone());
        let other = tokio::spawn(async move {
            let mut conn = store.conn().await.unwrap();
            // On SQLite `BEGIN IMMEDIATE` waits here (busy_timeout) instead of failing.
            let mut w = DbTx::begin(&store, &mut conn).await.unwrap();
            events::create(w.db(), &written).await.unwrap();
            w.commit().await.unwrap();
        });
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        tx.commit().await.unwrap();
        other.await.unwrap();
        assert_stored(&app, &[&first, &second]).await;
    }
);

db_test!(
    writes_go_together_or_not_at_all,
    |app: TestApp| async move {
        let app = app;
        let mut conn = app.store.conn().await.unwrap();
        let (a, b) = (event("login", &app), event("logout", &app));
        // Neither direct path needs the pool's connection.
        write_all(
            &app.store,
            &mut app.store.lazy(),
            &[events::insert(&a), events::insert(&b)],
        )
        .await
        .unwrap();
        assert_eq!(
            events::get(&mut conn, a.event_uuid).await.unwrap(),
            Some(a.clone())
        );
        assert_eq!(events::get(&mut conn, b.event_uuid).await.unwrap(), Some(b));
        // The second write fails (its key exists): the first is not written either.
        let c = event("login", &app);
        let err = write_all(
            &app.store,
            &mut (&mut *conn).into(),
            &[events::insert(&c), events::insert(&a)],
        )
        .await
        .unwrap_err();
        assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
        assert_eq!(events::get(&mut conn, c.event_uuid).await.unwrap(), None);
        write_all(&app.store, &mut app.store.lazy(), &[])
            .await
            .unwrap();
    }
);

db_test!(
    concurrent_writes_share_a_commit_and_fail_alone,
    |app: TestApp| async move {
        let app = app;
        let existing = event("login", &app);
        write_all(
            &app.store,
            &mut app.store.lazy(),
            &[events::insert(&existing)],
        )
        .await
        .unwrap();
        let before = app.store.write_batches();
        // Eight calls in flight while another transaction holds the write lock: each is answered
        // once the lock is free. Call 0 repeats a stored key, calls 1 and 2 write the same new
        // event: those fail alone, and call 0's other event is not written.
        let (lost, twice) = (event("login", &app), event("logout", &app));
        let fresh: Vec<Event> = (0..5).map(|_| event("login", &app)).collect();
        let mut calls = vec![
            vec![events::insert(&lost), events::insert(&existing)],
            vec![events::insert(&twice)],
            vec![events::insert(&twice)],
        ];
        calls.extend(fresh.iter().map(|e| vec![events::insert(e)]));
        let tx = app.store.begin().await.unwrap();
        let mut running = tokio::task::JoinSet::new();
        for (i, writes) in calls.into_iter().enumerate() {
            let store = app.store.clone();
            running.spawn(async move { (i, write_all(&store, &mut store.lazy(), &writes).await) });
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        tx.commit().await.unwrap();
        let mut answers = running.join_all().await;
        answers.sort_by_key(|(i, _)| *i);
        let failed: Vec<usize> = answers
            .iter()
            .filter(|(_, r)| r.is_err())
            .map(|(i, _)| *i)
            .collect();
        assert!(
            matches!(answers[0].1, Err(StoreError::Conflict(_))),
            "{:?}",
            answers[0].1
        );
        // Exactly one of the two calls writing the same event wins.
        assert!(failed == [0, 1] || failed == [0, 2], "failed: {failed:?}");
        for (i, r) in &answers[1..3] {
            if let Err(e) = r {
                assert!(matches!(e, StoreError::Conflict(_)), "call {i}: {e:?}");
            }
        }
        let mut conn = app.store.conn().await.unwrap();
        assert_eq!(events::get(&mut conn, lost.event_uuid).await.unwrap(), None);
        let written: Vec<&Event> = fresh.iter().chain([&existing, &twice]).collect();
        assert_stored(&app, &written).await;
        match (before, app.store.write_batches()) {
            (Some(before), Some(after)) => {
                assert_eq!(after.calls - before.calls, 8);
                // The calls queued while the lock was held: at most the first joined a batch
                // of its own before the others arrived.
                assert!(
                    after.batches - before.batches <= 2,
                    "{before:?} → {after:?}"
                );
            }
            (None, None) => assert!(app.store.direct().unwrap().is_none()),
            other => panic!("{other:?}"),
        }
    }
);

/// A claim on event `e`: renames its action from `login` to `claimed`, once.
fn claim(e: &Event) -> castellan_store::Write {
    castellan_store::Write {
        sql: "UPDATE events_event SET action = $1 WHERE event_uuid = $2 AND action = $3",
        args: vec![
            Arg::from("claimed"),
            Arg::from(e.event_uuid.to_string()),
            Arg::from("login"),
        ],
    }
}

db_test!(
    claimed_writes_are_made_once_for_the_winner,
    |app: TestApp| async move {
        let app = app;
        let store = &app.store;
        let (first, second, failing) = (
            event("login", &app),
            event("login", &app),
            event("login", &app),
        );
        write_all(
            store,
            &mut store.lazy(),
            &[
                events::insert(&first),
                events::insert(&second),
                events::insert(&failing),
            ],
        )
        .await
        .unwrap();
        let (a, b) = (event("logout", &app), event("logout", &app));
        let won = castellan_store::write_claimed(
            store,
            &mut store.lazy(),
            &claim(&first),
            &[events::insert(&a), events::insert(&b)],
        )
        .await
        .unwrap();
        assert!(won);
        assert_stored(&app, &[&a, &b]).await;
        // Claimed already: nothing is written.
        let c = event("logout", &app);
        let again = castellan_store::write_claimed(
            store,
            &mut store.lazy(),
            &claim(&first),
            &[events::insert(&c)],
        )
        .await
        .unwrap();
        assert!(!again);
        let mut conn = store.conn().await.unwrap();
        assert_eq!(events::get(&mut conn, c.event_uuid).await.unwrap(), None);
        // Four at once: one wins, and only its write is made.
        let racers: Vec<Event> = (0..4).map(|_| event("logout", &app)).collect();
        let mut running = tokio::task::JoinSet::new();
        for (i, e) in racers.iter().enumerate() {
            let (store, won_by, writes) = (store.clone(), claim(&second), vec![events::insert(e)]);
            running.spawn(async move {
                let won =
                    castellan_store::write_claimed(&store, &mut store.lazy(), &won_by, &writes)
                        .await
                        .unwrap();
                (i, won)
            });
        }
        let winners: Vec<usize> = running
            .join_all()
            .await
            .into_iter()
            .filter(|(_, won)| *won)
            .map(|(i, _)| i)
            .collect();
        assert_eq!(winners.len(), 1, "{winners:?}");
        for (i, e) in racers.iter().enumerate() {
            let stored = events::get(&mut conn, e.event_uuid).await.unwrap();
            assert_eq!(stored.is_some(), winners == [i], "racer {i}");
        }
        // A write that fails undoes the claim too.
        let err = castellan_store::write_claimed(
            store,
            &mut store.lazy(),
            &claim(&failing),
            &[events::insert(&a)],
        )
        .await
        .unwrap_err();
        assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
        let kept = events::get(&mut conn, failing.event_uuid)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(kept.action, "login");
    }
);

db_test!(
    a_thread_checkpoints_the_wal_of_an_sqlite_file,
    |app: TestApp| async move {
        let store = &app.store;
        let Some(before) = store.checkpoints() else {
            // PostgreSQL has no WAL file of Castellan's to checkpoint.
            assert_eq!(app.kind, castellan_testkit::DbKind::Postgres);
            return;
        };
        // Every connection leaves checkpoints to the thread until the WAL is far larger than
        // SQLite's default of 1,000 pages.
        let mut conn = store.conn().await.unwrap();
        let backstop: i64 = sqlx::query_scalar("PRAGMA wal_autocheckpoint")
            .fetch_one(&mut *conn)
            .await
            .unwrap();
        assert_eq!(
            backstop,
            i64::from(castellan_store::checkpoint::BACKSTOP_PAGES)
        );
        drop(conn);
        // Enough commits of the direct path wake the thread; it copies their frames back.
        let written: Vec<Event> = (0..castellan_store::checkpoint::KICK_COMMITS)
            .map(|_| event("login", &app))
            .collect();
        for e in &written {
            write_all(store, &mut store.lazy(), &[events::insert(e)])
                .await
                .unwrap();
        }
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        let after = loop {
            let now = store.checkpoints().unwrap();
            if now.frames > before.frames || std::time::Instant::now() > deadline {
                break now;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        };
        assert!(after.runs > before.runs, "{before:?} -> {after:?}");
        assert!(after.frames > before.frames, "{before:?} -> {after:?}");
        assert_stored(&app, &written.iter().collect::<Vec<_>>()).await;
    }
);
