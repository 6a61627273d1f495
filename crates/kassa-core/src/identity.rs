//! A merchant's and a store's identifiers as the back office takes them: organisation
//! numbers (with the national checksum where one exists), EU VAT ids, IBAN and BIC, card
//! statement descriptors and store URLs. Each check returns the normalised form to store, or
//! an [`IdentityError`] naming the reason, so the web can say it in the operator's language.

/// Why an identifier was refused. [`IdentityError::code`] is the stable name a surface
/// translates (`invalid-<code>` in the portal's message files, for instance).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum IdentityError {
    /// Nothing was given where something is required.
    #[error("required")]
    Required,
    /// The organisation number has the wrong length or characters for the country.
    #[error("not an organisation number of this country")]
    OrgNumberFormat,
    /// The organisation number's check digit is wrong (a typo).
    #[error("the organisation number's check digit is wrong")]
    OrgNumberChecksum,
    /// The VAT id's country prefix is not the merchant's country.
    #[error("the VAT id is not of the merchant's country")]
    VatCountry,
    /// The VAT id does not have its country's format.
    #[error("not a VAT id of this country")]
    VatFormat,
    /// The VAT id is not the one the organisation number gives (Sweden: SE + number + 01).
    #[error("the VAT id does not match the organisation number")]
    VatOrgMismatch,
    /// The IBAN's country is not one Kassa pays out to (the SEPA countries).
    #[error("IBANs of this country are not accepted")]
    IbanCountry,
    /// The IBAN has the wrong characters or length for its country.
    #[error("not an IBAN")]
    IbanFormat,
    /// The IBAN's check digits are wrong (a typo).
    #[error("the IBAN's check digits are wrong")]
    IbanChecksum,
    /// Not a BIC: 4 letters, 2 letters of country, 2 letters or digits, optionally 3 more.
    #[error("not a BIC")]
    BicFormat,
    /// A statement descriptor has 5 to 22 characters.
    #[error("a statement descriptor has 5 to 22 characters")]
    DescriptorLength,
    /// Card statements take letters, digits, spaces and . - * ' only.
    #[error("a statement descriptor takes letters, digits, spaces and . - * ' only")]
    DescriptorCharacters,
    /// A descriptor of digits and punctuation alone says nothing to the cardholder.
    #[error("a statement descriptor needs at least one letter")]
    DescriptorNoLetter,
    /// Not an absolute http or https URL with a host.
    #[error("not an http or https address with a host")]
    Url,
    /// Not a phone number in international (E.164) form: `+`, a country code, at most 15 digits.
    #[error("not a phone number in international form (+46 8 123 456 78)")]
    Phone,
}

impl IdentityError {
    /// Every reason, so the pages that show them can check each has words.
    pub const ALL: [IdentityError; 15] = [
        IdentityError::Required,
        IdentityError::OrgNumberFormat,
        IdentityError::OrgNumberChecksum,
        IdentityError::VatCountry,
        IdentityError::VatFormat,
        IdentityError::VatOrgMismatch,
        IdentityError::IbanCountry,
        IdentityError::IbanFormat,
        IdentityError::IbanChecksum,
        IdentityError::BicFormat,
        IdentityError::DescriptorLength,
        IdentityError::DescriptorCharacters,
        IdentityError::DescriptorNoLetter,
        IdentityError::Url,
        IdentityError::Phone,
    ];

    /// The stable, kebab-case name of the reason.
    pub fn code(self) -> &'static str {
        match self {
            IdentityError::Required => "required",
            IdentityError::OrgNumberFormat => "org-number-format",
            IdentityError::OrgNumberChecksum => "org-number-checksum",
            IdentityError::VatCountry => "vat-country",
            IdentityError::VatFormat => "vat-format",
            IdentityError::VatOrgMismatch => "vat-org-mismatch",
            IdentityError::IbanCountry => "iban-country",
            IdentityError::IbanFormat => "iban-format",
            IdentityError::IbanChecksum => "iban-checksum",
            IdentityError::BicFormat => "bic-format",
            IdentityError::DescriptorLength => "descriptor-length",
            IdentityError::DescriptorCharacters => "descriptor-characters",
            IdentityError::DescriptorNoLetter => "descriptor-no-letter",
            IdentityError::Url => "url",
            IdentityError::Phone => "phone",
        }
    }
}

type Checked = Result<String, IdentityError>;

