//! Temporary files: the directory they live in and the files themselves.
//!
//! A database on disk keeps its temporary files in `<datadir>/pgsql_tmp/`,
//! emptied when the database opens (files left by a crash); an in-memory
//! database (and a context no database gave a directory) uses a
//! process-unique directory under [`std::env::temp_dir`], created on first
//! use and removed with its [`TempDir`].
//!
//! A [`TempFile`] is removed when it is dropped: with the operator that
//! made it, so at the end of its statement, on an error, a cancel or a
//! panic alike. Every byte written is counted against the statement's
//! `temp_file_limit` ([`super::SpillEnv`]) and uncounted when the file
//! goes.

use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use crate::error::{EngineError, Result, SqlState};

/// The name of the temporary directory inside a data directory (as
/// PostgreSQL's `base/pgsql_tmp`).
pub const TEMP_DIR_NAME: &str = "pgsql_tmp";

/// Buffer size of a temporary file's writer and reader.
pub const IO_BUFFER: usize = 32 * 1024;

/// A directory of temporary files.
#[derive(Debug)]
pub struct TempDir {
    path: PathBuf,
    /// Whether the directory is removed when this is dropped (the
    /// process-unique directories; a data directory's stays).
    remove_on_drop: bool,
    /// The next file's number.
    next: AtomicU64,
}

/// Numbers process-unique directories.
static NEXT_DIR: AtomicU64 = AtomicU64::new(0);

impl TempDir {
    /// The temporary directory of the data directory `data`, emptied now
    /// (what an earlier process left there is garbage) and created if
    /// missing.
    pub fn in_data_dir(data: &Path) -> Result<TempDir> {
        let dir = TempDir {
            path: data.join(TEMP_DIR_NAME),
            remove_on_drop: false,
            next: AtomicU64::new(0),
        };
        dir.clear()?;
        std::fs::create_dir_all(&dir.path).map_err(|e| io_error(&dir.path, e))?;
        Ok(dir)
    }

    /// A process-unique directory under the system's temporary directory,
    /// created when the first file is, removed when this is dropped.
    pub fn process_unique() -> TempDir {
        let n = NEXT_DIR.fetch_add(1, Ordering::Relaxed);
        TempDir {
            path: std::env::temp_dir().join(format!("rocksgres_tmp{}.{n}", std::process::id())),
            remove_on_drop: true,
            next: AtomicU64::new(0),
        }
    }

    /// The directory process-wide contexts without a database's directory
    /// use (see [`crate::exec::ctx::Ctx::spill_env`]).
    pub fn fallback() -> Arc<TempDir> {
        static FALLBACK: std::sync::OnceLock<Arc<TempDir>> = std::sync::OnceLock::new();
        Arc::clone(FALLBACK.get_or_init(|| Arc::new(TempDir::process_unique())))
    }

    /// The directory's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Removes every file in the directory (a missing directory is empty).
    pub fn clear(&self) -> Result<()> {
        let entries = match std::fs::read_dir(&self.path) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(io_error(&self.path, e)),
        };
        for entry in entries {
            let path = entry.map_err(|e| io_error(&self.path, e))?.path();
            let removed = if path.is_dir() {
                std::fs::remove_dir_all(&path)
            } else {
                std::fs::remove_file(&path)
            };
            removed.map_err(|e| io_error(&path, e))?;
        }
        Ok(())
    }

    /// The names of the files in the directory now (for tests and
    /// monitoring).
    pub fn files(&self) -> Vec<PathBuf> {
        std::fs::read_dir(&self.path)
            .map(|d| d.filter_map(|e| Some(e.ok()?.path())).collect())
            .unwrap_or_default()
    }

    /// Creates a new file in the directory (and the directory if needed).
    fn create(&self) -> Result<(PathBuf, File)> {
        std::fs::create_dir_all(&self.path).map_err(|e| io_error(&self.path, e))?;
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        let path = self
            .path
            .join(format!("pgsql_tmp{}.{n}", std::process::id()));
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(|e| io_error(&path, e))?;
        Ok((path, file))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        if self.remove_on_drop {
            let _ = std::fs::remove_dir_all(&self.path);
        }
    }
}

/// 58030 for a failed temporary-file operation, in PostgreSQL's words.
pub fn io_error(path: &Path, e: std::io::Error) -> EngineError {
    EngineError::new(
        SqlState::IoError,
        format!(
            "could not access temporary file \"{}\": {e}",
            path.display()
        ),
    )
}

