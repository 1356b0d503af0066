//! Plume's option schema and its front ends: one set of keys, validated once, set from the
//! API (`plume_config_set` in C), the environment (`PLUME_*`) or an input deck.
//!
//! Precedence, whatever the order of the calls: **API > environment > deck > defaults**.
//! [`Config`] keeps one layer per source and [`Config::resolve`] merges them into
//! [`Settings`]. Every value is checked when it is set (the error names the key, and for a
//! deck the file and line); checks that need two keys (a `pw_rel` bound must be below 1)
//! run in [`Config::resolve`].
//!
//! Keys (a deck may spell them `plume.<key>`; the environment as `PLUME_<KEY>`, upper
//! case, `.` as `_` for the top-level keys only):
//!
//! | key | values | default |
//! |---|---|---|
//! | `mode` | `abs`, `rel`, `pw_rel`, `psnr` | `rel` |
//! | `error_bound` | number >= 0 (psnr: dB > 0) | `1e-3` |
//! | `encoding` | `fast`, `ratio` | `ratio` |
//! | `block_dims` | `default`, or 1-4 positive integers (`64,64,64` or `64 64 64`) | `default` |
//! | `zstd_level` | integer 1..=22 | `1` |
//! | `fields` | field names, space or comma separated | (none) |
//! | `label` | `on`/`off` (`true`/`false`, `1`/`0`, `yes`/`no`) | `off` |
//! | `output` | a path | `plume_out/` |
//! | `disable` | boolean | `off` |
//! | `async` | boolean: `end_step` returns once the fields are checked; labels and compression run on a background thread while the solver goes on, and the step is written (collectively) by the next `end_step` or by `session_free`. `put` copies the solver's arrays in every mode. | `off` |
//! | `profile` | boolean: the session also writes `<output>/profile.csv` (every rank's counters) and `<output>/trace.json` (Chrome/Perfetto trace, pid = rank) | `off` |
//! | `field.<NAME>.mode`, `field.<NAME>.error_bound`, `field.<NAME>.encoding` | per-field overrides | the global value |
//! | `label.<param>` (`eps_z`, `h2o_frac`, `h2o_ref`, `grad_h2o_min`, `flame_rule`, `fi_threshold`, `fi_grad_min`) | the labeler's thresholds ([`LabelParams`]) | [`LabelParams::default`] |
//!
//! Environment: `PLUME_MODE`, `PLUME_ERROR_BOUND`, `PLUME_ENCODING`, `PLUME_BLOCK_DIMS`,
//! `PLUME_ZSTD_LEVEL`, `PLUME_FIELDS`, `PLUME_LABEL`, `PLUME_OUTPUT`, `PLUME_DISABLE`,
//! `PLUME_ASYNC`, `PLUME_PROFILE`, and
//! `PLUME_CONFIG=path` (a deck loaded at the deck level). Other `PLUME_*` variables are not
//! options (test harnesses set some) and are ignored.

mod deck;

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

pub use deck::{parse_deck, DeckEntry, DeckFormat};

use crate::bound::ErrorBound;
use crate::codec::{CompressOptions, Encoding};
use crate::error::{Error, Result};
use crate::field::MAX_DIMS;
use crate::label::LabelParams;

/// Where a value came from, lowest precedence first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// Plume's default.
    Default,
    /// An input deck, at a line.
    Deck {
        /// The deck file.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
    },
    /// An environment variable.
    Env {
        /// Its name, e.g. `PLUME_ERROR_BOUND`.
        var: String,
    },
    /// The API (`Config::set`, `plume_config_set`).
    Api,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Default => write!(f, "default"),
            Origin::Deck { path, line } => write!(f, "{}:{line}", path.display()),
            Origin::Env { var } => write!(f, "env {var}"),
            Origin::Api => write!(f, "api"),
        }
    }
}

/// The value kinds of the schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Mode,
    Number,
    Encoding,
    BlockDims,
    ZstdLevel,
    Names,
    Bool,
    Path,
    /// A labeler parameter (`label.<name>`, see [`LabelParams::set`]).
    LabelParam,
}