/// The digits of `s`, if it holds only digits (none is `None`).
fn digits(s: &str) -> Option<Vec<u32>> {
    if s.is_empty() {
        return None;
    }
    s.chars().map(|c| c.to_digit(10)).collect()
}

/// Luhn (mod 10) over all digits, the last being the check digit.
fn luhn_ok(ds: &[u32]) -> bool {
    let sum: u32 = ds
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| if i % 2 == 1 { (d * 2) / 10 + (d * 2) % 10 } else { d })
        .sum();
    sum.is_multiple_of(10)
}

fn weighted(ds: &[u32], weights: &[u32]) -> u32 {
    ds.iter().zip(weights).map(|(d, w)| d * w).sum()
}

/// An organisation number of a merchant in `country` (ISO alpha-2), normalised:
///
/// - SE, organisationsnummer: 10 digits, optionally `-` after the sixth, Luhn; `NNNNNN-NNNN`.
/// - NO, organisasjonsnummer: 9 digits, mod 11 with weights 3,2,7,6,5,4,3,2; `NNNNNNNNN`.
/// - DK, CVR: 8 digits, mod 11 with weights 2,7,6,5,4,3,2,1 over all eight; `NNNNNNNN`.
/// - FI, Y-tunnus: `NNNNNNN-C`, mod 11 with weights 7,9,10,5,8,4,2; `NNNNNNN-C`.
/// - elsewhere (no checksum Kassa knows): 2–32 letters, digits, spaces, `-` and `.`, trimmed.
///
/// Spaces are ignored in the four national forms (people copy them with spaces).
pub fn org_number(country: &str, input: &str) -> Checked {
    let trimmed = input.trim();
    if trimmed.is_empty() {
        return Err(IdentityError::Required);
    }
    let compact: String = trimmed.chars().filter(|c| !c.is_whitespace()).collect();
    match country.to_ascii_uppercase().as_str() {
        "SE" => {
            let plain = match compact.split_once('-') {
                Some((head, tail)) if head.len() == 6 && tail.len() == 4 => format!("{head}{tail}"),
                Some(_) => return Err(IdentityError::OrgNumberFormat),
                None => compact,
            };
            let ds = digits(&plain)
                .filter(|d| d.len() == 10)
                .ok_or(IdentityError::OrgNumberFormat)?;
            if !luhn_ok(&ds) {
                return Err(IdentityError::OrgNumberChecksum);
            }
            Ok(format!("{}-{}", &plain[..6], &plain[6..]))
        }
        "NO" => {
            let ds = digits(&compact)
                .filter(|d| d.len() == 9)
                .ok_or(IdentityError::OrgNumberFormat)?;
            let check = match 11 - weighted(&ds[..8], &[3, 2, 7, 6, 5, 4, 3, 2]) % 11 {
                11 => 0,
                // No number is issued whose check digit would be 10.
                10 => return Err(IdentityError::OrgNumberChecksum),
                c => c,
            };
            if check != ds[8] {
                return Err(IdentityError::OrgNumberChecksum);
            }
            Ok(compact)
        }
        "DK" => {
            let ds = digits(&compact)
                .filter(|d| d.len() == 8)
                .ok_or(IdentityError::OrgNumberFormat)?;
            if !weighted(&ds, &[2, 7, 6, 5, 4, 3, 2, 1]).is_multiple_of(11) {
                return Err(IdentityError::OrgNumberChecksum);
            }
            Ok(compact)
        }
        "FI" => {
            let plain = match compact.split_once('-') {
                Some((head, tail)) if head.len() == 7 && tail.len() == 1 => format!("{head}{tail}"),
                Some(_) => return Err(IdentityError::OrgNumberFormat),
                None => compact,
            };
            let ds = digits(&plain)
                .filter(|d| d.len() == 8)
                .ok_or(IdentityError::OrgNumberFormat)?;
            let check = match weighted(&ds[..7], &[7, 9, 10, 5, 8, 4, 2]) % 11 {
                0 => 0,
                // Remainder 1 would need check digit 10: no such number is issued.
                1 => return Err(IdentityError::OrgNumberChecksum),
                r => 11 - r,
            };
            if check != ds[7] {
                return Err(IdentityError::OrgNumberChecksum);
            }
            Ok(format!("{}-{}", &plain[..7], &plain[7..]))
        }
        _ => {
            let ok_chars = trimmed
                .chars()
                .all(|c| c.is_alphanumeric() || c == ' ' || c == '-' || c == '.');
            let len = trimmed.chars().count();
            if !ok_chars || !(2..=32).contains(&len) || !trimmed.chars().any(|c| c.is_alphanumeric()) {
                return Err(IdentityError::OrgNumberFormat);
            }
            Ok(trimmed.to_owned())
        }
    }
}

