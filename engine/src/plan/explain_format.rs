//! EXPLAIN's output formats: the [`Item`] tree of
//! [`crate::plan::explain`] printed as PostgreSQL's `explain.c` prints
//! it in text (a heading line per node, `->` before each child, detail
//! lines under it), JSON, YAML and XML (every property, in PostgreSQL's
//! order and layout: `Node Type`, `Parent Relationship`, `Parallel Aware`,
//! `Async Capable`, the relation, the counters, the details, `Plans`).

use crate::plan::explain::{stats_of, Actuals, Format, Item, Prop};

/// EXPLAIN's output rows for `item` in `format`: the text format's lines
/// (with `summary`, the planning time and, after a run, the execution
/// time), or one document.
pub fn lines(
    format: Format,
    item: &Item<'_>,
    actuals: Actuals<'_>,
    summary: Option<(f64, Option<f64>)>,
) -> Vec<String> {
    if format != Format::Text {
        return vec![document(format, item, actuals, summary)];
    }
    let mut out = text(item, actuals);
    if let Some((planning, execution)) = summary {
        out.push(format!("Planning Time: {planning:.3} ms"));
        if let Some(ms) = execution {
            out.push(format!("Execution Time: {ms:.3} ms"));
        }
    }
    out
}

/// The text format's lines.
pub fn text(item: &Item<'_>, actuals: Actuals<'_>) -> Vec<String> {
    let mut out = Vec::new();
    render(item, 0, "", actuals, &mut out);
    out
}

/// PostgreSQL's ` (actual time=a..b rows=n loops=l)` for `item`.
fn actual_text(item: &Item<'_>, actuals: Actuals<'_>) -> String {
    let Some((stats, timing)) = actuals else {
        return String::new();
    };
    let Some(s) = stats_of(item, stats).filter(|s| s.loops > 0) else {
        return " (never executed)".into();
    };
    let loops = s.loops as f64;
    // Per loop, rounded as C's `%.0f` (half to even), as PostgreSQL prints.
    let rows = s.rows as f64 / loops;
    if timing {
        let ms = |d: std::time::Duration| d.as_secs_f64() * 1000.0 / loops;
        format!(
            " (actual time={:.3}..{:.3} rows={rows:.0} loops={})",
            ms(s.startup),
            ms(s.total),
            s.loops
        )
    } else {
        format!(" (actual rows={rows:.0} loops={})", s.loops)
    }
}

/// The details of `item` with the counters ANALYZE adds to them.
fn details(item: &Item<'_>, actuals: Actuals<'_>, all: bool) -> Vec<(String, Prop)> {
    let mut out = Vec::new();
    for (k, v) in &item.details {
        if (k.starts_with('~') && !all) || (k.starts_with('^') && all) {
            continue;
        }
        out.push((k.trim_start_matches(['~', '^']).to_string(), v.clone()));
        if *k == "Workers Planned" {
            if let (Some((stats, _)), Some(scan)) = (actuals, item.gather) {
                let launched = stats.gathered(scan).launched;
                out.push(("Workers Launched".into(), Prop::Int(launched)));
            }
        }
        if *k == "Filter" {
            if let (Some((stats, _)), Some(scan)) = (actuals, item.scan) {
                let n = stats.removed(scan);
                let loops = stats_of(item, stats).map_or(0, |s| s.loops);
                if loops > 0 && (n > 0 || all) {
                    let per = (n as f64 / loops as f64).round_ties_even() as u64;
                    out.push(("Rows Removed by Filter".into(), Prop::Int(per)));
                }
            }
        }
    }
    // An index-only scan never visits the row (see
    // `plan::optimize::index_only`).
    if actuals.is_some() && item.node_type == "Index Only Scan" {
        out.push(("Heap Fetches".into(), Prop::Int(0)));
    }
    if let (Some((stats, _)), Some(node)) = (actuals, item.node) {
        let sort = stats.sort_space(node).map(|s| (s.method, s.kb, s.disk));
        let hash = stats.hash_space(node).map(|h| (h.buckets, h.batches, h.kb));
        space_lines(item, sort, hash, all, &mut out);
        if let Some(a) = stats.agg_space(node) {
            agg_lines((a.batches, a.kb, a.disk_kb), all, &mut out);
        }
    }
    out
}

