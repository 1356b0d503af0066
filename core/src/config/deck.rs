//! Input decks: three syntaxes, one result (a list of key, value, line).
//!
//! - **key = value** (AMReX ParmParse style): `plume.error_bound = 1e-2`. Lines whose key
//!   has another prefix (`amr.n_cell = 64 64 64`) belong to the solver and are skipped;
//!   `#` starts a comment; a value may be quoted.
//! - **TOML**: the `[plume]` table (and `[plume.field.NAME]` tables for per-field
//!   overrides); other tables are skipped. Values: strings, numbers, booleans, arrays of
//!   those (an array becomes a space-separated list). Only this subset of TOML is read.
//! - **Fortran namelist**: the `&plume ... /` group, read straight from the solver's own
//!   namelist file; other groups are skipped. Names are case-insensitive; `!` starts a
//!   comment; strings are quoted; `.true.`/`.false.`; several values (`fields = 'YH2' 'O2'`,
//!   `block_dims = 64, 64, 64`) make a list. Per-field overrides use Fortran's component
//!   syntax: `field%YH2O%error_bound = 1e-3`.
//!
//! The syntax is detected from the text: a line starting with `&` makes it a namelist, a
//! line `[table]` makes it TOML, anything else is key = value.

use std::path::Path;

use crate::error::{Error, Result};

/// The syntax of a deck.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeckFormat {
    /// `plume.key = value` lines.
    KeyValue,
    /// A `[plume]` TOML table.
    Toml,
    /// A `&plume ... /` Fortran namelist group.
    Namelist,
}

/// One setting read from a deck: the key without the `plume.` prefix, the value as text,
/// and its 1-based line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeckEntry {
    /// Key, e.g. `error_bound` or `field.YH2O.error_bound`.
    pub key: String,
    /// Value text (quotes removed, lists space-separated).
    pub value: String,
    /// 1-based line number.
    pub line: usize,
}

/// Which syntax `text` is written in.
pub fn detect(text: &str) -> DeckFormat {
    let lines = || text.lines().map(str::trim);
    if lines().any(|l| l.starts_with('&')) {
        DeckFormat::Namelist
    } else if lines().any(|l| l.starts_with('[') && l.trim_end_matches(|c: char| c != ']').ends_with(']')) {
        DeckFormat::Toml
    } else {
        DeckFormat::KeyValue
    }
}

/// Reads the Plume settings of a deck (any of the three syntaxes). Keys are not checked
/// against the schema here ([`super::Config::load_deck`] does that, naming file and line);
/// syntax errors name `path` and the line.
pub fn parse_deck(text: &str, path: &Path) -> Result<Vec<DeckEntry>> {
    let err = |line: usize, what: String| Error::invalid(format!("{}:{line}: {what}", path.display()));
    match detect(text) {
        DeckFormat::KeyValue => parse_key_value(text, &err),
        DeckFormat::Toml => parse_toml(text, &err),
        DeckFormat::Namelist => parse_namelist(text, &err),
    }
}

/// Removes a comment starting with `marker` outside quotes.
fn strip_comment(line: &str, marker: char) -> &str {
    let mut quote = None;
    for (i, c) in line.char_indices() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, c) if c == marker => return &line[..i],
            _ => {}
        }
    }
    line
}

/// Removes one pair of matching quotes.
fn unquote(v: &str) -> &str {
    let v = v.trim();
    for q in ['"', '\''] {
        if v.len() >= 2 && v.starts_with(q) && v.ends_with(q) {
            return &v[1..v.len() - 1];
        }
    }
    v
}

type ErrFn<'a> = dyn Fn(usize, String) -> Error + 'a;

fn parse_key_value(text: &str, err: &ErrFn<'_>) -> Result<Vec<DeckEntry>> {
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = strip_comment(raw, '#').trim();
        if line.is_empty() {
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            return Err(err(i + 1, format!("expected 'key = value', got '{line}'")));
        };
        let key = key.trim();
        let Some(rest) = key.strip_prefix("plume.") else { continue };
        let value = value.trim();
        let whole = unquote(value);
        let value = if whole.len() + 2 == value.len() && !whole.contains(['"', '\'']) {
            whole.to_string()
        } else {
            value.split_whitespace().map(unquote).collect::<Vec<_>>().join(" ")
        };
        out.push(DeckEntry { key: rest.to_string(), value, line: i + 1 });
    }
    Ok(out)
}