/// The EU member states' VAT id formats after the country prefix: `9` a digit, `A` a
/// letter, `X` a letter or digit, anything else itself. (Greece's prefix is `EL`.)
const VAT_FORMATS: &[(&str, &[&str])] = &[
    ("AT", &["U99999999"]),
    ("BE", &["9999999999"]),
    ("BG", &["999999999", "9999999999"]),
    ("CY", &["99999999A"]),
    ("CZ", &["99999999", "999999999", "9999999999"]),
    ("DE", &["999999999"]),
    ("DK", &["99999999"]),
    ("EE", &["999999999"]),
    ("EL", &["999999999"]),
    ("ES", &["X9999999X"]),
    ("FI", &["99999999"]),
    ("FR", &["XX999999999"]),
    ("HR", &["99999999999"]),
    ("HU", &["99999999"]),
    ("IE", &["9999999A", "9999999AA", "9X99999A"]),
    ("IT", &["99999999999"]),
    ("LT", &["999999999", "999999999999"]),
    ("LU", &["99999999"]),
    ("LV", &["99999999999"]),
    ("MT", &["99999999"]),
    ("NL", &["999999999B99"]),
    ("PL", &["9999999999"]),
    ("PT", &["999999999"]),
    (
        "RO",
        &[
            "99",
            "999",
            "9999",
            "99999",
            "999999",
            "9999999",
            "99999999",
            "999999999",
            "9999999999",
        ],
    ),
    ("SE", &["999999999901"]),
    ("SI", &["99999999"]),
    ("SK", &["9999999999"]),
];

fn fits(pattern: &str, s: &str) -> bool {
    pattern.len() == s.len()
        && pattern.chars().zip(s.chars()).all(|(p, c)| match p {
            '9' => c.is_ascii_digit(),
            'A' => c.is_ascii_uppercase(),
            'X' => c.is_ascii_uppercase() || c.is_ascii_digit(),
            literal => c == literal,
        })
}

/// The VAT prefix of a country: Greece's ISO code is GR, its VAT prefix EL.
fn vat_prefix(country: &str) -> String {
    match country.to_ascii_uppercase().as_str() {
        "GR" => "EL".to_owned(),
        other => other.to_owned(),
    }
}

/// Whether `country` is an EU member state (VAT ids of the VIES kind).
pub fn is_eu_member(country: &str) -> bool {
    let prefix = vat_prefix(country);
    VAT_FORMATS.iter().any(|(c, _)| *c == prefix)
}

/// A merchant's VAT id, upper-case without spaces, dots or dashes. In an EU member state it
/// must carry that state's prefix and format; a Swedish one must be `SE` + the organisation
/// number's ten digits + `01`. Outside the EU, where VAT numbers have no common format, it
/// is taken as 2–32 letters and digits. `org_number` is the merchant's (normalised or not);
/// when it is not itself valid, the Swedish agreement is not checked (its own error says so).
pub fn vat_id(country: &str, org_number: &str, input: &str) -> Checked {
    let compact: String = input
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '.' && *c != '-')
        .collect::<String>()
        .to_ascii_uppercase();
    if compact.is_empty() {
        return Err(IdentityError::Required);
    }
    if !is_eu_member(country) {
        let ok = (2..=32).contains(&compact.len()) && compact.chars().all(|c| c.is_ascii_alphanumeric());
        return if ok { Ok(compact) } else { Err(IdentityError::VatFormat) };
    }
    let prefix = vat_prefix(country);
    let Some(rest) = compact.strip_prefix(prefix.as_str()) else {
        let foreign = compact.len() > 2 && VAT_FORMATS.iter().any(|(c, _)| compact.starts_with(c));
        return Err(if foreign {
            IdentityError::VatCountry
        } else {
            IdentityError::VatFormat
        });
    };
    let patterns = VAT_FORMATS
        .iter()
        .find(|(c, _)| *c == prefix)
        .map(|(_, p)| *p)
        .unwrap_or(&[]);
    if !patterns.iter().any(|p| fits(p, rest)) {
        return Err(IdentityError::VatFormat);
    }
    if prefix == "SE" {
        if let Ok(org) = self::org_number("SE", org_number) {
            if rest[..10] != org.replace('-', "") {
                return Err(IdentityError::VatOrgMismatch);
            }
        }
    }
    Ok(compact)
}

