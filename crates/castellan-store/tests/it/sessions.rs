//! Sessions as token grants read them: the session behind an authenticated session, while it
//! lasts, in one statement on either path.
use castellan_store::sessions;
use castellan_testkit::sessions::Login;
use castellan_testkit::{TestApp, db_test};
use chrono::{Duration, SubsecRound, Utc};
use serde_json::json;
use uuid::Uuid;

db_test!(
    authenticated_data_reads_the_live_session,
    |app: TestApp| async move {
        let app = app;
        let now = Utc::now().trunc_subsecs(6);
        let data = json!({"login": {"time": 1_700_000_000, "auth_method": "password"}});
        let session = async |key: &str, expires| {
            let login = Login {
                key,
                user: app.admin_pk,
                data: data.clone(),
                expires,
                ip: "192.0.2.1",
                user_agent: "test",
            };
            castellan_testkit::sessions::login(&app, login).await
        };
        let live = session("live", now + Duration::hours(1)).await;
        let over = session("over", now - Duration::seconds(1)).await;
        let mut reader = app.store.reader().await.unwrap();
        assert_eq!(
            sessions::authenticated_data(reader.db(), live, now)
                .await
                .unwrap(),
            Some(("live".to_string(), data))
        );
        // An expired session, an unknown record: nothing.
        for id in [over, Uuid::new_v4()] {
            assert_eq!(
                sessions::authenticated_data(reader.db(), id, now)
                    .await
                    .unwrap(),
                None
            );
        }
    }
);