/// The top-level keys, their kind and default (as text, parsed like any other value).
const KEYS: &[(&str, Kind, &str)] = &[
    ("mode", Kind::Mode, "rel"),
    ("error_bound", Kind::Number, "1e-3"),
    ("encoding", Kind::Encoding, "ratio"),
    ("block_dims", Kind::BlockDims, "default"),
    ("zstd_level", Kind::ZstdLevel, "1"),
    ("fields", Kind::Names, ""),
    ("label", Kind::Bool, "off"),
    ("output", Kind::Path, "plume_out/"),
    ("disable", Kind::Bool, "off"),
    ("async", Kind::Bool, "off"),
    ("profile", Kind::Bool, "off"),
];

/// Keys a `field.<NAME>.` prefix may override.
const FIELD_KEYS: &[&str] = &["mode", "error_bound", "encoding"];

/// A key's canonical form (lower case, `plume.` prefix removed) and its kind, or an error
/// naming the key and listing the valid ones.
fn lookup(key: &str) -> Result<(String, Kind)> {
    let k = key.trim().to_ascii_lowercase();
    let k = k.strip_prefix("plume.").unwrap_or(&k).to_string();
    if let Some(&(_, kind, _)) = KEYS.iter().find(|(name, _, _)| *name == k) {
        return Ok((k, kind));
    }
    if let Some(name) = k.strip_prefix("label.") {
        if LabelParams::NAMES.contains(&name) {
            return Ok((k.clone(), Kind::LabelParam));
        }
        return Err(Error::invalid(format!(
            "unknown key '{key}': labeler parameters are label.<{}>",
            LabelParams::NAMES.join("|")
        )));
    }
    if let Some(rest) = k.strip_prefix("field.") {
        if let Some((name, sub)) = rest.rsplit_once('.') {
            if !name.is_empty() && FIELD_KEYS.contains(&sub) {
                let kind = KEYS.iter().find(|(n, _, _)| *n == sub).map(|e| e.1).unwrap_or(Kind::Path);
                // Field names keep their case: YH2O and yh2o are different fields.
                let original = key.trim();
                let original = original.strip_prefix("plume.").unwrap_or(original);
                let name = &original["field.".len()..original.len() - sub.len() - 1];
                return Ok((format!("field.{name}.{sub}"), kind));
            }
        }
        return Err(Error::invalid(format!(
            "unknown key '{key}': a per-field key is field.<NAME>.<{}>",
            FIELD_KEYS.join("|")
        )));
    }
    let valid: Vec<&str> = KEYS.iter().map(|e| e.0).collect();
    Err(Error::invalid(format!("unknown key '{key}': valid keys are {}", valid.join(", "))))
}

/// Parses a boolean the way decks write them.
fn parse_bool(v: &str) -> Option<bool> {
    match v.to_ascii_lowercase().trim_matches('.') {
        "on" | "true" | "t" | "yes" | "1" => Some(true),
        "off" | "false" | "f" | "no" | "0" => Some(false),
        _ => None,
    }
}

/// Splits a list written with commas and/or spaces.
fn split_list(v: &str) -> Vec<&str> {
    v.split(|c: char| c == ',' || c.is_whitespace()).filter(|s| !s.is_empty()).collect()
}