/// IBAN lengths of the SEPA countries (the countries Kassa pays out to).
const IBAN_LENGTHS: &[(&str, usize)] = &[
    ("AD", 24),
    ("AL", 28),
    ("AT", 20),
    ("BE", 16),
    ("BG", 22),
    ("CH", 21),
    ("CY", 28),
    ("CZ", 24),
    ("DE", 22),
    ("DK", 18),
    ("EE", 20),
    ("ES", 24),
    ("FI", 18),
    ("FR", 27),
    ("GB", 22),
    ("GI", 23),
    ("GR", 27),
    ("HR", 21),
    ("HU", 28),
    ("IE", 22),
    ("IS", 26),
    ("IT", 27),
    ("LI", 21),
    ("LT", 20),
    ("LU", 20),
    ("LV", 21),
    ("MC", 27),
    ("MD", 24),
    ("ME", 22),
    ("MK", 19),
    ("MT", 31),
    ("NL", 18),
    ("NO", 15),
    ("PL", 28),
    ("PT", 25),
    ("RO", 24),
    ("SE", 24),
    ("SI", 19),
    ("SK", 24),
    ("SM", 27),
    ("VA", 22),
];

/// An IBAN in its electronic form: upper-case, no spaces. Checks the country (SEPA), its
/// length, and the ISO 13616 check digits (mod 97 = 1).
pub fn iban(input: &str) -> Checked {
    let compact: String = input
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_uppercase();
    if compact.is_empty() {
        return Err(IdentityError::Required);
    }
    if compact.len() < 5 || !compact.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(IdentityError::IbanFormat);
    }
    let (country, check) = (&compact[..2], &compact[2..4]);
    if !country.chars().all(|c| c.is_ascii_uppercase()) || !check.chars().all(|c| c.is_ascii_digit()) {
        return Err(IdentityError::IbanFormat);
    }
    let Some((_, len)) = IBAN_LENGTHS.iter().find(|(c, _)| *c == country) else {
        return Err(IdentityError::IbanCountry);
    };
    if compact.len() != *len {
        return Err(IdentityError::IbanFormat);
    }
    // Move the first four characters to the end, letters become 10..35, and take the
    // remainder digit by digit so no big integer is needed.
    let rearranged = compact[4..].chars().chain(compact[..4].chars());
    let remainder = rearranged.fold(0u32, |acc, c| {
        let value = c.to_digit(36).expect("checked alphanumeric");
        if value < 10 {
            (acc * 10 + value) % 97
        } else {
            (acc * 100 + value) % 97
        }
    });
    if remainder != 1 {
        return Err(IdentityError::IbanChecksum);
    }
    Ok(compact)
}

/// An IBAN in groups of four, as printed on paper: `SE45 5000 0000 0583 9825 7466`.
pub fn iban_printed(iban: &str) -> String {
    let chars: Vec<char> = iban.chars().filter(|c| !c.is_whitespace()).collect();
    chars
        .chunks(4)
        .map(|group| group.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join(" ")
}

/// A BIC (ISO 9362), upper-case without spaces: bank (4 letters), country (2 letters),
/// location (2 letters or digits), optionally branch (3 letters or digits).
pub fn bic(input: &str) -> Checked {
    let compact: String = input
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_uppercase();
    if compact.is_empty() {
        return Err(IdentityError::Required);
    }
    let ok = (compact.len() == 8 || compact.len() == 11)
        && compact.chars().all(|c| c.is_ascii_alphanumeric())
        && compact[..6].chars().all(|c| c.is_ascii_uppercase());
    if ok {
        Ok(compact)
    } else {
        Err(IdentityError::BicFormat)
    }
}

/// What a cardholder reads on their statement, trimmed: 5–22 characters of Latin letters,
/// digits, spaces and `.` `-` `*` `'` (what the card networks print), with at least one
/// letter.
pub fn statement_descriptor(input: &str) -> Checked {
    let trimmed = input.trim();
    if trimmed.is_empty() {
        return Err(IdentityError::Required);
    }
    if !trimmed
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, ' ' | '.' | '-' | '*' | '\''))
    {
        return Err(IdentityError::DescriptorCharacters);
    }
    if !(5..=22).contains(&trimmed.len()) {
        return Err(IdentityError::DescriptorLength);
    }
    if !trimmed.chars().any(|c| c.is_ascii_alphabetic()) {
        return Err(IdentityError::DescriptorNoLetter);
    }
    Ok(trimmed.to_owned())
}

