#!/usr/bin/env bash
# Benchmarks of Roomcast, each on a fresh ephemeral stack (PostgreSQL, Redis, RabbitMQ on free
# loopback ports), with the services as real Release processes; everything is stopped on exit.
#
#   scripts/bench.sh jitter [--seconds 60]
#   scripts/bench.sh outbox [--rate 500] [--seconds 10] [--concurrency 32] [--documents 512]
#                           [--warmup 60] [--drain-timeout 120]
#   scripts/bench.sh backplane [--runs throughput,groups,memory,latency,idle] [--instances 1,2,3]
#                              [--connections 200] [--rate 200] [--seconds 10] [--warmup 5] [--documents 32]
#                              [--messages 200000] [--window 2000] [--group-sizes 1,100,10000] [--group-sends 200]
#                              [--memory-connections 10000]
#                              [--idle-servers stock,stock-jwt,stock-jwt-lean,gateway,gateway-backplane]
#                              [--idle-steps 1000,5000,10000,15000,19000] [--idle-clients 4]
#
# jitter: the machine alone, nothing started: how late a thread that sleeps 1 ms is woken, one
# sleeper per core (the floor under every latency figure of the other runs).
#
# outbox: document updates through documents-api with its transactional outbox: (a) max
# throughput with closed-loop workers, (b) a fixed open-loop rate, with commit→confirm latency and
# relay lag from the outbox rows, and the CPU of every process. The figures are printed, never
# judged: the exit status is non-zero only when something failed.
#
# backplane (every run by default, in this order; --runs picks some):
#   throughput  in process, the gateway's lifetime manager over the stack's redis-server, 1-3
#               instances (--instances): unloaded local vs cross-instance latency, then --messages
#               sends to all with --window in flight: publishes/s, receipts/s, loaded latency.
#   groups      in process, 2 instances: a group of each --group-sizes, --group-sends sends to it.
#   memory      in process: managed bytes per connection held by the lifetime manager and LocalRooms.
#   latency     realtime-gateway processes sharing the event queue and the Redis backplane, with
#               Workstation GC (Directory.Build.props). For each instance count: --connections readers
#               (the demo user carol) connected round-robin, bob PUTs --documents (32) documents he
#               creates in the demo plan root, round-robin at --rate/s, and the latency from each PUT's
#               send to every reader's receipt, for readers on the consuming instance vs the others.
#   idle        VmRSS of one server process as idle connections grow by --idle-steps, opened by
#               --idle-clients child processes (20,000 files per process here), for each of
#               --idle-servers: stock (bare SignalR), stock-jwt (bare SignalR + Roomcast's JWT
#               validation), stock-jwt-lean (the same keeping no token and a plain copy of the claims),
#               gateway (no Redis), gateway-backplane (with Redis).
# Set ROOMCAST_BENCH_KEEP_LOGS=1 to keep the service logs (they are kept anyway after a failure).
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_ROOT"

usage() {
    sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//' >&2
    exit 2
}
scenario=${1:-}
[[ $scenario == outbox || $scenario == backplane || $scenario == jitter ]] || usage
shift
source scripts/lib/require-dotnet.sh

BIND=127.0.0.1
# identity's key-encryption key: a fixed, public development key (benchmark databases are thrown away).
BENCH_KEY_ENCRYPTION_KEY=ZGV2LW9ubHkta2V5LWVuY3J5cHRpb24ta2V5LTMyYiE=
READY_DEADLINE=60      # seconds for a service to answer /health/ready
STOP_DEADLINE=15       # seconds for a service to stop on TERM before it is killed
BENCH_PASSWORD=roomcast-bench
BENCH_USER_ID=be9c0000-0000-4000-8000-000000000001
BENCH_ROOT_ID=be9c7000-0000-4000-8000-000000000001

log() { printf '[bench] %s\n' "$*" >&2; }

if [[ $scenario == jitter ]]; then
    # Nothing to start: the machine alone. Run it with nothing else busy.
    log "building (Release)"
    timeout 900 dotnet build bench/Roomcast.Bench -c Release --nologo -clp:ErrorsOnly --disable-build-servers >&2
    exec timeout --foreground -k 10 700 dotnet bench/Roomcast.Bench/bin/Release/net10.0/Roomcast.Bench.dll jitter "$@"
fi

work_dir="$(mktemp -d "${TMPDIR:-/tmp}/roomcast-bench.XXXXXXXX")"
service_names=()
service_pids=()
START_ARGS=()   # program arguments for the next start (none for the services)
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
        dotnet "$assembly.dll" "${START_ARGS[@]}") >"$work_dir/$name.log" 2>&1 &
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

