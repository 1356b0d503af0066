use std::path::Path;

use super::*;

fn deck(cfg: &mut Config, text: &str) -> Result<()> {
    cfg.load_deck_str(text, Path::new("run.deck"))
}

#[test]
fn defaults_resolve() {
    let s = Config::new().resolve().unwrap();
    assert_eq!(s.bound, ErrorBound::Rel(1e-3));
    assert_eq!(s.encoding, Encoding::Ratio);
    assert_eq!(s.block_dims, None);
    assert!(!s.label && !s.disable);
    assert!(s.effective.iter().all(|e| e.2 == Origin::Default));
}

#[test]
fn set_validates_and_names_the_key() {
    let mut c = Config::new();
    c.set("mode", "pw_rel").unwrap();
    c.set("error_bound", "0.1").unwrap();
    c.set("block_dims", "16 32,64").unwrap();
    let s = c.resolve().unwrap();
    assert_eq!(s.bound, ErrorBound::PwRel(0.1));
    assert_eq!(s.block_dims, Some(vec![16, 32, 64]));
    let e = c.set("error_bond", "1").unwrap_err();
    assert!(e.message().contains("error_bond"), "{e}");
    c.set("mode", "target_ratio").unwrap();
    c.set("error_bound", "20").unwrap();
    assert_eq!(c.resolve().unwrap().bound, ErrorBound::TargetRatio(20.0));
    c.set("mode", "pw_rel").unwrap();
    c.set("error_bound", "0.1").unwrap();
    let e = c.set("error_bound", "abc").unwrap_err();
    assert!(e.message().contains("error_bound") && e.message().contains("abc"), "{e}");
    let e = c.set("block_dims", "1 2 3 4 5").unwrap_err();
    assert!(e.message().contains("block_dims"), "{e}");
    let e = c.set("zstd_level", "99").unwrap_err();
    assert!(e.message().contains("zstd_level"), "{e}");
    // pw_rel >= 1 is caught when the combination is resolved
    c.set("error_bound", "1.5").unwrap();
    let e = c.resolve().unwrap_err();
    assert!(e.message().contains("pw_rel"), "{e}");
}

#[test]
fn precedence_is_api_env_deck_default_whatever_the_order() {
    let mut c = Config::new();
    c.set("error_bound", "0.5").unwrap();
    c.apply_env([("PLUME_ERROR_BOUND".to_string(), "0.25".to_string())]).unwrap();
    deck(&mut c, "plume.error_bound = 0.125\nplume.encoding = fast\nplume.zstd_level = 3\n").unwrap();
    c.apply_env([("PLUME_ZSTD_LEVEL".to_string(), "5".to_string())]).unwrap();
    let s = c.resolve().unwrap();
    assert_eq!(s.bound, ErrorBound::Rel(0.5));
    assert_eq!(s.zstd_level, 5);
    assert_eq!(s.encoding, Encoding::Fast);
    c.unset("error_bound").unwrap();
    assert_eq!(c.resolve().unwrap().bound, ErrorBound::Rel(0.25));
    let (_, origin) = c.get("encoding").unwrap();
    assert_eq!(origin, Origin::Deck { path: "run.deck".into(), line: 2 });
}

#[test]
fn env_ignores_unrelated_and_names_bad_variables() {
    let mut c = Config::new();
    c.apply_env([("PLUME_TEST_DATA".to_string(), "/x".to_string()), ("HOME".to_string(), "/".to_string())])
        .unwrap();
    let e = c.apply_env([("PLUME_MODE".to_string(), "l2".to_string())]).unwrap_err();
    assert!(e.message().contains("PLUME_MODE"), "{e}");
    c.apply_env([("PLUME_DISABLE".to_string(), "1".to_string())]).unwrap();
    assert!(c.resolve().unwrap().disable);
}

#[test]
fn key_value_deck() {
    let mut c = Config::new();
    let text = "# solver deck\namr.n_cell = 64 64 64\nplume.error_bound = 0.01   # tight\n\
                plume.mode = pw_rel\nplume.fields = YH2 YO2 YH2O Z\nplume.label = on\n\
                plume.output = \"out dir/\"\nplume.field.YH2O.error_bound = 0.001\n";
    deck(&mut c, text).unwrap();
    let s = c.resolve().unwrap();
    assert_eq!(s.bound, ErrorBound::PwRel(0.01));
    assert_eq!(s.fields, ["YH2", "YO2", "YH2O", "Z"]);
    assert!(s.label);
    assert_eq!(s.output, "out dir/");
    assert_eq!(s.per_field["YH2O"].0, ErrorBound::PwRel(0.001));
    assert_eq!(s.compress_options(Some("YH2O")).bound, ErrorBound::PwRel(0.001));
    assert_eq!(s.compress_options(Some("Z")).bound, ErrorBound::PwRel(0.01));
    assert!(s.to_deck().contains("plume.error_bound = 0.01  # run.deck:3"));
}

