#!/usr/bin/env bash
# Benchmarks of Roomcast, each on a fresh ephemeral stack (PostgreSQL, Redis, RabbitMQ on free
# loopback ports), with the services as real Release processes; everything is stopped on exit.
#
#   scripts/bench.sh outbox [--rate 500] [--seconds 10] [--concurrency 32] [--documents 512]
#                           [--warmup 15] [--drain-timeout 120]
#
# outbox: document updates through documents-api with its transactional outbox: (a) max
# throughput with closed-loop workers, (b) a fixed open-loop rate, with commit→confirm latency and
# relay lag from the outbox rows, and the CPU of every process. The figures are printed, never
# judged: the exit status is non-zero only when something failed.
# Set ROOMCAST_BENCH_KEEP_LOGS=1 to keep the service logs (they are kept anyway after a failure).
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_ROOT"

usage() {
    sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//' >&2
    exit 2
}
[[ ${1:-} == outbox ]] || usage
shift
source scripts/lib/require-dotnet.sh

BIND=127.0.0.1
READY_DEADLINE=60      # seconds for a service to answer /health/ready
STOP_DEADLINE=15       # seconds for a service to stop on TERM before it is killed
BENCH_PASSWORD=roomcast-bench
BENCH_USER_ID=be9c0000-0000-4000-8000-000000000001
BENCH_ROOT_ID=be9c7000-0000-4000-8000-000000000001

log() { printf '[bench] %s\n' "$*" >&2; }

work_dir="$(mktemp -d "${TMPDIR:-/tmp}/roomcast-bench.XXXXXXXX")"
service_names=()
service_pids=()
stack_dir=""

