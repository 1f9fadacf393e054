//! [`TupleStore`]: a row buffer that spills to a temporary file past
//! `work_mem`, as PostgreSQL's tuplestore.
//!
//! Rows are appended with [`TupleStore::push`]. While their estimated size
//! ([`row_size`]) stays within `work_mem` they are kept in memory; the
//! row that passes it moves them all to a [`TempFile`] and every later
//! row goes there too, so the memory held stays bounded whatever the
//! number of rows.
//!
//! The store is its own reader: one read position, moved by
//! [`TupleStore::next`] (or [`TupleStore::next_into`]),
//! [`TupleStore::rewind`] and [`TupleStore::seek`]; pushing while reading
//! is allowed (a row pushed after the end is read next). On disk each
//! row is a 4-byte length and its [`row_codec`](super::row_codec)
//! encoding; a sparse index holds the file offset of every
//! [`INDEX_EVERY`]th row, so a seek (a scroll cursor's `FETCH PRIOR`)
//! reads at most that many rows to find its place.
//!
//! A finished store (no more pushes) also lends independent readers,
//! [`StoreReader`]s, each with its own position and file handle: an
//! operator that walks the same rows at several places at once (a window
//! frame's head and tail, the current row, a `lag`) keeps every walk
//! sequential instead of seeking back and forth. They borrow the store,
//! so it cannot change under them.
//!
//! Dropping the store removes its file.

use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};

use crate::error::{EngineError, Result, SqlState};
use crate::exec::spill::row_codec::{decode_row, encode_row, row_size, EnumTable};
use crate::exec::spill::temp_files::{io_error, TempFile, IO_BUFFER};
use crate::exec::spill::SpillEnv;
use crate::types::Value;

/// Rows between two entries of the sparse offset index.
pub const INDEX_EVERY: usize = 64;

/// A spillable row buffer (see the module docs).
pub struct TupleStore {
    env: SpillEnv,
    /// The rows, while in memory.
    rows: Vec<Vec<Value>>,
    /// Their estimated size in bytes.
    mem: usize,
    /// The rows, once spilled.
    file: Option<TempFile>,
    enums: EnumTable,
    /// Rows pushed.
    len: usize,
    /// Rows in the file.
    written: usize,
    /// File offset of rows 0, INDEX_EVERY, 2 * INDEX_EVERY, ...
    index: Vec<u64>,
    /// The next row [`TupleStore::next`] returns.
    read_pos: usize,
    /// The row the file's reader stands before, when known.
    reader_at: Option<usize>,
    /// Encoding buffer.
    buf: Vec<u8>,
    /// The row last decoded from the file.
    row: Vec<Value>,
}

impl TupleStore {
    /// An empty store within the limits of `env` (`work_mem`,
    /// `temp_file_limit`, the temporary directory).
    pub fn new(env: SpillEnv) -> Self {
        TupleStore {
            env,
            rows: Vec::new(),
            mem: 0,
            file: None,
            enums: EnumTable::default(),
            len: 0,
            written: 0,
            index: Vec::new(),
            read_pos: 0,
            reader_at: None,
            buf: Vec::new(),
            row: Vec::new(),
        }
    }

    /// Appends a row; moves the rows to a temporary file when they pass
    /// `work_mem` (53400 past `temp_file_limit`, 58030 on an I/O error).
    pub fn push(&mut self, row: &[Value]) -> Result<()> {
        if self.file.is_some() {
            self.write(row)?;
        } else {
            self.mem += row_size(row);
            self.rows.push(row.to_vec());
            if self.mem > self.env.work_mem() {
                self.spill()?;
            }
        }
        self.len += 1;
        Ok(())
    }

    /// Moves the rows to a temporary file now (a no-op once there).
    pub fn spill(&mut self) -> Result<()> {
        if self.file.is_some() {
            return Ok(());
        }
        self.file = Some(self.env.create_file()?);
        let rows = std::mem::take(&mut self.rows);
        self.mem = 0;
        for r in &rows {
            self.write(r)?;
        }
        Ok(())
    }

    fn write(&mut self, row: &[Value]) -> Result<()> {
        let file = self.file.as_mut().expect("spilled");
        if self.written.is_multiple_of(INDEX_EVERY) {
            self.index.push(file.len());
        }
        self.buf.clear();
        self.buf.extend_from_slice(&[0; 4]);
        encode_row(&mut self.buf, row, &mut self.enums);
        let body = (self.buf.len() - 4) as u32;
        self.buf[..4].copy_from_slice(&body.to_le_bytes());
        file.append(&self.buf)?;
        self.written += 1;
        Ok(())
    }

    /// Empties the store (its file, if it had one, is removed), keeping
    /// its limits.
    pub fn clear(&mut self) {
        self.rows.clear();
        self.mem = 0;
        self.file = None;
        self.enums = EnumTable::default();
        self.len = 0;
        self.written = 0;
        self.index.clear();
        self.read_pos = 0;
        self.reader_at = None;
    }

    /// The limits the store spills within.
    pub fn env(&self) -> &SpillEnv {
        &self.env
    }

    /// The number of rows pushed.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether no row was pushed.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Whether the rows are in a temporary file.
    pub fn is_spilled(&self) -> bool {
        self.file.is_some()
    }

    /// The bytes written to the temporary file (0 while in memory).
    pub fn file_bytes(&self) -> u64 {
        self.file.as_ref().map_or(0, TempFile::len)
    }

    /// The estimated bytes the rows held in memory take.
    pub fn memory_used(&self) -> usize {
        self.mem
    }

    /// The position of the next row [`TupleStore::next`] returns.
    pub fn position(&self) -> usize {
        self.read_pos
    }

