//! The two-factor setup page's pieces: the secret in groups, the `otpauth://` link and its QR
//! code drawn as SVG. The TOTP and recovery-code rules live in `kassa_app::auth::two_factor`,
//! re-exported here for the portal and the tests.

pub use kassa_app::auth::two_factor::*;
use qrcodegen::{QrCode, QrCodeEcc};

/// The issuer authenticator apps show next to the account.
const ISSUER: &str = "Kassa";

/// The secret in groups of four, easier to type into an app by hand.
pub fn grouped(secret: &str) -> String {
    secret
        .as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// `otpauth://` URI that authenticator apps import (also what the QR code holds).
pub fn otpauth_uri(secret: &str, account: &str) -> String {
    let label = crate::shell::session::urlencode(&format!("{ISSUER}:{account}"));
    format!(
        "otpauth://totp/{label}?secret={secret}&issuer={ISSUER}&algorithm=SHA1&digits={DIGITS}&period={STEP_SECONDS}"
    )
}

/// The QR code of `text` as an inline SVG element: one path of dark modules on a white
/// quiet zone. No style attributes, so it passes the strict CSP.
pub fn qr_svg(text: &str, label: &str) -> String {
    let Ok(qr) = QrCode::encode_text(text, QrCodeEcc::Medium) else {
        return String::new();
    };
    let border = 4;
    let size = qr.size() + border * 2;
    let mut path = String::new();
    for y in 0..qr.size() {
        for x in 0..qr.size() {
            if qr.get_module(x, y) {
                path.push_str(&format!("M{},{}h1v1h-1z", x + border, y + border));
            }
        }
    }
    let label = label.replace('&', "&amp;").replace('"', "&quot;").replace('<', "&lt;");
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"qr\" viewBox=\"0 0 {size} {size}\" role=\"img\" aria-label=\"{label}\" shape-rendering=\"crispEdges\"><rect width=\"{size}\" height=\"{size}\" fill=\"#fff\"/><path d=\"{path}\" fill=\"#000\"/></svg>"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn setup_uri_and_qr() {
        let uri = otpauth_uri("JBSWY3DPEHPK3PXP", "ada@example.com");
        assert!(uri.starts_with("otpauth://totp/Kassa%3Aada%40example.com?secret=JBSWY3DPEHPK3PXP"));
        let svg = qr_svg(&uri, "QR");
        assert!(svg.starts_with("<svg") && svg.contains("<path d=\"M"));
        assert!(!svg.contains("style"));
    }
}
