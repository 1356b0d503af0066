//! `plume_codec_compress_bound` really bounds the stream: incompressible fields (random
//! bits, zero bound so every value is an outlier) of every dimensionality, dtype, order
//! and encoding, with default and tiny blocks, always fit.

use std::ffi::CString;
use std::ptr;

use plume::*;

/// A xorshift stream of finite values spanning many magnitudes.
fn noise(n: usize, seed: u64) -> Vec<f64> {
    let mut s = seed | 1;
    (0..n)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            let mantissa = (s >> 11) as f64 / (1u64 << 53) as f64 - 0.5;
            mantissa * 2f64.powi(((s >> 3) % 60) as i32 - 30)
        })
        .collect()
}

fn codec(settings: &[(&str, &str)]) -> *mut plume_codec {
    let mut cfg = ptr::null_mut();
    let mut codec = ptr::null_mut();
    // SAFETY: valid out-pointers and NUL-terminated strings; handles freed below.
    unsafe {
        assert_eq!(plume_config_new(&mut cfg), plume_status::PLUME_OK);
        for (k, v) in settings {
            let (k, v) = (CString::new(*k).expect("no NUL"), CString::new(*v).expect("no NUL"));
            assert_eq!(plume_config_set(cfg, k.as_ptr(), v.as_ptr()), plume_status::PLUME_OK);
        }
        assert_eq!(plume_codec_new(cfg, ptr::null(), &mut codec), plume_status::PLUME_OK);
        plume_config_free(cfg);
    }
    codec
}

#[test]
fn worst_case_bound_holds_for_incompressible_fields() {
    let shapes: &[&[usize]] = &[&[1], &[1000], &[33, 65], &[7, 9, 70], &[3, 5, 7, 33], &[0, 4]];
    for encoding in ["fast", "ratio"] {
        for block in [None, Some(2usize)] {
            for dims in shapes {
                let mut settings = vec![("mode", "abs"), ("error_bound", "0"), ("encoding", encoding)];
                let bd = block.map(|b| vec![b.to_string(); dims.len()].join(","));
                if let Some(bd) = &bd {
                    settings.push(("block_dims", bd));
                }
                let c = codec(&settings);
                let n: usize = dims.iter().product();
                for order in [plume_order::PLUME_ORDER_C as u32, plume_order::PLUME_ORDER_FORTRAN as u32] {
                    let v64 = noise(n, n as u64 + order as u64);
                    let v32: Vec<f32> = v64.iter().map(|&x| x as f32).collect();
                    for dtype in [plume_dtype::PLUME_DTYPE_F32 as u32, plume_dtype::PLUME_DTYPE_F64 as u32] {
                        let mut bound = 0usize;
                        // SAFETY: dims has dims.len() entries; out-pointers valid.
                        let s = unsafe {
                            plume_codec_compress_bound(c, dtype, dims.len(), dims.as_ptr(), order, &mut bound)
                        };
                        assert_eq!(s, plume_status::PLUME_OK);
                        let mut out = vec![0u8; bound];
                        let mut len = 0usize;
                        // SAFETY: values hold n elements, out holds `bound` bytes.
                        let s = unsafe {
                            if dtype == 1 {
                                plume_codec_compress_f32(
                                    c,
                                    v32.as_ptr(),
                                    dims.len(),
                                    dims.as_ptr(),
                                    order,
                                    out.as_mut_ptr(),
                                    bound,
                                    &mut len,
                                )
                            } else {
                                plume_codec_compress_f64(
                                    c,
                                    v64.as_ptr(),
                                    dims.len(),
                                    dims.as_ptr(),
                                    order,
                                    out.as_mut_ptr(),
                                    bound,
                                    &mut len,
                                )
                            }
                        };
                        assert_eq!(
                            s,
                            plume_status::PLUME_OK,
                            "{encoding} {dims:?} dtype {dtype} block {block:?}"
                        );
                        assert!(len <= bound && len > 0);
                        // the bound is not absurdly loose: within 4x of the worst real stream + tables
                        assert!(
                            bound <= 4 * len + 300_000,
                            "{encoding} {dims:?}: bound {bound}, stream {len}"
                        );
                    }
                }
                // SAFETY: from plume_codec_new.
                unsafe { plume_codec_free(c) };
            }
        }
    }
}
