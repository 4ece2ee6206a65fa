//! The fused dense op for f32 CPU tensors: `act(x·W + b)` as one candle custom op whose
//! backward calls gemm directly with the operands' strides, and the plain product `x·W` on the
//! same gemm path.
//!
//! Why: candle composes a linear layer from matmul, broadcast add and the activation, and its
//! autograd builds each gradient from a dozen full-size temporaries (zeros, masks, casts,
//! products, a strided reduction for the bias). For an MLP 64→256→256→2 at batch 256 those cost
//! more than the products themselves. The fused op computes the same values in one pass per
//! tensor and gives the same results as the plain ops (`nn/fused/tests.rs` compares them).
//!
//! Thread counts come from [`crate::threads`] per product, passed to gemm as its
//! `Parallelism` (no environment variable is read or written).

use super::blas;
use crate::threads;
use candle_core::{
    CpuStorage, CustomOp2, CustomOp3, Device, Layout, Result, Shape, Storage, Tensor,
};

/// Activations the fused op can differentiate from its own output.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FusedAct {
    Identity,
    Relu,
    Tanh,
    Sigmoid,
}

impl FusedAct {
    fn apply(self, v: &mut [f32]) {
        match self {
            FusedAct::Identity => {}
            FusedAct::Relu => v.iter_mut().for_each(|x| *x = x.max(0.0)),
            FusedAct::Tanh => v.iter_mut().for_each(|x| *x = x.tanh()),
            FusedAct::Sigmoid => v.iter_mut().for_each(|x| *x = 1.0 / ((-*x).exp() + 1.0)),
        }
    }

    /// dz = g · act'(z), written from the output y = act(z).
    fn backward(self, g: &[f32], y: &[f32], dz: &mut Vec<f32>) {
        let d = g.iter().zip(y);
        match self {
            FusedAct::Identity => dz.extend_from_slice(g),
            FusedAct::Relu => dz.extend(d.map(|(g, y)| if *y > 0.0 { *g } else { 0.0 })),
            FusedAct::Tanh => dz.extend(d.map(|(g, y)| g * (1.0 - y * y))),
            FusedAct::Sigmoid => dz.extend(d.map(|(g, y)| g * y * (1.0 - y))),
        }
    }
}

/// A 2-D strided f32 matrix inside a storage; a contiguous tensor of higher rank is read as
/// (product of the leading dimensions) × (last dimension).
#[derive(Clone, Copy)]
pub(crate) struct View<'a> {
    data: &'a [f32],
    rows: usize,
    cols: usize,
    rs: isize,
    cs: isize,
}

impl<'a> View<'a> {
    pub(crate) fn new(s: &'a CpuStorage, l: &Layout) -> Result<View<'a>> {
        let CpuStorage::F32(v) = s else {
            candle_core::bail!("fused linear: expected f32 storage")
        };
        if l.dims().len() > 2 && l.is_contiguous() {
            let cols = *l.dims().last().unwrap_or(&1);
            let rows = l.shape().elem_count() / cols.max(1);
            return Ok(View::dense(&v[l.start_offset()..], rows, cols));
        }
        let (rows, cols) = l.shape().dims2()?;
        let st = l.stride();
        Ok(View {
            data: &v[l.start_offset()..],
            rows,
            cols,
            rs: st[0] as isize,
            cs: st[1] as isize,
        })
    }

    pub(crate) fn dense(data: &'a [f32], rows: usize, cols: usize) -> View<'a> {
        View {
            data,
            rows,
            cols,
            rs: cols as isize,
            cs: 1,
        }
    }

    pub(crate) fn rows(&self) -> usize {
        self.rows
    }

    pub(crate) fn cols(&self) -> usize {
        self.cols
    }

    /// The value in row i, column j.
    pub(crate) fn at(&self, i: usize, j: usize) -> f32 {
        self.data[(i as isize * self.rs + j as isize * self.cs) as usize]
    }

    /// Rows lo..lo + n of this view.
    pub(crate) fn row_range(self, lo: usize, n: usize) -> View<'a> {
        assert!(
            lo + n <= self.rows && self.rs >= 0,
            "View::row_range: rows out of range"
        );
        View {
            data: &self.data[lo * self.rs as usize..],
            rows: n,
            ..self
        }
    }

    pub(crate) fn t(self) -> View<'a> {
        View {
            rows: self.cols,
            cols: self.rows,
            rs: self.cs,
            cs: self.rs,
            ..self
        }
    }
}

