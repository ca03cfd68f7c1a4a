//! A user's MFA devices in the admin interface (`/if/admin/users/{id}/mfa/`): listed with their
//! type and model (a WebAuthn device's AAGUID model), deleted one by one with the CSRF token; a
//! device of another user cannot be deleted through this user's page; non-superusers stay out.
use castellan_testkit::{TestApp, db_test};

use crate::flow_support::{admin_password, defaults, user};
use crate::mfa_support::totp_device;
use crate::page_session::login;
use crate::webauthn_api::webauthn_device;

const WINDOWS_HELLO: &str = "08987058-cadc-4b81-b6e1-30de50dcbe96";

fn unescaped(text: &str) -> String {
    text.replace("&#x2f;", "/").replace("&amp;", "&")
}

db_test!(
    admin_lists_and_deletes_a_users_devices,
    |app: TestApp| async move {
        defaults(&app).await;
        admin_password(&app, "Admin-pw-1").await;
        let ann = user(&app, "ann", "Ann-pw-1").await;
        let bob = user(&app, "bob", "Bob-pw-1").await;
        let phone = totp_device(&app, ann, "ann's phone").await;
        let key = webauthn_device(&app, ann, "ann's key", WINDOWS_HELLO).await;
        let bobs = totp_device(&app, bob, "bob's phone").await;
        let admin = login(&app, "akadmin", "Admin-pw-1").await;

        // The user's page links to the devices; the devices page shows both with their models.
        let detail = admin.get(&app, &format!("/if/admin/users/{ann}/")).await;
        assert!(
            unescaped(&detail.text).contains(&format!("/if/admin/users/{ann}/mfa/")),
            "{}",
            detail.text
        );
        let page = admin
            .get(&app, &format!("/if/admin/users/{ann}/mfa/"))
            .await;
        assert_eq!(page.status, 200, "{}", page.text);
        let text = unescaped(&page.text);
        assert!(
            text.contains("ann&#x27;s phone") || text.contains("ann's phone"),
            "{text}"
        );
        assert!(text.contains("TOTP Device"), "{text}");
        assert!(text.contains("Windows Hello"), "{text}");
        assert!(!text.contains("bob"), "{text}");

        // Deleting needs the CSRF token.
        let path = format!("/if/admin/users/{ann}/mfa/webauthn/{key}/delete/");
        assert_eq!(admin.post(&app, &path, &[]).await.status, 403);
        let done = admin.submit(&app, &path, &[]).await;
        assert_eq!(done.status, 303, "{}", done.text);
        let r = app
            .admin(
                "GET",
                &format!("/api/v3/authenticators/admin/all/?user={ann}"),
                None,
            )
            .await;
        let left: Vec<String> = r
            .json
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["pk"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(left, [phone.to_string()], "{}", r.text);
        let deleted = crate::flow_prompt::events(&app, "model_deleted").await;
        assert!(!deleted.is_empty());

        // Bob's device is not reachable through ann's page.
        let other = format!("/if/admin/users/{ann}/mfa/totp/{bobs}/delete/");
        assert_eq!(admin.submit(&app, &other, &[]).await.status, 404);
        let r = app
            .admin(
                "GET",
                &format!("/api/v3/authenticators/admin/all/?user={bob}"),
                None,
            )
            .await;
        assert_eq!(r.json.as_array().unwrap().len(), 1);

        // A user who is not a superuser is sent away.
        user(&app, "cid", "Cid-pw-1").await;
        let cid = login(&app, "cid", "Cid-pw-1").await;
        let refused = cid.get(&app, &format!("/if/admin/users/{ann}/mfa/")).await;
        assert_eq!(refused.status, 302, "{}", refused.text);
    }
);
