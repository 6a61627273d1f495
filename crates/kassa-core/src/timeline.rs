//! The order timeline's vocabulary: what happened to an order, and what kind of caller did
//! it. Stored as the same short names the `order_events` table has always held.

use std::fmt;
use std::str::FromStr;

/// Declares a stored-name enum: `code()` gives the stored name, `FromStr` reads it back.
macro_rules! stored_names {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $code:literal,)* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vmeta])* $variant,)*
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant,)*];

            /// The stored name.
            pub fn code(self) -> &'static str {
                match self {
                    $($name::$variant => $code,)*
                }
            }

            /// The stored name (as `String::as_str` reads, where a name was a string).
            pub fn as_str(&self) -> &'static str {
                self.code()
            }
        }

        /// Compares with a stored name.
        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.code() == *other
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.code())
            }
        }

        impl TryFrom<String> for $name {
            type Error = String;
            fn try_from(s: String) -> Result<Self, Self::Error> {
                s.parse()
            }
        }

        impl FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                $name::ALL
                    .iter()
                    .copied()
                    .find(|v| v.code() == s)
                    .ok_or_else(|| format!("unknown {} {s:?}", stringify!($name)))
            }
        }
    };
}

stored_names! {
    /// The kind of caller, as the order timeline and the audit log record it.
    ActorKind {
        /// A merchant's API key (the merchant API).
        ApiKey = "api_key",
        /// A signed-in member of the merchant portal.
        PortalUser = "portal_user",
        /// Provider staff in the back office.
        Operator = "operator",
        /// A shopper on the hosted checkout page.
        Shopper = "shopper",
        /// Kassa itself: jobs, expiry, the demo seed, the CLI.
        System = "system",
    }
}

stored_names! {
    /// What happened to an order: one entry of its timeline.
    EventKind {
        CheckoutCreated = "checkout_created",
        CheckoutUpdated = "checkout_updated",
        CheckoutAborted = "checkout_aborted",
        Authorized = "authorized",
        Acknowledged = "acknowledged",
        Captured = "captured",
        Refunded = "refunded",
        Cancelled = "cancelled",
        Released = "released",
        AuthorizationExtended = "authorization_extended",
        AuthorizationUpdated = "authorization_updated",
        Expired = "expired",
        CustomerDetailsUpdated = "customer_details_updated",
        MerchantReferencesUpdated = "merchant_references_updated",
        ShippingInfoAdded = "shipping_info_added",
        CaptureShippingInfoAdded = "capture_shipping_info_added",
        DueDateExtended = "due_date_extended",
        SendOutTriggered = "send_out_triggered",
        DisputeOpened = "dispute_opened",
        DisputeClosed = "dispute_closed",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_names_read_back() {
        for kind in EventKind::ALL {
            assert_eq!(kind.code().parse::<EventKind>(), Ok(*kind));
        }
        for kind in ActorKind::ALL {
            assert_eq!(kind.code().parse::<ActorKind>(), Ok(*kind));
        }
        assert!("teleported".parse::<EventKind>().is_err());
    }
}
