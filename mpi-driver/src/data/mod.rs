//! Training data straight from Plume-compressed data: the in-situ session's snapshots
//! ([`insitu`]) or a TOML catalog of streams ([`catalog`]), windows and splits, exact
//! augmentation, background decoding, and a demonstration catalog writer.

pub mod augment;
pub mod catalog;
pub mod dataset;
pub mod insitu;
pub mod loader;
pub mod synth;

pub use augment::Augment;
pub use catalog::{Catalog, CoordFiles, FieldStreams, Labeler, SnapshotEntry};
pub use dataset::{ChannelNorm, Dataset, Features, Labels, Split, Window};
pub use loader::{build_batch, Batch, BatchPlan, Loader};