/// dst (a.rows × b.cols, row-major) = [dst +] a · b, on the threads the policy gives this size.
pub(crate) fn gemm_into(
    dst: &mut [std::mem::MaybeUninit<f32>],
    accumulate: bool,
    a: View,
    b: View,
) {
    let macs = a.rows.saturating_mul(a.cols).saturating_mul(b.cols);
    gemm_on(dst, accumulate, a, b, threads::threads_for(macs));
}

/// dst (a.rows × b.cols, row-major) = [dst +] a · b on `threads` threads (1: this thread only,
/// for callers that spread many small products over the cores themselves).
pub(crate) fn gemm_on(
    dst: &mut [std::mem::MaybeUninit<f32>],
    accumulate: bool,
    a: View,
    b: View,
    threads: usize,
) {
    let (m, k, n) = (a.rows, a.cols, b.cols);
    debug_assert_eq!(k, b.rows);
    assert!(dst.len() >= m * n, "gemm_into: destination too small");
    if m == 0 || n == 0 {
        return;
    }
    if k == 0 {
        if !accumulate {
            dst[..m * n].iter_mut().for_each(|v| {
                v.write(0.0);
            });
        }
        return;
    }
    let narrow = m.min(n) <= NARROW && m.max(n) >= threads * NARROW;
    if threads > 1 && (narrow || blas_operands(a, b).is_some()) && m * n * k >= MIN_SPLIT_MACS {
        return split(dst, accumulate, a, b, threads);
    }
    let par = if threads > 1 {
        gemm::Parallelism::Rayon(threads)
    } else {
        gemm::Parallelism::None
    };
    // Safety: dst holds m × n values, row stride n.
    unsafe { product_raw(dst.as_mut_ptr().cast(), n, accumulate, a, b, par) }
}

/// How OpenBLAS reads a and b where it runs this product on a thread (see `blas.rs` for when
/// it is the faster); None where gemm runs it.
fn blas_operands(a: View, b: View) -> Option<((bool, i32), (bool, i32))> {
    if blas::product_kernel() != blas::ProductKernel::OpenBlas || a.cols < blas::MIN_INNER {
        return None;
    }
    blas::operand(a.rows, a.cols, a.rs, a.cs).zip(blas::operand(b.rows, b.cols, b.rs, b.cs))
}

/// dst (a.rows × b.cols, row stride `dst_rs`) = [dst +] a · b: OpenBLAS where it takes the
/// product on one thread, gemm otherwise.
///
/// Safety: dst must point at a.rows rows of b.cols writable values, `dst_rs` apart.
unsafe fn product_raw(
    dst: *mut f32,
    dst_rs: usize,
    accumulate: bool,
    a: View,
    b: View,
    par: gemm::Parallelism,
) {
    let one_thread = matches!(par, gemm::Parallelism::None);
    if let Some((a_op, b_op)) = blas_operands(a, b).filter(|_| one_thread) {
        let dims = (a.rows, a.cols, b.cols);
        let (ap, bp) = (a.data.as_ptr(), b.data.as_ptr());
        // Safety: the views' data start at their first values and hold them all; the caller
        // vouches for dst.
        if unsafe { blas::sgemm(dst, dst_rs, accumulate, dims, ap, a_op, bp, b_op) } {
            return;
        }
    }
    let (m, k, n) = (a.rows, a.cols, b.cols);
    // Safety: the views were built from layouts candle checked against their storages, and
    // the caller vouches for dst.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            dst,
            1,
            dst_rs as isize,
            accumulate,
            a.data.as_ptr(),
            a.cs,
            a.rs,
            b.data.as_ptr(),
            b.cs,
            b.rs,
            1.0f32,
            1.0f32,
            false,
            false,
            false,
            par,
        )
    }
}

