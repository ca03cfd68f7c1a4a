//! A user's direct groups come with the row that reads the user (or the configuration version),
//! and the group hierarchy moves the configuration version (it is cached per version), while
//! memberships do not.
use castellan_core::group::Group;
use castellan_store::{AnyConnection, config_version, groups, users};
use castellan_testkit::{TestApp, db_test};
use serde_json::json;
use uuid::Uuid;

fn group(name: &str, parent: Option<Uuid>) -> Group {
    Group {
        pk: Uuid::new_v4(),
        name: name.into(),
        is_superuser: false,
        parent,
        attributes: json!({"team": name}),
    }
}

fn sorted(mut ids: Vec<Uuid>) -> Vec<Uuid> {
    ids.sort();
    ids
}

db_test!(
    direct_groups_come_with_the_user_row,
    |app: TestApp| async move {
        let app = app;
        let mut conn = app.store.conn().await.unwrap();
        let (alone, _) = app.user_with_token("alone").await;
        let (member, _) = app.user_with_token("member").await;
        let parent = group("parent", None);
        let child = group("child", Some(parent.pk));
        let other = group("other", None);
        for g in [&parent, &child, &other] {
            groups::create(&mut conn, g).await.unwrap();
        }
        users::add_to_group(&mut conn, member, child.pk)
            .await
            .unwrap();
        users::add_to_group(&mut conn, member, other.pk)
            .await
            .unwrap();
        let version = config_version::current(&mut conn).await.unwrap();

        // Only direct memberships: the parent is resolved from the hierarchy by the caller.
        let (direct, v) = groups::direct_with_config_version(&mut conn, member)
            .await
            .unwrap();
        assert_eq!(sorted(direct), sorted(vec![child.pk, other.pk]));
        assert_eq!(v, version);
        let (direct, v) = groups::direct_with_config_version(&mut conn, alone)
            .await
            .unwrap();
        assert!(direct.is_empty(), "{direct:?}");
        assert_eq!(v, version);

        let (found, v) = users::get_with_config_version(&mut conn, member)
            .await
            .unwrap();
        let (u, direct) = found.expect("member");
        assert_eq!((u.pk, u.username.as_str()), (member, "member"));
        assert_eq!(sorted(direct), sorted(vec![child.pk, other.pk]));
        assert_eq!(v, version);
        let (found, _) = users::get_by_username_with_config_version(&mut conn, "alone")
            .await
            .unwrap();
        let (u, direct) = found.expect("alone");
        assert_eq!(u.pk, alone);
        assert!(direct.is_empty(), "{direct:?}");

        // A missing user still carries the version.
        let (found, v) = users::get_with_config_version(&mut conn, 987_654)
            .await
            .unwrap();
        assert!(found.is_none());
        assert_eq!(v, version);
        let (found, v) = users::get_by_username_with_config_version(&mut conn, "nobody")
            .await
            .unwrap();
        assert!(found.is_none());
        assert_eq!(v, version);
    }
);

db_test!(
    group_hierarchy_moves_the_config_version,
    |app: TestApp| async move {
        let app = app;
        let mut conn = app.store.conn().await.unwrap();
        let (member, _) = app.user_with_token("member").await;
        let mut last = config_version::current(&mut conn).await.unwrap();
        let mut moved = async |conn: &mut AnyConnection, what: &str| {
            let now = config_version::current(conn).await.unwrap();
            assert!(now > last, "{what} did not bump the configuration version");
            last = now;
        };
        let mut g = group("engineering", None);
        groups::create(&mut conn, &g).await.unwrap();
        moved(&mut conn, "group insert").await;
        g.is_superuser = true;
        groups::update(&mut conn, &g).await.unwrap();
        moved(&mut conn, "group update").await;

        // Memberships are read per request: they leave the version alone.
        let before = config_version::current(&mut conn).await.unwrap();
        users::add_to_group(&mut conn, member, g.pk).await.unwrap();
        groups::set_members(&mut conn, g.pk, &[]).await.unwrap();
        assert_eq!(config_version::current(&mut conn).await.unwrap(), before);

        assert!(groups::delete(&mut conn, g.pk).await.unwrap());
        moved(&mut conn, "group delete").await;
    }
);
