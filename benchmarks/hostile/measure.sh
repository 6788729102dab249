#!/usr/bin/env bash
# Peak resident memory, wall time, exit code and stderr of the `mama` CLI on the hostile corpus (issue 16).
# usage: measure.sh MAMA_BINARY CORPUS_FOLDER TINY_MODEL_FOLDER [CASE...]
#   CORPUS_FOLDER from make_corpus.py; TINY_MODEL_FOLDER from `mama model init --preset tiny`.
# Each case runs under `timeout 120 /usr/bin/time -v`; one line per case:
#   case | exit | peak RSS MB | wall s | MB written (file system outputs) | stderr lines | first stderr line
set -u
mama=$1 corpus=$2 tiny=$3
shift 3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

manifest() { # manifest NAME FILE COUNT
  { echo "image_path,patient_id,study_id"; for i in $(seq 1 "$3"); do echo "$2,p$i,s$i"; done; } > "$work/$1.csv"
}
manifest one "$corpus/jpegls-16384.dcm" 1
# Eight different files (the tool embeds a path once).
{ echo "image_path,patient_id,study_id"; for i in $(seq 1 8); do cp "$corpus/jpegls-16384.dcm" "$work/j$i.dcm"; echo "$work/j$i.dcm,p$i,s$i"; done; } > "$work/eight.csv"

declare -A cases=(
  [deflated]="dicom png $corpus/deflated-1.4GB.dcm $work/out.png"
  [deflated-3gb]="dicom png $corpus/deflated-3GB.dcm $work/out.png"
  [native]="dicom png $corpus/native-16384.dcm $work/out.png"
  [rle]="dicom png $corpus/rle-16384.dcm $work/out.png"
  [jpegls]="dicom png $corpus/jpegls-16384.dcm $work/out.png"
  [jpeg2000]="dicom png $corpus/j2k-16384.dcm $work/out.png"
  [embed1]="embed --model $tiny --manifest $work/one.csv --out $work/e.csv"
  [embed8]="embed --model $tiny --manifest $work/eight.csv --out $work/e.csv"
  [nested-pickle]="embed --model $corpus/model-nested-pickle --manifest $work/one.csv --out $work/e.csv"
  [shared-pickle]="embed --model $corpus/model-shared-pickle --manifest $work/one.csv --out $work/e.csv"
  [storage-bomb]="embed --model $corpus/model-storage-bomb --manifest $work/one.csv --out $work/e.csv"
  [zip-named-safetensors]="embed --model $corpus/model-zip-named-safetensors --manifest $work/one.csv --out $work/e.csv"
  [absurd-config]="embed --model $corpus/model-absurd-config --manifest $work/one.csv --out $work/e.csv"
  [pipeline-bomb]="predict --model $corpus/bomb.mama.zip --manifest $work/one.csv"
)
names=("$@")
[ ${#names[@]} -eq 0 ] && names=(deflated deflated-3gb native rle jpegls jpeg2000 embed1 embed8 nested-pickle shared-pickle storage-bomb zip-named-safetensors absurd-config pipeline-bomb)
for name in "${names[@]}"; do
  # shellcheck disable=SC2086
  timeout 120 /usr/bin/time -v -o "$work/time" "$mama" ${cases[$name]} > "$work/stdout" 2> "$work/stderr"
  code=$?
  rss=$(awk -F': ' '/Maximum resident/ {printf "%.0f", $2/1024}' "$work/time")
  wall=$(awk -F': ' '/Elapsed \(wall/ {print $2}' "$work/time")
  written=$(awk -F': ' '/File system outputs/ {printf "%.0f", $2*512/1048576}' "$work/time")
  lines=$(wc -l < "$work/stderr")
  first=$(head -c 160 "$work/stderr" | head -1)
  echo "$name | $code | $rss | $wall | $written | $lines | $first"
done
