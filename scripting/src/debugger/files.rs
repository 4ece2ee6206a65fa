//! Where a cell's source lives while it is debugged: a file named by the Murmur2 hash of
//! its code, as ipykernel names them, so that a front end computes the same path from a
//! cell's text (it reads the hash method, seed, prefix and suffix from `debugInfo`).

use std::path::PathBuf;

/// ipykernel's seed; front ends read it from `debugInfo`, so any fixed value works.
pub const HASH_SEED: u32 = 0xC70F_6907;
pub const SUFFIX: &str = ".rhai";

/// Murmur2 (32-bit) of the UTF-8 bytes of `text`, as ipykernel's `murmur2_x86`.
pub fn murmur2(text: &str, seed: u32) -> u32 {
    const M: u32 = 0x5BD1_E995;
    let data = text.as_bytes();
    let mut h = seed ^ data.len() as u32;
    let mut chunks = data.chunks_exact(4);
    for chunk in &mut chunks {
        let mut k = u32::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]);
        k = k.wrapping_mul(M);
        k ^= k >> 24;
        k = k.wrapping_mul(M);
        h = h.wrapping_mul(M) ^ k;
    }
    let tail = chunks.remainder();
    if !tail.is_empty() {
        let mut k = 0u32;
        for (i, byte) in tail.iter().enumerate() {
            k |= u32::from(*byte) << (8 * i);
        }
        h ^= k;
        h = h.wrapping_mul(M);
    }
    h ^= h >> 13;
    h = h.wrapping_mul(M);
    h ^ (h >> 15)
}

/// The folder the cells of this process are written to (ends with a separator).
pub fn prefix() -> String {
    let dir = std::env::temp_dir().join(format!("ladder_{}", std::process::id()));
    format!("{}{}", dir.display(), std::path::MAIN_SEPARATOR)
}

/// The path a cell with this code is debugged under.
pub fn cell_path(code: &str) -> String {
    format!("{}{}{SUFFIX}", prefix(), murmur2(code, HASH_SEED))
}

/// Write the cell's code to its path; returns the path.
pub fn dump_cell(code: &str) -> Result<String, String> {
    let path = cell_path(code);
    let dir = PathBuf::from(prefix());
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    std::fs::write(&path, code).map_err(|e| format!("cannot write {path}: {e}"))?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn murmur2_matches_ipykernel() {
        // Values from ipykernel.compiler.murmur2_x86 with seed 0xC70F6907.
        assert_eq!(murmur2("", HASH_SEED), 3_990_065_800);
        assert_eq!(murmur2("a", HASH_SEED), 2_167_009_006);
        assert_eq!(murmur2("let x = 1;\nx + 2", HASH_SEED), 19_116_495);
        assert_eq!(murmur2("héllo wörld!", HASH_SEED), 4_225_422_682);
    }
}