/// An output side at most this long (a LoRA factor's rank) leaves gemm one block of the output
/// to work on, so one thread does the whole product while the others wait.
const NARROW: usize = 16;

/// Below this many multiply-adds a split costs more than it saves (an MLP's 2-class output
/// layer stays on one thread).
const MIN_SPLIT_MACS: usize = 1 << 20;

/// A product split along its long output side into one piece per thread, each piece a
/// one-thread product: for a narrow output (a LoRA step's factor products, rank 8, ran on one
/// core under gemm's own threading) and for OpenBLAS, which runs each call on its caller's
/// thread.
fn split(
    dst: &mut [std::mem::MaybeUninit<f32>],
    accumulate: bool,
    a: View,
    b: View,
    threads: usize,
) {
    use rayon::prelude::*;
    struct Out(*mut f32);
    // Safety: the pieces write disjoint rows or columns of the output.
    unsafe impl Sync for Out {}
    impl Out {
        /// The output from value `i` on (a method, so that closures take the whole `Out`).
        unsafe fn at(&self, i: usize) -> *mut f32 {
            unsafe { self.0.add(i) }
        }
    }
    let (m, n) = (a.rows, b.cols);
    let out = Out(dst.as_mut_ptr().cast());
    let by_rows = m >= n;
    let long = if by_rows { m } else { n };
    threads::with_threads(threads, || {
        (0..threads).into_par_iter().for_each(|t| {
            let (lo, hi) = (long * t / threads, long * (t + 1) / threads);
            let par = gemm::Parallelism::None;
            // Safety: rows (or columns) lo..hi of the m × n output, row stride n, are this
            // piece's alone; the views' data cover the rows and columns taken.
            unsafe {
                if by_rows {
                    product_raw(
                        out.at(lo * n),
                        n,
                        accumulate,
                        a.row_range(lo, hi - lo),
                        b,
                        par,
                    )
                } else {
                    let b = View {
                        data: &b.data[(lo as isize * b.cs) as usize..],
                        cols: hi - lo,
                        ..b
                    };
                    product_raw(out.at(lo), n, accumulate, a, b, par)
                }
            }
        })
    });
}

/// gemm's product a · b in a new row-major buffer (gemm writes every value: no zero-fill).
pub(crate) fn gemm_new(a: View, b: View) -> Vec<f32> {
    let len = a.rows * b.cols;
    let mut out = Vec::with_capacity(len);
    gemm_into(out.spare_capacity_mut(), false, a, b);
    // Safety: with `accumulate` off gemm_into stores all a.rows × b.cols values.
    unsafe { out.set_len(len) };
    out
}

/// y = act(x·W [+ b]) for x (n × k), W (k × m), b (m); y has x's leading dimensions `lead`
/// (n values in all) and m columns.
pub(crate) fn forward(
    x: View,
    lead: &[usize],
    w: View,
    b: Option<&[f32]>,
    act: FusedAct,
) -> Result<(CpuStorage, Shape)> {
    if x.cols != w.rows {
        candle_core::bail!(
            "fused linear: x is {}×{} but W is {}×{}",
            x.rows,
            x.cols,
            w.rows,
            w.cols
        );
    }
    let (n, m) = (x.rows, w.cols);
    let mut out = match b {
        Some(b) => {
            // Rows of b, written on the threads for large outputs (about 2¹⁶ values a chunk,
            // whole rows: small layers stay on this thread).
            let rows = ((1 << 16) / m.max(1)).max(1);
            let mut out = super::new_chunked(n * m, rows * m, n * m, |_, c| {
                c.chunks_mut(m).for_each(|r| r.copy_from_slice(&b[..m]))
            });
            // Safety: f32 and MaybeUninit<f32> share a layout; every value is initialised.
            let dst = unsafe { std::slice::from_raw_parts_mut(out.as_mut_ptr().cast(), out.len()) };
            gemm_into(dst, true, x, w);
            out
        }
        None => gemm_new(x, w),
    };
    act.apply(&mut out);
    let mut dims = lead.to_vec();
    dims.push(m);
    Ok((CpuStorage::F32(out), Shape::from(dims)))
}

