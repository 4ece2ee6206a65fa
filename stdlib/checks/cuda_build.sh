#!/usr/bin/env bash
# Compile Ladder with the `cuda` feature on a machine without a CUDA toolkit (or GPU):
# NVIDIA's toolkit wheels from PyPI go into a venv under the target dir and provide nvcc,
# cicc, ptxas and the CUDA/CCCL headers that candle-kernels' build script compiles its
# .cu files with (to PTX, plus a static MoE library).
#
#   stdlib/checks/cuda_build.sh                          # cargo build -p ladder-stdlib --features cuda
#   stdlib/checks/cuda_build.sh check -p ladder-stdlib --features cuda
#
# Arguments replace the cargo command. Environment:
#   CARGO_TARGET_DIR   default <repo>/target-cuda (the venv goes in it too)
#   CUDA_COMPUTE_CAP   default 90 (H100); the kernels are compiled for this architecture only,
#                      because no GPU is visible to detect it (80 = A100, 89 = L4/RTX 40xx)
#   CUDA_WHEELS        toolkit version of the wheels, default 13.2.86: cudarc 0.19 (candle
#                      0.11.1) accepts toolkits up to 13.4 and reads the version from `nvcc --version`
#
# Compiling the library needs only this. Linking a binary (`ladder`, tests) also needs
# libcuda.so (the NVIDIA driver) and cuBLAS, cuRAND and NVRTC: candle links them dynamically,
# so a CUDA build only starts on a machine with the NVIDIA driver and those libraries.
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$repo/target-cuda}
export CUDA_COMPUTE_CAP=${CUDA_COMPUTE_CAP:-90}
version=${CUDA_WHEELS:-13.2.86}
venv=$CARGO_TARGET_DIR/cuda-toolkit-$version

if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
    # --no-deps: these five wheels are the whole compile-time toolkit (about 120 MB).
    "$venv/bin/pip" install --quiet --no-deps \
        "nvidia-cuda-nvcc==$version" "nvidia-nvvm==$version" "nvidia-cuda-crt==$version" \
        "nvidia-cuda-runtime==$version" "nvidia-cuda-cccl==$version"
fi
toolkit=$(echo "$venv"/lib/python3*/site-packages/nvidia/cu13)
[ -x "$toolkit/bin/nvcc" ] || { echo "no nvcc under $toolkit" >&2; exit 1; }

# nvcc finds cicc, the headers and CCCL itself through bin/nvcc.profile; the build scripts
# find nvcc on PATH (cudaforge) and read the CUDA version from it (cudarc).
export PATH=$toolkit/bin:$PATH
export CUDA_HOME=$toolkit CUDA_PATH=$toolkit CUDA_ROOT=$toolkit
export LIBRARY_PATH=$toolkit/lib${LIBRARY_PATH:+:$LIBRARY_PATH}
# The machine is shared: one nvcc and one rustc at a time, at the lowest priority.
export CUDAFORGE_THREADS=1 CARGO_BUILD_JOBS=${CARGO_BUILD_JOBS:-1}

if [ $# -eq 0 ]; then
    set -- build -p ladder-stdlib --features cuda
fi
cd "$repo"
nvcc --version | tail -2
echo "CUDA_COMPUTE_CAP=$CUDA_COMPUTE_CAP CARGO_TARGET_DIR=$CARGO_TARGET_DIR"
exec nice -n 19 cargo "$@"
