//! Masks card numbers in text shown in Developer Logs, keeping the last four digits as PCI
//! DSS allows.
//!
//! Only what can really be a card number is masked, so ids stay readable: a UUID such as
//! `a1b2c3d4-1234-4567-8901-123456789012` holds long runs of digits and dashes, and masking
//! it made orders unfindable in the logs (and a test flaky). A number is masked when
//! - its digits are bounded by non-alphanumerics (a hex group with letters next to it is
//!   part of a longer token, not a number),
//! - it is grouped as cards are written: all digits together, groups of four with one kind
//!   of separator (the last group may be shorter), or Amex/Diners 4-6-5 and 4-6-4,
//! - it has 13 to 19 digits and passes the Luhn check every card number passes.

/// A maximal run of digit groups joined by single spaces or dashes, as found in the text.
struct Run {
    /// Digit groups in order.
    groups: Vec<(usize, usize)>,
    /// The separator after each group but the last.
    seps: Vec<char>,
}

pub fn mask_card_numbers(text: &str) -> String {
    // Most values recorded (header values, amounts, ids) hold fewer digits than the shortest
    // card number: they are kept as they are without the scan below.
    if text.bytes().filter(u8::is_ascii_digit).count() < 13 {
        return text.to_owned();
    }
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let bounded_before = i == 0 || !chars[i - 1].is_alphanumeric();
        if !(chars[i].is_ascii_digit() && bounded_before) {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        let run = scan_run(&chars, i);
        let end = run.groups.last().map(|g| g.1).unwrap_or(i);
        let bounded_after = end == chars.len() || !chars[end].is_alphanumeric();
        if bounded_after {
            mask_run(&chars, &run, &mut out);
        } else {
            // Part of a longer token (`…1234abc`): left as it is.
            out.extend(&chars[i..end]);
        }
        i = end;
    }
    out
}

/// Reads digit groups from `start`: a group ends at a non-digit; a single space or dash
/// followed by a digit joins the next group.
fn scan_run(chars: &[char], start: usize) -> Run {
    let mut groups = Vec::new();
    let mut seps = Vec::new();
    let mut i = start;
    loop {
        let g = i;
        while i < chars.len() && chars[i].is_ascii_digit() {
            i += 1;
        }
        groups.push((g, i));
        let joins = i + 1 < chars.len() && (chars[i] == ' ' || chars[i] == '-') && chars[i + 1].is_ascii_digit();
        if !joins {
            return Run { groups, seps };
        }
        seps.push(chars[i]);
        i += 1;
    }
}

/// Writes the run, masking each longest stretch of groups that is a card number. Inside a
/// run, a card is looked for group by group (`amount 100 4111 1111 1111 1111`).
fn mask_run(chars: &[char], run: &Run, out: &mut String) {
    let mut g = 0;
    while g < run.groups.len() {
        let card_end = (g..run.groups.len()).rev().find(|&e| is_card(chars, run, g, e));
        let last = card_end.unwrap_or(g);
        let (from, to) = (run.groups[g].0, run.groups[last].1);
        match card_end {
            Some(_) => {
                let digits: String = chars[from..to].iter().filter(|c| c.is_ascii_digit()).collect();
                out.push_str("************");
                out.push_str(&digits[digits.len() - 4..]);
            }
            None => out.extend(&chars[from..to]),
        }
        if last + 1 < run.groups.len() {
            out.push(run.seps[last]);
        }
        g = last + 1;
    }
}

