// Translations are embedded at compile time by fluent-templates, which does not tell cargo
// about them; without this, editing a .ftl file would not rebuild the crate.
//
// The help articles (help/<lang>/<slug>.md) are embedded too: this writes the list of them,
// each as an `include_str!`, so an added or removed article needs no code change and
// `cargo install` ships them inside the binary.
use std::fmt::Write;
use std::path::Path;

fn main() {
    println!("cargo:rerun-if-changed=locales");
    println!("cargo:rerun-if-changed=help");
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("help");
    let mut files = Vec::new();
    for lang in std::fs::read_dir(&root).expect("help/ exists") {
        let lang = lang.expect("help/ is readable").path();
        if !lang.is_dir() {
            continue;
        }
        println!("cargo:rerun-if-changed={}", lang.display());
        for file in std::fs::read_dir(&lang).expect("help/<lang> is readable") {
            let path = file.expect("help/<lang> is readable").path();
            if path.extension().is_some_and(|e| e == "md") {
                let code = lang.file_name().unwrap().to_string_lossy().into_owned();
                let slug = path.file_stem().unwrap().to_string_lossy().into_owned();
                files.push((code, slug, path));
            }
        }
    }
    files.sort();
    let mut out = String::from("&[\n");
    for (lang, slug, path) in files {
        println!("cargo:rerun-if-changed={}", path.display());
        writeln!(
            out,
            "    ({lang:?}, {slug:?}, include_str!({:?})),",
            path.display().to_string()
        )
        .unwrap();
    }
    out.push_str("]\n");
    let dest = Path::new(&std::env::var("OUT_DIR").unwrap()).join("help_articles.rs");
    std::fs::write(dest, out).unwrap();
}
