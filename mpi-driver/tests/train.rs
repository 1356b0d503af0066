//! Training straight from Plume streams on one process: metrics files, test evaluation,
//! kill-and-resume equal to straight-through, the recomputed-labels scenario, and `eval`.

#![allow(clippy::unwrap_used)] // test helpers, like the tests, may unwrap

mod common;
use common::*;

#[test]
fn resume_reproduces_the_straight_run_and_eval_reports_metrics() {
    let dir = scratch("train-resume");
    let cat = catalog(&dir, 0.1);
    let straight = dir.join("straight");
    let killed = dir.join("killed");
    for d in [&straight, &killed] {
        std::fs::create_dir_all(d).unwrap();
        deck(d, &cat, "", "");
    }
    let out = ok(&run(&["--config", straight.join("train.toml").to_str().unwrap()]));
    let eval: serde_json::Value = serde_json::from_str(out.trim()).expect("eval JSON");
    assert_eq!(eval["split"], "test");
    assert!(eval["scores"]["confusion"].as_array().unwrap().len() == 5);

    // Killed after 13 steps (epoch 0 has 9 steps; the last checkpoint is at step 12), resumed.
    let deck_k = killed.join("train.toml");
    ok(&run(&["--config", deck_k.to_str().unwrap(), "--max-steps", "13"]));
    ok(&run(&["--config", deck_k.to_str().unwrap(), "--resume"]));
    let a = std::fs::read_to_string(straight.join("run/losses.csv")).unwrap();
    let b = std::fs::read_to_string(killed.join("run/losses.csv")).unwrap();
    assert!(a.lines().count() > 10, "{a}");
    assert_eq!(a, b, "resumed losses differ from the straight run");
    let ma: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(straight.join("run/metrics.json")).unwrap()).unwrap();
    let mb: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(killed.join("run/metrics.json")).unwrap()).unwrap();
    for k in ["train_loss", "val_loss", "val"] {
        assert_eq!(ma[1][k], mb[1][k], "{k}");
    }
    let csv = std::fs::read_to_string(straight.join("run/metrics.csv")).unwrap();
    assert!(
        csv.starts_with("epoch,stage,lr,train_loss,val_loss,overall_accuracy,mean_class_accuracy,recall_0")
    );
    assert_eq!(csv.lines().count(), 3);

    // `eval` of the saved checkpoint gives the same test metrics as the end of training.
    let out = ok(&run(&["eval", "--config", straight.join("train.toml").to_str().unwrap()]));
    let again: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(again["scores"], eval["scores"]);
    for f in ["loss_curves.png", "class_accuracy.png", "panel_0.png", "panel_2.png"] {
        let bytes = std::fs::read(straight.join("run").join(f)).unwrap();
        assert!(bytes.starts_with(b"\x89PNG"), "{f}");
    }
}

#[test]
fn recomputed_labels_scenario_trains() {
    let dir = scratch("train-recomputed");
    let cat = catalog(&dir, 0.4);
    let d = deck(&dir, &cat, "", "scenario = \"recomputed_labels\"");
    let text = std::fs::read_to_string(&d).unwrap().replace("epochs = 2", "epochs = 1");
    std::fs::write(&d, text).unwrap();
    ok(&run(&["--config", d.to_str().unwrap()]));
    assert!(dir.join("run/metrics.json").exists());
}

#[test]
fn catalog_query_selects_snapshots_by_name_and_bound() {
    let dir = scratch("train-query");
    let cat = catalog(&dir, 0.1);
    let d = deck(&dir, &cat, "", "snapshots = [\"jet-009\"]");
    let out = run(&["--config", d.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no snapshot 'jet-009'"));
    let d = deck(&dir, &cat, "", "max_bound = 0.05");
    let out = run(&["--config", d.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("selects no snapshot"));
}
