//! Rebuilds the core when a migration is added or changed: `sqlx::migrate!` embeds the
//! files of `migrations/`, but cargo does not know by itself to watch that folder.

fn main() {
    println!("cargo:rerun-if-changed=../../migrations");
}
