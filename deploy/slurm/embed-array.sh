#!/usr/bin/env bash
# mama embed over an archive as a Slurm job array: task i embeds shard i of 8 (by study); mama reads the index from
# SLURM_ARRAY_TASK_ID (minus SLURM_ARRAY_TASK_MIN, so --array=1-8 works too). All tasks write Parquet part files into
# one folder on a shared file system; a requeued or re-submitted task skips the rows its shard already published.
# Submit from the folder that holds the manifest:  sbatch deploy/slurm/embed-array.sh
#SBATCH --job-name=mama-embed
#SBATCH --array=0-7
#SBATCH --cpus-per-task=4
#SBATCH --mem=8G
#SBATCH --time=12:00:00
#SBATCH --requeue
#SBATCH --output=mama-embed-%A_%a.log
set -euo pipefail

# The published tool (dotnet publish src/MaMA.MLNet.Cli -c Release -r linux-x64 --self-contained) or the .NET tool.
MAMA=${MAMA:-mama}
MODEL=${MODEL:-models/mama}
MANIFEST=${MANIFEST:-manifest.csv}
OUT=${OUT:-embeddings.parquet}
SHARDS=${SHARDS:-8}   # must equal the number of array tasks

export MAMA_PROGRESS=plain
srun "$MAMA" embed --model "$MODEL" --manifest "$MANIFEST" --out "$OUT" \
  --shard-count "$SHARDS" --backend onnx