/// A phone number in E.164 form, as people type it: a leading `+` (or `00`), then the
/// country code and number, at most 15 digits in all and at least 7, the first not 0.
/// Spaces, `-`, `.` and brackets are allowed while typing and dropped; the result is
/// `+` and the digits (`+46812345678`).
pub fn phone_e164(input: &str) -> Checked {
    let trimmed = input.trim();
    if trimmed.is_empty() {
        return Err(IdentityError::Required);
    }
    let rest = if let Some(r) = trimmed.strip_prefix('+') {
        r
    } else if let Some(r) = trimmed.strip_prefix("00") {
        r
    } else {
        return Err(IdentityError::Phone);
    };
    let mut number = String::from("+");
    for c in rest.chars() {
        match c {
            '0'..='9' => number.push(c),
            ' ' | '-' | '.' | '(' | ')' => {}
            _ => return Err(IdentityError::Phone),
        }
    }
    let digits = number.len() - 1;
    if !(7..=15).contains(&digits) || number.as_bytes()[1] == b'0' {
        return Err(IdentityError::Phone);
    }
    Ok(number)
}

/// A store's web address: an absolute `http` or `https` URL with a host name (or IP
/// address) and optional port, path, query and fragment; no credentials, no spaces. The
/// scheme and host come back lower-case.
pub fn store_url(input: &str) -> Checked {
    let trimmed = input.trim();
    if trimmed.is_empty() {
        return Err(IdentityError::Required);
    }
    if trimmed.len() > 2000 || trimmed.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(IdentityError::Url);
    }
    let (scheme, rest) = trimmed.split_once("://").ok_or(IdentityError::Url)?;
    let scheme = scheme.to_ascii_lowercase();
    if scheme != "http" && scheme != "https" {
        return Err(IdentityError::Url);
    }
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    if authority.contains('@') {
        return Err(IdentityError::Url);
    }
    let (host, port) = match authority.strip_prefix('[') {
        // An IPv6 literal: [::1]:8080.
        Some(v6) => {
            let (addr, after) = v6.split_once(']').ok_or(IdentityError::Url)?;
            if addr.is_empty() || !addr.chars().all(|c| c.is_ascii_hexdigit() || c == ':' || c == '.') {
                return Err(IdentityError::Url);
            }
            (format!("[{addr}]"), after.strip_prefix(':'))
        }
        None => {
            let (host, port) = match authority.split_once(':') {
                Some((h, p)) => (h, Some(p)),
                None => (authority, None),
            };
            let labels_ok = !host.is_empty()
                && host.split('.').all(|label| {
                    !label.is_empty()
                        && label.len() <= 63
                        && !label.starts_with('-')
                        && !label.ends_with('-')
                        && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                });
            if !labels_ok {
                return Err(IdentityError::Url);
            }
            (host.to_ascii_lowercase(), port)
        }
    };
    if let Some(p) = port {
        if p.is_empty() || p.len() > 5 || !p.chars().all(|c| c.is_ascii_digit()) || p.parse::<u32>().ok() > Some(65535)
        {
            return Err(IdentityError::Url);
        }
    }
    let port = port.map(|p| format!(":{p}")).unwrap_or_default();
    Ok(format!("{scheme}://{host}{port}{tail}"))
}

#[cfg(test)]
mod tests {
    use super::IdentityError as E;
    use super::*;

    #[test]
    fn swedish_org_numbers_use_luhn() {
        assert_eq!(org_number("SE", "556036-0793").as_deref(), Ok("556036-0793"));
        assert_eq!(org_number("se", " 5560360793 ").as_deref(), Ok("556036-0793"));
        assert_eq!(org_number("SE", "556703-7485").as_deref(), Ok("556703-7485"));
        assert_eq!(org_number("SE", "556036-0794"), Err(E::OrgNumberChecksum));
        assert_eq!(org_number("SE", "55603-60793"), Err(E::OrgNumberFormat));
        assert_eq!(org_number("SE", "556036079"), Err(E::OrgNumberFormat));
        assert_eq!(org_number("SE", "55603607X3"), Err(E::OrgNumberFormat));
        assert_eq!(org_number("SE", "  "), Err(E::Required));
    }

