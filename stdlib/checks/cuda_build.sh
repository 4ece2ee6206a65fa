#!/usr/bin/env bash
# Build Ladder with the `cuda` feature on a machine without a CUDA toolkit (or GPU), for a
# GPU machine whose driver is CUDA 13.0: NVIDIA's toolkit wheels from PyPI go into a venv
# under the target dir and provide nvcc, cicc, ptxas and the CUDA/CCCL headers that
# candle-kernels' build script compiles its .cu files with, and the libraries to link with.
#
#   stdlib/checks/cuda_build.sh                          # cargo build -p ladder-stdlib --features cuda
#   stdlib/checks/cuda_build.sh build --release --features cuda --bin ladder
#   stdlib/checks/cuda_build.sh check -p ladder-stdlib --features cuda
#
# Arguments replace the cargo command. Environment:
#   CARGO_TARGET_DIR   default <repo>/target-cuda (the venv and link folder go in it too)
#   CUDA_COMPUTE_CAP   the kernels are compiled for this architecture only: default the GPU's
#                      (nvidia-smi), else 90 (H100; 80 = A100, 89 = L4/RTX 40xx)
#
# The wheels are pinned to CUDA 13.0: a driver runs PTX and cubins only from a toolkit no
# newer than itself, so a build for a 13.0 driver must be compiled by a 13.0 nvcc.
#
# Linking: candle links libcuda (the driver), cuBLAS, cuBLASLt, cuRAND, NVRTC and the CUDA
# runtime dynamically. The wheels give all but the driver; for it the script writes a link
# stub (every driver entry point cudarc declares, each returning CUDA_ERROR_NO_DEVICE) whose
# soname is libcuda.so.1, so the binary loads the machine's real driver where it runs. The
# stub is for the linker only; it is never put on a library path.
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$repo/target-cuda}
if [ -z "${CUDA_COMPUTE_CAP:-}" ] && command -v nvidia-smi >/dev/null 2>&1; then
    CUDA_COMPUTE_CAP=$(nvidia-smi --query-gpu=compute_cap --format=csv,noheader | head -1 | tr -d '. ')
fi
export CUDA_COMPUTE_CAP=${CUDA_COMPUTE_CAP:-90}
venv=$CARGO_TARGET_DIR/cuda-toolkit-13.0

if [ ! -x "$venv/bin/python" ] || [ ! -e "$venv/.complete" ]; then
    python3 -m venv "$venv"
    # --no-deps: these wheels are the whole build-time toolkit (compilers, headers, and the
    # libraries to link against; about 550 MB, most of it cuBLAS).
    "$venv/bin/pip" install --quiet --no-deps \
        nvidia-cuda-nvcc==13.0.88 nvidia-nvvm==13.0.88 nvidia-cuda-crt==13.0.88 \
        nvidia-cuda-runtime==13.0.96 nvidia-cuda-cccl==13.0.85 \
        nvidia-cuda-nvrtc==13.0.88 nvidia-cublas==13.0.2.14 nvidia-curand==10.4.0.35
    touch "$venv/.complete"
fi
toolkit=$(echo "$venv"/lib/python3*/site-packages/nvidia/cu13)
[ -x "$toolkit/bin/nvcc" ] || { echo "no nvcc under $toolkit" >&2; exit 1; }

# The linker looks for unversioned names; the wheels ship only the sonames.
link=$CARGO_TARGET_DIR/cuda-link
mkdir -p "$link"
for lib in cublas cublasLt curand nvrtc cudart; do
    so=$(ls "$toolkit"/lib/lib$lib.so.* | head -1)
    ln -sf "$so" "$link/lib$lib.so"
done
if [ ! -e "$link/libcuda.so" ]; then
    cudarc=$(cargo metadata --format-version 1 --features cuda --manifest-path "$repo/Cargo.toml" \
        | python3 -c 'import json, sys; print(next(p["manifest_path"] for p in json.load(sys.stdin)["packages"] if p["name"] == "cudarc"))')
    grep -o 'pub unsafe fn cu[A-Za-z0-9_]*' "$(dirname "$cudarc")/src/driver/sys/mod.rs" \
        | sort -u | awk '{ print "int " $4 "(void) { return 100; }" }' > "$link/libcuda-stub.c"
    cc -shared -fPIC -Wl,-soname,libcuda.so.1 -o "$link/libcuda.so" "$link/libcuda-stub.c"
fi

# nvcc finds cicc, the headers and CCCL itself through bin/nvcc.profile; the build scripts
# find nvcc on PATH (cudaforge) and read the CUDA version from it (cudarc).
export PATH=$toolkit/bin:$PATH
export CUDA_HOME=$toolkit CUDA_PATH=$toolkit CUDA_ROOT=$toolkit
export LIBRARY_PATH=$link:$toolkit/lib${LIBRARY_PATH:+:$LIBRARY_PATH}
# The machine is shared: one nvcc at a time, at the lowest priority.
export CUDAFORGE_THREADS=1

if [ $# -eq 0 ]; then
    set -- build -p ladder-stdlib --features cuda
fi
cd "$repo"
nvcc --version | tail -2
echo "CUDA_COMPUTE_CAP=$CUDA_COMPUTE_CAP CARGO_TARGET_DIR=$CARGO_TARGET_DIR"
exec nice -n 19 cargo "$@"
