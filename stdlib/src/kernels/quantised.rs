//! Products with GGUF Q4_1 and Q8_0 weights, computed as llama.cpp computes them. A block holds
//! 32 weights: Q4_1 as an f16 scale `d`, an f16 minimum `m` and 32 four-bit values `q`
//! (w = d·q + m); Q8_0 as an f16 scale and 32 int8 values (w = d·q).
//!
//! Why our own: candle runs Q4_1 without SIMD, and both on its single-threaded pool, so a Q4_1
//! model (SmolLM2 as shipped, whose embedding and output matrix are Q8_0) decoded at a tenth
//! of llama.cpp's speed. Here a product with one or a few rows (decoding) quantises each row to
//! 8-bit blocks (an f16 scale, 32 int8 values, the scale times their sum) and takes integer dot
//! products block by block with AVX2, spread over the cores; wider products (a prompt)
//! dequantise the weights and call gemm.

use super::dense::{gemm_on, View};
use crate::error::{Error, Result};
use half::f16;
use rayon::prelude::*;

/// Weights per block.
pub const BLOCK: usize = 32;
/// The block formats this module runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// d and m (f16 each) and 16 bytes of nibbles (weight j in the low nibble of byte j,
    /// weight j + 16 in its high nibble).
    Q4_1,
    /// d (f16) and 32 int8 values.
    Q8_0,
}

impl Format {
    fn block_bytes(self) -> usize {
        match self {
            Format::Q4_1 => 20,
            Format::Q8_0 => 34,
        }
    }
}
/// Products with at most this many rows take the quantised dot products; wider ones gemm.
pub const DOT_MAX_ROWS: usize = 8;

/// A (rows × cols) matrix of blocks, row-major, as stored in a GGUF file.
pub struct QuantMatrix {
    format: Format,
    rows: usize,
    cols: usize,
    data: Vec<u8>,
}

/// One activation row as 8-bit blocks (llama.cpp's Q8_1, which is Q8_0 and the sums).
struct Q8Row {
    q: Vec<i8>,
    /// Per block: the scale, and the scale times the sum of the block's values.
    d: Vec<f32>,
    s: Vec<f32>,
}

impl QuantMatrix {
    /// `data` holds rows × cols / 32 blocks; `name` names the tensor in errors.
    pub fn new(
        format: Format,
        rows: usize,
        cols: usize,
        data: Vec<u8>,
        name: &str,
    ) -> Result<QuantMatrix> {
        let want = rows * (cols / BLOCK) * format.block_bytes();
        if !cols.is_multiple_of(BLOCK) || data.len() != want {
            return Err(Error::data(format!(
                "{name}: a {format:?} matrix of {rows} × {cols} needs {want} bytes in blocks of {BLOCK}; it has {}",
                data.len()
            )));
        }
        Ok(QuantMatrix {
            format,
            rows,
            cols,
            data,
        })
    }

    pub fn rows(&self) -> usize {
        self.rows
    }

    pub fn cols(&self) -> usize {
        self.cols
    }

    fn row(&self, r: usize) -> &[u8] {
        let len = self.cols / BLOCK * self.format.block_bytes();
        &self.data[r * len..(r + 1) * len]
    }

    /// out (m × rows) = x (m × cols) · selfᵀ, spread over the rayon pool it is called in.
    pub fn product(&self, x: &[f32], m: usize) -> Vec<f32> {
        products(&[self], x, m).pop().unwrap_or_default()
    }

    /// Every weight as f32 into `dst` (rows × cols), spread over the current rayon pool.
    pub fn dequantise(&self, dst: &mut [f32], threads: usize) {
        let f = self.format;
        let per_row = |(r, d): (usize, &mut [f32])| dequantise_row(f, self.row(r), d);
        if threads > 1 {
            dst.par_chunks_mut(self.cols).enumerate().for_each(per_row);
        } else {
            dst.chunks_mut(self.cols).enumerate().for_each(per_row);
        }
    }
}

