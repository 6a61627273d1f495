//! The body columns of a CSV settlement report, named as in Klarna's (and Kustom's)
//! settlement reports, and a store's choice and order of them.

use kassa_db::{EntryField, LedgerEntryRow};

/// One transaction column of a CSV settlement report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Column {
    MerchantId,
    MerchantReference1,
    MerchantReference2,
    SaleDate,
    Type,
    DetailedType,
    CaptureDate,
    Amount,
    VatRate,
    VatAmount,
    OrderId,
    ShortOrderId,
    PaymentReference,
    CaptureId,
    RefundId,
    PurchaseCountry,
    ShippingCountry,
    CurrencyCode,
    InitialPaymentMethodType,
    MerchantCaptureReference,
    MerchantRefundReference,
    KlarnaComment,
    ReversalReference,
}

impl Column {
    /// Every column, in the order a report lists them by default.
    pub const ALL: [Column; 23] = [
        Column::MerchantId,
        Column::MerchantReference1,
        Column::MerchantReference2,
        Column::SaleDate,
        Column::Type,
        Column::DetailedType,
        Column::CaptureDate,
        Column::Amount,
        Column::VatRate,
        Column::VatAmount,
        Column::OrderId,
        Column::ShortOrderId,
        Column::PaymentReference,
        Column::CaptureId,
        Column::RefundId,
        Column::PurchaseCountry,
        Column::ShippingCountry,
        Column::CurrencyCode,
        Column::InitialPaymentMethodType,
        Column::MerchantCaptureReference,
        Column::MerchantRefundReference,
        Column::KlarnaComment,
        Column::ReversalReference,
    ];

    /// The columns of a store that has chosen none: all of them, so a dispute's REVERSAL
    /// carries its reference without any setting.
    pub fn default_set() -> Vec<Column> {
        Column::ALL.to_vec()
    }