/// The bytes a statement's temporary files hold, against its limit.
#[derive(Debug)]
pub struct TempUsage {
    used: AtomicU64,
    /// `temp_file_limit` in kB; `None`: unlimited.
    limit_kb: Option<u64>,
}

impl TempUsage {
    /// Usage counted against `limit_kb` (`None`: unlimited).
    pub fn new(limit_kb: Option<u64>) -> Self {
        TempUsage {
            used: AtomicU64::new(0),
            limit_kb,
        }
    }

    /// Counts `n` more bytes; 53400 past the limit (nothing counted).
    fn add(&self, n: u64) -> Result<()> {
        let before = self.used.fetch_add(n, Ordering::Relaxed);
        if let Some(kb) = self.limit_kb {
            if before + n > kb.saturating_mul(1024) {
                self.used.fetch_sub(n, Ordering::Relaxed);
                return Err(EngineError::new(
                    SqlState::ConfigurationLimitExceeded,
                    format!("temporary file size exceeds temp_file_limit ({kb}kB)"),
                ));
            }
        }
        Ok(())
    }

    fn sub(&self, n: u64) {
        self.used.fetch_sub(n, Ordering::Relaxed);
    }

    /// The bytes counted now.
    pub fn used(&self) -> u64 {
        self.used.load(Ordering::Relaxed)
    }
}

/// One temporary file: appended to through a buffer, read back from any
/// offset; removed (and uncounted) when dropped.
pub struct TempFile {
    path: PathBuf,
    /// The buffered writer while appending; reading flushes it and frees
    /// its buffer (the file waits in `file`).
    writer: Option<BufWriter<File>>,
    file: Option<File>,
    /// Opened on first read; reads flush the writer first.
    reader: Option<BufReader<File>>,
    /// Bytes appended (the file's logical length).
    len: u64,
    usage: Arc<TempUsage>,
}

impl TempFile {
    /// A new, empty file in `dir`, counted in `usage`.
    pub fn create(dir: &TempDir, usage: Arc<TempUsage>) -> Result<TempFile> {
        let (path, file) = dir.create()?;
        Ok(TempFile {
            path,
            writer: None,
            file: Some(file),
            reader: None,
            len: 0,
            usage,
        })
    }

    /// The file's length in bytes.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether nothing was written.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends `bytes`; 53400 when the statement's files would pass
    /// `temp_file_limit`.
    pub fn append(&mut self, bytes: &[u8]) -> Result<()> {
        self.usage.add(bytes.len() as u64)?;
        self.len += bytes.len() as u64;
        if self.writer.is_none() {
            let file = self.file.take().expect("a file or its writer");
            self.writer = Some(BufWriter::with_capacity(IO_BUFFER, file));
        }
        let writer = self.writer.as_mut().expect("made above");
        writer.write_all(bytes).map_err(|e| io_error(&self.path, e))
    }

    /// The reader, positioned at `offset`.
    pub fn read_from(&mut self, offset: u64) -> Result<&mut BufReader<File>> {
        let reader = self.reader_flushed()?;
        reader
            .seek(SeekFrom::Start(offset))
            .map_err(|e| EngineError::new(SqlState::IoError, e.to_string()))?;
        Ok(reader)
    }

    /// The reader where it stands (after flushing what was appended).
    pub fn reader_flushed(&mut self) -> Result<&mut BufReader<File>> {
        if let Some(writer) = self.writer.take() {
            let file = writer
                .into_inner()
                .map_err(|e| io_error(&self.path, e.into_error()))?;
            self.file = Some(file);
        }
        if self.reader.is_none() {
            let f = File::open(&self.path).map_err(|e| io_error(&self.path, e))?;
            self.reader = Some(BufReader::with_capacity(IO_BUFFER, f));
        }
        Ok(self.reader.as_mut().expect("opened above"))
    }

    /// Reads exactly `buf.len()` bytes at the reader's position.
    pub fn read_exact(&mut self, buf: &mut [u8]) -> Result<()> {
        self.reader_flushed()?;
        let reader = self.reader.as_mut().expect("opened by reader_flushed");
        reader.read_exact(buf).map_err(|e| io_error(&self.path, e))
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        self.usage.sub(self.len);
        let _ = std::fs::remove_file(&self.path);
    }
}
