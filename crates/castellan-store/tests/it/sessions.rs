//! Sessions as token grants read them: the session behind an authenticated session, while it
//! lasts, in one statement on either path.
use castellan_core::session::{AuthenticatedSession, Session};
use castellan_store::sessions;
use castellan_testkit::{TestApp, db_test};
use chrono::{Duration, SubsecRound, Utc};
use serde_json::json;
use uuid::Uuid;

db_test!(
    authenticated_data_reads_the_live_session,
    |app: TestApp| async move {
        let app = app;
        let mut conn = app.store.conn().await.unwrap();
        let now = Utc::now().trunc_subsecs(6);
        let data = json!({"login": {"time": 1_700_000_000, "auth_method": "password"}});
        for (key, expires) in [
            ("live", now + Duration::hours(1)),
            ("over", now - Duration::seconds(1)),
        ] {
            let session = Session {
                session_key: key.into(),
                user: Some(app.admin_pk),
                data: data.clone(),
                expires,
            };
            sessions::save(&mut conn, &session, now).await.unwrap();
        }
        let record = |key: &str| AuthenticatedSession {
            uuid: Uuid::new_v4(),
            session_key: key.into(),
            user: app.admin_pk,
            last_ip: "192.0.2.1".into(),
            last_user_agent: "test".into(),
            last_used: now,
            expires: None,
            expiring: false,
        };
        let (live, over) = (record("live"), record("over"));
        for a in [&live, &over] {
            sessions::create_authenticated(&mut conn, a).await.unwrap();
        }
        let mut reader = app.store.reader().await.unwrap();
        assert_eq!(
            sessions::authenticated_data(reader.db(), live.uuid, now)
                .await
                .unwrap(),
            Some(("live".to_string(), data))
        );
        // An expired session, an unknown record: nothing.
        for id in [over.uuid, Uuid::new_v4()] {
            assert_eq!(
                sessions::authenticated_data(reader.db(), id, now)
                    .await
                    .unwrap(),
                None
            );
        }
    }
);
