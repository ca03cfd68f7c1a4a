//! Users migrated from authentik keep their passwords and are rehashed to argon2id.
use castellan_store::users;
use castellan_testkit::{TestApp, db_test};

/// Made by Django 5.2 `PBKDF2PasswordHasher` (1000 iterations) for "correct horse battery staple".
const DJANGO_PBKDF2: &str =
    "pbkdf2_sha256$1000$3y24vKm8OzjEe1NzBZXbzO$wPm9KfqOJcNoC5C145IiaRjjEuQMXMmtYhX+boQnZJI=";
/// Made by Django 5.2 `BCryptSHA256PasswordHasher` (rounds=4) for the same password.
const DJANGO_BCRYPT_SHA256: &str =
    "bcrypt_sha256$$2b$04$E/rDUGdsV6M/W2J.tozHkO.YMdl0Ed5OEPQImtupAMdKpgjuumchy";
const PASSWORD: &str = "correct horse battery staple";

async fn rehash_case(app: &TestApp, encoded: &str) {
    let (pk, _) = app.user_with_token(&format!("m{}", &encoded[..6])).await;
    let mut conn = app.store.conn().await.unwrap();
    users::set_password(&mut conn, pk, encoded, app.store.now())
        .await
        .unwrap();
    let user = users::get(&mut conn, pk).await.unwrap().unwrap();
    assert!(
        !users::check_password(&mut conn, &user, "wrong")
            .await
            .unwrap()
    );
    assert_eq!(
        users::get(&mut conn, pk).await.unwrap().unwrap().password,
        encoded,
        "a failed check changes nothing"
    );
    assert!(
        users::check_password(&mut conn, &user, PASSWORD)
            .await
            .unwrap()
    );
    let after = users::get(&mut conn, pk).await.unwrap().unwrap();
    assert!(
        after
            .password
            .starts_with("argon2$argon2id$v=19$m=19456,t=2,p=1$"),
        "{}",
        after.password
    );
    assert!(
        users::check_password(&mut conn, &after, PASSWORD)
            .await
            .unwrap()
    );
    assert_eq!(
        users::get(&mut conn, pk).await.unwrap().unwrap().password,
        after.password,
        "argon2id is kept"
    );
}

db_test!(django_hashes_verify_and_rehash, |app: TestApp| async move {
    rehash_case(&app, DJANGO_PBKDF2).await;
    rehash_case(&app, DJANGO_BCRYPT_SHA256).await;
});

db_test!(unusable_passwords_never_match, |app: TestApp| async move {
    let (pk, _) = app.user_with_token("nopw").await;
    let mut conn = app.store.conn().await.unwrap();
    users::set_password(
        &mut conn,
        pk,
        &castellan_crypto::password::make_unusable_password(),
        app.store.now(),
    )
    .await
    .unwrap();
    let user = users::get(&mut conn, pk).await.unwrap().unwrap();
    assert!(!users::check_password(&mut conn, &user, "").await.unwrap());
    assert!(
        !users::check_password(&mut conn, &user, &user.password.clone())
            .await
            .unwrap()
    );
});
