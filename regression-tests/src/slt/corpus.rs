//! Finding the `.slt` files of the corpus.

use std::io;
use std::path::{Path, PathBuf};

/// The corpus shipped with this crate: `regression-tests/slt/`.
pub fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("slt")
}

/// Every `*.slt` file under `root`, recursively, sorted by path so runs and
/// reports are in a stable order.
pub fn slt_files(root: &Path) -> io::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir)? {
            let path = entry?.path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|ext| ext == "slt") {
                files.push(path);
            }
        }
    }
    files.sort();
    Ok(files)
}
