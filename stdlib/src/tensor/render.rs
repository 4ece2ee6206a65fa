//! How a tensor shows itself: numpy-like text (summarised past 1000 elements, 3 edge items)
//! and, for up to 2-D, an HTML table.

use super::{device::device_name, dtype_name, Tensor};
use candle_core::DType;
use ladder_scripting::html::escape;
use ladder_scripting::{MimeBundle, Render};

/// Tensors with more elements than this are summarised (numpy's threshold).
const THRESHOLD: usize = 1000;
const EDGE: usize = 3;
const HTML_EDGE: usize = 10;

/// The values to show: per axis either all indices or the first and last `edge`.
struct View {
    dims: Vec<usize>,
    /// Per axis, the kept indices (None marks the elided gap).
    kept: Vec<Vec<Option<usize>>>,
    values: Vec<f64>,
    is_float: bool,
}

fn view(t: &Tensor, edge: usize, summarise: bool) -> Option<View> {
    let dims = t.dims().to_vec();
    let mut small = t.0.clone();
    let mut kept = Vec::new();
    for (axis, &n) in dims.iter().enumerate() {
        if summarise && n > 2 * edge {
            let idx: Vec<u32> = (0..edge).chain(n - edge..n).map(|i| i as u32).collect();
            let ids = candle_core::Tensor::from_vec(idx, 2 * edge, small.device()).ok()?;
            small = small.index_select(&ids, axis).ok()?;
            let mut k: Vec<Option<usize>> = (0..edge).map(Some).collect();
            k.push(None);
            k.extend((n - edge..n).map(Some));
            kept.push(k);
        } else {
            kept.push((0..n).map(Some).collect());
        }
    }
    let values = small
        .flatten_all()
        .ok()?
        .to_dtype(DType::F64)
        .ok()?
        .to_vec1::<f64>()
        .ok()?;
    Some(View {
        dims,
        kept,
        values,
        is_float: t.dtype().is_float(),
    })
}

/// Formats every shown number with one common style, like numpy's printer.
struct NumberFormat {
    is_float: bool,
    scientific: bool,
    integral: bool,
}

impl NumberFormat {
    fn new(values: &[f64], is_float: bool) -> Self {
        let finite: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
        let max = finite.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        let min_nonzero = finite
            .iter()
            .filter(|v| **v != 0.0)
            .fold(f64::INFINITY, |m, v| m.min(v.abs()));
        NumberFormat {
            is_float,
            scientific: max >= 1e8
                || (min_nonzero < 1e-4 && min_nonzero.is_finite())
                || (max > 0.0 && min_nonzero.is_finite() && max / min_nonzero > 1e3 && max >= 1e4),
            integral: finite.iter().all(|v| v.fract() == 0.0),
        }
    }

    fn format(&self, v: f64) -> String {
        if !self.is_float {
            return format!("{}", v as i64);
        }
        if v.is_nan() {
            return "nan".into();
        }
        if v.is_infinite() {
            return if v > 0.0 { "inf".into() } else { "-inf".into() };
        }
        if self.scientific {
            format!("{v:.4e}")
        } else if self.integral {
            format!("{v:.0}.")
        } else {
            format!("{v:.4}")
        }
    }
}

fn plain(t: &Tensor) -> String {
    let summarise = t.elem_count() > THRESHOLD;
    let header = format!(
        "shape={:?}, dtype={}{}",
        t.dims(),
        dtype_name(t.dtype()),
        match t.device() {
            candle_core::Device::Cpu => String::new(),
            d => format!(", device={}", device_name(d)),
        }
    );
    let Some(v) = view(t, EDGE, summarise) else {
        return format!("tensor(<unreadable>, {header})");
    };
    let fmt = NumberFormat::new(&v.values, v.is_float);
    let cells: Vec<String> = v.values.iter().map(|&x| fmt.format(x)).collect();
    let width = cells.iter().map(|c| c.len()).max().unwrap_or(0);
    let mut out = String::from("tensor(");
    if v.dims.is_empty() {
        out.push_str(&cells[0]);
    } else {
        let mut pos = 0;
        nest(&v, 0, &cells, width, &mut pos, &mut out, 7);
    }
    out.push_str(&format!(", {header})"));
    out
}