/// The leading dimensions of x's layout (all but the last).
fn leading(l: &Layout) -> &[usize] {
    &l.dims()[..l.dims().len() - 1]
}

pub(crate) fn bias_slice<'a>(s: &'a CpuStorage, l: &Layout) -> Result<&'a [f32]> {
    match (s, l.contiguous_offsets()) {
        (CpuStorage::F32(v), Some((a, z))) => Ok(&v[a..z]),
        _ => candle_core::bail!("fused linear: the bias must be a contiguous f32 vector"),
    }
}

/// Gradients (dx, dW, db) from the output y and its gradient g; dx only when `want_x`.
#[allow(clippy::type_complexity)]
fn backward(
    x: &Tensor,
    w: &Tensor,
    y: &Tensor,
    g: &Tensor,
    act: FusedAct,
    want: [bool; 3],
) -> Result<(Option<Tensor>, Option<Tensor>, Option<Tensor>)> {
    let g = if g.is_contiguous() {
        g.clone()
    } else {
        g.contiguous()?
    };
    let (gs, gl) = g.storage_and_layout();
    let (ys, yl) = y.storage_and_layout();
    let (Storage::Cpu(gs), Storage::Cpu(ys)) = (&*gs, &*ys) else {
        candle_core::bail!("fused linear: backward expects CPU tensors")
    };
    let (CpuStorage::F32(gv), CpuStorage::F32(yv)) = (gs, ys) else {
        candle_core::bail!("fused linear: backward expects f32 tensors")
    };
    let (Some((g0, g1)), Some((y0, y1))) = (gl.contiguous_offsets(), yl.contiguous_offsets())
    else {
        candle_core::bail!("fused linear: backward expects contiguous outputs")
    };
    let mut dz_own = Vec::new();
    let dz: &[f32] = if act == FusedAct::Identity {
        &gv[g0..g1]
    } else {
        dz_own.reserve_exact(g1 - g0);
        act.backward(&gv[g0..g1], &yv[y0..y1], &mut dz_own);
        &dz_own
    };
    products(x, w, dz, want)
}

/// (dx, dW, db) from dz = d loss / d(x·W + b), (rows × m) row-major; dx only when `want[0]`.
#[allow(clippy::type_complexity)]
fn products(
    x: &Tensor,
    w: &Tensor,
    dz: &[f32],
    want: [bool; 3],
) -> Result<(Option<Tensor>, Option<Tensor>, Option<Tensor>)> {
    let m = w.dims2()?.1;
    let n = dz.len() / m.max(1);
    let k = *x.dims().last().unwrap_or(&1);
    let dzv = View::dense(dz, n, m);
    let dev = Device::Cpu;
    let dw = if want[1] {
        let (xs, xl) = x.storage_and_layout();
        let Storage::Cpu(xs) = &*xs else {
            candle_core::bail!("fused linear: backward expects CPU tensors")
        };
        let dw = gemm_new(View::new(xs, xl)?.t(), dzv);
        Some(Tensor::from_vec(dw, (k, m), &dev)?)
    } else {
        None
    };
    let db = if want[2] {
        let mut db = vec![0.0f32; m];
        for row in dz.chunks_exact(m) {
            db.iter_mut().zip(row).for_each(|(d, v)| *d += v);
        }
        Some(Tensor::from_vec(db, m, &dev)?)
    } else {
        None
    };
    let dx = if want[0] {
        let (ws, wl) = w.storage_and_layout();
        let Storage::Cpu(ws) = &*ws else {
            candle_core::bail!("fused linear: backward expects CPU tensors")
        };
        let dx = gemm_new(dzv, View::new(ws, wl)?.t());
        Some(Tensor::from_vec(dx, x.shape(), &dev)?)
    } else {
        None
    };
    Ok((dx, dw, db))
}

