//! The machine a figure was measured on, for benchmark headers: the same benchmark differs
//! between CPU models and vendors, so figures are never compared without it.

/// `CPU: <model>; ISA: <widest SIMD gemm can use>; products: <kernel>; cores: <n>; threads:
/// <setting>`.
pub fn describe() -> String {
    let threads = match crate::threads::setting() {
        0 => "auto".to_string(),
        n => n.to_string(),
    };
    format!(
        "CPU: {}; ISA: {}; products: {}; cores: {}; threads: {threads}",
        cpu_model(),
        isa_level(),
        crate::kernels::blas::product_kernel().describe(),
        crate::threads::cores()
    )
}

/// The CPU's model name (`/proc/cpuinfo`), or "unknown".
pub fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            let line = info.lines().find(|l| l.starts_with("model name"))?;
            Some(line.split_once(':')?.1.trim().to_string())
        })
        .unwrap_or_else(|| "unknown".to_string())
}

/// The widest instruction set the matrix kernels pick at run time on this CPU.
pub fn isa_level() -> &'static str {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx512f") {
            return "x86-64 AVX-512";
        }
        if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
        {
            return "x86-64 AVX2+FMA";
        }
        "x86-64 SSE"
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        std::env::consts::ARCH
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_description_names_the_cpu_isa_and_threads() {
        let d = super::describe();
        assert!(d.starts_with("CPU: ") && d.contains("; ISA: ") && d.contains("; threads: "));
    }
}
