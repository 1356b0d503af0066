//! The C++ bridge (cxx) behind `include/plume.hpp`: the same operations as the C ABI, on
//! `rust::Slice` views of the caller's arrays (no copies) and `rust::Vec`/`rust::String`
//! outputs. Every function returns a `plume_status` code and fills `message` on failure;
//! `plume.hpp` turns that into `plume::Error` exceptions or returns it (its noexcept API).
//! Every body runs inside a panic boundary: cxx aborts on a panic that reaches C++.
//!
//! Thread safety: `Config` is not synchronised (one thread at a time, like any C++ value);
//! a `Codec` is immutable and may be used from many threads at once.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;

use plume_core::codec::CompressOptions;
use plume_core::Shape;

use crate::codec::{
    compare_values, compress_values, decompress_region_values, decompress_values, worst_case_stream_bytes,
};
use crate::handle::{Fail, FfiResult};
use crate::labeler::label_values;
use crate::status::plume_status;
use crate::types::{dtype_from_u32, dtype_to_u32, order_from_u32, order_to_u32};
use plume_core::label::{Bilger, LabelParams};

#[cxx::bridge(namespace = "plume::bridge")]
mod ffi {
    /// What a stream holds (see plume_stream_info in plume.h).
    #[derive(Debug)]
    struct StreamInfo {
        dtype: u32,
        order: u32,
        dims: Vec<usize>,
        n_values: usize,
        n_blocks: usize,
        encoding: String,
        bound_mode: String,
        bound_value: f64,
    }

    /// One quality metric (see plume_metrics_get in plume.h for the names).
    #[derive(Debug)]
    struct Metric {
        name: String,
        value: f64,
    }

    extern "Rust" {
        type Config;
        type Codec;
        type Labeler;

        fn config_new() -> Box<Config>;
        fn config_set(cfg: &mut Config, key: &str, value: &str, message: &mut String) -> u32;
        fn config_load(cfg: &mut Config, path: &str, message: &mut String) -> u32;
        fn config_apply_env(cfg: &mut Config, message: &mut String) -> u32;
        fn config_get(cfg: &Config, key: &str, value: &mut String, message: &mut String) -> u32;
        fn config_effective(cfg: &Config, text: &mut String, message: &mut String) -> u32;

        fn codec_new(cfg: &Config, field: &str, status: &mut u32, message: &mut String) -> Box<Codec>;
        fn compress_bound(
            codec: &Codec,
            dtype: u32,
            dims: &[usize],
            order: u32,
            bytes: &mut usize,
            message: &mut String,
        ) -> u32;
        fn compress_f32(
            codec: &Codec,
            values: &[f32],
            dims: &[usize],
            order: u32,
            stream: &mut Vec<u8>,
            message: &mut String,
        ) -> u32;
        fn compress_f64(
            codec: &Codec,
            values: &[f64],
            dims: &[usize],
            order: u32,
            stream: &mut Vec<u8>,
            message: &mut String,
        ) -> u32;
        fn decompress_f32(stream: &[u8], out: &mut [f32], message: &mut String) -> u32;
        fn decompress_f64(stream: &[u8], out: &mut [f64], message: &mut String) -> u32;
        fn decompress_region_f32(
            stream: &[u8],
            start: &[usize],
            extent: &[usize],
            out: &mut [f32],
            message: &mut String,
        ) -> u32;
        fn decompress_region_f64(
            stream: &[u8],
            start: &[usize],
            extent: &[usize],
            out: &mut [f64],
            message: &mut String,
        ) -> u32;
        fn inspect(stream: &[u8], info: &mut StreamInfo, message: &mut String) -> u32;

        fn labeler_new(cfg: &Config, status: &mut u32, message: &mut String) -> Box<Labeler>;
        #[allow(clippy::too_many_arguments)]
        fn label_f32(
            labeler: &Labeler,
            y_h2: &[f32],
            y_o2: &[f32],
            y_h2o: &[f32],
            z: &[f32],
            dims: &[usize],
            order: u32,
            labels: &mut [u8],
            message: &mut String,
        ) -> u32;
        #[allow(clippy::too_many_arguments)]
        fn label_f64(
            labeler: &Labeler,
            y_h2: &[f64],
            y_o2: &[f64],
            y_h2o: &[f64],
            z: &[f64],
            dims: &[usize],
            order: u32,
            labels: &mut [u8],
            message: &mut String,
        ) -> u32;
        fn label_error(
            reference: &[u8],
            recomputed: &[u8],
            error_fraction: &mut f64,
            per_class: &mut Vec<f64>,
            message: &mut String,
        ) -> u32;
        fn compare_f32(
            original: &[f32],
            decompressed: &[f32],
            dims: &[usize],
            order: u32,
            compressed_bytes: usize,
            metrics: &mut Vec<Metric>,
            message: &mut String,
        ) -> u32;
        fn compare_f64(
            original: &[f64],
            decompressed: &[f64],
            dims: &[usize],
            order: u32,
            compressed_bytes: usize,
            metrics: &mut Vec<Metric>,
            message: &mut String,
        ) -> u32;
    }
}