#[test]
fn unknown_keys_and_bad_values_name_file_line_and_key() {
    let mut c = Config::new();
    let e = deck(&mut c, "plume.mode = abs\n\nplume.eror_bound = 1\n").unwrap_err();
    assert!(e.message().starts_with("run.deck:3:"), "{e}");
    assert!(e.message().contains("eror_bound"), "{e}");
    // all or nothing: mode from line 1 was not kept
    assert_eq!(c.get("mode").unwrap().1, Origin::Default);
    let e = deck(&mut c, "[plume]\nencoding = \"zip\"\n").unwrap_err();
    assert!(e.message().starts_with("run.deck:2:") && e.message().contains("encoding"), "{e}");
    let e = deck(&mut c, "&plume\n  mode = 'abs',\n  colour = 3 /\n").unwrap_err();
    assert!(e.message().starts_with("run.deck:3:") && e.message().contains("colour"), "{e}");
    let e = deck(&mut c, "plume.mode abs\n").unwrap_err();
    assert!(e.message().starts_with("run.deck:1:"), "{e}");
}

#[test]
fn toml_deck() {
    let mut c = Config::new();
    let text = "[solver]\nerror_bound = 7\n\n[plume]\nmode = \"abs\"  # comment\nerror_bound = 0.5\n\
                block_dims = [8, 8, 8]\nfields = [\"YH2\", \"Z\"]\nlabel = true\n\n\
                [plume.field.Z]\nerror_bound = 0.25\n";
    deck(&mut c, text).unwrap();
    let s = c.resolve().unwrap();
    assert_eq!(s.bound, ErrorBound::Abs(0.5));
    assert_eq!(s.block_dims, Some(vec![8, 8, 8]));
    assert_eq!(s.fields, ["YH2", "Z"]);
    assert!(s.label);
    assert_eq!(s.per_field["Z"].0, ErrorBound::Abs(0.25));
}

#[test]
fn namelist_deck() {
    let mut c = Config::new();
    let text = "&solver nx = 64, dt = 1e-3 /\n&PLUME\n  Error_Bound = 1.0e-2, mode = 'pw_rel' ! study mode\n\
                  fields = 'YH2', 'YO2' 'Z', label = .true.,\n  block_dims = 16, 16, 16\n/\n&other x = 1 /\n";
    deck(&mut c, text).unwrap();
    let s = c.resolve().unwrap();
    assert_eq!(s.bound, ErrorBound::PwRel(0.01));
    assert_eq!(s.fields, ["YH2", "YO2", "Z"]);
    assert!(s.label);
    assert_eq!(s.block_dims, Some(vec![16, 16, 16]));
    deck(&mut c, "&plume field%YH2O%Error_Bound = 1e-3, label%eps_z = 0.02 /\n").unwrap();
    let s = c.resolve().unwrap();
    assert_eq!(s.per_field["YH2O"].0, ErrorBound::PwRel(1e-3));
    assert_eq!(s.label_params.eps_z, 0.02);
    let e = deck(&mut c, "&plume mode = 'abs'\n").unwrap_err();
    assert!(e.message().contains("not closed"), "{e}");
}

#[test]
fn deck_formats_are_detected() {
    assert_eq!(deck::detect("plume.mode = abs"), DeckFormat::KeyValue);
    assert_eq!(deck::detect("[plume]\nmode = 'abs'"), DeckFormat::Toml);
    assert_eq!(deck::detect("&plume mode='abs' /"), DeckFormat::Namelist);
}

#[test]
fn labeler_parameters_are_keys() {
    let mut c = Config::new();
    c.set("label.eps_z", "0.02").unwrap();
    c.set("plume.label.flame_rule", "gradient").unwrap();
    let e = c.set("label.eps_z", "0.7").unwrap_err();
    assert!(e.message().contains("label.eps_z"), "{e}");
    let e = c.set("label.colour", "1").unwrap_err();
    assert!(e.message().contains("label.colour"), "{e}");
    c.set("label", "on").unwrap();
    deck(&mut c, "[plume.label]\nh2o_frac = 0.2\n").unwrap();
    let s = c.resolve().unwrap();
    assert!(s.label);
    assert_eq!(s.label_params.eps_z, 0.02);
    assert_eq!(s.label_params.h2o_frac, 0.2);
    assert_eq!(s.label_params.flame_rule, crate::label::FlameRule::parse("gradient").unwrap());
}