    /// The column's name in the CSV header (Klarna's).
    pub fn name(self) -> &'static str {
        match self {
            Column::MerchantId => "merchant_id",
            Column::MerchantReference1 => "merchant_reference1",
            Column::MerchantReference2 => "merchant_reference2",
            Column::SaleDate => "sale_date",
            Column::Type => "type",
            Column::DetailedType => "detailed_type",
            Column::CaptureDate => "capture_date",
            Column::Amount => "amount",
            Column::VatRate => "vat_rate",
            Column::VatAmount => "vat_amount",
            Column::OrderId => "order_id",
            Column::ShortOrderId => "short_order_id",
            Column::PaymentReference => "payment_reference",
            Column::CaptureId => "capture_id",
            Column::RefundId => "refund_id",
            Column::PurchaseCountry => "purchase_country",
            Column::ShippingCountry => "shipping_country",
            Column::CurrencyCode => "currency_code",
            Column::InitialPaymentMethodType => "initial_payment_method_type",
            Column::MerchantCaptureReference => "merchant_capture_reference",
            Column::MerchantRefundReference => "merchant_refund_reference",
            Column::KlarnaComment => "klarna_comment",
            Column::ReversalReference => "reversal_reference",
        }
    }

    pub fn from_name(name: &str) -> Option<Column> {
        let name = name.trim();
        Column::ALL.into_iter().find(|c| c.name() == name)
    }

    /// The columns of a stored comma-separated list, in its order. Unknown names and
    /// repeats are skipped (a list saved by an older version still works); an empty list,
    /// or one with no known name, is the default set.
    pub fn parse_list(stored: &str) -> Vec<Column> {
        let mut out: Vec<Column> = Vec::new();
        for c in stored.split(',').filter_map(Column::from_name) {
            if !out.contains(&c) {
                out.push(c);
            }
        }
        if out.is_empty() {
            Column::default_set()
        } else {
            out
        }
    }

    /// The list as stored: names joined by commas.
    pub fn to_list(columns: &[Column]) -> String {
        columns.iter().map(|c| c.name()).collect::<Vec<_>>().join(",")
    }

    /// The stored field the column is written from (the CSV's fast path reads only these).
    pub(crate) fn field(self) -> EntryField {
        match self {
            Column::MerchantId => EntryField::StoreId,
            Column::MerchantReference1 => EntryField::MerchantReference1,
            Column::MerchantReference2 => EntryField::MerchantReference2,
            Column::SaleDate => EntryField::SaleDate,
            Column::Type => EntryField::Type,
            Column::DetailedType => EntryField::DetailedType,
            Column::CaptureDate => EntryField::CaptureDate,
            Column::Amount => EntryField::Amount,
            Column::VatRate => EntryField::VatRate,
            Column::VatAmount => EntryField::VatAmount,
            Column::OrderId => EntryField::OrderId,
            Column::ShortOrderId => EntryField::ShortOrderId,
            Column::PaymentReference => EntryField::PaymentReference,
            Column::CaptureId => EntryField::CaptureId,
            Column::RefundId => EntryField::RefundId,
            Column::PurchaseCountry => EntryField::PurchaseCountry,
            Column::ShippingCountry => EntryField::ShippingCountry,
            Column::CurrencyCode => EntryField::Currency,
            Column::InitialPaymentMethodType => EntryField::PaymentMethod,
            Column::MerchantCaptureReference => EntryField::MerchantCaptureReference,
            Column::MerchantRefundReference => EntryField::MerchantRefundReference,
            Column::KlarnaComment => EntryField::Comment,
            Column::ReversalReference => EntryField::ReversalReference,
        }
    }

    /// Whether the cell is an amount in minor units (written as a decimal).
    pub fn is_amount(self) -> bool {
        matches!(self, Column::Amount | Column::VatAmount)
    }

    /// The cell of `e` in this column, as text. Amounts, dates and the payment method are
    /// written by the CSV writer itself; they are `None` here.
    pub(crate) fn text(self, e: &LedgerEntryRow) -> Option<&str> {
        fn opt(v: &Option<String>) -> Option<&str> {
            Some(v.as_deref().unwrap_or(""))
        }
        match self {
            Column::MerchantId => Some(&e.store_id),
            Column::MerchantReference1 => opt(&e.merchant_reference1),
            Column::MerchantReference2 => opt(&e.merchant_reference2),
            Column::Type => Some(e.kind.code()),
            Column::DetailedType => Some(e.detailed_type.code()),
            Column::OrderId => opt(&e.order_id),
            Column::ShortOrderId => opt(&e.short_order_id),
            Column::PaymentReference => opt(&e.payment_reference),
            Column::CaptureId => opt(&e.capture_id),
            Column::RefundId => opt(&e.refund_id),
            Column::PurchaseCountry => Some(&e.purchase_country),
            Column::ShippingCountry => opt(&e.shipping_country),
            Column::CurrencyCode => Some(&e.currency),
            Column::MerchantCaptureReference => opt(&e.merchant_capture_reference),
            Column::MerchantRefundReference => opt(&e.merchant_refund_reference),
            Column::KlarnaComment => opt(&e.comment),
            Column::ReversalReference => opt(&e.reversal_reference),
            Column::SaleDate
            | Column::CaptureDate
            | Column::Amount
            | Column::VatRate
            | Column::VatAmount
            | Column::InitialPaymentMethodType => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for c in Column::ALL {
            assert_eq!(Column::from_name(c.name()), Some(c));
            assert!(seen.insert(c.name()), "{} twice", c.name());
        }
    }

    #[test]
    fn stored_lists_keep_their_order() {
        assert_eq!(Column::parse_list(""), Column::default_set());
        assert_eq!(
            Column::parse_list("amount, type,nonsense,amount,order_id"),
            vec![Column::Amount, Column::Type, Column::OrderId]
        );
        assert_eq!(Column::parse_list("nonsense"), Column::default_set());
        let list = [Column::CaptureDate, Column::MerchantReference1];
        assert_eq!(Column::parse_list(&Column::to_list(&list)), list.to_vec());
    }
}
