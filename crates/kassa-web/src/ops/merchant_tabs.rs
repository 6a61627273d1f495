//! The heading and tabs every page of one merchant shares (`templates/ops/merchant_tabs.html`).

/// What the tabs' heading shows of the merchant.
pub(crate) struct MerchantHeading {
    pub id: i64,
    pub name: String,
    pub suspended: bool,
}