/// Whether groups `first..=last` of the run form a plausible card number.
fn is_card(chars: &[char], run: &Run, first: usize, last: usize) -> bool {
    let lens: Vec<usize> = run.groups[first..=last].iter().map(|(a, b)| b - a).collect();
    let total: usize = lens.iter().sum();
    if !(13..=19).contains(&total) {
        return false;
    }
    let seps = &run.seps[first..last];
    if seps.windows(2).any(|w| w[0] != w[1]) {
        return false;
    }
    let grouped_by_four =
        lens.len() >= 4 && lens[..lens.len() - 1].iter().all(|&l| l == 4) && (1..=4).contains(&lens[lens.len() - 1]);
    let amex_or_diners = lens == [4, 6, 5] || lens == [4, 6, 4];
    let plausible = lens.len() == 1 || grouped_by_four || amex_or_diners;
    if !plausible {
        return false;
    }
    let digits: Vec<u32> = chars[run.groups[first].0..run.groups[last].1]
        .iter()
        .filter_map(|c| c.to_digit(10))
        .collect();
    luhn_valid(&digits)
}

/// The Luhn checksum: from the right, every second digit doubled (minus 9 above 9); the
/// sum is a multiple of ten.
fn luhn_valid(digits: &[u32]) -> bool {
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            if i % 2 == 1 {
                let twice = d * 2;
                if twice > 9 {
                    twice - 9
                } else {
                    twice
                }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEST_CARDS: &[&str] = &[
        "4111111111111111",
        "5555555555554444",
        "378282246310005",
        "4000000000000002",
        "4111 1111 1111 1111",
        "4111-1111-1111-1111",
        "3782 822463 10005",
        "4000 0000 0000 0002",
        "6011111111111117",
        "30569309025904",
        "4222222222222",
    ];

    fn last_four(card: &str) -> String {
        let d: String = card.chars().filter(char::is_ascii_digit).collect();
        d[d.len() - 4..].to_owned()
    }

    #[test]
    fn test_cards_are_masked_alone_in_sentences_and_in_json_strings() {
        for card in TEST_CARDS {
            let masked = format!("************{}", last_four(card));
            assert_eq!(mask_card_numbers(card), masked, "{card}");
            assert_eq!(
                mask_card_numbers(&format!("card {card}, thanks")),
                format!("card {masked}, thanks")
            );
            assert_eq!(
                mask_card_numbers(&format!(r#"{{"note":"{card}"}}"#)),
                format!(r#"{{"note":"{masked}"}}"#)
            );
            assert_eq!(
                mask_card_numbers(&format!("amount 100 {card}")),
                format!("amount 100 {masked}"),
                "a card after another number"
            );
        }
    }

    #[test]
    fn random_uuids_are_never_changed() {
        // Deterministic but well spread: a simple 64-bit generator filling UUID v4 bytes.
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for n in 0..20_000 {
            let mut bytes = [0u8; 16];
            for chunk in bytes.chunks_mut(8) {
                chunk.copy_from_slice(&next().to_le_bytes());
            }
            // Half of them digit-heavy, the shape that used to be masked.
            if n % 2 == 0 {
                for b in bytes.iter_mut() {
                    *b = (((*b >> 4) % 10) << 4) | ((*b & 0x0f) % 10);
                }
            }
            let id = uuid::Builder::from_random_bytes(bytes).into_uuid().to_string();
            for text in [
                id.clone(),
                format!("/ordermanagement/v1/orders/{id}/captures"),
                format!(r#"{{"order_id":"{id}"}}"#),
                id.to_uppercase(),
            ] {
                assert_eq!(mask_card_numbers(&text), text);
            }
        }
    }

    #[test]
    fn numbers_that_cannot_be_cards_stay() {
        for text in [
            "order 12345 amount 50000",
            // Luhn fails.
            "4111111111111112",
            "4111 1111 1111 1112",
            // Mixed separators, odd grouping.
            "4111 1111-1111 1111",
            "41111 11111 11111 1",
            // Part of a longer token.
            "x4111111111111111",
            "4111111111111111abc",
            // Too short, too long.
            "411111111111",
            "41111111111111111111",
        ] {
            assert_eq!(mask_card_numbers(text), text, "{text}");
        }
    }

    #[test]
    fn luhn() {
        assert!(luhn_valid(&[7, 9, 9, 2, 7, 3, 9, 8, 7, 1, 3]));
        assert!(!luhn_valid(&[7, 9, 9, 2, 7, 3, 9, 8, 7, 1, 4]));
    }
}