/// The space a sort or a hash join's hash table used, as PostgreSQL
/// shows it: one line in the text format (`all` false), several
/// properties in the others. `sort` is the sort's method, kilobytes and
/// whether they are on disk; `hash` the hash table's buckets, batches and
/// kilobytes.
fn space_lines(
    item: &Item<'_>,
    sort: Option<(&str, u64, bool)>,
    hash: Option<(u64, u64, u64)>,
    all: bool,
    out: &mut Vec<(String, Prop)>,
) {
    let kv = |k: &str, v: Prop| (k.to_string(), v);
    match item.node_type.as_str() {
        "Sort" => {
            let Some((method, kb, disk)) = sort else {
                return;
            };
            let kind = if disk { "Disk" } else { "Memory" };
            if all {
                out.push(kv("Sort Method", Prop::Text(method.into())));
                out.push(kv("Sort Space Used", Prop::Int(kb)));
                out.push(kv("Sort Space Type", Prop::Text(kind.into())));
            } else {
                let line = format!("{method}  {kind}: {kb}kB");
                out.push(kv("Sort Method", Prop::Text(line)));
            }
        }
        "Hash" => {
            let Some((buckets, batches, kb)) = hash else {
                return;
            };
            if all {
                out.push(kv("Hash Buckets", Prop::Int(buckets)));
                out.push(kv("Original Hash Buckets", Prop::Int(buckets)));
                out.push(kv("Hash Batches", Prop::Int(batches)));
                out.push(kv("Original Hash Batches", Prop::Int(1)));
                out.push(kv("Peak Memory Usage", Prop::Int(kb)));
            } else if batches > 1 {
                // Gone to batches at run time, as PostgreSQL's batches grow.
                let line = format!(
                    "{b} (originally {b})  Batches: {} (originally 1)  Memory Usage: {}kB",
                    batches,
                    kb,
                    b = buckets
                );
                out.push(kv("Buckets", Prop::Text(line)));
            } else {
                let line = format!("{}  Batches: {}  Memory Usage: {}kB", buckets, batches, kb);
                out.push(kv("Buckets", Prop::Text(line)));
            }
        }
        _ => {}
    }
}

/// What a hashed aggregate used, as PostgreSQL 15 shows it: `Batches: N
/// Memory Usage: NkB` (with `  Disk Usage: NkB` once it spilled) in the
/// text format (`all` false), three properties in the others. `used` is
/// the batches, the peak kilobytes in memory and the kilobytes on disk.
fn agg_lines(used: (u64, u64, u64), all: bool, out: &mut Vec<(String, Prop)>) {
    let (batches, kb, disk) = used;
    if all {
        out.push(("HashAgg Batches".into(), Prop::Int(batches)));
        out.push(("Peak Memory Usage".into(), Prop::Int(kb)));
        out.push(("Disk Usage".into(), Prop::Int(disk)));
        return;
    }
    let mut line = format!("{batches}  Memory Usage: {kb}kB");
    if batches > 1 {
        line.push_str(&format!("  Disk Usage: {disk}kB"));
    }
    out.push(("Batches".into(), Prop::Text(line)));
}

fn prop_text(v: &Prop) -> String {
    match v {
        Prop::Text(s) => s.clone(),
        Prop::List(l) => l.join(", "),
        Prop::Bool(b) => b.to_string(),
        Prop::Int(i) => i.to_string(),
        Prop::Ms(f) => format!("{f:.3}"),
    }
}

fn render(item: &Item<'_>, depth: usize, base: &str, actuals: Actuals<'_>, out: &mut Vec<String>) {
    crate::sql::depth::guard(|| {
        let (prefix, pad) = if depth == 0 {
            (String::new(), "  ".to_string())
        } else {
            let pad = " ".repeat(depth * 6 - 6);
            (format!("{pad}  ->  "), format!("{pad}        "))
        };
        out.push(format!(
            "{base}{prefix}{}{}",
            item.heading,
            actual_text(item, actuals)
        ));
        for (k, v) in details(item, actuals, false) {
            out.push(format!("{base}{pad}{k}: {}", prop_text(&v)));
        }
        for c in &item.children {
            match &c.subplan_name {
                Some(name) => {
                    out.push(format!("{base}{pad}{name}"));
                    render(c, depth + 1, &format!("{base}  "), actuals, out);
                }
                None => render(c, depth + 1, base, actuals, out),
            }
        }
    })
}

