//! Hostile streams through the C ABI: random bytes, and valid streams with random bytes
//! overwritten, truncated or extended. Every call must return a clean status (never
//! PLUME_ERR_PANIC, never OK with a damaged checksum) and leave the output untouched when
//! it fails.

use std::ptr;

use plume::*;

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn valid_stream(codec: *const plume_codec, encoding_seed: usize) -> Vec<u8> {
    let dims = [9usize, 17, 5];
    let values: Vec<f32> = (0..765).map(|i| ((i * (3 + encoding_seed)) as f32 * 0.05).cos() * 4.0).collect();
    let mut out = vec![0u8; 1 << 16];
    let mut len = 0;
    // SAFETY: 765 = 9 * 17 * 5 values; out holds 64 KiB.
    let s = unsafe {
        plume_codec_compress_f32(
            codec,
            values.as_ptr(),
            3,
            dims.as_ptr(),
            0,
            out.as_mut_ptr(),
            out.len(),
            &mut len,
        )
    };
    assert_eq!(s, plume_status::PLUME_OK);
    out.truncate(len);
    out
}

fn decode(codec: *const plume_codec, stream: &[u8]) -> (plume_status, bool) {
    let mut back = vec![-3.0f32; 765];
    // SAFETY: the stream slice and a 765-value buffer.
    let s =
        unsafe { plume_codec_decompress_f32(codec, stream.as_ptr(), stream.len(), back.as_mut_ptr(), 765) };
    let untouched = back.iter().all(|&v| v == -3.0);
    let mut info = ptr::null_mut();
    // SAFETY: as above; the info is freed right away.
    let si = unsafe { plume_codec_inspect(codec, stream.as_ptr(), stream.len(), &mut info) };
    assert_ne!(si, plume_status::PLUME_ERR_PANIC);
    // SAFETY: NULL or from plume_codec_inspect.
    unsafe { plume_stream_info_free(info) };
    (s, untouched)
}

#[test]
fn hostile_streams_give_clean_errors() {
    let mut codec = ptr::null_mut();
    // SAFETY: a valid out-pointer; freed at the end.
    assert_eq!(unsafe { plume_codec_new(ptr::null(), ptr::null(), &mut codec) }, plume_status::PLUME_OK);
    let good = valid_stream(codec, 1);
    assert_eq!(decode(codec, &good).0, plume_status::PLUME_OK);
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let clean = [
        plume_status::PLUME_ERR_CORRUPT_STREAM,
        plume_status::PLUME_ERR_UNSUPPORTED,
        plume_status::PLUME_ERR_INVALID_ARGUMENT,
        plume_status::PLUME_ERR_BUFFER_TOO_SMALL,
    ];
    for round in 0..3000 {
        let mut s = good.clone();
        match round % 4 {
            0 => s = (0..rng.below(600)).map(|_| rng.next() as u8).collect(),
            1 => {
                for _ in 0..1 + rng.below(4) {
                    let at = rng.below(s.len());
                    s[at] = rng.next() as u8;
                }
            }
            2 => s.truncate(rng.below(s.len())),
            _ => s.extend((0..1 + rng.below(64)).map(|_| rng.next() as u8)),
        }
        if s == good {
            continue;
        }
        let (status, untouched) = decode(codec, &s);
        assert!(clean.contains(&status), "round {round}: status {status:?}");
        assert!(untouched, "round {round}: a failed decode wrote the output");
    }
    // SAFETY: from plume_codec_new.
    unsafe { plume_codec_free(codec) };
}
