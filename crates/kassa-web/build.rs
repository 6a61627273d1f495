// Translations are embedded at compile time by fluent-templates, which does not tell cargo
// about them; without this, editing a .ftl file would not rebuild the crate.
fn main() {
    println!("cargo:rerun-if-changed=locales");
}