/// Splits a TOML array body at commas outside quotes.
fn toml_array(body: &str) -> Vec<String> {
    let mut items = Vec::new();
    let mut cur = String::new();
    let mut quote = None;
    for c in body.chars() {
        match (quote, c) {
            (None, '"' | '\'') => {
                quote = Some(c);
                cur.push(c);
            }
            (Some(q), c) if c == q => {
                quote = None;
                cur.push(c);
            }
            (None, ',') => items.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    items.push(cur);
    items.iter().map(|s| unquote(s).to_string()).filter(|s| !s.is_empty()).collect()
}

fn parse_toml(text: &str, err: &ErrFn<'_>) -> Result<Vec<DeckEntry>> {
    let mut out = Vec::new();
    // The key prefix of the current table, or None outside Plume's tables.
    let mut prefix: Option<String> = None;
    for (i, raw) in text.lines().enumerate() {
        let line = strip_comment(raw, '#').trim();
        if line.is_empty() {
            continue;
        }
        if let Some(table) = line.strip_prefix('[') {
            let table =
                table.strip_suffix(']').ok_or_else(|| err(i + 1, format!("bad table header '{line}'")))?;
            let table = table.trim().trim_matches(|c| c == '[' || c == ']');
            prefix = if table == "plume" {
                Some(String::new())
            } else {
                table.strip_prefix("plume.").map(|rest| format!("{}.", rest.replace('"', "")))
            };
            continue;
        }
        let Some(prefix) = &prefix else { continue };
        let Some((key, value)) = line.split_once('=') else {
            return Err(err(i + 1, format!("expected 'key = value', got '{line}'")));
        };
        let value = value.trim();
        let value = if let Some(body) = value.strip_prefix('[') {
            let body = body
                .strip_suffix(']')
                .ok_or_else(|| err(i + 1, "an array must close on its line".to_string()))?;
            toml_array(body).join(" ")
        } else {
            unquote(value).to_string()
        };
        let key = format!("{prefix}{}", unquote(key));
        out.push(DeckEntry { key, value, line: i + 1 });
    }
    Ok(out)
}

/// A namelist token and its line.
#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Word(String),
    Str(String),
    Eq,
    Comma,
    Slash,
}

fn parse_namelist(text: &str, err: &ErrFn<'_>) -> Result<Vec<DeckEntry>> {
    // Tokens of the &plume group only.
    let mut toks: Vec<(Tok, usize)> = Vec::new();
    let mut in_group = false;
    let mut closed = false;
    let mut group_line = 0;
    for (i, raw) in text.lines().enumerate() {
        let line_no = i + 1;
        let mut rest = strip_comment(raw, '!').trim();
        if !in_group {
            let Some(after) = rest.strip_prefix('&') else { continue };
            let name_end = after.find(|c: char| !(c.is_alphanumeric() || c == '_')).unwrap_or(after.len());
            if !after[..name_end].eq_ignore_ascii_case("plume") || closed {
                continue;
            }
            in_group = true;
            group_line = line_no;
            rest = &after[name_end..];
        }
        let mut chars = rest.char_indices().peekable();
        while let Some((at, c)) = chars.next() {
            match c {
                c if c.is_whitespace() => {}
                '=' => toks.push((Tok::Eq, line_no)),
                ',' => toks.push((Tok::Comma, line_no)),
                '/' => {
                    toks.push((Tok::Slash, line_no));
                    in_group = false;
                    closed = true;
                    break;
                }
                '"' | '\'' => {
                    let mut s = String::new();
                    let mut ended = false;
                    while let Some((_, d)) = chars.next() {
                        if d == c {
                            // a doubled quote is a literal quote
                            if chars.peek().map(|p| p.1) == Some(c) {
                                chars.next();
                                s.push(c);
                                continue;
                            }
                            ended = true;
                            break;
                        }
                        s.push(d);
                    }
                    if !ended {
                        return Err(err(line_no, "unterminated string".into()));
                    }
                    toks.push((Tok::Str(s), line_no));
                }
                _ => {
                    let end = rest[at..]
                        .find(|d: char| d.is_whitespace() || matches!(d, '=' | ',' | '/'))
                        .map_or(rest.len(), |e| at + e);
                    toks.push((Tok::Word(rest[at..end].to_string()), line_no));
                    while chars.peek().is_some_and(|(p, _)| *p < end) {
                        chars.next();
                    }
                }
            }
        }
        if closed {
            break;
        }
    }
    if in_group {
        return Err(err(group_line, "namelist group &plume is not closed with '/'".into()));
    }
    let mut out = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        match &toks[i] {
            (Tok::Slash, _) => break,
            (Tok::Comma, _) => i += 1,
            (Tok::Word(key), line) if matches!(toks.get(i + 1), Some((Tok::Eq, _))) => {
                // Names are case-insensitive (the schema lowercases them) except a field name, kept as
                // written; `%` is Fortran's component separator: field%YH2O%error_bound.
                let (key, line) = (key.replace('%', "."), *line);
                i += 2;
                let mut values = Vec::new();
                while i < toks.len() {
                    match &toks[i] {
                        (Tok::Word(_), _) if matches!(toks.get(i + 1), Some((Tok::Eq, _))) => break,
                        (Tok::Slash, _) => break,
                        (Tok::Comma, _) => {}
                        (Tok::Word(w), _) => values.push(w.clone()),
                        (Tok::Str(s), _) => values.push(s.clone()),
                        (Tok::Eq, l) => {
                            return Err(err(*l, format!("unexpected '=' in the value of '{key}'")))
                        }
                    }
                    i += 1;
                }
                if values.is_empty() {
                    return Err(err(line, format!("key '{key}' has no value")));
                }
                out.push(DeckEntry { key, value: values.join(" "), line });
            }
            (_, line) => return Err(err(*line, "expected 'name = value' in &plume".into())),
        }
    }
    Ok(out)
}
