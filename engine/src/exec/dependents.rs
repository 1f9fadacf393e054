//! PostgreSQL's reports of objects that depend on what a DROP removes
//! (`reportDependentObjects` in dependency.c): without CASCADE the
//! statement fails with 2BP01, one DETAIL line per dependent object and
//! the CASCADE hint; with CASCADE one NOTICE names the object dropped
//! along, or counts them and lists them when there are several.

use crate::error::{EngineError, SqlState};

/// 2BP01 for dropping `what` ("column a of table t", "index i") while the
/// objects `lines` describe ("constraint f on table c depends on index
/// i") depend on it.
pub fn still_exist(what: &str, lines: &[String]) -> EngineError {
    EngineError::new(
        SqlState::DependentObjectsStillExist,
        format!("cannot drop {what} because other objects depend on it"),
    )
    .with_detail(lines.join("\n"))
    .with_hint("Use DROP ... CASCADE to drop the dependent objects too.")
}

/// The NOTICE of a CASCADE that dropped the objects `dropped` ("constraint
/// f on table c"); `None` when it dropped none.
pub fn cascade_notice(dropped: &[String]) -> Option<String> {
    match dropped {
        [] => None,
        [one] => Some(format!("drop cascades to {one}")),
        many => Some(format!(
            "drop cascades to {} other objects\n{}",
            many.len(),
            many.iter()
                .map(|l| format!("drop cascades to {l}"))
                .collect::<Vec<_>>()
                .join("\n")
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_as_postgres() {
        let e = still_exist(
            "index i",
            &["constraint f on table c depends on index i".to_string()],
        );
        assert_eq!(e.code(), "2BP01");
        assert_eq!(
            e.message,
            "cannot drop index i because other objects depend on it"
        );
        assert_eq!(cascade_notice(&[]), None);
        assert_eq!(
            cascade_notice(&["constraint f on table c".to_string()]).unwrap(),
            "drop cascades to constraint f on table c"
        );
        assert_eq!(
            cascade_notice(&["a".to_string(), "b".to_string()]).unwrap(),
            "drop cascades to 2 other objects\ndrop cascades to a\ndrop cascades to b"
        );
    }
}
