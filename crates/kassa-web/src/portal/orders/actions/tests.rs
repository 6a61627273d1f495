use super::*;

fn form(mode: &str, amount: &str, quantities: &[(&str, &str)]) -> ActionForm {
    ActionForm {
        mode: mode.into(),
        amount: amount.into(),
        rest: quantities.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        ..Default::default()
    }
}

#[test]
fn a_form_takes_exactly_one_way_of_saying_how_much() {
    assert_eq!(how_much(&form("full", "", &[("qty_0", "0")])), Ok(HowMuch::Everything));
    assert_eq!(
        how_much(&form("amount", " 10,5 ", &[("qty_0", "0")])),
        Ok(HowMuch::Amount(1050))
    );
    assert_eq!(how_much(&form("lines", "", &[("qty_1", "2")])), Ok(HowMuch::Lines));
    // The case: 10 typed, "Everything remaining" still chosen.
    assert_eq!(
        how_much(&form("full", "10", &[])),
        Err(ModeProblem::AmountWithOtherMode {
            typed: "10".into(),
            mode: "full"
        })
    );
    assert!(matches!(
        how_much(&form("lines", "10", &[("qty_0", "1")])),
        Err(ModeProblem::AmountWithOtherMode { mode: "lines", .. })
    ));
    assert_eq!(
        how_much(&form("amount", "10", &[("qty_0", "1")])),
        Err(ModeProblem::QuantitiesWithOtherMode { mode: "amount" })
    );
    assert_eq!(
        how_much(&form("full", "", &[("qty_0", "1")])),
        Err(ModeProblem::QuantitiesWithOtherMode { mode: "full" })
    );
    assert_eq!(
        how_much(&form("lines", "", &[("qty_0", "0")])),
        Err(ModeProblem::NoLines)
    );
    assert_eq!(how_much(&form("amount", "  ", &[])), Err(ModeProblem::AmountMissing));
    assert_eq!(
        how_much(&form("amount", "ten", &[])),
        Err(ModeProblem::AmountInvalid("ten".into()))
    );
    assert_eq!(how_much(&form("", "10", &[])), Err(ModeProblem::NoMode));
    assert_eq!(how_much(&form("everything", "", &[])), Err(ModeProblem::NoMode));
}

#[test]
fn mode_problems_are_worded_in_currency() {
    let text = ModeProblem::AmountWithOtherMode {
        typed: "1234,5".into(),
        mode: "full",
    }
    .explain(Lang::Sv, "SEK", "capture");
    assert!(
        text.contains("1\u{a0}234,50\u{a0}SEK") && text.contains("”Allt som återstår”"),
        "{text}"
    );
    let text = ModeProblem::AmountWithOtherMode {
        typed: "abc".into(),
        mode: "full",
    }
    .explain(Lang::En, "SEK", "refund");
    assert!(
        text.contains("(abc)") && text.contains("Everything captured and not yet refunded"),
        "{text}"
    );
}
