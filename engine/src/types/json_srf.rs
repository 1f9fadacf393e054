//! The set-returning JSON functions: `jsonb_array_elements[_text]`,
//! `jsonb_each[_text]`, `jsonb_object_keys` and their `json` twins. The
//! planner makes them a `JsonRows` node (in FROM, or taken out of a
//! select list as a lateral join); [`JsonSrf::rows`] computes the rows of
//! one document. `json` documents yield their parts as written.

use super::json::{self, jsonb_tree, Json};
use super::sql_type::SqlType;
use super::value::Value;
use crate::error::{EngineError, Result, SqlState};

/// A set-returning JSON function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JsonSrf {
    kind: Kind,
    /// Whether this is the `json` (not `jsonb`) function.
    json: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    ArrayElements,
    ArrayElementsText,
    Each,
    EachText,
    ObjectKeys,
    PathQuery,
    /// `jsonb_path_query_tz`: time-zone-aware datetime comparisons.
    PathQueryTz,
}

const ALL: &[(&str, Kind, bool)] = &[
    ("jsonb_array_elements", Kind::ArrayElements, false),
    ("jsonb_array_elements_text", Kind::ArrayElementsText, false),
    ("jsonb_each", Kind::Each, false),
    ("jsonb_each_text", Kind::EachText, false),
    ("jsonb_object_keys", Kind::ObjectKeys, false),
    ("json_array_elements", Kind::ArrayElements, true),
    ("json_array_elements_text", Kind::ArrayElementsText, true),
    ("json_each", Kind::Each, true),
    ("json_each_text", Kind::EachText, true),
    ("json_object_keys", Kind::ObjectKeys, true),
    ("jsonb_path_query", Kind::PathQuery, false),
    ("jsonb_path_query_tz", Kind::PathQueryTz, false),
];

/// One member of a document: its key (objects), its value, and its text
/// as written (`json`).
type Item = (Option<String>, Json, Option<String>);

fn bad(message: String) -> EngineError {
    EngineError::new(SqlState::InvalidParameterValue, message)
}

impl JsonSrf {
    /// The function of that (lower-case) name.
    pub fn by_name(name: &str) -> Option<JsonSrf> {
        ALL.iter()
            .find(|(n, _, _)| *n == name)
            .map(|(_, kind, json)| JsonSrf {
                kind: *kind,
                json: *json,
            })
    }

