//! Where one operation's heap allocations come from: runs one operation of
//! [`rocksgres_benches`] under a dhat heap profiler and writes the profile
//! to `/tmp/dhat-<op>.json` (open it with dhat's `dh_view.html`, or group
//! its program points by the first Rocksgres frame).
//!
//! ```text
//! cargo run --release --workspace --example dhat_op -- update|delete|scan|point|insert
//! ```
//!
//! The table has 4,000 rows; the operation runs three times untraced (warm
//! up), then once traced. For `delete` the traced run includes re-inserting
//! the deleted rows (the allocation test excludes that part).

use rocksgres_benches::Fixture;

#[global_allocator]
static ALLOC: dhat::Alloc = dhat::Alloc;

fn main() {
    let op = std::env::args().nth(1).unwrap_or_default();
    let run = |f: &mut Fixture| match op.as_str() {
        "update" => f.update_rows(),
        "delete" => {
            f.delete_rows();
            f.restore_deleted()
        }
        "scan" => {
            f.index_scan();
        }
        "point" => {
            f.point_select();
        }
        "insert" => f.insert_rows(),
        other => {
            eprintln!("unknown operation {other:?}: use update, delete, scan, point or insert");
            std::process::exit(2);
        }
    };
    let dir = tempfile::tempdir().expect("temporary directory");
    let mut f = Fixture::open(dir.path(), 4_000);
    for _ in 0..3 {
        run(&mut f);
    }
    let _profiler = dhat::Profiler::builder()
        .file_name(format!("/tmp/dhat-{op}.json"))
        .build();
    run(&mut f);
}
