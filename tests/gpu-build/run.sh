#!/usr/bin/env bash
# The ONNX Runtime GPU build (-p:OnnxRuntimeBackend=gpu, Microsoft.ML.OnnxRuntime.Gpu.Linux) restored and compiled
# into its own artifacts folder (artifacts/gpu-build/{bin,obj}/PROJECT: the CPU build's bin/ and obj/ folders, which
# the tests use, are not touched), then its mama tool run on a tiny model with --backend onnx --device cuda. Without a
# GPU and the CUDA 12 / cuDNN 9 libraries (CI has neither) the CUDA execution provider cannot load: the run must
# warn, run on the CPU and give the CPU build's embeddings. On a machine with a GPU it runs on CUDA and the
# embeddings must agree within 1e-3. Expects the CPU build of the solution (build/test.sh builds it first).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
artifacts=artifacts/gpu-build
dotnet build src/MaMA.MLNet.Cli/MaMA.MLNet.Cli.csproj -c Release --nologo -v minimal -p:OnnxRuntimeBackend=gpu --artifacts-path "$artifacts"
gpu_cli="$artifacts/bin/MaMA.MLNet.Cli/release/mama.dll"
cpu_cli="src/MaMA.MLNet.Cli/bin/Release/net10.0/mama.dll"
[ -f "$artifacts/bin/MaMA.MLNet.Cli/release/runtimes/linux-x64/native/libonnxruntime_providers_cuda.so" ] \
  || { echo "the GPU build has no CUDA execution provider library"; exit 1; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export MAMA_PROGRESS=plain
dotnet "$cpu_cli" synth --out "$work/data" --studies 2 --size 64x80 --seed 3 >/dev/null
dotnet "$cpu_cli" model init --preset tiny --out "$work/model" --seed 2 >/dev/null
dotnet "$cpu_cli" embed --model "$work/model" --manifest "$work/data/manifest.csv" --out "$work/cpu.csv" --backend onnx >/dev/null 2>&1
dotnet "$gpu_cli" embed --model "$work/model" --manifest "$work/data/manifest.csv" --out "$work/gpu.csv" --backend onnx --device cuda \
  >"$work/gpu.out" 2>"$work/gpu.err" || { cat "$work/gpu.err"; echo "the GPU build's embed failed"; exit 1; }
cat "$work/gpu.out"
if grep -q "ONNX Runtime on CPU" "$work/gpu.out"; then
  grep -q "warning: the CUDA execution provider is not available here" "$work/gpu.err" \
    || { cat "$work/gpu.err"; echo "fell back to the CPU without the warning"; exit 1; }
  grep "warning:" "$work/gpu.err" | cut -c1-200
  tolerance=0
elif grep -q "ONNX Runtime on CUDA" "$work/gpu.out"; then
  tolerance=0.001
else
  echo "the GPU build's embed did not say where ONNX Runtime ran"; exit 1
fi
# Same rows, same order, every value within the tolerance (exactly equal on the CPU: the same ONNX Runtime kernels).
awk -F, -v tol="$tolerance" '
  FNR == 1 { next }
  NR == FNR { cpu[FNR] = $0; n = FNR; next }
  { split(cpu[FNR], c, ","); if (c[1] != $1) { print "row " FNR ": " c[1] " vs " $1; bad = 1; exit }
    for (i = 2; i <= NF; i++) if (c[i] ~ /^-?[0-9.eE+-]+$/) { d = c[i] - $i; if (d < 0) d = -d; if (d > tol) { print "row " FNR " column " i ": " c[i] " vs " $i; bad = 1; exit } }
    rows++ }
  END { if (bad || rows != n - 1 || rows == 0) { print "embeddings differ (" rows " of " n - 1 " rows compared)"; exit 1 } print rows " embeddings equal to the CPU build'"'"'s (tolerance " tol ")" }
' "$work/cpu.csv" "$work/gpu.csv"