    #[test]
    fn norwegian_danish_and_finnish_numbers_use_mod_11() {
        // Equinor ASA, Novo Nordisk A/S, Nokia Oyj.
        assert_eq!(org_number("NO", "923 609 016").as_deref(), Ok("923609016"));
        assert_eq!(org_number("NO", "923609017"), Err(E::OrgNumberChecksum));
        assert_eq!(org_number("NO", "92360901"), Err(E::OrgNumberFormat));
        assert_eq!(org_number("DK", "22756214").as_deref(), Ok("22756214"));
        assert_eq!(org_number("DK", "22756215"), Err(E::OrgNumberChecksum));
        assert_eq!(org_number("DK", "2275621"), Err(E::OrgNumberFormat));
        assert_eq!(org_number("FI", "0112038-9").as_deref(), Ok("0112038-9"));
        assert_eq!(org_number("FI", "01120389").as_deref(), Ok("0112038-9"));
        assert_eq!(org_number("FI", "0112038-8"), Err(E::OrgNumberChecksum));
        assert_eq!(org_number("FI", "011203-89"), Err(E::OrgNumberFormat));
    }

    #[test]
    fn other_countries_take_a_plain_number() {
        assert_eq!(org_number("DE", " HRB 12345 ").as_deref(), Ok("HRB 12345"));
        assert_eq!(org_number("NL", "34.12.34.56").as_deref(), Ok("34.12.34.56"));
        assert_eq!(org_number("DE", "X"), Err(E::OrgNumberFormat));
        assert_eq!(org_number("DE", "HRB/12345"), Err(E::OrgNumberFormat));
        assert_eq!(org_number("DE", &"9".repeat(33)), Err(E::OrgNumberFormat));
    }

    #[test]
    fn vat_ids_follow_their_member_state() {
        assert_eq!(
            vat_id("SE", "556036-0793", "se 5560360793 01").as_deref(),
            Ok("SE556036079301")
        );
        assert_eq!(vat_id("SE", "556036-0793", "SE556703748501"), Err(E::VatOrgMismatch));
        assert_eq!(vat_id("SE", "556036-0793", "SE556036079302"), Err(E::VatFormat));
        assert_eq!(vat_id("SE", "556036-0793", "DE123456789"), Err(E::VatCountry));
        assert_eq!(vat_id("DE", "HRB 1", "DE 123.456.789").as_deref(), Ok("DE123456789"));
        assert_eq!(vat_id("DE", "HRB 1", "DE12345678"), Err(E::VatFormat));
        assert_eq!(vat_id("AT", "", "ATU12345678").as_deref(), Ok("ATU12345678"));
        assert_eq!(vat_id("AT", "", "AT12345678"), Err(E::VatFormat));
        assert_eq!(vat_id("NL", "", "NL123456789B01").as_deref(), Ok("NL123456789B01"));
        assert_eq!(vat_id("GR", "", "EL123456789").as_deref(), Ok("EL123456789"));
        assert_eq!(vat_id("FI", "0112038-9", "FI01120389").as_deref(), Ok("FI01120389"));
        assert_eq!(vat_id("DK", "", "12345678"), Err(E::VatFormat));
        // Outside the EU there is no common format.
        assert_eq!(
            vat_id("NO", "923609016", "NO 923 609 016 MVA").as_deref(),
            Ok("NO923609016MVA")
        );
        assert_eq!(vat_id("NO", "923609016", "NO#1"), Err(E::VatFormat));
        assert_eq!(vat_id("SE", "", ""), Err(E::Required));
    }

    #[test]
    fn ibans_have_their_countrys_length_and_check_digits() {
        for (given, stored) in [
            ("se45 5000 0000 0583 9825 7466", "SE4550000000058398257466"),
            ("DE89370400440532013000", "DE89370400440532013000"),
            ("GB82 WEST 1234 5698 7654 32", "GB82WEST12345698765432"),
            ("NO9386011117947", "NO9386011117947"),
            ("FI2112345600000785", "FI2112345600000785"),
            ("NL91ABNA0417164300", "NL91ABNA0417164300"),
            ("FR1420041010050500013M02606", "FR1420041010050500013M02606"),
        ] {
            assert_eq!(iban(given).as_deref(), Ok(stored), "{given}");
        }
        assert_eq!(iban("SE4650000000058398257466"), Err(E::IbanChecksum));
        assert_eq!(iban("DE8937040044053201300"), Err(E::IbanFormat));
        assert_eq!(iban("US12345678901234"), Err(E::IbanCountry));
        assert_eq!(iban("DE89-3704-0044-0532-0130-00"), Err(E::IbanFormat));
        assert_eq!(iban("12"), Err(E::IbanFormat));
        assert_eq!(iban(""), Err(E::Required));
        assert_eq!(
            iban_printed("SE4550000000058398257466"),
            "SE45 5000 0000 0583 9825 7466"
        );
        assert_eq!(iban_printed("NO9386011117947"), "NO93 8601 1117 947");
    }