/// The custom op: inputs (x, W) or (x, W, b).
struct LinearOp(FusedAct);

impl CustomOp2 for LinearOp {
    fn name(&self) -> &'static str {
        "fused_linear"
    }

    fn cpu_fwd(
        &self,
        x: &CpuStorage,
        xl: &Layout,
        w: &CpuStorage,
        wl: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        forward(
            View::new(x, xl)?,
            leading(xl),
            View::new(w, wl)?,
            None,
            self.0,
        )
    }

    fn bwd(
        &self,
        x: &Tensor,
        w: &Tensor,
        y: &Tensor,
        g: &Tensor,
    ) -> Result<(Option<Tensor>, Option<Tensor>)> {
        let (dx, dw, _) = backward(x, w, y, g, self.0, [x.track_op(), w.track_op(), false])?;
        Ok((dx, dw))
    }
}

impl CustomOp3 for LinearOp {
    fn name(&self) -> &'static str {
        "fused_linear_bias"
    }

    fn cpu_fwd(
        &self,
        x: &CpuStorage,
        xl: &Layout,
        w: &CpuStorage,
        wl: &Layout,
        b: &CpuStorage,
        bl: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        let b = bias_slice(b, bl)?;
        if b.len() != wl.dims()[1] {
            candle_core::bail!(
                "fused linear: bias of {} values for {} outputs",
                b.len(),
                wl.dims()[1]
            );
        }
        forward(
            View::new(x, xl)?,
            leading(xl),
            View::new(w, wl)?,
            Some(b),
            self.0,
        )
    }

    fn bwd(
        &self,
        x: &Tensor,
        w: &Tensor,
        b: &Tensor,
        y: &Tensor,
        g: &Tensor,
    ) -> Result<(Option<Tensor>, Option<Tensor>, Option<Tensor>)> {
        let want = [x.track_op(), w.track_op(), b.track_op()];
        backward(x, w, y, g, self.0, want)
    }
}

/// GELU(x·W + b) (the exact, erf form) as one op: the pre-activation is kept for the backward
/// pass. Why: as a linear op and a GELU op, the GELU's input is one more autograd node, whose
/// gradient (a transformer's feed-forward width per token) autograd zero-fills and adds on
/// one thread; here the slope multiplies the gradient in the same parallel pass that feeds the
/// products. `None` where the op does not apply (see [`linear`]).
pub fn linear_gelu(x: &Tensor, w: &Tensor, b: &Tensor) -> Result<Option<Tensor>> {
    if !eligible(x, w, Some(b)) {
        return Ok(None);
    }
    let op = LinearGelu {
        pre: std::sync::Mutex::new(Vec::new()),
    };
    Ok(Some(x.apply_op3(w, b, op)?))
}

struct LinearGelu {
    /// x·W + b from the forward pass.
    pre: std::sync::Mutex<Vec<f32>>,
}

