//! SQL types and values (being written).