    #[test]
    fn bics_have_bank_country_location_and_branch() {
        assert_eq!(bic("esse sess").as_deref(), Ok("ESSESESS"));
        assert_eq!(bic("DEUTDEFF500").as_deref(), Ok("DEUTDEFF500"));
        assert_eq!(bic("NDEASESS").as_deref(), Ok("NDEASESS"));
        assert_eq!(bic("DEUT1EFF"), Err(E::BicFormat));
        assert_eq!(bic("DEUTDEF"), Err(E::BicFormat));
        assert_eq!(bic("ESSESESSX"), Err(E::BicFormat));
        assert_eq!(bic("ESSESESS-01"), Err(E::BicFormat));
    }

    #[test]
    fn statement_descriptors_are_what_card_statements_print() {
        assert_eq!(statement_descriptor(" KASSA*SHOP ").as_deref(), Ok("KASSA*SHOP"));
        assert_eq!(
            statement_descriptor("Bob's Bikes-Sthlm.").as_deref(),
            Ok("Bob's Bikes-Sthlm.")
        );
        assert_eq!(statement_descriptor("ABCD"), Err(E::DescriptorLength));
        assert_eq!(statement_descriptor(&"A".repeat(23)), Err(E::DescriptorLength));
        assert_eq!(statement_descriptor("Café Malmö"), Err(E::DescriptorCharacters));
        assert_eq!(statement_descriptor("SHOP<script>"), Err(E::DescriptorCharacters));
        assert_eq!(statement_descriptor("12345-678"), Err(E::DescriptorNoLetter));
        assert_eq!(statement_descriptor(""), Err(E::Required));
    }

    #[test]
    fn phone_numbers_are_e164() {
        let table: &[(&str, Result<&str, E>)] = &[
            ("+46 8 123 456 78", Ok("+46812345678")),
            ("0046 (8) 123-456.78", Ok("+46812345678")),
            ("+1 415 555 2671", Ok("+14155552671")),
            ("+358401234567", Ok("+358401234567")),
            ("08 123 456 78", Err(E::Phone)),
            ("+0 123 456 789", Err(E::Phone)),
            ("+46 12", Err(E::Phone)),
            ("+1234567890123456", Err(E::Phone)),
            ("+46 8 123 ABC", Err(E::Phone)),
            ("+46\n812345678", Err(E::Phone)),
            ("   ", Err(E::Required)),
        ];
        for (input, want) in table {
            assert_eq!(
                phone_e164(input).as_deref(),
                want.as_deref().map_err(|e| *e),
                "{input:?}"
            );
        }
    }

    #[test]
    fn store_urls_are_absolute_web_addresses() {
        assert_eq!(
            store_url("https://Shop.Example.com/sv?x=1").as_deref(),
            Ok("https://shop.example.com/sv?x=1")
        );
        assert_eq!(
            store_url("HTTP://localhost:8080").as_deref(),
            Ok("http://localhost:8080")
        );
        assert_eq!(store_url("https://[::1]:443/").as_deref(), Ok("https://[::1]:443/"));
        for bad in [
            "shop.example.com",
            "ftp://shop.example.com",
            "https://",
            "https:///path",
            "https://user:pw@shop.example.com",
            "https://shop example.com",
            "https://shop..example.com",
            "https://-shop.example.com",
            "https://shop.example.com:99999",
            "https://shop.example.com:",
            "javascript:alert(1)",
        ] {
            assert_eq!(store_url(bad), Err(E::Url), "{bad}");
        }
        assert_eq!(store_url(" "), Err(E::Required));
    }

    #[test]
    fn codes_are_distinct() {
        let all = E::ALL;
        let codes: std::collections::HashSet<_> = all.iter().map(|e| e.code()).collect();
        assert_eq!(codes.len(), all.len());
    }
}