impl CustomOp3 for LinearGelu {
    fn name(&self) -> &'static str {
        "fused_linear_gelu"
    }

    fn cpu_fwd(
        &self,
        x: &CpuStorage,
        xl: &Layout,
        w: &CpuStorage,
        wl: &Layout,
        b: &CpuStorage,
        bl: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        let (z, shape) = CustomOp3::cpu_fwd(&LinearOp(FusedAct::Identity), x, xl, w, wl, b, bl)?;
        let CpuStorage::F32(z) = z else {
            unreachable!("the dense forward pass returns f32 values")
        };
        let y = super::gelu::gelu_values(&z);
        *self.pre.lock().unwrap_or_else(|e| e.into_inner()) = z;
        Ok((CpuStorage::F32(y), shape))
    }

    fn bwd(
        &self,
        x: &Tensor,
        w: &Tensor,
        b: &Tensor,
        _y: &Tensor,
        g: &Tensor,
    ) -> Result<(Option<Tensor>, Option<Tensor>, Option<Tensor>)> {
        let g = g.contiguous()?;
        let (gs, gl) = g.storage_and_layout();
        let gv = super::storage_values(&gs, gl, self.name())?;
        let pre = self.pre.lock().unwrap_or_else(|e| e.into_inner());
        if pre.len() != gv.len() {
            candle_core::bail!("fused linear GELU: backward without its forward pass");
        }
        let dz = super::gelu::gelu_grad_values(&pre, gv);
        products(x, w, &dz, [x.track_op(), w.track_op(), b.track_op()])
    }
}

/// Whether the fused op applies: f32 CPU tensors, x 2-D (or contiguous of higher rank: a
/// reshape to 2-D would be one more node whose gradient autograd zero-fills and adds), no
/// broadcast (zero) strides.
fn eligible(x: &Tensor, w: &Tensor, b: Option<&Tensor>) -> bool {
    let ok = |t: &Tensor| super::takes_kernels(t) && t.stride().iter().all(|&s| s > 0);
    (x.rank() == 2 || (x.rank() > 2 && x.is_contiguous()))
        && w.rank() == 2
        && ok(x)
        && ok(w)
        && b.is_none_or(|b| ok(b) && b.rank() == 1 && b.is_contiguous())
}

/// act(x·W + b) as one op when the tensors allow it (f32 CPU, x 2-D or contiguous); `None`
/// otherwise, and the caller composes the plain ops. Shapes must already agree (the caller
/// checks and names them).
pub fn linear(x: &Tensor, w: &Tensor, b: Option<&Tensor>, act: FusedAct) -> Result<Option<Tensor>> {
    if !eligible(x, w, b) {
        return Ok(None);
    }
    Ok(Some(match b {
        Some(b) => x.apply_op3(w, b, LinearOp(act))?,
        None => x.apply_op2(w, LinearOp(act))?,
    }))
}