    /// Reads from the first row again.
    pub fn rewind(&mut self) {
        self.read_pos = 0;
    }

    /// Makes row `pos` (from 0; at most [`TupleStore::len`]) the next one
    /// read.
    pub fn seek(&mut self, pos: usize) {
        self.read_pos = pos.min(self.len);
    }

    /// The row at the read position, advancing it; `None` past the last.
    /// (Not an `Iterator`: the row borrows the store, and reading fails.)
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> Result<Option<&[Value]>> {
        if self.read_pos >= self.len {
            return Ok(None);
        }
        let pos = self.read_pos;
        self.read_pos += 1;
        if self.file.is_none() {
            return Ok(Some(&self.rows[pos]));
        }
        let mut row = std::mem::take(&mut self.row);
        self.read_file_row(pos, &mut row)?;
        self.row = row;
        Ok(Some(&self.row))
    }

    /// Like [`TupleStore::next`], into `out` (replacing its values):
    /// false past the last row.
    pub fn next_into(&mut self, out: &mut Vec<Value>) -> Result<bool> {
        if self.read_pos >= self.len {
            return Ok(false);
        }
        let pos = self.read_pos;
        self.read_pos += 1;
        if self.file.is_none() {
            out.clone_from(&self.rows[pos]);
            return Ok(true);
        }
        self.read_file_row(pos, out)?;
        Ok(true)
    }

    /// Row `pos` (the read position moves past it); `None` past the
    /// last.
    pub fn get(&mut self, pos: usize) -> Result<Option<&[Value]>> {
        self.seek(pos);
        self.next()
    }

    /// Makes everything pushed so far readable by [`StoreReader`]s
    /// (flushes the file's write buffer).
    pub fn finish(&mut self) -> Result<()> {
        if let Some(file) = self.file.as_mut() {
            file.reader_flushed()?;
        }
        Ok(())
    }

    /// An independent reader over the rows pushed so far; call
    /// [`TupleStore::finish`] first.
    pub fn reader(&self) -> StoreReader<'_> {
        StoreReader {
            store: self,
            file: None,
            at: 0,
            cached: None,
            row: Vec::new(),
            buf: Vec::new(),
        }
    }

    /// Decodes row `pos` of the file into `out`.
    fn read_file_row(&mut self, pos: usize, out: &mut Vec<Value>) -> Result<()> {
        let file = self.file.as_mut().expect("spilled");
        if self.reader_at != Some(pos) {
            let block = pos / INDEX_EVERY;
            file.read_from(self.index[block])?;
            for _ in block * INDEX_EVERY..pos {
                skip_record(file, &mut self.buf)?;
            }
        }
        let mut len = [0u8; 4];
        file.read_exact(&mut len)?;
        self.buf.resize(u32::from_le_bytes(len) as usize, 0);
        file.read_exact(&mut self.buf)?;
        self.reader_at = Some(pos + 1);
        decode_row(&self.buf, out, &self.enums)
    }
}

fn skip_record(file: &mut TempFile, buf: &mut Vec<u8>) -> Result<()> {
    let mut len = [0u8; 4];
    file.read_exact(&mut len)?;
    buf.resize(u32::from_le_bytes(len) as usize, 0);
    file.read_exact(buf)
}

/// An independent read position over a finished [`TupleStore`] (see the
/// module docs): reading the next row, or the same row again, costs no
/// seek.
pub struct StoreReader<'s> {
    store: &'s TupleStore,
    /// Its own handle on the store's file, opened on first read.
    file: Option<BufReader<File>>,
    /// The row the file handle stands before.
    at: usize,
    /// The row in `row`.
    cached: Option<usize>,
    row: Vec<Value>,
    buf: Vec<u8>,
}

impl<'s> StoreReader<'s> {
    /// The number of rows.
    pub fn len(&self) -> usize {
        self.store.len
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.store.len == 0
    }

    /// Row `pos` (below [`StoreReader::len`]).
    pub fn get(&mut self, pos: usize) -> Result<&[Value]> {
        if pos >= self.store.len {
            return Err(EngineError::internal("tuple store read past its end"));
        }
        let store: &'s TupleStore = self.store;
        let Some(file) = store.file.as_ref() else {
            return Ok(&store.rows[pos]);
        };
        if self.cached == Some(pos) {
            return Ok(&self.row);
        }
        let path = file.path();
        if self.file.is_none() {
            let f = File::open(path).map_err(|e| io_error(path, e))?;
            self.file = Some(BufReader::with_capacity(IO_BUFFER, f));
            self.at = usize::MAX;
        }
        let reader = self.file.as_mut().expect("opened above");
        // Forward within the same index block: skip; else seek.
        let block = pos / INDEX_EVERY;
        if !(self.at <= pos && self.at / INDEX_EVERY == block) {
            reader
                .seek(SeekFrom::Start(store.index[block]))
                .map_err(|e| EngineError::new(SqlState::IoError, e.to_string()))?;
            self.at = block * INDEX_EVERY;
        }
        while self.at <= pos {
            let mut len = [0u8; 4];
            reader.read_exact(&mut len).map_err(|e| io_error(path, e))?;
            self.buf.resize(u32::from_le_bytes(len) as usize, 0);
            reader
                .read_exact(&mut self.buf)
                .map_err(|e| io_error(path, e))?;
            self.at += 1;
        }
        decode_row(&self.buf, &mut self.row, &store.enums)?;
        self.cached = Some(pos);
        Ok(&self.row)
    }
}

impl std::fmt::Debug for TupleStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TupleStore")
            .field("len", &self.len)
            .field("spilled", &self.file.is_some())
            .finish()
    }
}
