//! Tensor operations with numpy's rules: broadcasting, dtype promotion, negative axes.
//! Every error names the operation and the shapes involved.

use super::{dtype_name, shape_str, Tensor};
use crate::bail;
use crate::error::Result;
use candle_core::DType;

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    Maximum,
    Minimum,
    Pow,
}

impl BinOp {
    fn name(self) -> &'static str {
        match self {
            BinOp::Add => "add (+)",
            BinOp::Sub => "subtract (-)",
            BinOp::Mul => "multiply (*)",
            BinOp::Div => "divide (/)",
            BinOp::Maximum => "maximum",
            BinOp::Minimum => "minimum",
            BinOp::Pow => "pow",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

/// The dtype two operands are computed in: the wider float, else i64.
fn promote(a: DType, b: DType) -> DType {
    if a == b {
        return a;
    }
    match (a.is_float(), b.is_float()) {
        (true, true) => {
            if a == DType::F64 || b == DType::F64 {
                DType::F64
            } else {
                DType::F32
            }
        }
        (true, false) => a,
        (false, true) => b,
        (false, false) => DType::I64,
    }
}

/// numpy's broadcast shape, or an error naming the operation and both shapes.
pub fn broadcast_shape(a: &[usize], b: &[usize], op: &str) -> Result<Vec<usize>> {
    let n = a.len().max(b.len());
    let mut out = vec![0; n];
    for i in 0..n {
        let da = if i + a.len() >= n {
            a[i + a.len() - n]
        } else {
            1
        };
        let db = if i + b.len() >= n {
            b[i + b.len() - n]
        } else {
            1
        };
        out[i] = if da == db || db == 1 {
            da
        } else if da == 1 {
            db
        } else {
            bail!("{op}: shapes {a:?} and {b:?} cannot be broadcast together (dimension {i}: {da} vs {db})");
        };
    }
    Ok(out)
}

fn same_device(a: &Tensor, b: &Tensor, op: &str) -> Result<()> {
    if !a.device().same_device(b.device()) {
        bail!(
            "{op}: tensors are on different devices ({} and {})",
            super::device::device_name(a.device()),
            super::device::device_name(b.device())
        );
    }
    Ok(())
}

/// Align dtypes and shapes of two operands.
fn align(a: &Tensor, b: &Tensor, op: &str) -> Result<(candle_core::Tensor, candle_core::Tensor)> {
    same_device(a, b, op)?;
    let dtype = promote(a.dtype(), b.dtype());
    let (mut x, mut y) = (a.0.to_dtype(dtype)?, b.0.to_dtype(dtype)?);
    if x.dims() != y.dims() {
        let shape = broadcast_shape(x.dims(), y.dims(), op)?;
        super::budget::check(op, &shape, dtype)?;
        x = x.broadcast_as(shape.as_slice())?;
        y = y.broadcast_as(shape.as_slice())?;
    }
    Ok((x, y))
}

pub fn binary(a: &Tensor, b: &Tensor, op: BinOp) -> Result<Tensor> {
    let (mut x, mut y) = align(a, b, op.name())?;
    if matches!(op, BinOp::Div | BinOp::Pow) && !x.dtype().is_float() {
        // True division, as numpy's `/` (and no integer division by zero).
        x = x.to_dtype(DType::F32)?;
        y = y.to_dtype(DType::F32)?;
    }
    let r = match op {
        BinOp::Add => x.add(&y),
        BinOp::Sub => x.sub(&y),
        BinOp::Mul => x.mul(&y),
        BinOp::Div => x.div(&y),
        BinOp::Maximum => x.maximum(&y),
        BinOp::Minimum => x.minimum(&y),
        BinOp::Pow => x.pow(&y),
    };
    Ok(Tensor(r.map_err(|e| {
        crate::error::Error::new(format!(
            "{}: {} {} and {} {}: {}",
            op.name(),
            shape_str(a),
            dtype_name(a.dtype()),
            shape_str(b),
            dtype_name(b.dtype()),
            crate::error::Error::from(e)
        ))
    })?))
}

/// `t op s` with a scalar; integer tensors become f32 when the scalar is fractional.
pub fn scalar(t: &Tensor, s: f64, op: BinOp, scalar_first: bool) -> Result<Tensor> {
    let x = if !t.dtype().is_float() && (s.fract() != 0.0 || op == BinOp::Div) {
        t.0.to_dtype(DType::F32)?
    } else {
        t.0.clone()
    };
    let r = match (op, scalar_first) {
        (BinOp::Add, _) => x.affine(1.0, s)?,
        (BinOp::Mul, _) => x.affine(s, 0.0)?,
        (BinOp::Sub, false) => x.affine(1.0, -s)?,
        (BinOp::Sub, true) => x.affine(-1.0, s)?,
        (BinOp::Div, false) => x.affine(1.0 / s, 0.0)?,
        (BinOp::Div, true) => x.recip()?.affine(s, 0.0)?,
        (BinOp::Maximum, _) => x.maximum(s)?,
        (BinOp::Minimum, _) => x.minimum(s)?,
        (BinOp::Pow, false) => x.powf(s)?,
        (BinOp::Pow, true) => x.affine(s.ln(), 0.0)?.exp()?,
    };
    Ok(Tensor(r))
}

/// Elementwise comparison; the result is a u8 tensor of 0/1.
pub fn compare(a: &Tensor, b: &Tensor, op: CmpOp) -> Result<Tensor> {
    let (x, y) = align(a, b, "comparison")?;
    let r = match op {
        CmpOp::Eq => x.eq(&y),
        CmpOp::Ne => x.ne(&y),
        CmpOp::Lt => x.lt(&y),
        CmpOp::Le => x.le(&y),
        CmpOp::Gt => x.gt(&y),
        CmpOp::Ge => x.ge(&y),
    };
    Ok(Tensor(r?))
}

pub fn compare_scalar(a: &Tensor, s: f64, op: CmpOp) -> Result<Tensor> {
    let b = Tensor(candle_core::Tensor::new(s, a.device())?.to_dtype(a.dtype())?);
    compare(a, &b, op)
}

/// Matrix product with numpy's rules for 1-D operands and batched (3-D+) operands.
pub fn matmul(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    same_device(a, b, "matmul")?;
    let (ad, bd) = (a.dims(), b.dims());
    if ad.is_empty() || bd.is_empty() {
        bail!("matmul: operands must have at least one dimension, got shapes {ad:?} and {bd:?}");
    }
    let k_a = ad[ad.len() - 1];
    let k_b = if bd.len() == 1 {
        bd[0]
    } else {
        bd[bd.len() - 2]
    };
    if k_a != k_b {
        bail!(
            "matmul: shapes {ad:?} and {bd:?} are not aligned ({k_a} (dim {}) != {k_b} (dim {}))",
            ad.len() - 1,
            if bd.len() == 1 { 0 } else { bd.len() - 2 }
        );
    }
    let dtype = promote(a.dtype(), b.dtype());
    let dtype = if dtype.is_float() { dtype } else { DType::F32 };
    super::budget::check("matmul", &matmul_dims(ad, bd)?, dtype)?;
    let mut x = a.0.to_dtype(dtype)?;
    let mut y = b.0.to_dtype(dtype)?;
    let (squeeze_a, squeeze_b) = (ad.len() == 1, bd.len() == 1);
    if squeeze_a {
        x = x.unsqueeze(0)?;
    }
    if squeeze_b {
        y = y.unsqueeze(1)?;
    }
    let r = if x.rank() == 2 && y.rank() == 2 {
        // f32 CPU products run on the library's gemm path (threads chosen per product).
        match crate::kernels::dense::matmul(&x, &y)? {
            Some(r) => r,
            None => x.matmul(&y)?,
        }
    } else {
        let batch = broadcast_shape(
            &x.dims()[..x.rank() - 2],
            &y.dims()[..y.rank() - 2],
            "matmul",
        )?;
        let mut xs = batch.clone();
        xs.extend_from_slice(&x.dims()[x.rank() - 2..]);
        let mut ys = batch;
        ys.extend_from_slice(&y.dims()[y.rank() - 2..]);
        x.broadcast_as(xs)?
            .contiguous()?
            .matmul(&y.broadcast_as(ys)?.contiguous()?)?
    };
    let r = if squeeze_a {
        r.squeeze(r.rank() - 2)?
    } else {
        r
    };
    let r = if squeeze_b {
        r.squeeze(r.rank() - 1)?
    } else {
        r
    };
    Ok(Tensor(r))
}

/// The shape of `matmul`'s result (numpy's rules), before anything is allocated.
fn matmul_dims(ad: &[usize], bd: &[usize]) -> Result<Vec<usize>> {
    let rows: &[usize] = if ad.len() == 1 {
        &[]
    } else {
        &ad[ad.len() - 2..ad.len() - 1]
    };
    let cols: &[usize] = if bd.len() == 1 {
        &[]
    } else {
        &bd[bd.len() - 1..]
    };
    let batch_a = &ad[..ad.len().saturating_sub(2)];
    let batch_b = &bd[..bd.len().saturating_sub(2)];
    let mut dims = broadcast_shape(batch_a, batch_b, "matmul")?;
    dims.extend_from_slice(rows);
    dims.extend_from_slice(cols);
    Ok(dims)
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Unary {
    Exp,
    Log,
    Relu,
    Sigmoid,
    Tanh,
    Sqrt,
    Abs,
    Neg,
    Gelu,
    Silu,
    Square,
    Sign,
}

pub fn unary(t: &Tensor, op: Unary) -> Result<Tensor> {
    let x = if t.dtype().is_float()
        || matches!(
            op,
            Unary::Abs | Unary::Neg | Unary::Relu | Unary::Square | Unary::Sign
        ) {
        t.0.clone()
    } else {
        t.0.to_dtype(DType::F32)?
    };
    let r = match op {
        Unary::Exp => x.exp()?,
        Unary::Log => x.log()?,
        Unary::Relu => x.relu()?,
        Unary::Sigmoid => candle_core::Tensor::ones_like(&x)?.div(&(x.neg()?.exp()? + 1.0)?)?,
        Unary::Tanh => x.tanh()?,
        Unary::Sqrt => x.sqrt()?,
        Unary::Abs => x.abs()?,
        Unary::Neg => x.neg()?,
        Unary::Gelu => x.gelu_erf()?,
        Unary::Silu => x.silu()?,
        Unary::Square => x.sqr()?,
        Unary::Sign => x.sign()?,
    };
    Ok(Tensor(r))
}

/// A possibly negative axis, checked against the rank.
pub fn axis(t: &candle_core::Tensor, axis: i64, op: &str) -> Result<usize> {
    let rank = t.rank() as i64;
    let a = if axis < 0 { axis + rank } else { axis };
    if a < 0 || a >= rank.max(1) || (rank == 0) {
        bail!(
            "{op}: axis {axis} is out of range for a tensor of shape {:?} (rank {rank})",
            t.dims()
        );
    }
    Ok(a as usize)
}

/// Softmax along an axis (numerically stable; keeps the autograd graph).
pub fn softmax(t: &candle_core::Tensor, ax: usize) -> Result<candle_core::Tensor> {
    let max = t.max_keepdim(ax)?.detach();
    let e = t.broadcast_sub(&max)?.exp()?;
    Ok(e.broadcast_div(&e.sum_keepdim(ax)?)?)
}

/// log-softmax along an axis (numerically stable; keeps the autograd graph).
pub fn log_softmax(t: &candle_core::Tensor, ax: usize) -> Result<candle_core::Tensor> {
    let max = t.max_keepdim(ax)?.detach();
    let shifted = t.broadcast_sub(&max)?;
    let lse = shifted.exp()?.sum_keepdim(ax)?.log()?;
    Ok(shifted.broadcast_sub(&lse)?)
}

fn float(t: &Tensor) -> Result<candle_core::Tensor> {
    Ok(if t.dtype().is_float() {
        t.0.clone()
    } else {
        t.0.to_dtype(DType::F32)?
    })
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Reduce {
    Sum,
    Mean,
    Max,
    Min,
    ArgMax,
    ArgMin,
    Std,
    Var,
}

/// Reduce over one axis, or all elements when `ax` is `None`.
pub fn reduce(t: &Tensor, op: Reduce, ax: Option<i64>, keepdim: bool) -> Result<Tensor> {
    let name = format!("{op:?}").to_lowercase();
    if t.elem_count() == 0 && !matches!(op, Reduce::Sum) {
        bail!("{name}: the tensor is empty (shape {:?})", t.dims());
    }
    let (x, a) = match ax {
        Some(a) => (t.0.clone(), axis(t, a, &name)?),
        None => (t.0.flatten_all()?, 0),
    };
    // Small unsigned sums (counts of a comparison mask) overflow their dtype: sum in i64,
    // as numpy does.
    let x = if op == Reduce::Sum && matches!(x.dtype(), DType::U8 | DType::U32) {
        x.to_dtype(DType::I64)?
    } else {
        x
    };
    let r = match op {
        Reduce::Sum => x.sum_keepdim(a)?,
        Reduce::Mean => float(&Tensor(x))?.mean_keepdim(a)?,
        Reduce::Max => x.max_keepdim(a)?,
        Reduce::Min => x.min_keepdim(a)?,
        Reduce::ArgMax => x.argmax_keepdim(a)?.to_dtype(DType::I64)?,
        Reduce::ArgMin => x.argmin_keepdim(a)?.to_dtype(DType::I64)?,
        Reduce::Var | Reduce::Std => {
            // Population variance (numpy's default, ddof = 0).
            let x = float(&Tensor(x))?;
            let mean = x.mean_keepdim(a)?;
            let var = x.broadcast_sub(&mean)?.sqr()?.mean_keepdim(a)?;
            if op == Reduce::Std {
                var.sqrt()?
            } else {
                var
            }
        }
    };
    Ok(Tensor(if keepdim && ax.is_some() {
        r
    } else {
        r.squeeze(a)?
    }))
}

/// `t[i]` along the first axis (negative counts from the end).
pub fn index(t: &Tensor, i: i64) -> Result<Tensor> {
    if t.rank() == 0 {
        bail!("index: cannot index a 0-d tensor (a scalar)");
    }
    let n = t.dims()[0] as i64;
    let j = if i < 0 { i + n } else { i };
    if j < 0 || j >= n {
        bail!(
            "index {i} is out of range for axis 0 of size {n} (shape {:?})",
            t.dims()
        );
    }
    Ok(Tensor(t.0.get(j as usize)?))
}

/// `t[start..end]` along an axis, clamped like Python slices.
pub fn slice(t: &Tensor, ax: i64, start: i64, end: i64) -> Result<Tensor> {
    let a = axis(t, ax, "slice")?;
    let n = t.dims()[a] as i64;
    let fix = |v: i64| if v < 0 { (v + n).max(0) } else { v.min(n) };
    let (s, e) = (fix(start), fix(end));
    let len = (e - s).max(0) as usize;
    Ok(Tensor(t.0.narrow(a, s as usize, len)?))
}

/// Rows (entries along `axis`) picked by an index list (gather with repeats allowed).
pub fn take(t: &Tensor, indices: &[i64], ax: i64) -> Result<Tensor> {
    let a = axis(t, ax, "take")?;
    let n = t.dims()[a] as i64;
    let mut idx = Vec::with_capacity(indices.len());
    for &i in indices {
        let j = if i < 0 { i + n } else { i };
        if j < 0 || j >= n {
            bail!(
                "take: index {i} is out of range for axis {a} of size {n} (shape {:?})",
                t.dims()
            );
        }
        idx.push(j as u32);
    }
    let mut out = t.dims().to_vec();
    out[a] = indices.len();
    super::budget::check("take", &out, t.dtype())?;
    let ids = candle_core::Tensor::from_vec(idx, indices.len(), t.device())?;
    Ok(Tensor(t.0.index_select(&ids, a)?))
}

/// Entries where a 0/1 mask (same length as axis 0) is non-zero.
pub fn mask_rows(t: &Tensor, mask: &Tensor) -> Result<Tensor> {
    if mask.rank() != 1 || t.rank() == 0 || mask.dims()[0] != t.dims()[0] {
        bail!("mask: a mask of shape {:?} cannot select rows of a tensor of shape {:?} (it must be 1-D with one entry per row)", mask.dims(), t.dims());
    }
    let m = mask.0.to_dtype(DType::F64)?.to_vec1::<f64>()?;
    let idx: Vec<i64> = m
        .iter()
        .enumerate()
        .filter(|(_, &v)| v != 0.0)
        .map(|(i, _)| i as i64)
        .collect();
    take(t, &idx, 0)
}

/// Reshape; one dimension may be -1 (inferred).
pub fn reshape(t: &Tensor, shape: &[i64]) -> Result<Tensor> {
    let total = t.elem_count();
    let known: i64 = shape.iter().filter(|&&d| d != -1).product();
    let unknown = shape.iter().filter(|&&d| d == -1).count();
    let bad = || {
        crate::error::Error::new(format!(
            "reshape: cannot reshape a tensor of shape {:?} ({total} elements) into {shape:?}",
            t.dims()
        ))
    };
    if unknown > 1 || shape.iter().any(|&d| d < -1) {
        return Err(bad());
    }
    let dims: Vec<usize> = if unknown == 1 {
        if known == 0 || total as i64 % known != 0 {
            return Err(bad());
        }
        shape
            .iter()
            .map(|&d| {
                if d == -1 {
                    (total as i64 / known) as usize
                } else {
                    d as usize
                }
            })
            .collect()
    } else {
        shape.iter().map(|&d| d as usize).collect()
    };
    if dims.iter().product::<usize>() != total {
        return Err(bad());
    }
    Ok(Tensor(t.0.reshape(dims)?))
}

/// Swap two axes (the last two by default for `transpose(x)`).
pub fn transpose(t: &Tensor, a: i64, b: i64) -> Result<Tensor> {
    if t.rank() < 2 {
        return Ok(t.clone());
    }
    let (a, b) = (axis(t, a, "transpose")?, axis(t, b, "transpose")?);
    Ok(Tensor(t.0.transpose(a, b)?))
}

/// Join tensors along an existing axis; shapes must agree elsewhere.
pub fn concat(ts: &[Tensor], ax: i64) -> Result<Tensor> {
    if ts.is_empty() {
        bail!("concat: no tensors to join");
    }
    let a = axis(&ts[0], ax, "concat")?;
    let dtype = ts.iter().map(|t| t.dtype()).reduce(promote).unwrap();
    for (i, t) in ts.iter().enumerate().skip(1) {
        let (s0, s) = (ts[0].dims(), t.dims());
        let agree = s0.len() == s.len()
            && s0
                .iter()
                .zip(s)
                .enumerate()
                .all(|(d, (x, y))| d == a || x == y);
        if !agree {
            bail!("concat along axis {a}: tensor {i} has shape {s:?}, which does not match tensor 0's shape {s0:?} outside that axis");
        }
        same_device(&ts[0], t, "concat")?;
    }
    let mut out = ts[0].dims().to_vec();
    out[a] = ts.iter().map(|t| t.dims()[a]).sum();
    super::budget::check("concat", &out, dtype)?;
    let parts = ts
        .iter()
        .map(|t| t.0.to_dtype(dtype))
        .collect::<candle_core::Result<Vec<_>>>()?;
    Ok(Tensor(candle_core::Tensor::cat(&parts, a)?))
}

/// Join tensors along a new axis; shapes must be equal.
pub fn stack(ts: &[Tensor], ax: i64) -> Result<Tensor> {
    if ts.is_empty() {
        bail!("stack: no tensors to join");
    }
    for (i, t) in ts.iter().enumerate().skip(1) {
        if t.dims() != ts[0].dims() {
            bail!(
                "stack: tensor {i} has shape {:?} but tensor 0 has shape {:?}",
                t.dims(),
                ts[0].dims()
            );
        }
    }
    let expanded: Vec<Tensor> = ts
        .iter()
        .map(|t| {
            let rank = t.rank() as i64 + 1;
            let a = if ax < 0 { ax + rank } else { ax };
            if a < 0 || a >= rank {
                bail!("stack: axis {ax} is out of range for {rank}-d results");
            }
            Ok(Tensor(t.0.unsqueeze(a as usize)?))
        })
        .collect::<Result<_>>()?;
    concat(&expanded, ax)
}

/// The single value of a one-element tensor.
pub fn item(t: &Tensor) -> Result<f64> {
    if t.elem_count() != 1 {
        bail!(
            "item: the tensor has {} elements (shape {:?}); item() needs exactly one",
            t.elem_count(),
            t.dims()
        );
    }
    Ok(t.0.flatten_all()?.to_dtype(DType::F64)?.to_vec1::<f64>()?[0])
}

/// All values as f32, row-major.
pub fn to_vec_f32(t: &candle_core::Tensor) -> Result<Vec<f32>> {
    Ok(t.flatten_all()?.to_dtype(DType::F32)?.to_vec1::<f32>()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::Device;

    fn t(v: &[f32], shape: &[usize]) -> Tensor {
        Tensor(candle_core::Tensor::from_vec(v.to_vec(), shape, &Device::Cpu).unwrap())
    }

    #[test]
    fn broadcasting_follows_numpy() {
        let a = t(&[1., 2., 3., 4., 5., 6.], &[2, 3]);
        let b = t(&[10., 20., 30.], &[3]);
        let r = binary(&a, &b, BinOp::Add).unwrap();
        assert_eq!(to_vec_f32(&r).unwrap(), vec![11., 22., 33., 14., 25., 36.]);
        let col = t(&[1., 2.], &[2, 1]);
        let r = binary(&a, &col, BinOp::Mul).unwrap();
        assert_eq!(to_vec_f32(&r).unwrap(), vec![1., 2., 3., 8., 10., 12.]);
        let e = binary(&a, &t(&[1., 2.], &[2]), BinOp::Add).unwrap_err();
        assert!(
            e.message()
                .contains("add (+): shapes [2, 3] and [2] cannot be broadcast"),
            "{e}"
        );
    }

    #[test]
    fn matmul_errors_name_both_shapes() {
        let a = t(&[1., 2., 3., 4., 5., 6.], &[2, 3]);
        let e = matmul(&a, &a).unwrap_err();
        assert!(
            e.message()
                .contains("matmul: shapes [2, 3] and [2, 3] are not aligned"),
            "{e}"
        );
        let r = matmul(&a, &transpose(&a, -2, -1).unwrap()).unwrap();
        assert_eq!(to_vec_f32(&r).unwrap(), vec![14., 32., 32., 77.]);
        let v = matmul(&a, &t(&[1., 1., 1.], &[3])).unwrap();
        assert_eq!(v.dims(), &[2]);
    }

    #[test]
    fn reductions_and_indexing() {
        let a = t(&[1., 5., 3., 4., 2., 6.], &[2, 3]);
        assert_eq!(
            to_vec_f32(&reduce(&a, Reduce::Sum, Some(0), false).unwrap()).unwrap(),
            vec![5., 7., 9.]
        );
        assert_eq!(
            to_vec_f32(&reduce(&a, Reduce::ArgMax, Some(-1), false).unwrap()).unwrap(),
            vec![1., 2.]
        );
        assert_eq!(
            item(&reduce(&a, Reduce::Mean, None, false).unwrap()).unwrap(),
            3.5
        );
        assert_eq!(
            to_vec_f32(&index(&a, -1).unwrap()).unwrap(),
            vec![4., 2., 6.]
        );
        assert!(index(&a, 2).unwrap_err().message().contains("out of range"));
        assert_eq!(slice(&a, 1, 1, 100).unwrap().dims(), &[2, 2]);
        assert_eq!(reshape(&a, &[3, -1]).unwrap().dims(), &[3, 2]);
        assert!(reshape(&a, &[4, -1])
            .unwrap_err()
            .message()
            .contains("[2, 3]"));
        let s = softmax(&a.0, 1).unwrap();
        let sums = to_vec_f32(&s.sum(1).unwrap()).unwrap();
        assert!(sums.iter().all(|v| (v - 1.0).abs() < 1e-6));
    }

    #[test]
    fn integer_and_float_operands_promote() {
        let i = Tensor(candle_core::Tensor::new(&[1i64, 2, 3], &Device::Cpu).unwrap());
        let f = t(&[0.5, 0.5, 0.5], &[3]);
        let r = binary(&i, &f, BinOp::Mul).unwrap();
        assert_eq!(r.dtype(), DType::F32);
        assert_eq!(
            scalar(&i, 2.0, BinOp::Div, false).unwrap().dtype(),
            DType::F32
        );
        let c = compare_scalar(&f, 0.4, CmpOp::Gt).unwrap();
        assert_eq!(c.dtype(), DType::U8);
        let zero = Tensor(candle_core::Tensor::new(&[0i64, 0, 0], &Device::Cpu).unwrap());
        let q = binary(&i, &zero, BinOp::Div).unwrap();
        assert!(to_vec_f32(&q).unwrap().iter().all(|v| v.is_infinite()));
        let many = Tensor(candle_core::Tensor::ones(300, DType::U8, &Device::Cpu).unwrap());
        assert_eq!(
            item(&reduce(&many, Reduce::Sum, None, false).unwrap()).unwrap(),
            300.0
        );
    }
}
