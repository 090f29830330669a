#!/usr/bin/env bash
# Local Prefect server + UI on 127.0.0.1:4200, the process work pool and worker, and the deployments of
# prefect.yaml (`genoflow server`, which `make ui` runs). Extra arguments go to `genoflow server`.
set -euo pipefail
cd "$(dirname "$0")/.."
export DO_NOT_TRACK="${DO_NOT_TRACK:-1}" PREFECT_SERVER_ANALYTICS_ENABLED="${PREFECT_SERVER_ANALYTICS_ENABLED:-false}"
exec .venv/bin/python -c 'from genoflow.batch_cli import app; app()' server "$@"
