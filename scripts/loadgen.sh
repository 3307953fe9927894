#!/usr/bin/env bash
# Runs one load-generator scenario (tools/loadgen) against Roomcast on this machine: starts an
# ephemeral test stack (PostgreSQL, Redis, RabbitMQ), builds Release, starts identity (with the demo
# admin), documents-api and the gateways on the Redis backplane, runs the generator with their pids,
# and stops everything whatever happens.
#
#   scripts/loadgen.sh a|b|c|smoke [--gateway-count 1|2] [--ready-to-run|--composite] [generator options, e.g. --rate 300 --seconds 10]
#
# --ready-to-run runs the services as their images ship them: published ReadyToRun (precompiled), not
# the build output, whose code is all compiled at run time. --composite publishes them self-contained,
# each compiled with the runtime into one composite ReadyToRun image.
#
# Warm (default): measured after a 60 s warm-up. Cold: `--warmup 0`, measured from the first update
# the services' update path sees (the report's per-second latencies show how long they take to settle).
# Each run reports CPU per update of every service, PostgreSQL (with its backends), RabbitMQ and Redis.
# SERVICE_ENV="VAR=VALUE ..." sets runtime settings for the services only, not for the build (an arm of a
# comparison, e.g. SERVICE_ENV=DOTNET_TieredPGO=1; DOTNET_JitDisasmSummary=1 lists what the JIT compiled,
# and at which tier, in each service's log).
#
# The human summary goes to stdout, the JSON result to .local/loadgen/<scenario>-<time>.json (or
# --json FILE); the services' logs to .local/loadgen/logs-<time>/ .
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_ROOT"
source scripts/lib/require-dotnet.sh
source scripts/lib/services.sh

scenario="${1:?usage: scripts/loadgen.sh a|b|c|smoke [--gateway-count N] [--ready-to-run|--composite] [generator options]}"
shift
gateway_count=2
ready_to_run=false
generator_args=()
while [ $# -gt 0 ]; do
    case "$1" in
        --gateway-count) gateway_count="$2"; shift 2 ;;
        --ready-to-run) ready_to_run=true; shift ;;
        --composite) ready_to_run=true; PUBLISH_COMPOSITE=true; shift ;;
        *) generator_args+=("$1"); shift ;;
    esac
done

BIND=127.0.0.1
LOG_PREFIX=loadgen
READY_DEADLINE=90
stamp="$(date +%Y%m%d-%H%M%S)"
mkdir -p .local/loadgen
SERVICE_LOG_DIR="$REPO_ROOT/.local/loadgen/logs-$stamp"
mkdir -p "$SERVICE_LOG_DIR"
json_default="$REPO_ROOT/.local/loadgen/$scenario-$stamp.json"

stack_dir=""
cleanup() {
    trap - EXIT INT TERM
    stop_services
    [ -n "$stack_dir" ] && { scripts/stack.sh stop "$stack_dir" || echo "[loadgen] warning: the stack did not stop cleanly" >&2; }
}
trap cleanup EXIT
trap 'exit 130' INT TERM

stack_env="$(scripts/stack.sh start test)"
eval "$stack_env"
stack_dir="$ROOMCAST_STACK_DIR"

echo "[loadgen] building (Release)" >&2
dotnet build Roomcast.slnx -c Release --nologo -clp:ErrorsOnly --disable-build-servers >&2
if $ready_to_run; then
    echo "[loadgen] publishing the services ReadyToRun" >&2
    SERVICE_PUBLISH_ROOT="$REPO_ROOT/.local/loadgen/publish${PUBLISH_COMPOSITE:+-composite}"
    publish_service services/identity/src Roomcast.Identity
    publish_service services/documents-api/src Roomcast.DocumentsApi
    publish_service services/realtime-gateway/src Roomcast.RealtimeGateway
fi

pg() { echo "Host=$ROOMCAST_PG_HOST;Port=$ROOMCAST_PG_PORT;Username=$ROOMCAST_PG_USER;Password=$ROOMCAST_PG_PASSWORD;Database=$1"; }
for db in loadgen_identity loadgen_documents; do
    PGPASSWORD="$ROOMCAST_PG_PASSWORD" psql -q -h "$ROOMCAST_PG_HOST" -p "$ROOMCAST_PG_PORT" -U "$ROOMCAST_PG_USER" -d postgres -c "CREATE DATABASE $db" >/dev/null
