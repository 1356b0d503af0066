//! Data parallelism under `mpirun`: identical weights on every rank after several steps
//! (1, 2 and 3 ranks), and the same losses for the same global batch on 1 and 2 ranks.

#![allow(clippy::unwrap_used)] // test helpers, like the tests, may unwrap

mod common;
use common::*;

fn sync_check(ranks: usize) -> serde_json::Value {
    let out = ok(&mpirun(ranks, &["sync-check", "--preset", "tiny", "--global-batch", "6", "--steps", "4"]));
    let line = out.lines().find(|l| l.starts_with('{')).unwrap_or_else(|| panic!("no JSON in {out}"));
    serde_json::from_str(line).expect("JSON report")
}

#[test]
fn weights_stay_identical_and_losses_match_across_rank_counts() {
    let mut losses = Vec::new();
    for ranks in [1usize, 2, 3] {
        let r = sync_check(ranks);
        assert_eq!(r["world_size"], ranks, "{r}");
        assert_eq!(r["identical"], true, "{ranks} ranks: weights differ: {r}");
        let l: Vec<f64> = r["losses"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
        assert_eq!(l.len(), 4);
        losses.push(l);
    }
    for other in &losses[1..] {
        for (a, b) in losses[0].iter().zip(other) {
            assert!((a - b).abs() <= 1e-4 * a.abs().max(1.0), "1 rank {:?} vs {:?}", losses[0], other);
        }
    }
}

#[test]
fn training_from_streams_on_two_ranks_runs_and_agrees_with_one() {
    let dir = scratch("mpi-train");
    let cat = catalog(&dir, 0.1);
    let d1 = dir.join("one");
    let d2 = dir.join("two");
    for (d, ranks) in [(&d1, 1usize), (&d2, 2)] {
        std::fs::create_dir_all(d).unwrap();
        let deck = deck(d, &cat, "", "augment = false");
        ok(&mpirun(ranks, &["--config", deck.to_str().unwrap()]));
    }
    let read = |d: &std::path::Path| -> Vec<f64> {
        std::fs::read_to_string(d.join("run/losses.csv"))
            .unwrap()
            .lines()
            .skip(1)
            .map(|l| l.split(',').nth(1).unwrap().parse().unwrap())
            .collect()
    };
    let (a, b) = (read(&d1), read(&d2));
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(&b) {
        assert!((x - y).abs() <= 1e-3 * x.abs().max(1.0), "{a:?}\n{b:?}");
    }
}
