#!/usr/bin/env bash
# Stops the Object Lock S3 server started by scripts/integration-env.sh (its data lives in RAM and is gone after this).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
DOWN="$HERE/../../shared/scripts/worm-s3-down.sh"
if [ ! -f "$DOWN" ]; then
  echo "integration-env-down: ERROR: $DOWN not found; the shared/ folder must sit beside the repository" >&2
  exit 1
fi
exec bash "$DOWN"