/// x (m × cols) · wᵀ for each matrix w (all with `cols` columns), spread over the rayon pool it
/// is called in. A model's forward pass enters its pool once (entering one per product cost
/// more than a decoding step's product), and products of the same input (q, k and v; gate and
/// up) share one quantised copy of it and one parallel pass.
pub fn products(ws: &[&QuantMatrix], x: &[f32], m: usize) -> Vec<Vec<f32>> {
    let threads = rayon::current_num_threads();
    let cols = ws.first().map_or(0, |w| w.cols);
    assert!(
        ws.iter().all(|w| w.cols == cols),
        "q4_1 products: inputs differ"
    );
    assert_eq!(x.len(), m * cols, "q4_1 product: input size");
    let mut outs: Vec<Vec<f32>> = ws.iter().map(|w| vec![0f32; m * w.rows]).collect();
    if m > DOT_MAX_ROWS {
        for (w, out) in ws.iter().zip(outs.iter_mut()) {
            wide_product(w, x, m, out);
        }
        return outs;
    }
    let total: usize = ws.iter().map(|w| w.rows).sum();
    let per_task = (total / (threads * 4)).max(32);
    for i in 0..m {
        let xq = quantise_q8_1(&x[i * cols..(i + 1) * cols]);
        // (matrix, first row, outputs) for every stretch of at most `per_task` rows.
        let mut tasks: Vec<(&QuantMatrix, usize, &mut [f32])> = Vec::new();
        for (w, out) in ws.iter().zip(outs.iter_mut()) {
            let row = &mut out[i * w.rows..(i + 1) * w.rows];
            for (c, chunk) in row.chunks_mut(per_task).enumerate() {
                tasks.push((w, c * per_task, chunk));
            }
        }
        let run = |(w, first, o): (&QuantMatrix, usize, &mut [f32])| {
            let dot = dot_fn(w.format);
            for (j, v) in o.iter_mut().enumerate() {
                *v = dot(w.row(first + j), &xq);
            }
        };
        if threads > 1 && tasks.len() > 1 {
            tasks.into_par_iter().for_each(run);
        } else {
            tasks.into_iter().for_each(run);
        }
    }
    outs
}

/// Weights dequantised at a time for a wide product: a stretch of rows that stays in the core's
/// cache while gemm reads it (dequantising whole matrices to memory first cost 80 ms a
/// SmolLM2 forward pass, more than the products).
const STRETCH_FLOATS: usize = 1 << 17;

/// out (m × rows) = x · wᵀ: stretches of w's rows dequantised and multiplied on their own
/// thread each.
fn wide_product(w: &QuantMatrix, x: &[f32], m: usize, out: &mut [f32]) {
    let stretch = (STRETCH_FLOATS / w.cols).clamp(16, w.rows.max(1));
    let parts: Vec<Vec<f32>> = (0..w.rows.div_ceil(stretch))
        .into_par_iter()
        .map(|c| {
            let first = c * stretch;
            let n = stretch.min(w.rows - first);
            let mut wf = vec![0f32; n * w.cols];
            for (i, d) in wf.chunks_mut(w.cols).enumerate() {
                dequantise_row(w.format, w.row(first + i), d);
            }
            let mut part = vec![0f32; m * n];
            let a = View::dense(x, m, w.cols);
            let b = View::dense(&wf, n, w.cols).t();
            gemm_on(unsafe_uninit(&mut part), false, a, b, 1);
            part
        })
        .collect();
    for (c, part) in parts.iter().enumerate() {
        let n = part.len() / m;
        for (i, row) in part.chunks(n).enumerate() {
            out[i * w.rows + c * stretch..][..n].copy_from_slice(row);
        }
    }
}

/// gemm writes every value of its destination when it does not accumulate.
fn unsafe_uninit(out: &mut [f32]) -> &mut [std::mem::MaybeUninit<f32>] {
    // Safety: f32 and MaybeUninit<f32> have the same layout, and initialised values stay valid.
    unsafe { &mut *(out as *mut [f32] as *mut [std::mem::MaybeUninit<f32>]) }
}

/// A block's f16 scale and (Q4_1) minimum; for Q8_0 the second value is meaningless.
fn scale_and_min(block: &[u8]) -> (f32, f32) {
    let d = f16::from_le_bytes([block[0], block[1]]).to_f32();
    let m = f16::from_le_bytes([block[2], block[3]]).to_f32();
    (d, m)
}

fn dequantise_row(format: Format, row: &[u8], dst: &mut [f32]) {
    #[cfg(target_arch = "x86_64")]
    if is_x86_feature_detected!("avx2")
        && is_x86_feature_detected!("fma")
        && is_x86_feature_detected!("f16c")
    {
        // Safety: the CPU has the features the kernels are compiled for.
        unsafe { avx2::dequantise_row(format, row, dst) };
        return;
    }
    dequantise_row_plain(format, row, dst)
}

