#!/usr/bin/env bash
# The README's test command: installs what is missing, starts an ephemeral test stack
# (PostgreSQL, Redis, RabbitMQ on free loopback ports), builds (the services and the front ends
# in clients/), runs every test project, and stops the stack whatever happens. Extra arguments go
# to `dotnet test` (e.g. --filter DocumentChangeDeliveryTests). The browser tests drive Debian's
# Chromium (installed when missing) and keep screenshots of failures under TestResults/browser.
#
# ROOMCAST_TEST_BACKING=containers takes PostgreSQL, RabbitMQ and Redis from containers instead: the
# stack is not started here, each test process starts its own with Testcontainers (a Docker engine
# must answer). redis-server is still needed locally: tests that kill and restart a Redis run their own.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_ROOT"
source scripts/lib/require-dotnet.sh
source scripts/lib/clients.sh
LOG_PREFIX=test

backing=${ROOMCAST_TEST_BACKING:-processes}
case $backing in
    processes) ;;
    containers)
        if command -v docker >/dev/null && ! docker info >/dev/null 2>&1; then
            echo "[test] error: ROOMCAST_TEST_BACKING=containers, but no Docker engine answers (docker info failed)." \
                 "Run without ROOMCAST_TEST_BACKING to test against local processes (scripts/stack.sh)." >&2
            exit 1
        fi ;;
    *) echo "[test] error: ROOMCAST_TEST_BACKING=$backing is not a test backing: leave it unset (local processes) or set it to 'containers'" >&2
       exit 1 ;;
esac

# One test run at a time on this machine: two full runs on two cores starve each other's services
# past their readiness timeouts. A second run waits here for the first to finish.
exec 9>"${TMPDIR:-/tmp}/roomcast-test-run.lock"
if ! flock -n 9; then
    echo "[test] another Roomcast test run is using this machine; waiting for it to finish" >&2
    flock 9
fi

started=$SECONDS
# (9>&- : the servers and test processes do not inherit the lock, so none can outlive it holding it.)
if [[ $backing == processes ]]; then
    stack_env="$(scripts/stack.sh start test 9>&-)"
    eval "$stack_env"
    stop_stack() { scripts/stack.sh stop "$ROOMCAST_STACK_DIR" 9>&- || echo "[test] warning: the test stack did not stop cleanly" >&2; }
    trap stop_stack EXIT
else
    echo "[test] the test processes start PostgreSQL, RabbitMQ and Redis as containers (Testcontainers)" >&2
    if ! command -v redis-server >/dev/null; then
        echo "[test] installing redis-server (apt-get): tests that restart a Redis run their own" >&2
        DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 update -q >&2
        DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -q redis-server >&2
    fi
    # Where the run's outputs go; scripts/stack.sh's directory plays this part on the other path.
    ROOMCAST_STACK_DIR="$(mktemp -d "${TMPDIR:-/tmp}/roomcast-test.XXXXXX")"
    export ROOMCAST_STACK_DIR
    trap 'rm -rf "$ROOMCAST_STACK_DIR"' EXIT
fi

echo "[test] building (Release)" >&2
dotnet build Roomcast.slnx -c Release --nologo -clp:ErrorsOnly --disable-build-servers 9>&-
# The front ends: the browser and Node tests run the built client and demo.
install_clients 9>&-
require_chromium 9>&-
build_clients 9>&-

results="$ROOMCAST_STACK_DIR/test-output.txt"
client_results="$ROOMCAST_STACK_DIR/client-test-output.txt"
: > "$client_results"
set +e
status=0
# The client's own tests (type-check, vitest) run with the whole suite, not with a filter given for dotnet test.
if [ $# -eq 0 ]; then
    echo "[test] the client's unit tests (clients/: tsc, vitest)" >&2
    (cd clients && npm test --silent) 2>&1 9>&- | tee "$client_results"
    status=${PIPESTATUS[0]}
fi
# One test project at a time (-m:1): the end-to-end project starts dozens of service processes, and the
# others' timing tests, run beside it on two cores, timed out waiting on each other.
dotnet test Roomcast.slnx -c Release --no-build --nologo -m:1 "$@" 2>&1 9>&- | tee "$results"
dotnet_status=${PIPESTATUS[0]}
[ "$dotnet_status" -eq 0 ] || status=$dotnet_status
set -e

# One closing line over all test projects, from dotnet test's per-project summaries and vitest's.
sed 's/\x1b\[[0-9;]*m//g' "$client_results" | awk '
  /^ *Tests +[0-9]/ {
    for (i = 2; i <= NF; i++) { if ($i ~ /^passed/) cp += $(i-1); if ($i ~ /^failed/) cf += $(i-1); if ($i ~ /^skipped/) cs += $(i-1) }
  }
  END { printf "%d %d %d\n", cp, cf, cs }
' > "$ROOMCAST_STACK_DIR/client-counts.txt"
read -r client_passed client_failed client_skipped < "$ROOMCAST_STACK_DIR/client-counts.txt"
awk -v cp="$client_passed" -v cf="$client_failed" -v cs="$client_skipped" '
  /(Passed|Failed)! +- +Failed:/ {
    gsub(/,/, ""); for (i = 1; i <= NF; i++) { if ($i == "Failed:") f += $(i+1); if ($i == "Passed:") p += $(i+1); if ($i == "Skipped:") s += $(i+1) }
    seen = 1
  }
  END {
    if (!seen) { print "tests: no test summary found"; exit 1 }
    printf "tests: %d passed, %d failed, %d skipped (dotnet %d/%d/%d, clients %d/%d/%d)\n", p + cp, f + cf, s + cs, p, f, s, cp, cf, cs
  }
' "$results" || status=1
echo "[test] finished in $((SECONDS - started)) s" >&2
exit "$status"
