//! PostgreSQL's `record_recv`, for binary parameters of a composite type:
//! the field count, then per field its type OID and its length-prefixed
//! binary form (-1 for NULL), each field through its type's binary input
//! ([`crate::binary::decode`]). The value becomes the engine's canonical
//! row text. The errors are PostgreSQL's: 42804 for a wrong field count or
//! field type, 22P03 for a truncated message or a field longer than its
//! type's form.

use pgwire::error::PgWireError;
use rocksgres_engine::types::composite::{self, CompositeDef};
use rocksgres_engine::{SqlType, Value};

use crate::wire::user_error;

fn insufficient() -> PgWireError {
    user_error("22P03", "insufficient data left in message")
}

fn int(input: &mut &[u8]) -> Result<i32, PgWireError> {
    let (head, rest) = input.split_at_checked(4).ok_or_else(insufficient)?;
    *input = rest;
    let mut b = [0u8; 4];
    b.copy_from_slice(head);
    Ok(i32::from_be_bytes(b))
}

fn type_name(oid: u32) -> String {
    SqlType::from_oid(oid).map_or_else(|| "???".to_owned(), |t| t.display_name())
}

/// Decodes a binary row value of composite type `def`.
pub fn decode_record(data: &[u8], def: &CompositeDef) -> Result<Value, PgWireError> {
    let mut input = data;
    let n = int(&mut input)?;
    if n != def.attrs.len() as i32 {
        return Err(user_error(
            "42804",
            format!("wrong number of columns: {n}, expected {}", def.attrs.len()),
        ));
    }
    let mut values = Vec::with_capacity(def.attrs.len());
    for (i, a) in def.attrs.iter().enumerate() {
        let oid = int(&mut input)? as u32;
        if oid != a.ty.oid() {
            return Err(user_error(
                "42804",
                format!(
                    "binary data has type {oid} ({}) instead of expected {} ({}) in record column {}",
                    type_name(oid),
                    a.ty.oid(),
                    a.ty.display_name(),
                    i + 1
                ),
            ));
        }
        let len = int(&mut input)?;
        if len == -1 {
            values.push(Value::Null);
            continue;
        }
        let len = usize::try_from(len).map_err(|_| insufficient())?;
        let (field, rest) = input.split_at_checked(len).ok_or_else(insufficient)?;
        input = rest;
        values.push(crate::binary::decode(field, &a.ty)?);
    }
    if !input.is_empty() {
        return Err(user_error(
            "22P03",
            format!(
                "incorrect binary data format in bind parameter of type {}",
                def.name
            ),
        ));
    }
    Ok(Value::Text(composite::row_text(&values)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rocksgres_engine::types::composite::CompositeAttr;

    fn def() -> CompositeDef {
        CompositeDef {
            oid: 90000,
            array_oid: 90001,
            relid: 90002,
            schema: "public".into(),
            name: "pair".into(),
            attrs: vec![
                CompositeAttr {
                    name: "a".into(),
                    ty: SqlType::Int4,
                },
                CompositeAttr {
                    name: "b".into(),
                    ty: SqlType::Text,
                },
            ],
        }
    }

    fn send(fields: &[(u32, Option<&[u8]>)]) -> Vec<u8> {
        let mut out = (fields.len() as i32).to_be_bytes().to_vec();
        for (oid, f) in fields {
            out.extend_from_slice(&oid.to_be_bytes());
            match f {
                None => out.extend_from_slice(&(-1i32).to_be_bytes()),
                Some(b) => {
                    out.extend_from_slice(&(b.len() as i32).to_be_bytes());
                    out.extend_from_slice(b);
                }
            }
        }
        out
    }

    fn code(e: PgWireError) -> String {
        match e {
            PgWireError::UserError(info) => format!("{} {}", info.code, info.message),
            other => format!("{other}"),
        }
    }

    #[test]
    fn decodes_record_send_layout() {
        let d = def();
        let v = decode_record(
            &send(&[(23, Some(&7i32.to_be_bytes())), (25, Some(b"a b"))]),
            &d,
        );
        assert_eq!(v.unwrap(), Value::Text("(7,\"a b\")".into()));
        let v = decode_record(&send(&[(23, None), (25, Some(b""))]), &d);
        assert_eq!(v.unwrap(), Value::Text("(,\"\")".into()));
    }

    #[test]
    fn refuses_what_record_recv_refuses() {
        let d = def();
        let e = decode_record(&send(&[(23, None)]), &d).unwrap_err();
        assert_eq!(code(e), "42804 wrong number of columns: 1, expected 2");
        let e = decode_record(&send(&[(25, None), (25, None)]), &d).unwrap_err();
        assert_eq!(
            code(e),
            "42804 binary data has type 25 (text) instead of expected 23 (integer) in record column 1"
        );
        let mut short = send(&[(23, Some(&7i32.to_be_bytes())), (25, Some(b"x"))]);
        short.truncate(short.len() - 1);
        let e = decode_record(&short, &d).unwrap_err();
        assert_eq!(code(e), "22P03 insufficient data left in message");
    }
}
