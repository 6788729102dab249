#!/usr/bin/env bash
# Offline checks of deploy/ (no docker, no cluster here): the Kubernetes manifest against the Kubernetes API schemas
# with no unknown field (check-manifest.mjs), the Dockerfile with dockerfile-utils' linter, and the shell scripts
# (the Slurm script, the build and CI scripts) with shellcheck (warnings and errors; info and style notes pass). Needs node/npm (for the pinned tools in
# package-lock.json) and shellcheck; .ci/run installs them. Exits non-zero when any check fails.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$here"
npm ci --no-audit --no-fund --loglevel=error >/dev/null
rc=0
echo "-- Kubernetes manifest: kubernetes-models schemas + kubernetes-types (TypeScript excess-property check)"
(cd "$root" && node tests/deploy/check-manifest.mjs deploy/kubernetes/*.yaml) || rc=1
echo "-- Dockerfile: dockerfile-utils $(node -p 'require("dockerfile-utils/package.json").version') lint"
if out=$(cd "$root" && tests/deploy/node_modules/.bin/dockerfile-utils lint deploy/Dockerfile 2>&1) && [ -z "$out" ]; then
  echo "deploy/Dockerfile ok"
else
  echo "$out"; rc=1
fi
echo "-- shell scripts: $(shellcheck --version | sed -n 's/^version: /shellcheck /p')"
cd "$root"
if shellcheck --severity=warning deploy/slurm/*.sh build/*.sh .ci/run tests/*/run.sh benchmarks/scripts/*.sh benchmarks/hostile/*.sh; then
  echo "scripts ok"
else
  rc=1
fi
exit "$rc"
