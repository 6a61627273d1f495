//! `sqlx::migrate!` embeds the migrations when this crate compiles; a migration added or
//! changed must compile it again (as sqlx's `migrate build-script` sets up).
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
