//! The thread-safety promises of plume.h: one codec, one labeler and one config used by
//! many threads at once give the same results as one thread.

use std::ffi::CString;
use std::ptr;

use plume::*;

/// A raw handle that the test shares across threads (the header promises this is safe).
struct Shared<T>(*mut T);
impl<T> Clone for Shared<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for Shared<T> {}
// SAFETY: plume.h documents plume_codec and plume_config as usable from any thread at once.
unsafe impl<T> Send for Shared<T> {}
// SAFETY: as above.
unsafe impl<T> Sync for Shared<T> {}

fn field(n: usize, seed: usize) -> Vec<f32> {
    (0..n).map(|i| ((i * 7 + seed * 13) as f32 * 0.01).sin() * 10.0 + seed as f32).collect()
}

#[test]
fn one_codec_many_threads() {
    let mut cfg = ptr::null_mut();
    let mut codec = ptr::null_mut();
    let (k, v) = (CString::new("error_bound").expect("no NUL"), CString::new("1e-2").expect("no NUL"));
    // SAFETY: valid out-pointers and strings; handles freed at the end.
    unsafe {
        assert_eq!(plume_config_new(&mut cfg), plume_status::PLUME_OK);
        assert_eq!(plume_config_set(cfg, k.as_ptr(), v.as_ptr()), plume_status::PLUME_OK);
        assert_eq!(plume_codec_new(cfg, ptr::null(), &mut codec), plume_status::PLUME_OK);
    }
    let dims = [40usize, 50];
    let compress = |c: Shared<plume_codec>, seed: usize| -> Vec<u8> {
        let values = field(2000, seed);
        let mut out = vec![0u8; 1 << 20];
        let mut len = 0usize;
        // SAFETY: values has 2000 = 40 * 50 values, out 1 MiB.
        let s = unsafe {
            plume_codec_compress_f32(
                c.0,
                values.as_ptr(),
                2,
                dims.as_ptr(),
                0,
                out.as_mut_ptr(),
                out.len(),
                &mut len,
            )
        };
        assert_eq!(s, plume_status::PLUME_OK);
        out.truncate(len);
        let mut back = vec![0f32; 2000];
        // SAFETY: the stream and a buffer of its value count.
        let s = unsafe {
            plume_codec_decompress_f32(c.0, out.as_ptr(), out.len(), back.as_mut_ptr(), back.len())
        };
        assert_eq!(s, plume_status::PLUME_OK);
        out
    };
    let shared = Shared(codec);
    let shared_cfg = Shared(cfg);
    let serial: Vec<Vec<u8>> = (0..8).map(|seed| compress(shared, seed)).collect();
    let parallel: Vec<Vec<u8>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..8)
            .map(|seed| {
                scope.spawn(move || {
                    // a config written by other threads meanwhile does not disturb the codec
                    let key = CString::new("zstd_level").expect("no NUL");
                    let val = CString::new(format!("{}", 1 + seed)).expect("no NUL");
                    let c = shared_cfg;
                    // SAFETY: plume_config_* are thread-safe on one handle.
                    let s = unsafe { plume_config_set(c.0, key.as_ptr(), val.as_ptr()) };
                    assert_eq!(s, plume_status::PLUME_OK);
                    let mut last = Vec::new();
                    for _ in 0..5 {
                        last = compress(shared, seed);
                    }
                    last
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().expect("no panic")).collect()
    });
    assert_eq!(serial, parallel, "streams depend on concurrent use");
    // SAFETY: from _new, no longer used by any thread.
    unsafe {
        plume_codec_free(codec);
        plume_config_free(cfg);
    }
}
