//! The process's heap policy for tensor buffers (glibc).
//!
//! Why: glibc maps every block above its mmap threshold on its own and unmaps it when freed,
//! and gives the top of the heap back to the system past its trim threshold; a block mapped
//! afresh is zero-filled by the kernel page by page on first touch. By default both
//! thresholds adapt to the sizes freed so far, so whether a training step's 1–8 MB buffers
//! (activations, gradients, an embedding table's gradient) are reused or faulted in again each
//! step depends on the order of earlier frees: a small change elsewhere in a step moved the
//! from-scratch transformer's 2-thread step from 59 to 75 ms, a third of it in page faults
//! (`cargo bench -p ladder-stdlib --bench training -- --profile-transformer 2`, Intel Xeon).
//! Fixed thresholds at the top of glibc's adaptive range make that deterministic. Blocks over
//! 32 MiB (a runaway cell's tensors) are still mapped alone and given back when freed, so the
//! memory guard sees them go.

/// Blocks up to this size come from the heap (glibc's adaptive maximum on 64-bit).
const MMAP_THRESHOLD: usize = 32 << 20;
/// Free memory at the heap's top beyond this goes back to the system (twice the above, as
/// glibc's adaptive rule sets it).
const TRIM_THRESHOLD: usize = 2 * MMAP_THRESHOLD;

/// Sets the thresholds; call once at start-up, before other threads allocate.
pub fn init_process() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // Safety: mallopt only changes glibc's parameters; it is called before other threads start.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD as libc::c_int);
        libc::mallopt(libc::M_TRIM_THRESHOLD, TRIM_THRESHOLD as libc::c_int);
    }
}
