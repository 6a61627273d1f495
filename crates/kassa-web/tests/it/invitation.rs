//! The invitation's accept page: in the invitation's language, and signed in afterwards.

use crate::support::*;
use kassa_core::audit::AuditAction;

#[tokio::test]
async fn the_accept_page_speaks_the_invitations_language_and_signs_the_user_in() {
    on_each_backend(|app| async move {
        let admin = app.signed_in("admin@demo.kassa.test").await;
        admin.page("/portal/users/invite").await;
        let languages = ["sv", "de", "fi", "nb", "da", "nl"];
        let language = languages[uuid::Uuid::new_v4().as_bytes()[0] as usize % languages.len()];
        let res = admin
            .post_form(
                "/portal/users/invite",
                &[
                    ("email", "sara@example.com"),
                    ("kind", "internal"),
                    ("role", "user"),
                    ("store", "M100001"),
                    ("language", language),
                ],
            )
            .await;
        assert_eq!(res.status(), 303);
        let link = app.last_link_to("sara@example.com");

        // Her browser asks for English; the invitation was written in `language`.
        let sara = app.client();
        let (status, page) = sara.page(&link).await;
        assert_eq!(status, 200);
        assert!(page.contains(&format!("<html lang=\"{language}\"")), "{language}");
        let password = "sara's own long password";
        let res = sara
            .post_form(
                &link,
                &[
                    ("name", "Sara Svensson"),
                    ("new_password", password),
                    ("confirm_password", password),
                ],
            )
            .await;
        assert_eq!(res.status(), 303);
        assert_eq!(location(&res), "/portal?notice=activated");
        assert!(
            set_cookies(&res).iter().any(|c| c.contains("session")),
            "a session starts"
        );
        let (status, home) = sara.page("/portal").await;
        assert_eq!(status, 200, "signed in without typing the password again");
        assert!(home.contains("Sara"), "her Home");
        let (_, welcome) = sara.page("/portal?notice=activated").await;
        assert!(welcome.contains("class=\"notice\""));
        let events = app.db().audit_events(Some(AuditAction::SignIn), 50).await.unwrap();
        assert!(
            events.iter().any(|e| e.subject == "sara@example.com"),
            "the sign-in is audited"
        );
        // The audit log tells it in words, not stored JSON.
        let (_, log) = admin.page("/portal/users/audit?user=sara%40example.com").await;
        assert!(log.contains("Signed in with: Accepted invitation"), "{log}");
        assert!(log.contains("Name: Sara Svensson · Status: Active"), "{log}");
        assert!(!log.contains("{&#34;") && !log.contains("{\""), "no JSON");
        // The link is spent.
        assert_eq!(app.client().page(&link).await.0, 410);
    })
    .await;
}