/// x · W for 2-D f32 CPU tensors on the policy's threads (`None`: use candle's matmul).
pub fn matmul(x: &Tensor, w: &Tensor) -> Result<Option<Tensor>> {
    linear(x, w, None, FusedAct::Identity)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Products with a narrow output, split by hand over two threads, equal the plain sums
    /// (both the row and the column split, a transposed operand, and accumulation).
    #[test]
    fn narrow_products_split_over_threads_equal_the_sums() {
        let mut rng = crate::rng::Rng::new(2);
        for (m, k, n) in [(1000, 137, 8), (8, 137, 1000), (400, 170, 16)] {
            let a = rng.normal_vec(m * k, 0.0, 1.0);
            let bt = rng.normal_vec(n * k, 0.0, 1.0); // b stored transposed: n × k
            let (av, bv) = (View::dense(&a, m, k), View::dense(&bt, n, k).t());
            let start = rng.normal_vec(m * n, 0.0, 1.0);
            let mut out = start.clone();
            // Safety: f32 and MaybeUninit<f32> share a layout; out is initialised.
            let dst = unsafe { std::slice::from_raw_parts_mut(out.as_mut_ptr().cast(), m * n) };
            gemm_on(dst, true, av, bv, 2);
            for i in 0..m {
                for j in 0..n {
                    let want: f32 = start[i * n + j]
                        + (0..k).map(|p| a[i * k + p] * bt[j * k + p]).sum::<f32>();
                    let got = out[i * n + j];
                    assert!(
                        (got - want).abs() < 1e-4,
                        "{m}×{k}×{n} at ({i}, {j}): {got} against {want}"
                    );
                }
            }
        }
    }

    /// Products with a long inner dimension (OpenBLAS's where this build and CPU take them)
    /// equal the plain sums on one thread and split over two, with either operand transposed,
    /// accumulating, or writing over a destination full of NaN.
    #[test]
    fn long_products_equal_the_sums() {
        let mut rng = crate::rng::Rng::new(3);
        for (m, k, n) in [(300, 260, 90), (90, 300, 300)] {
            let a = rng.normal_vec(m * k, 0.0, 1.0);
            let b = rng.normal_vec(k * n, 0.0, 1.0);
            let (at, bt) = (transposed(&a, m, k), transposed(&b, k, n));
            let views = [
                (View::dense(&a, m, k), View::dense(&b, k, n)),
                (View::dense(&at, k, m).t(), View::dense(&b, k, n)),
                (View::dense(&a, m, k), View::dense(&bt, n, k).t()),
            ];
            for (av, bv) in views {
                for (accumulate, threads) in [(false, 1), (true, 1), (false, 2), (true, 2)] {
                    let start = if accumulate {
                        rng.normal_vec(m * n, 0.0, 1.0)
                    } else {
                        vec![f32::NAN; m * n]
                    };
                    let mut out = start.clone();
                    // Safety: f32 and MaybeUninit<f32> share a layout; out is initialised.
                    let dst =
                        unsafe { std::slice::from_raw_parts_mut(out.as_mut_ptr().cast(), m * n) };
                    gemm_on(dst, accumulate, av, bv, threads);
                    for i in 0..m {
                        for j in 0..n {
                            let sum: f32 = (0..k).map(|p| a[i * k + p] * b[p * n + j]).sum();
                            let want = if accumulate {
                                start[i * n + j] + sum
                            } else {
                                sum
                            };
                            let got = out[i * n + j];
                            assert!(
                                (got - want).abs() < 1e-3,
                                "{m}×{k}×{n} (accumulate {accumulate}, {threads} threads) at \
                                 ({i}, {j}): {got} against {want}"
                            );
                        }
                    }
                }
            }
        }
    }

    /// The rows × cols row-major matrix v, transposed (cols × rows).
    fn transposed(v: &[f32], rows: usize, cols: usize) -> Vec<f32> {
        (0..cols * rows)
            .map(|i| v[(i % rows) * cols + i / rows])
            .collect()
    }

    /// Few-row products run by several threads at once (a quantised model's stretches, a
    /// scored continuation's tokens) equal the plain sums every time: Debian's one-thread
    /// OpenBLAS gave wrong values for about one call in twenty of these.
    #[test]
    fn few_row_products_on_several_threads_at_once_equal_the_sums() {
        let (k, n) = (576, 227);
        std::thread::scope(|s| {
            for t in 0..4u64 {
                s.spawn(move || {
                    let m = 1 + t as usize;
                    let mut rng = crate::rng::Rng::new(10 + t);
                    let a = rng.normal_vec(m * k, 0.0, 1.0);
                    let bt = rng.normal_vec(n * k, 0.0, 1.0);
                    let (av, bv) = (View::dense(&a, m, k), View::dense(&bt, n, k).t());
                    let want: Vec<f32> = (0..m * n)
                        .map(|i| (0..k).map(|p| a[i / n * k + p] * bt[i % n * k + p]).sum())
                        .collect();
                    for round in 0..2000 {
                        let mut out = vec![f32::NAN; m * n];
                        // Safety: f32 and MaybeUninit<f32> share a layout.
                        let dst = unsafe {
                            std::slice::from_raw_parts_mut(out.as_mut_ptr().cast(), m * n)
                        };
                        gemm_on(dst, false, av, bv, 1);
                        let worst = out
                            .iter()
                            .zip(&want)
                            .map(|(g, w)| (g - w).abs())
                            .fold(0f32, f32::max);
                        assert!(worst < 1e-3, "{m} rows, round {round}: off by {worst}");
                    }
                });
            }
        });
    }
}