fn dequantise_row_plain(format: Format, row: &[u8], dst: &mut [f32]) {
    let blocks = row.chunks(format.block_bytes()).zip(dst.chunks_mut(BLOCK));
    match format {
        Format::Q4_1 => blocks.for_each(|(block, out)| {
            let (d, m) = scale_and_min(block);
            for (j, &byte) in block[4..].iter().enumerate() {
                out[j] = d * (byte & 0x0F) as f32 + m;
                out[j + 16] = d * (byte >> 4) as f32 + m;
            }
        }),
        Format::Q8_0 => blocks.for_each(|(block, out)| {
            let d = scale_and_min(block).0;
            for (o, &q) in out.iter_mut().zip(&block[2..]) {
                *o = d * q as i8 as f32;
            }
        }),
    }
}

/// llama.cpp's `quantize_row_q8_1`: per block, scale = max |x| / 127, values rounded to the
/// nearest (ties to even, as its AVX code does), scale and sum stored as f16.
fn quantise_q8_1(x: &[f32]) -> Q8Row {
    let blocks = x.len() / BLOCK;
    let mut row = Q8Row {
        q: vec![0; x.len()],
        d: Vec::with_capacity(blocks),
        s: Vec::with_capacity(blocks),
    };
    for (xb, qb) in x.chunks(BLOCK).zip(row.q.chunks_mut(BLOCK)) {
        let amax = xb.iter().fold(0f32, |a, v| a.max(v.abs()));
        let d = amax / 127.0;
        let id = if d != 0.0 { 1.0 / d } else { 0.0 };
        let mut sum = 0i32;
        for (q, &v) in qb.iter_mut().zip(xb) {
            *q = (v * id).round_ties_even() as i8;
            sum += *q as i32;
        }
        row.d.push(f16::from_f32(d).to_f32());
        row.s.push(f16::from_f32(d * sum as f32).to_f32());
    }
    row
}

type DotFn = fn(&[u8], &Q8Row) -> f32;

fn dot_fn(format: Format) -> DotFn {
    #[cfg(target_arch = "x86_64")]
    if is_x86_feature_detected!("avx2")
        && is_x86_feature_detected!("fma")
        && is_x86_feature_detected!("f16c")
    {
        // Safety: the CPU has the features the kernels are compiled for.
        return match format {
            Format::Q4_1 => |w, x| unsafe { avx2::dot_q4_1(w, x) },
            Format::Q8_0 => |w, x| unsafe { avx2::dot_q8_0(w, x) },
        };
    }
    match format {
        Format::Q4_1 => dot_q4_1,
        Format::Q8_0 => dot_q8_0,
    }
}

/// One Q4_1 weight row · one 8-bit row: Σ over blocks of d_w·d_x·Σ q_w q_x + m_w·s_x.
fn dot_q4_1(w: &[u8], x: &Q8Row) -> f32 {
    let mut sum = 0f32;
    for (b, block) in w.chunks(Format::Q4_1.block_bytes()).enumerate() {
        let (d, m) = scale_and_min(block);
        let xq = &x.q[b * BLOCK..(b + 1) * BLOCK];
        let mut isum = 0i32;
        for (j, &byte) in block[4..].iter().enumerate() {
            isum += (byte & 0x0F) as i32 * xq[j] as i32 + (byte >> 4) as i32 * xq[j + 16] as i32;
        }
        sum += d * x.d[b] * isum as f32 + m * x.s[b];
    }
    sum
}

/// One Q8_0 weight row · one 8-bit row: Σ over blocks of d_w·d_x·Σ q_w q_x.
fn dot_q8_0(w: &[u8], x: &Q8Row) -> f32 {
    let mut sum = 0f32;
    for (b, block) in w.chunks(Format::Q8_0.block_bytes()).enumerate() {
        let d = scale_and_min(block).0;
        let xq = &x.q[b * BLOCK..(b + 1) * BLOCK];
        let isum: i32 = block[2..]
            .iter()
            .zip(xq)
            .map(|(&q, &v)| q as i8 as i32 * v as i32)
            .sum();
        sum += d * x.d[b] * isum as f32;
    }
    sum
}

#[cfg(target_arch = "x86_64")]
mod avx2 {
    use super::{Format, Q8Row, BLOCK};
    use std::arch::x86_64::*;

