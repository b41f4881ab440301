// The migrations are embedded at compile time by `sqlx::migrate!`, which cargo does not know
// about: without this, a new migration file would not rebuild the binary that must apply it.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
