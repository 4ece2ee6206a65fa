//! Which library's kernel runs an f32 product: the `gemm` crate (candle's), or OpenBLAS's sgemm
//! where the build linked it (`build.rs`) and it is the faster of the two.
//!
//! Why two: on an AMD EPYC (Zen 3, AVX2 + FMA) OpenBLAS's sgemm on one thread ran 4–11 %
//! faster than gemm's on products with a long inner dimension (1024³; MiniLM's 4096 × 384 ×
//! 1536; SmolLM2's output projection 512 × 576 × 49152; weight gradients 64 × 4096 × 256) and
//! level on SmolLM2's block products; two pieces side by side were level with gemm's own
//! threading on a quiet host and 10–15 % faster on a busy one. gemm stayed faster where the
//! inner dimension is short (k = 64: the transformer's attention-width products). On Intel CPUs
//! with AVX-512 gemm's kernels were level with MKL's, so they stay on gemm until OpenBLAS is
//! measured there (`LADDER_MATMUL_KERNEL=openblas` tries it; `benches/kernel_choice.sh` runs
//! the benchmarks the choice affects with each kernel, to settle it on a new CPU).

use std::sync::OnceLock;

/// The environment variable that overrides the choice (`gemm` or `openblas`), to compare the
/// two on one machine.
pub const OVERRIDE: &str = "LADDER_MATMUL_KERNEL";

/// Shorter inner dimensions stay on gemm (measured faster there at k = 64).
pub(crate) const MIN_INNER: usize = 256;

/// The library whose kernel runs the long products.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProductKernel {
    /// The `gemm` crate, with its own threads.
    Gemm,
    /// OpenBLAS's sgemm on the calling thread only; products are split over threads by the
    /// caller.
    OpenBlas,
}

impl ProductKernel {
    /// Its name as `LADDER_MATMUL_KERNEL` takes it, and for benchmark headers (with the core
    /// type OpenBLAS picked for this CPU).
    pub fn describe(self) -> String {
        match self {
            ProductKernel::Gemm => "gemm".to_string(),
            ProductKernel::OpenBlas => format!("openblas ({})", ffi::core_name()),
        }
    }
}

/// The kernel this process uses: `LADDER_MATMUL_KERNEL` if set to one this build has,
/// otherwise OpenBLAS on x86 CPUs with AVX2 but no AVX-512 and gemm elsewhere.
pub fn product_kernel() -> ProductKernel {
    static CHOICE: OnceLock<ProductKernel> = OnceLock::new();
    *CHOICE.get_or_init(|| {
        if !ffi::LINKED {
            return ProductKernel::Gemm;
        }
        let kernel = match std::env::var(OVERRIDE).ok().as_deref().map(str::trim) {
            Some("gemm") => ProductKernel::Gemm,
            Some("openblas") => ProductKernel::OpenBlas,
            _ => by_cpu(),
        };
        if kernel == ProductKernel::OpenBlas {
            ffi::one_thread_a_call();
        }
        kernel
    })
}

fn by_cpu() -> ProductKernel {
    #[cfg(target_arch = "x86_64")]
    {
        if !std::arch::is_x86_feature_detected!("avx512f")
            && std::arch::is_x86_feature_detected!("avx2")
            && std::arch::is_x86_feature_detected!("fma")
        {
            return ProductKernel::OpenBlas;
        }
    }
    ProductKernel::Gemm
}

/// How BLAS reads a row-major operand of `rows` × `cols` with strides (rs, cs): as stored
/// (false) or transposed (true), and its leading dimension; None where neither stride is 1.
pub(crate) fn operand(rows: usize, cols: usize, rs: isize, cs: isize) -> Option<(bool, i32)> {
    let ld = |v: isize, min: usize| {
        let v = if v >= min.max(1) as isize {
            v as usize
        } else {
            min.max(1)
        };
        i32::try_from(v).ok()
    };
    if cs == 1 && (rows == 1 || rs >= cols as isize) {
        Some((false, ld(rs, cols)?))
    } else if rs == 1 && (cols == 1 || cs >= rows as isize) {
        Some((true, ld(cs, rows)?))
    } else {
        None
    }
}