/// Checks `value` against `kind`; returns the normalised text stored for it.
fn check(key: &str, kind: Kind, value: &str) -> Result<String> {
    let v = value.trim();
    let bad = |what: &str| Error::invalid(format!("key '{key}': value '{v}' {what}"));
    match kind {
        Kind::Mode => {
            // The mode's name is checked here, its value with `error_bound` in `resolve`: a
            // name is known when some value parses with it (each mode accepts one of these).
            let known = [0.5, 2.0, 60.0].iter().any(|&x| ErrorBound::parse(v, x).is_ok());
            if !known {
                return Err(bad("is not a bound mode (abs, rel, pw_rel, psnr, target_ratio)"));
            }
            Ok(v.to_ascii_lowercase())
        }
        Kind::Number => {
            let x: f64 = v.parse().map_err(|_| bad("is not a number"))?;
            if !x.is_finite() || x < 0.0 {
                return Err(bad("must be a finite number >= 0"));
            }
            Ok(v.to_string())
        }
        Kind::Encoding => {
            Encoding::parse(v).map_err(|_| bad("is not an encoding (fast, ratio)"))?;
            Ok(v.to_ascii_lowercase())
        }
        Kind::BlockDims => {
            if v.eq_ignore_ascii_case("default") {
                return Ok("default".into());
            }
            let parts = split_list(v);
            if parts.is_empty() || parts.len() > MAX_DIMS {
                return Err(bad("must be 'default' or 1 to 4 positive integers"));
            }
            for p in &parts {
                match p.parse::<usize>() {
                    Ok(n) if n >= 1 => {}
                    _ => return Err(bad(&format!("has '{p}', not a positive integer"))),
                }
            }
            Ok(parts.join(","))
        }
        Kind::ZstdLevel => match v.parse::<i32>() {
            Ok(n) if (1..=22).contains(&n) => Ok(n.to_string()),
            _ => Err(bad("must be an integer from 1 to 22")),
        },
        Kind::Names => Ok(split_list(v).join(" ")),
        Kind::Bool => parse_bool(v)
            .map(|b| if b { "on" } else { "off" }.to_string())
            .ok_or_else(|| bad("is not a boolean (on/off, true/false, yes/no, 1/0, .true./.false.)")),
        Kind::LabelParam => {
            let name = key.strip_prefix("label.").unwrap_or(key);
            LabelParams::default()
                .set(name, v)
                .map_err(|e| Error::invalid(format!("key '{key}': {}", e.message())))?;
            Ok(v.to_string())
        }
        Kind::Path => {
            if v.is_empty() {
                return Err(bad("must not be empty"));
            }
            Ok(v.to_string())
        }
    }
}

/// One stored value and where it came from.
#[derive(Debug, Clone, PartialEq)]
struct Entry {
    value: String,
    origin: Origin,
}

/// The source layers, lowest precedence first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Layer {
    Deck = 0,
    Env = 1,
    Api = 2,
}

/// Options being gathered from the API, the environment and decks. See the module docs.
#[derive(Debug, Clone, Default)]
pub struct Config {
    layers: [BTreeMap<String, Entry>; 3],
}

/// The effective options, every value resolved and checked.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// The error bound (mode and value).
    pub bound: ErrorBound,
    /// The residual encoding.
    pub encoding: Encoding,
    /// Block dims (`None`: the codec's default for the dimensionality).
    pub block_dims: Option<Vec<usize>>,
    /// zstd level of the `ratio` encoding.
    pub zstd_level: i32,
    /// Fields the in-situ session compresses (empty: every field it is given).
    pub fields: Vec<String>,
    /// Whether the session labels flame regimes.
    pub label: bool,
    /// Output directory or file prefix.
    pub output: String,
    /// `PLUME_DISABLE=1` / `disable = on`: the session does nothing.
    pub disable: bool,
    /// `async = on`: labels and compression of a step overlap the solver's next step.
    pub asynchronous: bool,
    /// `profile = on`: the session writes its per-rank CSV and trace into `output`.
    pub profile: bool,
    /// The labeler's thresholds (`label.<name>` keys over [`LabelParams::default`]).
    pub label_params: LabelParams,
    /// Per-field overrides: field name to (bound, encoding).
    pub per_field: BTreeMap<String, (ErrorBound, Encoding)>,
    /// Every key's effective value and origin, in key order (for echoing and storing).
    pub effective: Vec<(String, String, Origin)>,
}