done

export RabbitMq__Host="$ROOMCAST_RABBITMQ_HOST" RabbitMq__Port="$ROOMCAST_RABBITMQ_PORT" RabbitMq__VirtualHost=/ \
       RabbitMq__Username="$ROOMCAST_RABBITMQ_USER" RabbitMq__Password="$ROOMCAST_RABBITMQ_PASSWORD" \
       Demo__SeedFile="$REPO_ROOT/scripts/demo-seed.json" DOTNET_ENVIRONMENT=Production \
       Logging__LogLevel__Default=Warning

identity_port="$(free_port)"
documents_port="$(free_port)"
export Jwt__Authority="http://$BIND:$identity_port" Jwt__RequireHttpsMetadata=false

# Every generated user signs in from this one address: lift identity's per-address login limit. The
# key-encryption key is a fixed, public development key (the load generator's databases are thrown away).
start_service identity "$identity_port" services/identity/src Roomcast.Identity \
    Postgres__ConnectionString="$(pg loadgen_identity)" Identity__Issuer="http://$BIND:$identity_port" Identity__LoginRateLimit=100000 \
    Identity__KeyEncryptionKey="ZGV2LW9ubHkta2V5LWVuY3J5cHRpb24ta2V5LTMyYiE="
gateway_urls=()
pids="identity=${service_pid_of[identity]}"
for i in $(seq 1 "$gateway_count"); do
    port="$(free_port)"
    start_service "gateway-$i" "$port" services/realtime-gateway/src Roomcast.RealtimeGateway \
        Gateway__InstanceId="loadgen-$stamp-$i" Redis__Endpoint="$ROOMCAST_REDIS" Redis__ChannelPrefix="loadgen-$stamp" \
        RoomAccess__DocumentsApiUrl="http://$BIND:$documents_port" Hub__CallsPerSecond=1000 Hub__CallBurst=1000 \
        Logging__LogLevel__Roomcast.RealtimeGateway.Delivery.DeliveryTimingsLog=Information DeliveryTimings__LogInterval=00:00:05
    gateway_urls+=("http://$BIND:$port")
    pids="$pids,gateway-$i=${service_pid_of[gateway-$i]}"
done
# The generator sends every update as one writer standing in for all its users: lift documents-api's
# per-user limits for it, to the service's own request slots (services/documents-api/README.md, "Limits").
start_service documents-api "$documents_port" services/documents-api/src Roomcast.DocumentsApi \
    Postgres__ConnectionString="$(pg loadgen_documents)" \
    Documents__WriteRateLimit=2147483647 Documents__WriteBytesLimit=2147483647 \
    Documents__MaxConcurrentRequestsPerUser=32 Documents__UserRequestQueueLimit=64
pids="$pids,documents-api=${service_pid_of[documents-api]}"
# The servers too, so CPU per update covers the whole way: PostgreSQL with its backends, RabbitMQ's VM.
servers="$(source "$stack_dir/stack.state"
    echo "postgres=${PG_ID%%:*}+,redis=${REDIS_ID%%:*}${RABBITMQ_BEAM_ID:+,rabbitmq=${RABBITMQ_BEAM_ID%%:*}}")"
pids="$pids,$servers"

json_args=(--json "$json_default")
for arg in "${generator_args[@]}"; do [ "$arg" = "--json" ] && json_args=(); done

set +e
dotnet tools/loadgen/bin/Release/net10.0/Roomcast.LoadGen.dll --scenario "$scenario" \
    --identity "http://$BIND:$identity_port" --documents "http://$BIND:$documents_port" \
    --gateways "$(IFS=,; echo "${gateway_urls[*]}")" --admin alice --admin-password roomcast-demo \
    --pids "$pids" "${json_args[@]}" "${generator_args[@]}"
status=$?
set -e
# Where the time went inside the gateways: each logs a per-stage summary every 5 s while it consumes.
for i in $(seq 1 "$gateway_count"); do
    grep -h "Delivery over the last" "$SERVICE_LOG_DIR/gateway-$i.log" 2>/dev/null | sed "s/^/[gateway-$i] /" || true
done
echo "[loadgen] generator exited with $status; services' logs in $SERVICE_LOG_DIR" >&2
exit "$status"
