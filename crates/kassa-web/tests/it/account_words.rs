//! Account settings in words: the company's country by name (Company tab), a short time-zone picker.

use crate::support::*;

#[tokio::test]
async fn account_shows_country_names_and_a_short_grouped_time_zone_picker() {
    on_each_backend(|app| async move {
        let c = app.signed_in("admin@demo.kassa.test").await;
        let (status, html) = c.page("/portal/account").await;
        assert_eq!(status, 200);
        let (_, company) = c.page("/portal/account/company").await;
        assert!(company.contains("id=\"company-country\">Sweden<"), "country in words");
        let start = html.find("<select id=\"profile-timezone\"").unwrap();
        let select = &html[start..start + html[start..].find("</select>").unwrap()];
        assert!(
            select.contains("<optgroup label=\"Common time zones\"><option value=\"Europe/Stockholm\""),
            "common zones first"
        );
        assert!(select.contains("<optgroup label=\"Europe\">"));
        assert!(
            !select.contains("value=\"US/Eastern\"") && !select.contains("value=\"Etc/"),
            "no aliases"
        );
        let options = select.matches("<option ").count();
        assert!((300..500).contains(&options), "{options} zones");
        // A zone from the list saves, and is shown as chosen.
        let res = c
            .post_form(
                "/portal/account/profile",
                &[
                    ("name", "Anders Berg"),
                    ("phone", ""),
                    ("timezone", "America/Argentina/Buenos_Aires"),
                ],
            )
            .await;
        assert_eq!(res.status(), 303);
        let (_, html) = c.page("/portal/account").await;
        assert!(html
            .contains("<option value=\"America/Argentina/Buenos_Aires\" selected>Buenos Aires (UTC-03:00)</option>"));
        c.post_form("/portal/language", &[("lang", "sv"), ("next", "/portal/account")])
            .await;
        let (_, company) = c.page("/portal/account/company").await;
        assert!(company.contains("id=\"company-country\">Sverige<"));
        let (_, html) = c.page("/portal/account").await;
        assert!(html.contains("<optgroup label=\"Vanliga tidszoner\">"));
    })
    .await;
}