impl Settings {
    /// The codec options for `field` (its overrides if any, else the global ones).
    pub fn compress_options(&self, field: Option<&str>) -> CompressOptions {
        let (bound, encoding) =
            field.and_then(|f| self.per_field.get(f)).copied().unwrap_or((self.bound, self.encoding));
        let mut opts = CompressOptions::new(bound, encoding);
        opts.block_dims = self.block_dims.clone();
        opts.zstd_level = self.zstd_level;
        opts
    }

    /// The effective configuration as `plume.<key> = <value>  # <origin>` lines, a valid
    /// key = value deck (what a run echoes and stores with its output).
    pub fn to_deck(&self) -> String {
        let mut s = String::new();
        for (k, v, origin) in &self.effective {
            s.push_str(&format!("plume.{k} = {v}  # {origin}\n"));
        }
        s
    }
}

impl Config {
    /// No values set: every key at its default.
    pub fn new() -> Self {
        Self::default()
    }

    fn insert(&mut self, layer: Layer, key: &str, value: &str, origin: Origin) -> Result<()> {
        let (key, kind) = lookup(key)?;
        let value = check(&key, kind, value)?;
        self.layers[layer as usize].insert(key, Entry { value, origin });
        Ok(())
    }

    /// Sets `key` from the API (highest precedence). Fails with `InvalidArgument` naming
    /// the key on an unknown key or a bad value; the configuration is then unchanged.
    pub fn set(&mut self, key: &str, value: &str) -> Result<()> {
        self.insert(Layer::Api, key, value, Origin::Api)
    }

    /// Clears an API value of `key`, so the lower layers show through again.
    pub fn unset(&mut self, key: &str) -> Result<()> {
        let (key, _) = lookup(key)?;
        self.layers[Layer::Api as usize].remove(&key);
        Ok(())
    }

