#!/usr/bin/env bash
# Install everything the test suite needs on a fresh machine, then run lint, types and tests.
#
# Python packages go into ./.venv, npm packages into ./.tools; the services the tests use
# (pouchdb-server, ...) are started on loopback by the tests themselves and stopped after.
# Pass extra arguments through to pytest, e.g. `bash scripts/test.sh -k conformance`.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n== %s\n' "$*"; }

step "Python packages (.venv)"
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e ".[test]"

step "npm packages (.tools): pouchdb-server"
if [ ! -x .tools/node_modules/.bin/pouchdb-server ]; then
  if ! command -v npm >/dev/null 2>&1; then
    apt-get update -qq && apt-get install -y -qq nodejs npm
  fi
  npm install --prefix .tools --no-audit --no-fund --loglevel=error pouchdb-server@4.2.0
fi

step "Debian packages: slurm-wlm, munge (the tests start their own single-node Slurm cluster)"
slurm_missing=0
for binary in sbatch squeue sacct scancel sinfo scontrol slurmctld slurmd munge munged; do
  if ! command -v "$binary" >/dev/null 2>&1 && [ ! -x "/usr/sbin/$binary" ]; then
    slurm_missing=1
  fi
done
if [ "$slurm_missing" = 1 ] && [ "$(id -u)" = 0 ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurm-wlm munge
elif [ "$slurm_missing" = 1 ]; then
  echo "not root: slurm-wlm/munge not installed; the Slurm tests will skip (fail under CI=true)"
fi

step "Debian packages: xrootd-server, xrootd-client (the tests start their own XRootD server)"
if ! command -v xrootd >/dev/null 2>&1 || ! command -v xrdcp >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq xrootd-server xrootd-client
  else
    echo "not root: xrootd-server/xrootd-client not installed; the XRootD tests will skip (fail under CI=true)"
  fi
fi

step "Debian packages: postgresql (the tests start their own PostgreSQL server)"
if ! command -v initdb >/dev/null 2>&1 && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql
  else
    echo "not root: postgresql not installed; the run-table import tests will skip (fail under CI=true)"
  fi
fi

step "ruff"
.venv/bin/ruff check gasp tests bench
.venv/bin/ruff format --check gasp tests bench

step "mypy"
.venv/bin/mypy

step "pytest"
# Two workers (pytest-xdist), the tests of each service kept in one worker (loadgroup, see
# tests/conftest.py): most tests wait on processes and services, so two workers on two
# cores take about 12 minutes where one took 20. GASP_TEST_WORKERS=0 runs in one process.
exec .venv/bin/python -m pytest -n "${GASP_TEST_WORKERS:-2}" --dist loadgroup "$@"