/// A structured value.
enum V {
    /// A string.
    S(String),
    /// A number or boolean, printed bare.
    Raw(String),
    /// A list of strings.
    L(Vec<String>),
    /// An object.
    Obj(Vec<(String, V)>),
    /// An array of objects (each an XML element named by the `String`).
    Arr(&'static str, Vec<Vec<(String, V)>>),
}

fn value(p: &Prop) -> V {
    match p {
        Prop::Text(s) => V::S(s.clone()),
        Prop::List(l) => V::L(l.clone()),
        Prop::Bool(b) => V::Raw(b.to_string()),
        Prop::Int(i) => V::Raw(i.to_string()),
        Prop::Ms(f) => V::Raw(format!("{f:.3}")),
    }
}

/// The properties of `item` in PostgreSQL's order.
fn entries(item: &Item<'_>, actuals: Actuals<'_>) -> Vec<(String, V)> {
    crate::sql::depth::guard(|| {
        let mut e: Vec<(String, V)> = vec![("Node Type".into(), V::S(item.node_type.clone()))];
        for (k, v) in &item.early {
            e.push((k.to_string(), value(v)));
        }
        if let Some(r) = item.relationship {
            e.push(("Parent Relationship".into(), V::S(r.into())));
        }
        if let Some(n) = &item.subplan_name {
            e.push(("Subplan Name".into(), V::S(n.clone())));
        }
        e.push((
            "Parallel Aware".into(),
            V::Raw(item.parallel_aware.to_string()),
        ));
        e.push(("Async Capable".into(), V::Raw("false".into())));
        for (k, v) in &item.target {
            e.push((k.trim_start_matches('~').to_string(), value(v)));
        }
        if let Some((stats, timing)) = actuals {
            let s = stats_of(item, stats).unwrap_or_default();
            let loops = s.loops.max(1) as f64;
            if timing {
                let ms = |d: std::time::Duration| d.as_secs_f64() * 1000.0 / loops;
                e.push((
                    "Actual Startup Time".into(),
                    V::Raw(format!("{:.3}", ms(s.startup))),
                ));
                e.push((
                    "Actual Total Time".into(),
                    V::Raw(format!("{:.3}", ms(s.total))),
                ));
            }
            e.push((
                "Actual Rows".into(),
                V::Raw(format!("{:.0}", s.rows as f64 / loops)),
            ));
            e.push(("Actual Loops".into(), V::Raw(s.loops.to_string())));
        }
        for (k, v) in details(item, actuals, true) {
            e.push((k, value(&v)));
        }
        if !item.children.is_empty() {
            let plans = item.children.iter().map(|c| entries(c, actuals)).collect();
            e.push(("Plans".into(), V::Arr("Plan", plans)));
        }
        e
    })
}

/// The whole document of a non-text format: the plan, with `summary`
/// the planning time, with ANALYZE the triggers, and with both the
/// execution time.
pub fn document(
    format: Format,
    item: &Item<'_>,
    actuals: Actuals<'_>,
    summary: Option<(f64, Option<f64>)>,
) -> String {
    let mut top = vec![("Plan".to_string(), V::Obj(entries(item, actuals)))];
    if let Some((planning, _)) = summary {
        top.push(("Planning Time".into(), V::Raw(format!("{planning:.3}"))));
    }
    if actuals.is_some() {
        top.push(("Triggers".into(), V::Arr("Trigger", Vec::new())));
    }
    if let Some((_, Some(execution))) = summary {
        top.push(("Execution Time".into(), V::Raw(format!("{execution:.3}"))));
    }
    let mut out = String::new();
    match format {
        Format::Json | Format::Text => {
            out.push_str("[\n  ");
            json_obj(&top, 1, &mut out);
            out.push_str("\n]");
        }
        Format::Yaml => {
            out.push_str("- ");
            yaml_obj(&top, 2, true, &mut out);
        }
        Format::Xml => {
            out.push_str("<explain xmlns=\"http://www.postgresql.org/2009/explain\">\n  <Query>\n");
            xml_obj(&top, 4, &mut out);
            out.push_str("  </Query>\n</explain>");
        }
    }
    out
}

fn spaces(n: usize) -> String {
    " ".repeat(n)
}

/// A JSON string literal (PostgreSQL's `escape_json`).
fn json_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn json_obj(entries: &[(String, V)], level: usize, out: &mut String) {
    crate::sql::depth::guard(|| {
        out.push('{');
        for (k, (key, v)) in entries.iter().enumerate() {
            if k > 0 {
                out.push(',');
            }
            out.push('\n');
            out.push_str(&spaces(2 * (level + 1)));
            out.push_str(&json_string(key));
            out.push_str(": ");
            match v {
                V::S(s) => out.push_str(&json_string(s)),
                V::Raw(r) => out.push_str(r),
                V::L(l) => {
                    let items: Vec<String> = l.iter().map(|s| json_string(s)).collect();
                    out.push('[');
                    out.push_str(&items.join(", "));
                    out.push(']');
                }
                V::Obj(o) => json_obj(o, level + 1, out),
                V::Arr(_, items) => {
                    out.push('[');
                    for (i, o) in items.iter().enumerate() {
                        if i > 0 {
                            out.push(',');
                        }
                        out.push('\n');
                        out.push_str(&spaces(2 * (level + 2)));
                        json_obj(o, level + 2, out);
                    }
                    out.push('\n');
                    out.push_str(&spaces(2 * (level + 1)));
                    out.push(']');
                }
            }
        }
        out.push('\n');
        out.push_str(&spaces(2 * level));
        out.push('}');
    })
}

fn yaml_obj(entries: &[(String, V)], indent: usize, first_inline: bool, out: &mut String) {
    crate::sql::depth::guard(|| {
        for (k, (key, v)) in entries.iter().enumerate() {
            if k > 0 || !first_inline {
                out.push('\n');
                out.push_str(&spaces(indent));
            }
            out.push_str(key);
            out.push_str(": ");
            match v {
                V::S(s) => out.push_str(&json_string(s)),
                V::Raw(r) => out.push_str(r),
                V::L(l) => {
                    for s in l {
                        out.push('\n');
                        out.push_str(&spaces(indent + 2));
                        out.push_str("- ");
                        out.push_str(&json_string(s));
                    }
                }
                V::Obj(o) => yaml_obj(o, indent + 2, false, out),
                V::Arr(_, items) => {
                    for o in items {
                        out.push('\n');
                        out.push_str(&spaces(indent + 2));
                        out.push_str("- ");
                        yaml_obj(o, indent + 4, true, out);
                    }
                }
            }
        }
    })
}

/// Text escaped for XML.
fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn xml_obj(entries: &[(String, V)], indent: usize, out: &mut String) {
    crate::sql::depth::guard(|| {
        for (key, v) in entries {
            let tag = key.replace(' ', "-");
            out.push_str(&spaces(indent));
            match v {
                V::S(s) => out.push_str(&format!("<{tag}>{}</{tag}>\n", xml_escape(s))),
                V::Raw(r) => out.push_str(&format!("<{tag}>{r}</{tag}>\n")),
                V::L(l) => {
                    out.push_str(&format!("<{tag}>\n"));
                    for s in l {
                        out.push_str(&spaces(indent + 2));
                        out.push_str(&format!("<Item>{}</Item>\n", xml_escape(s)));
                    }
                    out.push_str(&spaces(indent));
                    out.push_str(&format!("</{tag}>\n"));
                }
                V::Obj(o) => {
                    out.push_str(&format!("<{tag}>\n"));
                    xml_obj(o, indent + 2, out);
                    out.push_str(&spaces(indent));
                    out.push_str(&format!("</{tag}>\n"));
                }
                V::Arr(element, items) => {
                    out.push_str(&format!("<{tag}>\n"));
                    for o in items {
                        out.push_str(&spaces(indent + 2));
                        out.push_str(&format!("<{element}>\n"));
                        xml_obj(o, indent + 4, out);
                        out.push_str(&spaces(indent + 2));
                        out.push_str(&format!("</{element}>\n"));
                    }
                    out.push_str(&spaces(indent));
                    out.push_str(&format!("</{tag}>\n"));
                }
            }
        }
    })
}