cleanup() {
    local rc=$? pid index left=()
    trap - EXIT INT TERM
    if (( ${#service_pids[@]} )); then
        log "stopping services (${service_pids[*]})"
        kill -TERM "${service_pids[@]}" 2>/dev/null || true
        for index in "${!service_pids[@]}"; do
            pid=${service_pids[$index]}
            for _ in $(seq 1 $((STOP_DEADLINE * 10))); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
            if kill -0 "$pid" 2>/dev/null; then
                log "${service_names[$index]} (pid $pid) ignored TERM; killing it"
                kill -KILL "$pid" 2>/dev/null || true
            fi
            wait "$pid" 2>/dev/null || true
        done
        # ps, not our own bookkeeping, says whether anything is left.
        mapfile -t left < <(ps -o pid= -p "$(IFS=,; echo "${service_pids[*]}")" 2>/dev/null || true)
        if (( ${#left[@]} )); then log "error: still running: ${left[*]}"; rc=1; fi
    fi
    if [[ -n $stack_dir ]]; then
        log "stopping the stack"
        scripts/stack.sh stop "$stack_dir" || { log "error: the stack did not stop cleanly"; rc=1; }
    fi
    if (( rc != 0 )) || [[ ${ROOMCAST_BENCH_KEEP_LOGS:-0} == 1 ]]; then
        log "service logs kept in $work_dir"
    else
        rm -rf -- "$work_dir"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# N distinct free ports below the ephemeral range, as stack.sh picks them.
pick_free_ports() {
    local n=$1 p picked=" "
    while (( n > 0 )); do
        p=$(( 20000 + RANDOM % 12768 ))
        [[ $picked == *" $p "* ]] && continue
        [[ -n $(ss -Htan exclude time-wait "sport = :$p" 2>/dev/null) ]] && continue
        picked+="$p "; n=$(( n - 1 ))
    done
    echo "$picked"
}

# start NAME PORT PROJECT-DIR ASSEMBLY [VAR=VALUE ...]: one service in the background, logging to
# the work folder, then a bounded poll of /health/ready. It runs in its output folder because
# ASP.NET Core reads appsettings.json from the working directory (the content root): started from
# the repository root, a service silently runs without it (e.g. logging every request). The
# subshell and env exec, so $! is the service itself.
start() {
    local name=$1 port=$2 dir=$3 assembly=$4
    shift 4
    (cd "$dir/bin/Release/net10.0" && exec env ASPNETCORE_URLS="http://$BIND:$port" DOTNET_ENVIRONMENT=Production "$@" \
        dotnet "$assembly.dll") >"$work_dir/$name.log" 2>&1 &
    service_names+=("$name")
    service_pids+=($!)
    local deadline=$((SECONDS + READY_DEADLINE))
    until curl -sf --max-time 2 "http://$BIND:$port/health/ready" >/dev/null; do
        if ! kill -0 "${service_pids[-1]}" 2>/dev/null; then
            log "error: $name exited during start"; tail -n 30 "$work_dir/$name.log" >&2; exit 1
        fi
        if (( SECONDS >= deadline )); then
            log "error: $name not ready on :$port within ${READY_DEADLINE}s"; tail -n 30 "$work_dir/$name.log" >&2; exit 1
        fi
        sleep 0.2
    done
    log "$name ready on http://$BIND:$port (pid ${service_pids[-1]})"
}

# The bench user creates the root, so it has RW there; bob reads it, so every event has a real
# audience; alice is the admin every audience includes. The documents are created through the API.
write_seed() {
    cat >"$1" <<EOF
{
  "users": [
    { "id": "$BENCH_USER_ID", "username": "bench", "password": "$BENCH_PASSWORD", "isAdmin": false },
    { "id": "a11ce000-0000-4000-8000-000000000001", "username": "alice", "password": "$BENCH_PASSWORD", "isAdmin": true },
    { "id": "b0b00000-0000-4000-8000-000000000002", "username": "bob", "password": "$BENCH_PASSWORD", "isAdmin": false }
  ],
  "roots": [
    {
      "id": "$BENCH_ROOT_ID", "name": "Bench", "sharedAccess": "None", "createdBy": "$BENCH_USER_ID",
      "userPermissions": [ { "userId": "b0b00000-0000-4000-8000-000000000002", "access": "RO" } ]
    }
  ]
}
EOF
}

# The measured seconds bound the console's run time; everything else in it is bounded by its own timeouts.
bench_seconds=10
for ((i = 1; i < $#; i++)); do
    [[ ${!i} == --seconds ]] && { j=$((i + 1)); bench_seconds=${!j%.*}; }
done

log "starting an ephemeral stack"
settings="$(timeout 300 scripts/stack.sh start test)"
eval "$settings"
stack_dir=$ROOMCAST_STACK_DIR

log "building (Release)"
timeout 900 dotnet build Roomcast.slnx -c Release --nologo -clp:ErrorsOnly --disable-build-servers >&2

log "creating the databases"
for db in roomcast_identity roomcast_documents; do
    PGPASSWORD="$ROOMCAST_PG_PASSWORD" timeout 30 psql -q -X -h "$ROOMCAST_PG_HOST" -p "$ROOMCAST_PG_PORT" \
        -U "$ROOMCAST_PG_USER" -d postgres -c "CREATE DATABASE $db"
done
seed_file="$work_dir/seed.json"
write_seed "$seed_file"

read -r identity_port gateway_port documents_port <<<"$(pick_free_ports 3)"
pg() { echo "Host=$ROOMCAST_PG_HOST;Port=$ROOMCAST_PG_PORT;Username=$ROOMCAST_PG_USER;Password=$ROOMCAST_PG_PASSWORD;Database=$1"; }
bus=(RabbitMq__Host="$ROOMCAST_RABBITMQ_HOST" RabbitMq__Port="$ROOMCAST_RABBITMQ_PORT" RabbitMq__VirtualHost=/
     RabbitMq__Username="$ROOMCAST_RABBITMQ_USER" RabbitMq__Password="$ROOMCAST_RABBITMQ_PASSWORD")
trust=(Jwt__Authority="http://$BIND:$identity_port" Jwt__RequireHttpsMetadata=false)

log "starting the services"
# identity publishes its account and group events through its own outbox, so it needs the broker too.
start identity "$identity_port" services/identity/src Roomcast.Identity "${bus[@]}" \
    Postgres__ConnectionString="$(pg roomcast_identity)" Identity__Issuer="http://$BIND:$identity_port" Demo__SeedFile="$seed_file"
# The gateway first: its queue must exist before the first event is published, so events are consumed.
start realtime-gateway "$gateway_port" services/realtime-gateway/src Roomcast.RealtimeGateway "${bus[@]}" "${trust[@]}" Gateway__InstanceId=bench-gateway
start documents-api "$documents_port" services/documents-api/src Roomcast.DocumentsApi "${bus[@]}" "${trust[@]}" \
    Postgres__ConnectionString="$(pg roomcast_documents)" Demo__SeedFile="$seed_file"

# The servers' pids, from the stack's own records, so their CPU shows in the report.
watch=()
for index in "${!service_pids[@]}"; do watch+=(--watch "${service_names[$index]}=${service_pids[$index]}"); done
read -r pg_pid rabbit_pid <<<"$(source "$stack_dir/stack.state"; echo "${PG_ID%%:*} ${RABBITMQ_BEAM_ID%%:*}")"
[[ -n $pg_pid ]] && watch+=(--watch-tree "postgres=$pg_pid")
[[ -n $rabbit_pid ]] && watch+=(--watch "rabbitmq=$rabbit_pid")

log "running the outbox benchmark"
timeout --foreground -k 10 $((600 + 3 * bench_seconds)) \
    dotnet bench/Roomcast.Bench/bin/Release/net10.0/Roomcast.Bench.dll \
    --api "http://$BIND:$documents_port" --identity "http://$BIND:$identity_port" --db "$(pg roomcast_documents)" \
    --root "$BENCH_ROOT_ID" --username bench --password "$BENCH_PASSWORD" "${watch[@]}" "$@"
log "benchmark finished"