# stop_services PID...: TERM, a bounded wait, KILL; and forget them (the rest stay for cleanup).
stop_services() {
    local pid index keep_names=() keep_pids=()
    kill -TERM "$@" 2>/dev/null || true
    for pid in "$@"; do
        for _ in $(seq 1 $((STOP_DEADLINE * 10))); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        if kill -0 "$pid" 2>/dev/null; then log "pid $pid ignored TERM; killing it"; kill -KILL "$pid" 2>/dev/null || true; fi
        wait "$pid" 2>/dev/null || true
    done
    for index in "${!service_pids[@]}"; do
        [[ " $* " == *" ${service_pids[$index]} "* ]] && continue
        keep_names+=("${service_names[$index]}"); keep_pids+=("${service_pids[$index]}")
    done
    service_names=("${keep_names[@]}"); service_pids=("${keep_pids[@]}")
}

# The backplane scenario: the in-process runs first, while nothing else of ours runs; then
# identity (and, for latency, documents-api) with the demo seed (bob writes the plan document,
# carol reads it), for each instance count a fresh set of gateways on one Redis channel prefix, the
# latency run, and the gateways stopped; then each idle-connection server alone.
run_backplane() {
    local runs=throughput,groups,memory,latency,idle instances=1,2,3 pass=() plan_root=7e570000-0000-4000-8000-000000000001 failed=0
    local messages=200000 window=2000 group_sizes=1,100,10000 group_sends=200 memory_connections=10000
    local idle_servers=stock,stock-jwt,gateway,gateway-backplane idle_steps=1000,5000,10000,15000,19000 idle_clients=4
    while (( $# )); do
        case $1 in
            --runs) runs=$2; shift 2 ;;
            --instances) instances=$2; shift 2 ;;
            --messages) messages=$2; shift 2 ;;
            --window) window=$2; shift 2 ;;
            --group-sizes) group_sizes=$2; shift 2 ;;
            --group-sends) group_sends=$2; shift 2 ;;
            --memory-connections) memory_connections=$2; shift 2 ;;
            --idle-servers) idle_servers=$2; shift 2 ;;
            --idle-steps) idle_steps=$2; shift 2 ;;
            --idle-clients) idle_clients=$2; shift 2 ;;
            --connections|--rate|--seconds|--warmup|--documents) pass+=("$1" "$2"); shift 2 ;;
            *) log "error: unknown option $1"; usage ;;
        esac
    done
    [[ $runs =~ ^(throughput|groups|memory|latency|idle)(,(throughput|groups|memory|latency|idle))*$ ]] ||
        { log "error: --runs takes throughput,groups,memory,latency,idle"; exit 2; }
    [[ $instances =~ ^[1-9](,[1-9])*$ ]] || { log "error: --instances takes counts 1-9, e.g. 1,2,3"; exit 2; }
    [[ $idle_servers =~ ^(stock|stock-jwt|stock-jwt-lean|gateway|gateway-backplane)(,(stock|stock-jwt|stock-jwt-lean|gateway|gateway-backplane))*$ ]] ||
        { log "error: --idle-servers takes stock,stock-jwt,stock-jwt-lean,gateway,gateway-backplane"; exit 2; }
    want() { [[ ",$runs," == *",$1,"* ]]; }
    local seed_file=$REPO_ROOT/scripts/demo-seed.json run=0 n i gateway_pids gateway_urls urls port ports watch
    local identity_port documents_port
    read -r identity_port documents_port <<<"$(pick_free_ports 2)"
    local trust=(Jwt__Authority="http://$BIND:$identity_port" Jwt__RequireHttpsMetadata=false)
    local bench=(dotnet bench/Roomcast.Bench/bin/Release/net10.0/Roomcast.Bench.dll backplane)

    if want throughput; then
        log "in process: throughput with $instances instance(s)"
        local redis_pid
        redis_pid=$(source "$stack_dir/stack.state"; echo "${REDIS_ID%%:*}")
        timeout --foreground -k 10 900 "${bench[@]}" throughput --redis "$ROOMCAST_REDIS" ${redis_pid:+--redis-pid "$redis_pid"} --instances "$instances" \
            --messages "$messages" --window "$window" || { log "error: the throughput run failed"; failed=1; }
    fi
    if want groups; then
        log "in process: group sends, groups of $group_sizes"
        timeout --foreground -k 10 900 "${bench[@]}" groups --redis "$ROOMCAST_REDIS" --sizes "$group_sizes" --sends "$group_sends" ||
            { log "error: the group run failed"; failed=1; }
    fi
    if want memory; then
        log "in process: managed memory per connection"
        timeout --foreground -k 10 600 "${bench[@]}" memory --redis "$ROOMCAST_REDIS" --connections "$memory_connections" ||
            { log "error: the memory run failed"; failed=1; }
    fi
    want latency || want idle || { log "benchmark finished"; return "$failed"; }

    log "starting the services"
    start identity "$identity_port" services/identity/src Roomcast.Identity "${bus[@]}" \
        Postgres__ConnectionString="$(pg roomcast_identity)" Identity__Issuer="http://$BIND:$identity_port" Demo__SeedFile="$seed_file" \
        Identity__KeyEncryptionKey="$BENCH_KEY_ENCRYPTION_KEY"
    # start_gateways N: N instances on a fresh channel prefix; the first one started takes the
    # shared queue's single active consumer. Fills gateway_pids and gateway_urls.
    start_gateways() {
        run=$((run + 1)); gateway_pids=(); urls=()
        read -r -a ports <<<"$(pick_free_ports "$1")"
        for i in $(seq 0 $(($1 - 1))); do
            port=${ports[$i]}
            start "realtime-gateway-$i" "$port" services/realtime-gateway/src Roomcast.RealtimeGateway "${bus[@]}" "${trust[@]}" \
                Redis__Endpoint="$ROOMCAST_REDIS" Redis__ChannelPrefix="bench-$run" Gateway__InstanceId="bench-$run-$i"
            gateway_pids+=("${service_pids[-1]}"); urls+=("http://$BIND:$port")
        done
        gateway_urls=$(IFS=,; echo "${urls[*]}")
    }

    if want latency; then
        # The gateways first: the shared queue must exist before documents-api publishes.
        IFS=, read -r -a counts <<<"$instances"
        start_gateways "${counts[0]}"
        start documents-api "$documents_port" services/documents-api/src Roomcast.DocumentsApi "${bus[@]}" "${trust[@]}" \
            Postgres__ConnectionString="$(pg roomcast_documents)" Demo__SeedFile="$seed_file" "${one_writer[@]}"

        local seconds=10 warmup=5
        for ((i = 0; i < ${#pass[@]}; i += 2)); do
            [[ ${pass[$i]} == --seconds ]] && seconds=${pass[$((i + 1))]%.*}
            [[ ${pass[$i]} == --warmup ]] && warmup=${pass[$((i + 1))]%.*}
        done
        local first=1
        for n in "${counts[@]}"; do
            if (( ! first )); then stop_services "${gateway_pids[@]}"; start_gateways "$n"; fi
            first=0
            watch=()
            for i in "${!gateway_pids[@]}"; do watch+=(--watch "gateway-$i=${gateway_pids[$i]}"); done
            for i in "${!service_names[@]}"; do
                [[ ${service_names[$i]} == identity || ${service_names[$i]} == documents-api ]] && watch+=(--watch "${service_names[$i]}=${service_pids[$i]}")
            done
            log "backplane latency with $n gateway(s)"
            timeout --foreground -k 10 $((300 + 2 * (seconds + warmup))) "${bench[@]}" latency \
                --identity "http://$BIND:$identity_port" --api "http://$BIND:$documents_port" --gateways "$gateway_urls" \
                --root "$plan_root" --writer bob --reader carol --password roomcast-demo "${watch[@]}" "${pass[@]}" ||
                { log "error: the latency run with $n gateway(s) failed; going on with the next"; failed=1; }
        done
        stop_services "${gateway_pids[@]}"
    fi

    if want idle; then
        local server server_pid server_port
        IFS=, read -r -a servers <<<"$idle_servers"
        for server in "${servers[@]}"; do
            read -r server_port <<<"$(pick_free_ports 1)"
            # Every server alone on the machine's side of the stack, with Workstation GC (Directory.Build.props), as the gateway runs.
            case $server in
                stock) START_ARGS=(backplane stock-server)
                    start idle-stock "$server_port" bench/Roomcast.Bench Roomcast.Bench ;;
                stock-jwt) START_ARGS=(backplane stock-server --auth roomcast)
                    start idle-stock-jwt "$server_port" bench/Roomcast.Bench Roomcast.Bench "${trust[@]}" ;;
                stock-jwt-lean) START_ARGS=(backplane stock-server --auth roomcast-lean)
                    start idle-stock-jwt-lean "$server_port" bench/Roomcast.Bench Roomcast.Bench "${trust[@]}" ;;
                # The idle clients all sign in as one user: the per-user cap (a policy, not a cost) is lifted.
                gateway) start idle-gateway "$server_port" services/realtime-gateway/src Roomcast.RealtimeGateway "${bus[@]}" "${trust[@]}" \
                    Gateway__InstanceId=bench-idle-alone Hub__MaxConnectionsPerUser=100000 ;;
                gateway-backplane) start idle-gateway-backplane "$server_port" services/realtime-gateway/src Roomcast.RealtimeGateway "${bus[@]}" "${trust[@]}" \
                    Redis__Endpoint="$ROOMCAST_REDIS" Redis__ChannelPrefix=bench-idle Gateway__InstanceId=bench-idle Hub__MaxConnectionsPerUser=100000 ;;
            esac
            START_ARGS=()
            server_pid=${service_pids[-1]}
            log "idle connections to $server (pid $server_pid): $idle_steps from $idle_clients client processes"
            timeout --foreground -k 10 1800 "${bench[@]}" idle --label "$server" --identity "http://$BIND:$identity_port" \
                --gateway "http://$BIND:$server_port" --gateway-pid "$server_pid" --reader carol --password roomcast-demo \
                --steps "$idle_steps" --clients "$idle_clients" ||
                { log "error: the idle-connection run on $server failed"; failed=1; }
            stop_services "$server_pid"
        done
    fi
    log "benchmark finished"
    return "$failed"
}