    /// The function's name.
    pub fn name(self) -> &'static str {
        ALL.iter()
            .find(|(_, k, j)| *k == self.kind && *j == self.json)
            .map_or("", |(n, _, _)| n)
    }

    /// The argument's type.
    pub fn arg_type(self) -> SqlType {
        self.doc_type()
    }

    fn doc_type(self) -> SqlType {
        if self.json {
            SqlType::Json
        } else {
            SqlType::Jsonb
        }
    }

    /// The output columns (an empty name: named after the function or its
    /// alias, as for a function returning a plain type).
    pub fn columns(self) -> Vec<(&'static str, SqlType)> {
        let doc = self.doc_type();
        match self.kind {
            Kind::ArrayElements => vec![("value", doc)],
            Kind::ArrayElementsText => vec![("value", SqlType::Text)],
            Kind::Each => vec![("key", SqlType::Text), ("value", doc)],
            Kind::EachText => vec![("key", SqlType::Text), ("value", SqlType::Text)],
            Kind::ObjectKeys => vec![("", SqlType::Text)],
            Kind::PathQuery | Kind::PathQueryTz => vec![("", SqlType::Jsonb)],
        }
    }

    /// Whether the function takes a path (as text) after the document.
    pub fn takes_path(self) -> bool {
        matches!(self.kind, Kind::PathQuery | Kind::PathQueryTz)
    }

    /// `jsonb_path_query`'s rows: `args` are the path (text), then the
    /// optional `vars` (jsonb text) and `silent` (boolean), none `NULL`.
    pub fn path_rows(self, doc: &str, args: &[Value]) -> Result<Vec<Vec<Value>>> {
        let vars = match args.get(1) {
            Some(Value::Text(v)) => Some(jsonb_tree(v)?),
            _ => None,
        };
        let silent = matches!(args.get(2), Some(Value::Bool(true)));
        let path = args.first().and_then(Value::as_str).unwrap_or_default();
        Ok(super::json_path::query_silently(
            path,
            &jsonb_tree(doc)?,
            vars.as_ref(),
            silent,
            self.kind == Kind::PathQueryTz,
        )?
        .unwrap_or_default()
        .iter()
        .map(|j| vec![Value::Text(j.to_jsonb_text())])
        .collect())
    }

    /// The rows of one document (the argument's text).
    pub fn rows(self, doc: &str, is_json: bool) -> Result<Vec<Vec<Value>>> {
        let prefix = if is_json { "json" } else { "jsonb" };
        let (items, kind_of): (Vec<Item>, &str) = if is_json {
            let raw = json::raw_items(doc)?;
            let kind = match json::raw_kind(doc) {
                b'{' => "object",
                b'[' => "array",
                _ => "scalar",
            };
            let mut out = Vec::with_capacity(raw.len());
            for (k, text) in raw {
                out.push((k, json::json_tree(text)?, Some(text.to_owned())));
            }
            (out, kind)
        } else {
            match jsonb_tree(doc)? {
                Json::Array(items) => (
                    items.into_iter().map(|v| (None, v, None)).collect(),
                    "array",
                ),
                Json::Object(pairs) => (
                    pairs.into_iter().map(|(k, v)| (Some(k), v, None)).collect(),
                    "object",
                ),
                _ => (Vec::new(), "scalar"),
            }
        };
        let value = |v: &Json, raw: &Option<String>| -> Value {
            match raw {
                Some(r) => Value::Text(r.clone()),
                None => Value::Text(v.to_jsonb_text()),
            }
        };
        let text = |v: &Json, raw: &Option<String>| -> Value {
            match v {
                Json::Null => Value::Null,
                Json::String(s) => Value::Text(s.clone()),
                other => value(other, raw),
            }
        };
        match self.kind {
            Kind::ArrayElements | Kind::ArrayElementsText => {
                if kind_of != "array" {
                    return Err(bad(if kind_of == "object" {
                        "cannot extract elements from an object".to_owned()
                    } else {
                        "cannot extract elements from a scalar".to_owned()
                    }));
                }
                Ok(items
                    .iter()
                    .map(|(_, v, raw)| {
                        vec![if self.kind == Kind::ArrayElements {
                            value(v, raw)
                        } else {
                            text(v, raw)
                        }]
                    })
                    .collect())
            }
            Kind::Each | Kind::EachText => {
                if kind_of != "object" {
                    return Err(bad(format!(
                        "cannot call {prefix}_each{} on a non-object",
                        if self.kind == Kind::EachText {
                            "_text"
                        } else {
                            ""
                        }
                    )));
                }
                Ok(items
                    .iter()
                    .map(|(k, v, raw)| {
                        vec![
                            Value::Text(k.clone().unwrap_or_default()),
                            if self.kind == Kind::Each {
                                value(v, raw)
                            } else {
                                text(v, raw)
                            },
                        ]
                    })
                    .collect())
            }
            Kind::PathQuery | Kind::PathQueryTz => {
                Err(EngineError::internal("jsonb_path_query without a path"))
            }
            Kind::ObjectKeys => {
                if kind_of != "object" {
                    return Err(bad(format!(
                        "cannot call {prefix}_object_keys on {}",
                        if kind_of == "array" {
                            "an array"
                        } else {
                            "a scalar"
                        }
                    )));
                }
                Ok(items
                    .iter()
                    .map(|(k, _, _)| vec![Value::Text(k.clone().unwrap_or_default())])
                    .collect())
            }
        }
    }
}
