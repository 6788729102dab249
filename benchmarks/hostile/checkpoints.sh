#!/usr/bin/env bash
# Peak resident memory, wall time, exit code and stderr of `mama pretrain --resume` over a damaged newest checkpoint
# (issue 16): 16 bytes of 0xFF written a sixth of the way in (inside the model's weights, which come before the
# optimiser state), or the file cut in half. One line per case, as measure.sh:
#   case | exit | peak RSS MB | wall s | stderr lines (not progress) | first line about checkpoints (else first stderr line)
#   | NaN or infinity in the saved model (yes/no/-)
# usage: checkpoints.sh MAMA_BINARY
# The run: 6 synthetic studies at 64 x 80, the tiny preset at 56 px, 2 steps of batch 4 (a checkpoint a step).
set -u
mama=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$mama" synth --out "$work/data" --studies 6 --size 64x80 --seed 3 > /dev/null 2>&1 || { echo "synth failed"; exit 1; }
args=(pretrain --manifest "$work/data/manifest.csv" --preset tiny --out "$work/run" --steps 2 --batch-size 4 --image-size 56)
MAMA_PROGRESS=plain "$mama" "${args[@]}" > /dev/null 2> "$work/first.err" || { echo "first run failed:"; cat "$work/first.err"; exit 1; }
cp -a "$work/run" "$work/clean"

damage() { # damage CASE FILE
  if [ "$1" = overwrite ]; then
    size=$(stat -c %s "$2")
    printf '\xff%.0s' $(seq 1 16) | dd of="$2" bs=1 seek=$((size / 6)) conv=notrunc status=none
  else
    truncate -s $(( $(stat -c %s "$2") / 2 )) "$2"
  fi
}

for name in overwrite truncate; do
  rm -rf "$work/run" && cp -a "$work/clean" "$work/run"
  newest=$(ls "$work/run/checkpoints/"step-*.ckpt 2>/dev/null | sort | tail -1)
  [ -n "$newest" ] || { echo "$name | no checkpoint file found under $work/run/checkpoints"; continue; }
  damage "$name" "$newest"
  MAMA_PROGRESS=plain timeout 300 /usr/bin/time -v -o "$work/time" "$mama" "${args[@]}" --resume > "$work/stdout" 2> "$work/stderr"
  code=$?
  rss=$(awk -F': ' '/Maximum resident/ {printf "%.0f", $2/1024}' "$work/time")
  wall=$(awk -F': ' '/Elapsed \(wall/ {print $2}' "$work/time")
  lines=$(grep -vc '^progress ' "$work/stderr")
  # The first line about checkpoints on either stream (the fallback note goes to the log), else the first error line.
  first=$(cat "$work/stderr" "$work/stdout" | grep -v '^progress ' | grep -i -m1 'checkpoint' | head -c 200)
  [ -n "$first" ] || first=$(grep -v '^progress ' "$work/stderr" | head -1 | head -c 200)
  # A NaN in the saved model's weights: safetensors stores float32 little-endian; NaN is exponent all ones, mantissa non-zero.
  nan=-
  if [ -f "$work/run/model/model.safetensors" ]; then
    nan=$(python3 - "$work/run/model/model.safetensors" <<'EOF'
import json, math, struct, sys
data = open(sys.argv[1], "rb").read()
n = struct.unpack("<Q", data[:8])[0]
header = json.loads(data[8:8 + n])
body = data[8 + n:]
bad = False
for key, t in header.items():
    if key == "__metadata__" or t["dtype"] != "F32":
        continue
    a, b = t["data_offsets"]
    values = struct.unpack("<%df" % ((b - a) // 4), body[a:b])
    bad |= any(math.isnan(v) or math.isinf(v) for v in values)
print("yes" if bad else "no")
EOF
)
  fi
  echo "$name | $code | $rss | $wall | $lines | $first | $nan"
done