# The measured seconds bound the console's run time; everything else in it is bounded by its own timeouts.
bench_seconds=10
for ((i = 1; i < $#; i++)); do
    [[ ${!i} == --seconds ]] && { j=$((i + 1)); bench_seconds=${!j%.*}; }
done

log "starting an ephemeral stack"
# pg_stat_statements: the outbox run prints PostgreSQL's own time per statement.
settings="$(ROOMCAST_STACK_PG_SETTINGS="shared_preload_libraries=pg_stat_statements pg_stat_statements.track_utility=on" \
    timeout 300 scripts/stack.sh start test)"
eval "$settings"
stack_dir=$ROOMCAST_STACK_DIR

log "building (Release)"
timeout 900 dotnet build Roomcast.slnx -c Release --nologo -clp:ErrorsOnly --disable-build-servers >&2

log "creating the databases"
for db in roomcast_identity roomcast_documents; do
    PGPASSWORD="$ROOMCAST_PG_PASSWORD" timeout 30 psql -q -X -h "$ROOMCAST_PG_HOST" -p "$ROOMCAST_PG_PORT" \
        -U "$ROOMCAST_PG_USER" -d postgres -c "CREATE DATABASE $db"
done
pg() { echo "Host=$ROOMCAST_PG_HOST;Port=$ROOMCAST_PG_PORT;Username=$ROOMCAST_PG_USER;Password=$ROOMCAST_PG_PASSWORD;Database=$1"; }
bus=(RabbitMq__Host="$ROOMCAST_RABBITMQ_HOST" RabbitMq__Port="$ROOMCAST_RABBITMQ_PORT" RabbitMq__VirtualHost=/
     RabbitMq__Username="$ROOMCAST_RABBITMQ_USER" RabbitMq__Password="$ROOMCAST_RABBITMQ_PASSWORD")
# Each benchmark sends every write as one user (bench, bob) standing in for many: documents-api's
# per-user limits are lifted, to the service's own request slots (services/documents-api/README.md, "Limits").
one_writer=(Documents__WriteRateLimit=2147483647 Documents__WriteBytesLimit=2147483647
            Documents__MaxConcurrentRequestsPerUser=32 Documents__UserRequestQueueLimit=64)
if [[ $scenario == backplane ]]; then
    run_backplane "$@" && exit 0
    exit 1
fi

seed_file="$work_dir/seed.json"
write_seed "$seed_file"

read -r identity_port gateway_port documents_port <<<"$(pick_free_ports 3)"
trust=(Jwt__Authority="http://$BIND:$identity_port" Jwt__RequireHttpsMetadata=false)

log "starting the services"
# identity publishes its account and group events through its own outbox, so it needs the broker too.
start identity "$identity_port" services/identity/src Roomcast.Identity "${bus[@]}" \
    Postgres__ConnectionString="$(pg roomcast_identity)" Identity__Issuer="http://$BIND:$identity_port" Demo__SeedFile="$seed_file" \
    Identity__KeyEncryptionKey="$BENCH_KEY_ENCRYPTION_KEY"
# The gateway first: its queue must exist before the first event is published, so events are consumed.
start realtime-gateway "$gateway_port" services/realtime-gateway/src Roomcast.RealtimeGateway "${bus[@]}" "${trust[@]}" Gateway__InstanceId=bench-gateway
start documents-api "$documents_port" services/documents-api/src Roomcast.DocumentsApi "${bus[@]}" "${trust[@]}" \
    Postgres__ConnectionString="$(pg roomcast_documents)" Demo__SeedFile="$seed_file" "${one_writer[@]}"

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
