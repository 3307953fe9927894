#!/usr/bin/env bash
# The README's test command: installs what is missing, starts an ephemeral test stack
# (PostgreSQL, Redis, RabbitMQ on free loopback ports), builds (the services and the front ends
# in clients/), runs every test project, and stops the stack whatever happens. Extra arguments go
# to `dotnet test` (e.g. --filter DocumentChangeDeliveryTests). The browser tests drive Debian's
# Chromium (installed when missing) and keep screenshots of failures under TestResults/browser.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_ROOT"
source scripts/lib/require-dotnet.sh
source scripts/lib/clients.sh
LOG_PREFIX=test

# One test run at a time on this machine: two full runs on two cores starve each other's services
# past their readiness timeouts. A second run waits here for the first to finish.
exec 9>"${TMPDIR:-/tmp}/roomcast-test-run.lock"
if ! flock -n 9; then
    echo "[test] another Roomcast test run is using this machine; waiting for it to finish" >&2
    flock 9
fi

started=$SECONDS
# (9>&- : the servers and test processes do not inherit the lock, so none can outlive it holding it.)
stack_env="$(scripts/stack.sh start test 9>&-)"
eval "$stack_env"
stop_stack() { scripts/stack.sh stop "$ROOMCAST_STACK_DIR" 9>&- || echo "[test] warning: the test stack did not stop cleanly" >&2; }
trap stop_stack EXIT

echo "[test] building (Release)" >&2
dotnet build Roomcast.slnx -c Release --nologo -clp:ErrorsOnly --disable-build-servers 9>&-
# The front ends: the browser and Node tests run the built client and demo.
install_clients 9>&-
require_chromium 9>&-
build_clients 9>&-

results="$ROOMCAST_STACK_DIR/test-output.txt"
set +e
dotnet test Roomcast.slnx -c Release --no-build --nologo "$@" 2>&1 9>&- | tee "$results"
status=${PIPESTATUS[0]}
set -e

# One closing line over all test projects, from dotnet test's per-project summaries.
awk '
  /(Passed|Failed)! +- +Failed:/ {
    gsub(/,/, ""); for (i = 1; i <= NF; i++) { if ($i == "Failed:") f += $(i+1); if ($i == "Passed:") p += $(i+1); if ($i == "Skipped:") s += $(i+1) }
    seen = 1
  }
  END { if (!seen) { print "tests: no test summary found"; exit 1 } printf "tests: %d passed, %d failed, %d skipped\n", p, f, s }
' "$results" || status=1
echo "[test] finished in $((SECONDS - started)) s" >&2
exit "$status"