/// dst (m × n, row stride dst_rs) = [dst +] a · b on this thread, where a is m × k read as
/// `a_op` (from [`operand`]) and b is k × n read as `b_op`. False (nothing written) where this
/// build has no OpenBLAS or a size does not fit its integers.
///
/// Safety: the pointers must cover the operands as their leading dimensions describe, and dst
/// m rows of n writable values, dst_rs apart (values may be uninitialised unless accumulating).
#[allow(clippy::too_many_arguments)]
pub(crate) unsafe fn sgemm(
    dst: *mut f32,
    dst_rs: usize,
    accumulate: bool,
    (m, k, n): (usize, usize, usize),
    a: *const f32,
    a_op: (bool, i32),
    b: *const f32,
    b_op: (bool, i32),
) -> bool {
    let (Ok(m), Ok(k), Ok(n), Ok(ldc)) = (
        i32::try_from(m),
        i32::try_from(k),
        i32::try_from(n),
        i32::try_from(dst_rs.max(1)),
    ) else {
        return false;
    };
    // BLAS leaves C unread when beta is 0, so an uninitialised destination is fine.
    let beta = if accumulate { 1.0 } else { 0.0 };
    #[cfg(ladder_openblas)]
    {
        use ffi::{cblas_sgemm, NO_TRANS, ROW_MAJOR, TRANS};
        let t = |x: bool| if x { TRANS } else { NO_TRANS };
        let (ta, tb) = (t(a_op.0), t(b_op.0));
        // Safety: the caller vouches for the pointers and leading dimensions;
        // `one_thread_a_call` ran first (product_kernel chose OpenBLAS before any call), so the
        // call runs on this thread only.
        unsafe {
            cblas_sgemm(
                ROW_MAJOR, ta, tb, m, n, k, 1.0, a, a_op.1, b, b_op.1, beta, dst, ldc,
            )
        };
        true
    }
    #[cfg(not(ladder_openblas))]
    {
        let _ = (dst, beta, m, n, k, ldc, a, a_op, b, b_op);
        false
    }
}

#[cfg(ladder_openblas)]
mod ffi {
    use std::ffi::{c_char, CStr};

    pub const LINKED: bool = true;
    pub const ROW_MAJOR: i32 = 101;
    pub const NO_TRANS: i32 = 111;
    pub const TRANS: i32 = 112;

    extern "C" {
        #[allow(clippy::too_many_arguments)]
        pub fn cblas_sgemm(
            order: i32,
            trans_a: i32,
            trans_b: i32,
            m: i32,
            n: i32,
            k: i32,
            alpha: f32,
            a: *const f32,
            lda: i32,
            b: *const f32,
            ldb: i32,
            beta: f32,
            c: *mut f32,
            ldc: i32,
        );
        fn openblas_get_corename() -> *const c_char;
        fn openblas_set_num_threads(n: i32);
    }

    /// Each call on its caller's thread alone: the library splits products over its own
    /// threads, and OpenBLAS's workers would compete with them for the cores.
    pub fn one_thread_a_call() {
        // Safety: sets a process-wide count; called before any product.
        unsafe { openblas_set_num_threads(1) }
    }

    pub fn core_name() -> String {
        // Safety: OpenBLAS returns a static NUL-terminated name.
        unsafe { CStr::from_ptr(openblas_get_corename()) }
            .to_string_lossy()
            .into_owned()
    }
}

#[cfg(not(ladder_openblas))]
mod ffi {
    pub const LINKED: bool = false;

    pub fn one_thread_a_call() {}

    pub fn core_name() -> String {
        "not linked".to_string()
    }
}

#[cfg(all(test, ladder_openblas))]
mod tests {
    use super::*;

    /// OpenBLAS's product of a 2 × 3 and a 3 × 2 matrix, each as stored and transposed.
    #[test]
    fn openblas_multiplies_stored_and_transposed_operands() {
        ffi::one_thread_a_call();
        let a = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0f32]; // 2 × 3
        let at = [1.0, 4.0, 2.0, 5.0, 3.0, 6.0f32]; // a stored transposed (3 × 2)
        let b = [7.0, 8.0, 9.0, 10.0, 11.0, 12.0f32]; // 3 × 2
        let bt = [7.0, 9.0, 11.0, 8.0, 10.0, 12.0f32];
        let want = [58.0, 64.0, 139.0, 154.0f32];
        let cases = [
            (&a, operand(2, 3, 3, 1), &b, operand(3, 2, 2, 1)),
            (&at, operand(2, 3, 1, 2), &b, operand(3, 2, 2, 1)),
            (&a, operand(2, 3, 3, 1), &bt, operand(3, 2, 1, 3)),
        ];
        for (i, (a, a_op, b, b_op)) in cases.into_iter().enumerate() {
            let mut c = [1.0f32; 4];
            let (a_op, b_op) = (a_op.unwrap(), b_op.unwrap());
            // Safety: the operands and c hold the values their leading dimensions describe.
            let done = unsafe {
                sgemm(
                    c.as_mut_ptr(),
                    2,
                    true,
                    (2, 3, 2),
                    a.as_ptr(),
                    a_op,
                    b.as_ptr(),
                    b_op,
                )
            };
            assert!(done);
            let acc: Vec<f32> = want.iter().map(|w| w + 1.0).collect();
            assert_eq!(c.to_vec(), acc, "case {i}, accumulating");
        }
        assert!(operand(2, 3, 6, 2).is_none(), "neither stride is 1");
    }
}
