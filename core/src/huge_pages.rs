//! Transparent huge pages for large fresh buffers (Linux): see [`advise`].

/// Asks Linux to back the 2 MiB-aligned part of a large fresh (not yet written) buffer
/// with transparent huge pages (`madvise(MADV_HUGEPAGE)`; with THP in `madvise` mode, the
/// common default): the first writes then fault 2 MiB at a time instead of 4 KiB, and
/// threads filling their blocks in parallel stop contending on the kernel's page lists
/// (decoding 256^3 f32 on 2 threads: 7.6k page faults instead of 87k). Used for decoded
/// fields, streams and the residuals of `ratio` compression. A hint only: its failure
/// changes nothing but speed.
#[cfg(target_os = "linux")]
pub(crate) fn advise<T>(buf: &mut [T]) {
    const HUGE: usize = 2 << 20;
    let (start, bytes) = (buf.as_mut_ptr() as usize, std::mem::size_of_val(buf));
    let aligned = start.next_multiple_of(HUGE);
    let end = (start + bytes) / HUGE * HUGE;
    if end >= aligned + HUGE {
        // SAFETY: the range lies inside `buf`, which this process owns; MADV_HUGEPAGE
        // changes no contents and no mapping, only how pages are faulted in.
        unsafe { libc::madvise(aligned as *mut libc::c_void, end - aligned, libc::MADV_HUGEPAGE) };
    }
}

#[cfg(not(target_os = "linux"))]
pub(crate) fn advise<T>(_buf: &mut [T]) {}