    /// Loads a deck (key = value, `[plume]` TOML section or `&plume` namelist; see
    /// [`parse_deck`]) at the deck level. All or nothing: on any error (the message names
    /// the file, line and key) nothing of the deck is kept.
    pub fn load_deck(&mut self, path: &Path) -> Result<()> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        self.load_deck_str(&text, path)
    }

    /// As [`Config::load_deck`], from text; `path` is only used in messages and origins.
    pub fn load_deck_str(&mut self, text: &str, path: &Path) -> Result<()> {
        let entries = parse_deck(text, path)?;
        let mut next = self.clone();
        for e in entries {
            let origin = Origin::Deck { path: path.to_path_buf(), line: e.line };
            next.insert(Layer::Deck, &e.key, &e.value, origin)
                .map_err(|err| Error::invalid(format!("{}:{}: {}", path.display(), e.line, err.message())))?;
        }
        *self = next;
        Ok(())
    }

    /// Applies `PLUME_*` variables from `vars` (pass `std::env::vars()`) at the
    /// environment level; `PLUME_CONFIG=path` loads that deck at the deck level first.
    /// Unrelated `PLUME_*` names are ignored. Fails naming the variable on a bad value.
    pub fn apply_env(&mut self, vars: impl IntoIterator<Item = (String, String)>) -> Result<()> {
        let mut next = self.clone();
        let mut found = Vec::new();
        for (var, value) in vars {
            let Some(rest) = var.strip_prefix("PLUME_") else { continue };
            if rest == "CONFIG" {
                next.load_deck(Path::new(&value))?;
                continue;
            }
            let key = rest.to_ascii_lowercase();
            if KEYS.iter().any(|e| e.0 == key) {
                found.push((var, key, value));
            }
        }
        for (var, key, value) in found {
            let origin = Origin::Env { var: var.clone() };
            next.insert(Layer::Env, &key, &value, origin)
                .map_err(|e| Error::invalid(format!("environment {var}: {}", e.message())))?;
        }
        *self = next;
        Ok(())
    }

    /// The effective value of `key` (after precedence) as text, and its origin.
    pub fn get(&self, key: &str) -> Result<(String, Origin)> {
        let (key, _) = lookup(key)?;
        for layer in self.layers.iter().rev() {
            if let Some(e) = layer.get(&key) {
                return Ok((e.value.clone(), e.origin.clone()));
            }
        }
        let default = KEYS.iter().find(|e| e.0 == key).map_or("", |e| e.2);
        Ok((default.to_string(), Origin::Default))
    }

    /// Merges the layers (API > environment > deck > defaults) and checks the
    /// combinations. Fails with `InvalidArgument` naming the key and its origin.
    pub fn resolve(&self) -> Result<Settings> {
        let mut effective = Vec::new();
        let mut value = |key: &str| -> Result<(String, Origin)> {
            let (v, o) = self.get(key)?;
            effective.push((key.to_string(), v.clone(), o.clone()));
            Ok((v, o))
        };
        let (mode, mode_origin) = value("mode")?;
        let (eb, eb_origin) = value("error_bound")?;
        let bound = make_bound(&mode, &eb).map_err(|e| {
            Error::invalid(format!("{} (mode from {mode_origin}, error_bound from {eb_origin})", e.message()))
        })?;
        let encoding = Encoding::parse(&value("encoding")?.0)?;
        let bd = value("block_dims")?.0;
        let block_dims =
            (bd != "default").then(|| split_list(&bd).iter().filter_map(|p| p.parse().ok()).collect());
        let zstd_level = value("zstd_level")?.0.parse().unwrap_or(1);
        let fields = split_list(&value("fields")?.0).into_iter().map(String::from).collect();
        let label = parse_bool(&value("label")?.0).unwrap_or(false);
        let output = value("output")?.0;
        let disable = parse_bool(&value("disable")?.0).unwrap_or(false);
        let profile = parse_bool(&value("profile")?.0).unwrap_or(false);
        let asynchronous = parse_bool(&value("async")?.0).unwrap_or(false);

        let mut label_params = LabelParams::default();
        for name in LabelParams::NAMES {
            let key = format!("label.{name}");
            let (v, o) = self.get(&key)?;
            if o != Origin::Default {
                label_params
                    .set(name, &v)
                    .map_err(|e| Error::invalid(format!("key '{key}' ({o}): {}", e.message())))?;
                effective.push((key, v, o));
            }
        }

        // Per-field overrides: every field named by any layer.
        let mut names: Vec<String> = self
            .layers
            .iter()
            .flat_map(|l| l.keys())
            .filter_map(|k| {
                k.strip_prefix("field.").and_then(|r| r.rsplit_once('.')).map(|(n, _)| n.to_string())
            })
            .collect();
        names.sort();
        names.dedup();
        let mut per_field = BTreeMap::new();
        for name in names {
            let pick = |sub: &str, global: &str| -> Result<String> {
                let key = format!("field.{name}.{sub}");
                let (v, o) = self.get(&key)?;
                Ok(if o == Origin::Default { global.to_string() } else { v })
            };
            let f_mode = pick("mode", &mode)?;
            let f_eb = pick("error_bound", &eb)?;
            let f_enc = pick("encoding", encoding.as_str())?;
            let f_bound = make_bound(&f_mode, &f_eb)
                .map_err(|e| Error::invalid(format!("field {name}: {}", e.message())))?;
            for (sub, v) in [("mode", &f_mode), ("error_bound", &f_eb), ("encoding", &f_enc)] {
                let key = format!("field.{name}.{sub}");
                let (_, o) = self.get(&key)?;
                if o != Origin::Default {
                    effective.push((key, v.clone(), o));
                }
            }
            per_field.insert(name, (f_bound, Encoding::parse(&f_enc)?));
        }
        Ok(Settings {
            bound,
            encoding,
            block_dims,
            zstd_level,
            fields,
            label,
            output,
            disable,
            asynchronous,
            profile,
            label_params,
            per_field,
            effective,
        })
    }
}

fn make_bound(mode: &str, eb: &str) -> Result<ErrorBound> {
    let x: f64 = eb.parse().map_err(|_| Error::invalid(format!("error_bound '{eb}' is not a number")))?;
    ErrorBound::parse(mode, x)
}

#[cfg(test)]
mod tests;
