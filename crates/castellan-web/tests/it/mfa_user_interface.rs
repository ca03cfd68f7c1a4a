//! The user interface's MFA devices page (`/if/user/mfa/`): the user's own devices listed,
//! renamed and deleted with CSRF-checked form posts; another user's devices are 404.
use castellan_store::{devices_static, devices_totp};
use castellan_testkit::{TestApp, db_test};

use crate::flow_support::{defaults, user};
use crate::mfa_support::{static_device, totp_device};
use crate::page_session::login;

db_test!(
    user_interface_manages_mfa_devices,
    |app: TestApp| async move {
        defaults(&app).await;
        let pk = user(&app, "mfa-user", "Mfa-pw-1").await;
        let other = user(&app, "mfa-other", "Mfa-pw-2").await;
        // Logged in first: the default authentication flow would ask for the new devices.
        let v = login(&app, "mfa-user", "Mfa-pw-1").await;
        let mine = totp_device(&app, pk, "my phone").await;
        let fixed = static_device(&app, pk, &["aaaabbbbcccc"]).await;
        let theirs = totp_device(&app, other, "their phone").await;
        let r = v.get(&app, "/if/user/mfa/").await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert!(r.text.contains("my phone"));
        assert!(r.text.contains("Static Token"));
        assert!(!r.text.contains("their phone"));
        assert!(r.text.contains("MFA devices"));

        let rename = format!("/if/user/mfa/totp/{mine}/rename/");
        // No CSRF token: refused.
        assert_eq!(v.post(&app, &rename, &[("name", "x")]).await.status, 403);
        let r = v
            .submit(
                &app,
                &format!("/if/user/mfa/totp/{theirs}/rename/"),
                &[("name", "x")],
            )
            .await;
        assert_eq!(r.status, 404);
        let r = v.submit(&app, &rename, &[("name", "work phone")]).await;
        assert_eq!(r.status, 303, "{}", r.text);
        let mut conn = app.store.conn().await.unwrap();
        let d = devices_totp::get(&mut conn, mine).await.unwrap().unwrap();
        assert_eq!(d.common.name, "work phone");
        drop(conn);

        let r = v
            .submit(&app, &format!("/if/user/mfa/totp/{theirs}/delete/"), &[])
            .await;
        assert_eq!(r.status, 404);
        let r = v
            .submit(&app, &format!("/if/user/mfa/static/{fixed}/delete/"), &[])
            .await;
        assert_eq!(r.status, 303, "{}", r.text);
        let mut conn = app.store.conn().await.unwrap();
        assert!(
            devices_static::get(&mut conn, fixed)
                .await
                .unwrap()
                .is_none()
        );
        assert!(
            devices_totp::get(&mut conn, theirs)
                .await
                .unwrap()
                .is_some()
        );
    }
);
