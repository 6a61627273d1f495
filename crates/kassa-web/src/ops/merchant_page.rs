//! What every page of one merchant in the back office starts from: the merchant's heading
//! for the shared tabs, loaded through the merchant use case (404 for an unknown merchant).

use super::merchant_tabs::MerchantHeading;
use super::shell::Operator;
use crate::shell::views::Page;
use crate::{AppState, WebError};
use kassa_core::store_settings::MerchantStatus;

/// The merchant's heading, and the page with the merchant's name and the tab in its title.
pub(super) async fn merchant_page(
    state: &AppState,
    operator: &Operator,
    merchant_id: i64,
    tab_key: &str,
    here: &str,
) -> Result<(MerchantHeading, Page), WebError> {
    let detail = kassa_app::ops::merchant_detail(&state.db, &operator.actor(), merchant_id).await?;
    let mut page = operator.page(Some("/ops/merchants"), tab_key, here);
    page.title = format!("{} · {}", detail.legal_name, page.t(tab_key));
    let heading = MerchantHeading {
        id: detail.id,
        name: detail.legal_name,
        suspended: detail.status == MerchantStatus::Suspended,
    };
    Ok((heading, page))
}
