//! View definitions: the query text, the output column names, and the
//! tables the query reads (so DROP TABLE can refuse or cascade).

use crate::error::{EngineError, Result, SqlState};

/// A view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ViewDesc {
    /// Schema name.
    pub schema: String,
    /// View name.
    pub name: String,
    /// The defining query (SQL text).
    pub sql: String,
    /// Output column names.
    pub columns: Vec<String>,
    /// Tables the query reads.
    pub depends_on: Vec<String>,
    /// The view's object id (`pg_class.oid`); views stored before OIDs
    /// existed get one derived from their name.
    pub oid: u32,
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    out.extend_from_slice(&(s.len() as u32).to_be_bytes());
    out.extend_from_slice(s.as_bytes());
}

fn get_str(r: &mut &[u8]) -> Result<String> {
    let corrupt = || EngineError::new(SqlState::DataCorrupted, "truncated view descriptor");
    if r.len() < 4 {
        return Err(corrupt());
    }
    let n = u32::from_be_bytes([r[0], r[1], r[2], r[3]]) as usize;
    if r.len() < 4 + n {
        return Err(corrupt());
    }
    let s = String::from_utf8(r[4..4 + n].to_vec()).map_err(|_| corrupt())?;
    *r = &r[4 + n..];
    Ok(s)
}

impl ViewDesc {
    /// Serializes the view.
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.clear();
        out.push(2);
        put_str(out, &self.schema);
        put_str(out, &self.name);
        put_str(out, &self.sql);
        for list in [&self.columns, &self.depends_on] {
            out.extend_from_slice(&(list.len() as u32).to_be_bytes());
            for s in list {
                put_str(out, s);
            }
        }
        out.extend_from_slice(&self.oid.to_be_bytes());
    }

    /// Deserializes a view written by [`ViewDesc::encode`].
    pub fn decode(mut input: &[u8]) -> Result<ViewDesc> {
        let r = &mut input;
        let version = r.first().copied();
        if version != Some(1) && version != Some(2) {
            return Err(EngineError::new(
                SqlState::DataCorrupted,
                "unknown view format",
            ));
        }
        *r = &r[1..];
        let schema = get_str(r)?;
        let name = get_str(r)?;
        let sql = get_str(r)?;
        let mut lists = Vec::new();
        for _ in 0..2 {
            if r.len() < 4 {
                return Err(EngineError::new(SqlState::DataCorrupted, "truncated view"));
            }
            let n = u32::from_be_bytes([r[0], r[1], r[2], r[3]]) as usize;
            *r = &r[4..];
            let mut list = Vec::new();
            for _ in 0..n {
                list.push(get_str(r)?);
            }
            lists.push(list);
        }
        let depends_on = lists.pop().unwrap_or_default();
        let columns = lists.pop().unwrap_or_default();
        let oid = match (version, *r) {
            (Some(2), [a, b, c, d, ..]) => u32::from_be_bytes([*a, *b, *c, *d]),
            (Some(2), _) => {
                return Err(EngineError::new(SqlState::DataCorrupted, "truncated view"));
            }
            _ => {
                // FNV-1a of the name, in a range the id counter does not
                // reach in practice.
                let mut h: u32 = 0x811c_9dc5;
                for b in name.bytes() {
                    h = (h ^ u32::from(b)).wrapping_mul(0x0100_0193);
                }
                0x6000_0000 | (h & 0x0FFF_FFFF)
            }
        };
        Ok(ViewDesc {
            oid,
            schema,
            name,
            sql,
            columns,
            depends_on,
        })
    }
}