use ffi::{Metric, StreamInfo};

/// Options (`plume::Config` in C++).
#[derive(Debug, Default)]
pub struct Config(plume_core::config::Config);

/// A codec with fixed options (`plume::Codec` in C++); `None` when creation failed.
#[derive(Debug)]
pub struct Codec(Option<CompressOptions>);

/// A flame-regime labeler (`plume::Labeler` in C++); `None` when creation failed.
#[derive(Debug)]
pub struct Labeler(Option<(LabelParams, Bilger)>);

/// Runs `body` in a panic boundary; returns the status and fills `message` on failure.
fn run(message: &mut String, body: impl FnOnce() -> FfiResult<()>) -> u32 {
    let result = catch_unwind(AssertUnwindSafe(body))
        .unwrap_or_else(|_| Err(Fail::new(plume_status::PLUME_ERR_PANIC, "internal panic (a bug in Plume)")));
    match result {
        Ok(()) => plume_status::PLUME_OK as u32,
        Err(f) => {
            *message = f.message;
            f.status as u32
        }
    }
}

fn shape(dims: &[usize], order: u32) -> FfiResult<Shape> {
    if !(1..=plume_core::field::MAX_DIMS).contains(&dims.len()) {
        return Err(Fail::invalid(format!("ndims {}: a field has 1 to 4 dimensions", dims.len())));
    }
    Ok(Shape::new(dims, order_from_u32(order)?)?)
}

fn opts(codec: &Codec) -> FfiResult<&CompressOptions> {
    codec.0.as_ref().ok_or_else(|| Fail::invalid("this codec failed to be created"))
}

fn config_new() -> Box<Config> {
    Box::default()
}

fn config_set(cfg: &mut Config, key: &str, value: &str, message: &mut String) -> u32 {
    run(message, || Ok(cfg.0.set(key, value)?))
}

fn config_load(cfg: &mut Config, path: &str, message: &mut String) -> u32 {
    run(message, || Ok(cfg.0.load_deck(Path::new(path))?))
}

fn config_apply_env(cfg: &mut Config, message: &mut String) -> u32 {
    run(message, || {
        let vars =
            std::env::vars_os().filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)));
        Ok(cfg.0.apply_env(vars.collect::<Vec<_>>())?)
    })
}

fn config_get(cfg: &Config, key: &str, value: &mut String, message: &mut String) -> u32 {
    run(message, || {
        *value = cfg.0.get(key)?.0;
        Ok(())
    })
}

fn config_effective(cfg: &Config, text: &mut String, message: &mut String) -> u32 {
    run(message, || {
        *text = cfg.0.resolve()?.to_deck();
        Ok(())
    })
}

fn codec_new(cfg: &Config, field: &str, status: &mut u32, message: &mut String) -> Box<Codec> {
    let mut codec = None;
    *status = run(message, || {
        let field = (!field.is_empty()).then_some(field);
        codec = Some(cfg.0.resolve()?.compress_options(field));
        Ok(())
    });
    Box::new(Codec(codec))
}

fn compress_bound(
    codec: &Codec,
    dtype: u32,
    dims: &[usize],
    order: u32,
    bytes: &mut usize,
    message: &mut String,
) -> u32 {
    run(message, || {
        *bytes = worst_case_stream_bytes(&shape(dims, order)?, dtype_from_u32(dtype)?, opts(codec)?)?;
        Ok(())
    })
}

fn compress_f32(
    codec: &Codec,
    values: &[f32],
    dims: &[usize],
    order: u32,
    stream: &mut Vec<u8>,
    message: &mut String,
) -> u32 {
    run(message, || {
        *stream = compress_values(opts(codec)?, values, &shape(dims, order)?)?;
        Ok(())
    })
}

fn compress_f64(
    codec: &Codec,
    values: &[f64],
    dims: &[usize],
    order: u32,
    stream: &mut Vec<u8>,
    message: &mut String,
) -> u32 {
    run(message, || {
        *stream = compress_values(opts(codec)?, values, &shape(dims, order)?)?;
        Ok(())
    })
}

fn decompress_f32(stream: &[u8], out: &mut [f32], message: &mut String) -> u32 {
    run(message, || decompress_values(stream, out))
}

