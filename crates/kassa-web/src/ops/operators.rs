//! Operators (ops_admin only): the list, adding one (a password made up and shown once, to
//! hand over), changing a role or standing, and removing a lost second factor.

use super::audit::PROVIDER_TZ;
use super::shell::{Operator, OpsAccess, OpsMenuEntry, OpsRoute, OpsSection};
use crate::shell::extract::{Form, Path, Query};
use crate::shell::i18n::format_time;
use crate::shell::views::{render, Page};
use crate::{AppState, WebError};
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use kassa_app::operators::{self as ops, NewOperatorInput};
use kassa_app::AppError;
use kassa_core::ops_access::{OperatorRole, OpsPermission};
use serde::Deserialize;

pub(super) fn section() -> OpsSection {
    let admin = OpsAccess::Operator(OpsPermission::ManageOperators);
    OpsSection {
        menu: Some(OpsMenuEntry {
            href: "/ops/operators",
            label: "ops-operators-title",
            permission: OpsPermission::ManageOperators,
        }),
        routes: vec![
            OpsRoute::get("/ops/operators", admin, list),
            OpsRoute::post("/ops/operators", admin, create),
            OpsRoute::post("/ops/operators/{id}/access", admin, change_access),
            OpsRoute::post("/ops/operators/{id}/reset-two-factor", admin, reset_two_factor),
        ],
    }
}

struct OperatorLine {
    id: i64,
    name: String,
    email: String,
    role_code: &'static str,
    active: bool,
    two_factor: bool,
    last_sign_in: String,
    is_me: bool,
}

struct RoleChoice {
    code: &'static str,
    label: String,
}

#[derive(Template)]
#[template(path = "ops/operators.html")]
struct OperatorsTemplate {
    page: Page,
    operators: Vec<OperatorLine>,
    roles: Vec<RoleChoice>,
    error: Option<String>,
    form_email: String,
    form_name: String,
    form_role: String,
    /// The new operator's email and made-up password, shown this once.
    created: Option<(String, String)>,
}

#[derive(Deserialize, Default)]
struct ListQuery {
    notice: Option<String>,
}

fn role_label(page: &Page, role: OperatorRole) -> String {
    page.t(&format!("ops-role-{}", role.code().replace('_', "-")))
}

async fn render_list(
    state: &AppState,
    operator: &Operator,
    page: Page,
    error: Option<String>,
    form: Option<&CreateForm>,
    created: Option<(String, String)>,
) -> Result<Response, WebError> {
    let rows = ops::operators(&state.db, &operator.actor()).await?;
    let operators = rows
        .iter()
        .map(|o| OperatorLine {
            id: o.id,
            name: o.name.clone(),
            email: o.email.clone(),
            role_code: o.role.code(),
            active: o.active(),
            two_factor: o.totp_secret.is_some(),
            last_sign_in: o
                .last_sign_in_at
                .map(|t| format_time(t, PROVIDER_TZ))
                .unwrap_or_default(),
            is_me: o.id == operator.id,
        })
        .collect();
    let roles = OperatorRole::ALL
        .into_iter()
        .map(|r| RoleChoice {
            code: r.code(),
            label: role_label(&page, r),
        })
        .collect();
    let failed = error.is_some();
    let mut res = render(&OperatorsTemplate {
        page,
        operators,
        roles,
        error,
        form_email: form.map(|f| f.email.clone()).unwrap_or_default(),
        form_name: form.map(|f| f.name.clone()).unwrap_or_default(),
        form_role: form.map(|f| f.role.clone()).unwrap_or_else(|| "support".into()),
        created,
    });
    if failed {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

fn list_page(operator: &Operator, notice: Option<&str>) -> Page {
    let notice = match notice {
        Some("updated") => Some("ops-operators-updated"),
        Some("two_factor_reset") => Some("ops-operators-two-factor-reset"),
        _ => None,
    };
    operator
        .page(Some("/ops/operators"), "ops-operators-title", "/ops/operators")
        .with_notice(notice)
}

async fn list(
    State(state): State<AppState>,
    operator: Operator,
    Query(q): Query<ListQuery>,
) -> Result<Response, WebError> {
    let page = list_page(&operator, q.notice.as_deref());
    render_list(&state, &operator, page, None, None, None).await
}

#[derive(Deserialize)]
struct CreateForm {
    email: String,
    name: String,
    role: String,
}

/// A refused form's first problem, in the operator's language.
fn field_message(page: &Page, e: &AppError) -> Option<String> {
    match e {
        AppError::Invalid(fields) => fields.first().map(|f| match f.field.as_str() {
            "email" if f.message.contains("exists") => page.t("ops-operators-error-exists"),
            "email" => page.t("users-error-email"),
            "name" => page.t("ops-operators-error-name"),
            _ => page.t("error-bad-request-text"),
        }),
        AppError::Conflict(_) => Some(page.t("ops-operators-error-last-admin")),
        _ => None,
    }
}

async fn create(
    State(state): State<AppState>,
    operator: Operator,
    Form(form): Form<CreateForm>,
) -> Result<Response, WebError> {
    let page = list_page(&operator, None);
    let Ok(role) = form.role.parse::<OperatorRole>() else {
        let error = Some(page.t("ops-operators-error-role"));
        return render_list(&state, &operator, page, error, Some(&form), None).await;
    };
    let input = NewOperatorInput {
        email: &form.email,
        name: &form.name,
        role,
        password: None,
        language: operator.lang.code(),
    };
    match ops::create_operator(&state.db, &operator.actor(), &input).await {
        Ok(created) => {
            let shown = (created.email, created.generated_password.unwrap_or_default());
            let page = page.with_notice(Some("ops-operators-created"));
            render_list(&state, &operator, page, None, None, Some(shown)).await
        }
        Err(e) => match field_message(&page, &e) {
            Some(message) => render_list(&state, &operator, page, Some(message), Some(&form), None).await,
            None => Err(e.into()),
        },
    }
}

#[derive(Deserialize)]
struct AccessForm {
    role: String,
    status: String,
}

async fn change_access(
    State(state): State<AppState>,
    operator: Operator,
    Path(id): Path<i64>,
    Form(form): Form<AccessForm>,
) -> Result<Response, WebError> {
    let role = form
        .role
        .parse::<OperatorRole>()
        .map_err(|_| WebError::BadRequest("unknown operator role".into()))?;
    let active = match form.status.as_str() {
        "active" => true,
        "deactivated" => false,
        _ => return Err(WebError::BadRequest("unknown status".into())),
    };
    match ops::set_operator_access(&state.db, &operator.actor(), id, role, active).await {
        Ok(()) => Ok(Redirect::to("/ops/operators?notice=updated").into_response()),
        Err(e @ AppError::Conflict(_)) => {
            let page = list_page(&operator, None);
            let message = field_message(&page, &e);
            render_list(&state, &operator, page, message, None, None).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn reset_two_factor(
    State(state): State<AppState>,
    operator: Operator,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    ops::reset_operator_two_factor(&state.db, &operator.actor(), id).await?;
    Ok(Redirect::to("/ops/operators?notice=two_factor_reset").into_response())
}