fn nest(
    v: &View,
    axis: usize,
    cells: &[String],
    width: usize,
    pos: &mut usize,
    out: &mut String,
    indent: usize,
) {
    out.push('[');
    let last_axis = axis + 1 == v.dims.len();
    let items = &v.kept[axis];
    for (i, k) in items.iter().enumerate() {
        if i > 0 {
            if last_axis {
                out.push_str(", ");
            } else {
                out.push(',');
                out.push_str(&"\n".repeat(v.dims.len() - axis - 1));
                out.push_str(&" ".repeat(indent + axis + 1));
            }
        }
        match k {
            None => out.push_str("..."),
            Some(_) if last_axis => {
                out.push_str(&format!("{:>width$}", cells[*pos]));
                *pos += 1;
            }
            Some(_) => nest(v, axis + 1, cells, width, pos, out, indent),
        }
    }
    out.push(']');
}

fn html(t: &Tensor) -> Option<String> {
    if t.rank() > 2 {
        return None;
    }
    let matrix = if t.rank() == 2 {
        t.0.clone()
    } else {
        t.0.reshape((1, t.elem_count().max(1).min(t.elem_count())))
            .ok()?
    };
    let matrix = if t.rank() == 0 {
        t.0.reshape((1, 1)).ok()?
    } else {
        matrix
    };
    let tm = Tensor(matrix);
    let v = view(&tm, HTML_EDGE, true)?;
    let fmt = NumberFormat::new(&v.values, v.is_float);
    let cols = v.kept[1].len();
    let mut s = String::from("<table class=\"ladder-tensor\">\n<thead><tr><th></th>");
    for k in &v.kept[1] {
        s.push_str(&match k {
            Some(j) => format!("<th>{j}</th>"),
            None => "<th>…</th>".into(),
        });
    }
    s.push_str("</tr></thead>\n<tbody>\n");
    let mut pos = 0;
    for k in &v.kept[0] {
        match k {
            Some(i) => {
                s.push_str(&format!("<tr><th>{i}</th>"));
                for c in &v.kept[1] {
                    match c {
                        Some(_) => {
                            s.push_str(&format!("<td>{}</td>", escape(&fmt.format(v.values[pos]))));
                            pos += 1;
                        }
                        None => s.push_str("<td>…</td>"),
                    }
                }
                s.push_str("</tr>\n");
            }
            None => {
                s.push_str("<tr><th>⋮</th>");
                s.push_str(&"<td>⋮</td>".repeat(cols));
                s.push_str("</tr>\n");
            }
        }
    }
    s.push_str(&format!(
        "</tbody>\n<caption>tensor shape={:?}, dtype={}, device={}</caption>\n</table>",
        t.dims(),
        dtype_name(t.dtype()),
        device_name(t.device())
    ));
    Some(s)
}

impl Render for Tensor {
    fn mime_bundle(&self) -> MimeBundle {
        let bundle = MimeBundle::text(plain(self));
        match html(self) {
            Some(h) => bundle.with_html(h),
            None => bundle,
        }
    }
}

impl std::fmt::Display for Tensor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&plain(self))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::Device;

    #[test]
    fn small_tensors_print_in_full() {
        let t =
            Tensor(candle_core::Tensor::new(&[[1f32, 2.5], [3.0, -4.0]], &Device::Cpu).unwrap());
        assert_eq!(
            t.mime_bundle().plain().unwrap(),
            "tensor([[ 1.0000,  2.5000],\n        [ 3.0000, -4.0000]], shape=[2, 2], dtype=f32)"
        );
        let i = Tensor(candle_core::Tensor::new(&[1i64, 2, 3], &Device::Cpu).unwrap());
        assert_eq!(i.to_string(), "tensor([1, 2, 3], shape=[3], dtype=i64)");
        assert!(t.mime_bundle().data.contains_key("text/html"));
    }

    #[test]
    fn large_tensors_are_summarised() {
        let t = Tensor(
            candle_core::Tensor::arange(0f32, 2000.0, &Device::Cpu)
                .unwrap()
                .reshape((40, 50))
                .unwrap(),
        );
        let text = t.to_string();
        assert!(text.contains("..."), "{text}");
        assert!(text.len() < 600, "{text}");
        assert!(text.contains("1999."), "{text}");
        let html = t.mime_bundle().data["text/html"]
            .as_str()
            .unwrap()
            .to_string();
        assert!(html.contains("<th>39</th>") && html.contains("…"));
        let cube = Tensor(candle_core::Tensor::zeros((2, 2, 2), DType::F32, &Device::Cpu).unwrap());
        assert!(!cube.mime_bundle().data.contains_key("text/html"));
    }
}
