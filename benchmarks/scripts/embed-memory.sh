#!/usr/bin/env bash
# Peak RSS of `mama embed` (streaming to Parquet) at several manifest sizes: memory should stay flat in the number
# of images. Tiny random model, 64x80 synthetic images; the N manifest rows point at N symbolic links to 16 synthetic
# images (distinct paths, 4 views per study), so the data set costs no disk.
# Usage: benchmarks/scripts/embed-memory.sh PATH/TO/mama.dll [N ...]   (default N: 1000 20000)
set -euo pipefail
mama=${1:?path to mama.dll (dotnet build src/MaMA.MLNet.Cli -c Release)}
shift
sizes=("$@")
[[ $# -eq 0 ]] && sizes=(1000 20000)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
dotnet "$mama" synth --out "$work/data" --studies 4 --size 64x80 --seed 5 >/dev/null 2>&1
dotnet "$mama" model init --preset tiny --out "$work/model" --seed 2 >/dev/null 2>&1
mapfile -t images < <(tail -n +2 "$work/data/manifest.csv" | cut -d, -f1)
for n in "${sizes[@]}"; do
  mkdir -p "$work/links$n"
  {
    echo "image_path,patient_id,study_id,view"
    for ((i = 0; i < n; i++)); do
      src=${images[$((i % ${#images[@]}))]}
      ln -s "$work/data/$src" "$work/links$n/$i.png"
      echo "links$n/$i.png,P$((i / 8)),S$((i / 4)),CC"
    done
  } > "$work/manifest$n.csv"
  /usr/bin/time -f "%M %e" -o "$work/time$n" \
    dotnet "$mama" embed --model "$work/model" --manifest "$work/manifest$n.csv" --out "$work/out$n.parquet" >/dev/null 2>"$work/err$n"
  read -r rss seconds < "$work/time$n"
  rows=$(find "$work/out$n.parquet" -name "*.parquet" -type f | wc -l)
  echo "images=$n peak_rss_mib=$((rss / 1024)) wall_s=$seconds part_files=$rows"
done