    const BLOCK_BYTES: usize = 20;

    /// As `dequantise_row_plain`, eight weights at a time.
    #[target_feature(enable = "avx2,fma,f16c")]
    pub(super) unsafe fn dequantise_row(format: Format, row: &[u8], dst: &mut [f32]) {
        let size = format.block_bytes();
        let blocks = row.len() / size;
        assert!(dst.len() >= blocks * BLOCK);
        let nibble = _mm_set1_epi8(0x0F);
        for b in 0..blocks {
            let p = row.as_ptr().add(b * size);
            let out = dst.as_mut_ptr().add(b * BLOCK);
            let dm = _mm_cvtph_ps(_mm_cvtsi32_si128((p as *const i32).read_unaligned()));
            let d = _mm256_set1_ps(_mm_cvtss_f32(dm));
            match format {
                Format::Q4_1 => {
                    let m = _mm256_set1_ps(f32::from_bits(_mm_extract_ps::<1>(dm) as u32));
                    let bytes = _mm_loadu_si128(p.add(4) as *const __m128i);
                    let lo = _mm_and_si128(bytes, nibble);
                    let hi = _mm_and_si128(_mm_srli_epi16::<4>(bytes), nibble);
                    for (k, half) in [lo, hi].into_iter().enumerate() {
                        let first = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(half));
                        let second =
                            _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_srli_si128::<8>(half)));
                        _mm256_storeu_ps(out.add(16 * k), _mm256_fmadd_ps(d, first, m));
                        _mm256_storeu_ps(out.add(16 * k + 8), _mm256_fmadd_ps(d, second, m));
                    }
                }
                Format::Q8_0 => {
                    for k in 0..4 {
                        let q = _mm_loadl_epi64(p.add(2 + 8 * k) as *const __m128i);
                        let v = _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(q));
                        _mm256_storeu_ps(out.add(8 * k), _mm256_mul_ps(d, v));
                    }
                }
            }
        }
    }

    /// As `dot_q4_1`: the 32 nibbles of a block are spread to bytes, multiplied with the
    /// activations' bytes into 16-bit pair sums (at most 2·15·127, no saturation), summed to
    /// eight 32-bit lanes and scaled into a float accumulator.
    #[target_feature(enable = "avx2,fma,f16c")]
    pub(super) unsafe fn dot_q4_1(w: &[u8], x: &Q8Row) -> f32 {
        let blocks = w.len() / BLOCK_BYTES;
        debug_assert!(x.q.len() >= blocks * BLOCK && x.d.len() >= blocks);
        let nibble = _mm_set1_epi8(0x0F);
        let ones = _mm256_set1_epi16(1);
        // Two accumulators: with one, each block waited for the previous block's multiply-add.
        let (mut acc, mut mins) = ([_mm256_setzero_ps(); 2], [0f32; 2]);
        let (wp, xq) = (w.as_ptr(), x.q.as_ptr());
        for b in 0..blocks {
            let p = wp.add(b * BLOCK_BYTES);
            let dm = _mm_cvtph_ps(_mm_cvtsi32_si128((p as *const i32).read_unaligned()));
            let d = _mm_cvtss_f32(dm);
            let m = f32::from_bits(_mm_extract_ps::<1>(dm) as u32);
            let bytes = _mm_loadu_si128(p.add(4) as *const __m128i);
            let lo = _mm_and_si128(bytes, nibble);
            let hi = _mm_and_si128(_mm_srli_epi16::<4>(bytes), nibble);
            let qw = _mm256_set_m128i(hi, lo);
            let qx = _mm256_loadu_si256(xq.add(b * BLOCK) as *const __m256i);
            let pairs = _mm256_maddubs_epi16(qw, qx);
            let lanes = _mm256_cvtepi32_ps(_mm256_madd_epi16(pairs, ones));
            let scale = _mm256_set1_ps(d * *x.d.get_unchecked(b));
            acc[b & 1] = _mm256_fmadd_ps(scale, lanes, acc[b & 1]);
            mins[b & 1] += m * *x.s.get_unchecked(b);
        }
        sum(_mm256_add_ps(acc[0], acc[1])) + mins[0] + mins[1]
    }

    /// As `dot_q8_0`: signed bytes times signed bytes, as llama.cpp does it with the unsigned ×
    /// signed instruction (|w| times x with w's sign; at most 2·128·127, no saturation).
    #[target_feature(enable = "avx2,fma,f16c")]
    pub(super) unsafe fn dot_q8_0(w: &[u8], x: &Q8Row) -> f32 {
        const Q8_BYTES: usize = 34;
        let blocks = w.len() / Q8_BYTES;
        debug_assert!(x.q.len() >= blocks * BLOCK && x.d.len() >= blocks);
        let ones = _mm256_set1_epi16(1);
        let mut acc = [_mm256_setzero_ps(); 2];
        let (wp, xq) = (w.as_ptr(), x.q.as_ptr());
        for b in 0..blocks {
            let p = wp.add(b * Q8_BYTES);
            let d = _mm_cvtss_f32(_mm_cvtph_ps(_mm_cvtsi32_si128(
                (p as *const u16).read_unaligned() as i32,
            )));
            let qw = _mm256_loadu_si256(p.add(2) as *const __m256i);
            let qx = _mm256_loadu_si256(xq.add(b * BLOCK) as *const __m256i);
            let pairs = _mm256_maddubs_epi16(_mm256_sign_epi8(qw, qw), _mm256_sign_epi8(qx, qw));
            let lanes = _mm256_cvtepi32_ps(_mm256_madd_epi16(pairs, ones));
            let scale = _mm256_set1_ps(d * *x.d.get_unchecked(b));
            acc[b & 1] = _mm256_fmadd_ps(scale, lanes, acc[b & 1]);
        }
        sum(_mm256_add_ps(acc[0], acc[1]))
    }

    #[target_feature(enable = "avx2")]
    unsafe fn sum(acc: __m256) -> f32 {
        let half = _mm_add_ps(_mm256_castps256_ps128(acc), _mm256_extractf128_ps::<1>(acc));
        let half = _mm_add_ps(half, _mm_movehl_ps(half, half));
        _mm_cvtss_f32(_mm_add_ss(half, _mm_movehdup_ps(half)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A random-looking matrix of blocks (fixed bytes) and its f32 values.
    fn sample_of(format: Format, rows: usize, cols: usize) -> (QuantMatrix, Vec<f32>) {
        let mut data = Vec::new();
        let mut state = 12345u32;
        let mut next = || {
            state = state.wrapping_mul(1664525).wrapping_add(1013904223);
            (state >> 8) as u8
        };
        for b in 0..rows * cols / BLOCK {
            let d = f16::from_f32(0.01 + (b % 7) as f32 * 0.003);
            data.extend_from_slice(&d.to_le_bytes());
            let values = match format {
                Format::Q4_1 => {
                    let m = f16::from_f32(-0.05 - (b % 5) as f32 * 0.01);
                    data.extend_from_slice(&m.to_le_bytes());
                    16
                }
                Format::Q8_0 => 32,
            };
            for _ in 0..values {
                data.push(next());
            }
        }
        let q = QuantMatrix::new(format, rows, cols, data, "sample").unwrap();
        let mut w = vec![0f32; rows * cols];
        q.dequantise(&mut w, 1);
        (q, w)
    }

    fn sample(rows: usize, cols: usize) -> (QuantMatrix, Vec<f32>) {
        sample_of(Format::Q4_1, rows, cols)
    }

    fn input(m: usize, cols: usize) -> Vec<f32> {
        (0..m * cols)
            .map(|i| ((i * 37 % 101) as f32 - 50.0) / 40.0)
            .collect()
    }

    fn reference(w: &[f32], x: &[f32], m: usize, rows: usize, cols: usize) -> Vec<f32> {
        let mut out = vec![0f32; m * rows];
        for i in 0..m {
            for r in 0..rows {
                out[i * rows + r] = (0..cols)
                    .map(|k| x[i * cols + k] as f64 * w[r * cols + k] as f64)
                    .sum::<f64>() as f32;
            }
        }
        out
    }

    /// The most that rounding the activations to 8 bits can move each product: half a step
    /// (the block's largest |x| / 127) per weight, plus f16 rounding of the scales.
    fn rounding_bound(w: &[f32], x: &[f32], m: usize, rows: usize, cols: usize) -> Vec<f32> {
        let mut out = vec![0f32; m * rows];
        for i in 0..m {
            let xr = &x[i * cols..(i + 1) * cols];
            for r in 0..rows {
                let wr = &w[r * cols..(r + 1) * cols];
                out[i * rows + r] = (0..cols)
                    .map(|k| {
                        let b = k / BLOCK * BLOCK;
                        let amax = xr[b..b + BLOCK].iter().fold(0f32, |a, v| a.max(v.abs()));
                        wr[k].abs() * (amax / 254.0 + 2e-3 * xr[k].abs())
                    })
                    .sum::<f32>()
                    + 1e-4;
            }
        }
        out
    }

    #[test]
    fn simd_and_plain_dequantisation_agree() {
        for format in [Format::Q4_1, Format::Q8_0] {
            let (q, w) = sample_of(format, 3, 96);
            let mut plain = vec![0f32; 3 * 96];
            for r in 0..3 {
                dequantise_row_plain(format, q.row(r), &mut plain[r * 96..(r + 1) * 96]);
            }
            assert_eq!(w, plain, "{format:?}");
        }
    }

    #[test]
    fn dequantised_blocks_follow_the_format() {
        // d = 0.5, m = -1, byte 0x3A: weight 0 is 0.5·10 − 1 = 4, weight 16 is 0.5·3 − 1 = 0.5.
        let mut data = f16::from_f32(0.5).to_le_bytes().to_vec();
        data.extend_from_slice(&f16::from_f32(-1.0).to_le_bytes());
        data.push(0x3A);
        data.extend_from_slice(&[0; 15]);
        let q = QuantMatrix::new(Format::Q4_1, 1, 32, data, "one").unwrap();
        let mut w = vec![0f32; 32];
        q.dequantise(&mut w, 1);
        assert_eq!((w[0], w[16], w[1]), (4.0, 0.5, -1.0));
    }

    #[test]
    fn quantised_dot_products_are_close_to_the_exact_product() {
        let (rows, cols) = (70, 256);
        for (format, m) in [(Format::Q4_1, 1), (Format::Q4_1, 3), (Format::Q8_0, 2)] {
            let (q, w) = sample_of(format, rows, cols);
            let x = input(m, cols);
            let want = reference(&w, &x, m, rows, cols);
            let bound = rounding_bound(&w, &x, m, rows, cols);
            for threads in [1, 2] {
                let got = crate::threads::with_threads(threads, || q.product(&x, m));
                for ((g, e), b) in got.iter().zip(&want).zip(&bound) {
                    assert!((g - e).abs() <= *b, "{format:?}: {g} vs {e} (bound {b})");
                }
            }
        }
    }

    #[test]
    fn products_of_one_input_match_each_product_alone() {
        let (a, _) = sample(50, 64);
        let (b, _) = sample(130, 64);
        for m in [2, 7] {
            let x = input(m, 64);
            let both = crate::threads::with_threads(2, || products(&[&a, &b], &x, m));
            assert_eq!(both[0], a.product(&x, m));
            assert_eq!(both[1], b.product(&x, m));
        }
    }

    #[test]
    fn simd_and_scalar_dot_products_agree() {
        let x = quantise_q8_1(&input(1, 128));
        for (format, plain_dot) in [(Format::Q4_1, dot_q4_1 as DotFn), (Format::Q8_0, dot_q8_0)] {
            let (q, _) = sample_of(format, 9, 128);
            for r in 0..9 {
                let (fast, plain) = (dot_fn(format)(q.row(r), &x), plain_dot(q.row(r), &x));
                assert!(
                    (fast - plain).abs() <= 1e-4 * plain.abs().max(1.0),
                    "{fast} vs {plain}"
                );
            }
        }
    }

    #[test]
    fn wide_products_dequantise_and_match_the_exact_product() {
        let (rows, cols, m) = (40, 64, 9);
        let (q, w) = sample(rows, cols);
        let x = input(m, cols);
        let want = reference(&w, &x, m, rows, cols);
        let got = crate::threads::with_threads(2, || q.product(&x, m));
        for (g, e) in got.iter().zip(&want) {
            assert!((g - e).abs() < 1e-4, "{g} vs {e}");
        }
    }

    #[test]
    fn a_wrong_size_is_an_error_naming_the_tensor() {
        let e = QuantMatrix::new(Format::Q4_1, 2, 32, vec![0; 39], "blk.0.attn_q.weight")
            .err()
            .unwrap();
        assert!(e.to_string().contains("blk.0.attn_q.weight"), "{e}");
    }
}