fn decompress_f64(stream: &[u8], out: &mut [f64], message: &mut String) -> u32 {
    run(message, || decompress_values(stream, out))
}

fn decompress_region_f32(
    stream: &[u8],
    start: &[usize],
    extent: &[usize],
    out: &mut [f32],
    message: &mut String,
) -> u32 {
    run(message, || decompress_region_values(stream, start, extent, out))
}

fn decompress_region_f64(
    stream: &[u8],
    start: &[usize],
    extent: &[usize],
    out: &mut [f64],
    message: &mut String,
) -> u32 {
    run(message, || decompress_region_values(stream, start, extent, out))
}

fn inspect(stream: &[u8], info: &mut StreamInfo, message: &mut String) -> u32 {
    run(message, || {
        let layout = plume_core::codec::inspect(stream)?;
        let h = &layout.header;
        *info = StreamInfo {
            dtype: dtype_to_u32(h.dtype),
            order: order_to_u32(h.shape.order()),
            dims: h.shape.dims().to_vec(),
            n_values: h.shape.n_values(),
            n_blocks: layout.blocks.len(),
            encoding: h.encoding.as_str().to_string(),
            bound_mode: h.requested.mode().as_str().to_string(),
            bound_value: h.requested.value(),
        };
        Ok(())
    })
}

fn metrics_list(m: plume_core::metrics::Metrics) -> Vec<Metric> {
    crate::metrics::named_values(m)
        .into_iter()
        .map(|(name, value)| Metric { name: name.to_string(), value })
        .collect()
}

fn compare_f32(
    original: &[f32],
    decompressed: &[f32],
    dims: &[usize],
    order: u32,
    compressed_bytes: usize,
    metrics: &mut Vec<Metric>,
    message: &mut String,
) -> u32 {
    run(message, || {
        *metrics =
            metrics_list(compare_values(original, decompressed, &shape(dims, order)?, compressed_bytes)?);
        Ok(())
    })
}

fn compare_f64(
    original: &[f64],
    decompressed: &[f64],
    dims: &[usize],
    order: u32,
    compressed_bytes: usize,
    metrics: &mut Vec<Metric>,
    message: &mut String,
) -> u32 {
    run(message, || {
        *metrics =
            metrics_list(compare_values(original, decompressed, &shape(dims, order)?, compressed_bytes)?);
        Ok(())
    })
}

fn labeler_new(cfg: &Config, status: &mut u32, message: &mut String) -> Box<Labeler> {
    let mut labeler = None;
    *status = run(message, || {
        labeler = Some((cfg.0.resolve()?.label_params, Bilger::default()));
        Ok(())
    });
    Box::new(Labeler(labeler))
}

#[allow(clippy::too_many_arguments)]
fn label<T: plume_core::field::Element>(
    labeler: &Labeler,
    species: [&[T]; 3],
    z: &[T],
    dims: &[usize],
    order: u32,
    labels: &mut [u8],
    message: &mut String,
) -> u32 {
    run(message, || {
        let (params, bilger) =
            labeler.0.as_ref().ok_or_else(|| Fail::invalid("this labeler failed to be created"))?;
        let z = (!z.is_empty()).then_some(z);
        label_values(params, bilger, species, z, &shape(dims, order)?, labels)
    })
}

#[allow(clippy::too_many_arguments)]
fn label_f32(
    labeler: &Labeler,
    y_h2: &[f32],
    y_o2: &[f32],
    y_h2o: &[f32],
    z: &[f32],
    dims: &[usize],
    order: u32,
    labels: &mut [u8],
    message: &mut String,
) -> u32 {
    label(labeler, [y_h2, y_o2, y_h2o], z, dims, order, labels, message)
}

#[allow(clippy::too_many_arguments)]
fn label_f64(
    labeler: &Labeler,
    y_h2: &[f64],
    y_o2: &[f64],
    y_h2o: &[f64],
    z: &[f64],
    dims: &[usize],
    order: u32,
    labels: &mut [u8],
    message: &mut String,
) -> u32 {
    label(labeler, [y_h2, y_o2, y_h2o], z, dims, order, labels, message)
}

fn label_error(
    reference: &[u8],
    recomputed: &[u8],
    error_fraction: &mut f64,
    per_class: &mut Vec<f64>,
    message: &mut String,
) -> u32 {
    run(message, || {
        let e = plume_core::label::label_error(reference, recomputed)?;
        *error_fraction = e.error_fraction;
        *per_class = e.per_class.iter().map(|c| c.error_fraction).collect();
        Ok(())
    })
}
