use crate::session::Member;
use crate::views::{render, Page};
use askama::Template;
use axum::response::Response;
use kassa_core::access::Section;

#[derive(Template)]
#[template(path = "home.html")]
struct HomeTemplate {
    page: Page,
    greeting: String,
    role: String,
    store_id: String,
    store_name: String,
    merchant_name: String,
    playground: bool,
}

pub(crate) async fn show(member: Member) -> Response {
    let page = Page::member(&member, Some(Section::Home), "home-title", "/portal");
    let first_name = member
        .user
        .name
        .split_whitespace()
        .next()
        .unwrap_or(&member.user.name)
        .to_owned();
    let greeting = page.lang.t_args(
        "home-greeting",
        &[
            ("name", first_name),
            ("merchant", member.store.merchant_name.clone()),
            ("store", member.store.store_name.clone()),
        ],
    );
    render(&HomeTemplate {
        greeting,
        role: page.t(&format!("role-{}", member.role.code().replace('_', "-"))),
        store_id: member.store.store_id.clone(),
        store_name: member.store.store_name.clone(),
        merchant_name: member.store.merchant_name.clone(),
        playground: member.store.environment == "playground",
        page,
    })
}
