#!/usr/bin/env bash
# The GPU check as one command on a GPU machine that has PyTorch's venv but no Rust toolchain
# (the device machine): unpack the CUDA build carried beside the repository, point the loader at
# the NVIDIA libraries in that venv, and run gpu_check.sh into OUT_DIR.
#
# Prepare it where Rust is (the stripped binary is about 94 MB, 26 MB gzipped):
#   stdlib/checks/cuda_build.sh build --release --features cuda --bin ladder
#   strip -o target-cuda/ladder-cuda target-cuda/release/ladder && gzip -f target-cuda/ladder-cuda
# then carry target-cuda/ladder-cuda.gz with the repository and run there:
#   stdlib/checks/gpu_device_run.sh OUT_DIR
# Environment: PYTHON (default python3, the one holding torch).
set -euo pipefail

[ $# -ge 1 ] || { sed -n '2,12p' "$0"; exit 2; }
out=$1
repo=$(cd "$(dirname "$0")/../.." && pwd)
python=${PYTHON:-python3}
mkdir -p "$out"
bin=$(mktemp -d)/ladder-cuda
gunzip -c "$repo/target-cuda/ladder-cuda.gz" > "$bin"
chmod +x "$bin"

# cuBLAS, cuRAND, NVRTC and the CUDA runtime ship in the venv's nvidia/* packages; the driver
# (libcuda.so.1) is the machine's own.
libs=$("$python" - <<'EOF'
import glob, os
import nvidia
dirs = {os.path.dirname(p) for root in nvidia.__path__
        for p in glob.glob(os.path.join(root, "**", "lib*.so*"), recursive=True)}
print(":".join(sorted(dirs)))
EOF
)
export LD_LIBRARY_PATH=$libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
echo "loader path: $LD_LIBRARY_PATH"
"$bin" --version
LADDER=$bin PYTHON=$python "$repo/stdlib/checks/gpu_check.sh" "$out" cuda
