#!/usr/bin/env bash
# The README's run command: installs what is missing, starts the persistent dev stack
# (PostgreSQL, Redis, RabbitMQ under .local/dev), builds Roomcast and its front ends, starts
# identity, documents-api and two realtime-gateway instances seeded with the demo data and the
# demo app in front of them, prints the demo's URL and users, and stays in the foreground until
# Ctrl-C / SIGTERM; then it stops everything it started.
#
# Overridable: ROOMCAST_BIND (127.0.0.1), ROOMCAST_IDENTITY_PORT (5101),
# ROOMCAST_DOCUMENTS_PORT (5102), ROOMCAST_GATEWAY_PORT (5103), ROOMCAST_GATEWAY2_PORT (5104),
# ROOMCAST_DEMO_PORT (5180), ROOMCAST_SEED_FILE (scripts/demo-seed.json), ROOMCAST_KEY_ENCRYPTION_KEY (identity's key-encryption
# key; by default a fixed development key that is public in this repository, so the dev database's
# signing keys are sealed but not secret: never run with it where the database holds anything of value).
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_ROOT"
source scripts/lib/require-dotnet.sh
source scripts/lib/services.sh
source scripts/lib/clients.sh

BIND="${ROOMCAST_BIND:-127.0.0.1}"
IDENTITY_PORT="${ROOMCAST_IDENTITY_PORT:-5101}"
DOCUMENTS_PORT="${ROOMCAST_DOCUMENTS_PORT:-5102}"
GATEWAY_PORT="${ROOMCAST_GATEWAY_PORT:-5103}"
GATEWAY2_PORT="${ROOMCAST_GATEWAY2_PORT:-5104}"
DEMO_PORT="${ROOMCAST_DEMO_PORT:-5180}"
SEED_FILE="$(realpath "${ROOMCAST_SEED_FILE:-scripts/demo-seed.json}")"
KEY_ENCRYPTION_KEY="${ROOMCAST_KEY_ENCRYPTION_KEY:-ZGV2LW9ubHkta2V5LWVuY3J5cHRpb24ta2V5LTMyYiE=}"
READY_DEADLINE=60
LOG_PREFIX=run

log() { printf '[run] %s\n' "$*" >&2; }

stack_started=0
cleanup() {
    trap - EXIT INT TERM
    stop_services
    if [ "$stack_started" = 1 ]; then
        scripts/stack.sh stop dev || log "warning: the dev stack did not stop cleanly"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The dev stack: reuse one that is already running (and leave it running), else start it.
if settings="$(scripts/stack.sh env dev 2>/dev/null)"; then
    log "reusing the running dev stack"
else
    settings="$(scripts/stack.sh start dev)"
    stack_started=1
fi
eval "$settings"

# Each service owns its database.
for db in roomcast_identity roomcast_documents; do
    PGPASSWORD="$ROOMCAST_PG_PASSWORD" psql -q -h "$ROOMCAST_PG_HOST" -p "$ROOMCAST_PG_PORT" -U "$ROOMCAST_PG_USER" -d postgres -tAc \
        "SELECT 1 FROM pg_database WHERE datname = '$db'" | grep -q 1 \
        || PGPASSWORD="$ROOMCAST_PG_PASSWORD" psql -q -h "$ROOMCAST_PG_HOST" -p "$ROOMCAST_PG_PORT" -U "$ROOMCAST_PG_USER" -d postgres \
            -c "CREATE DATABASE $db"
done

log "building (Release)"
dotnet build Roomcast.slnx -c Release --nologo -clp:ErrorsOnly --disable-build-servers >&2
install_clients
build_clients

pg() { echo "Host=$ROOMCAST_PG_HOST;Port=$ROOMCAST_PG_PORT;Username=$ROOMCAST_PG_USER;Password=$ROOMCAST_PG_PASSWORD;Database=$1"; }
export RabbitMq__Host="$ROOMCAST_RABBITMQ_HOST" RabbitMq__Port="$ROOMCAST_RABBITMQ_PORT" RabbitMq__VirtualHost=/ \
       RabbitMq__Username="$ROOMCAST_RABBITMQ_USER" RabbitMq__Password="$ROOMCAST_RABBITMQ_PASSWORD" \
       Jwt__Authority="http://$BIND:$IDENTITY_PORT" Jwt__RequireHttpsMetadata=false \
       Demo__SeedFile="$SEED_FILE" DOTNET_ENVIRONMENT=Production

start_service identity "$IDENTITY_PORT" services/identity/src Roomcast.Identity \
    Postgres__ConnectionString="$(pg roomcast_identity)" Identity__Issuer="http://$BIND:$IDENTITY_PORT" Identity__KeyEncryptionKey="$KEY_ENCRYPTION_KEY"
# Both gateways share one event queue and carry each event to each other's clients over Redis.
start_service realtime-gateway-1 "$GATEWAY_PORT" services/realtime-gateway/src Roomcast.RealtimeGateway Gateway__InstanceId=dev-gateway-1 RoomAccess__DocumentsApiUrl="http://$BIND:$DOCUMENTS_PORT" \
    Redis__Endpoint="$ROOMCAST_REDIS" Redis__ChannelPrefix=roomcast-dev
start_service realtime-gateway-2 "$GATEWAY2_PORT" services/realtime-gateway/src Roomcast.RealtimeGateway Gateway__InstanceId=dev-gateway-2 RoomAccess__DocumentsApiUrl="http://$BIND:$DOCUMENTS_PORT" \
    Redis__Endpoint="$ROOMCAST_REDIS" Redis__ChannelPrefix=roomcast-dev
start_service documents-api "$DOCUMENTS_PORT" services/documents-api/src Roomcast.DocumentsApi \
    Postgres__ConnectionString="$(pg roomcast_documents)"
# The demo app, with identity, documents-api and both gateways on its own origin (as an ingress would).
start_demo "$DEMO_PORT" "http://$BIND:$IDENTITY_PORT" "http://$BIND:$DOCUMENTS_PORT" \
    "http://$BIND:$GATEWAY_PORT,http://$BIND:$GATEWAY2_PORT" "$SEED_FILE"

# The seed file is formatted one record per line; list users, groups, roots and documents with their ids.
describe_seed() {
    grep -E '"(id|name|username)"' "$SEED_FILE" | sed -E \
        -e 's/.*"id": "([^"]*)", "username": "([^"]*)".*"isAdmin": true.*/  user      \1  \2 (admin)/' \
        -e 's/.*"id": "([^"]*)", "username": "([^"]*)".*/  user      \1  \2/' \
        -e 's/.*"id": "([^"]*)", "name": "([^"]*)", "members".*/  group     \1  \2/' \
        -e 's/.*"id": "([^"]*)", "authorId".*"title": "([^"]*)".*/  document  \1  \2/' \
        -e 's/.*"id": "([^"]*)",$/  root      \1/' \
        -e 's/.*"name": "([^"]*)",$/            (\1)/'
}

cat >&2 <<BANNER

Roomcast is running (Ctrl-C stops it).

  Demo app: http://$BIND:$DEMO_PORT/
    sign in as a demo user (listed below and on its sign-in page); open a second window as another
    user, edit a document in one and watch it change in the other; the admin sees rooms and presence.

  identity          http://$BIND:$IDENTITY_PORT   POST /api/v1/auth/login, /.well-known/jwks.json
  documents-api     http://$BIND:$DOCUMENTS_PORT   PUT /api/v1/documents/{id}
  realtime-gateway  http://$BIND:$GATEWAY_PORT/hubs/notifications
  realtime-gateway  http://$BIND:$GATEWAY2_PORT/hubs/notifications
  RabbitMQ console  http://$ROOMCAST_RABBITMQ_HOST:$ROOMCAST_RABBITMQ_MANAGEMENT_PORT ($ROOMCAST_RABBITMQ_USER / $ROOMCAST_RABBITMQ_PASSWORD)
Demo data from $SEED_FILE:
$(describe_seed)
  passwords: roomcast-demo
Try it:
  token=\$(curl -s -H 'content-type: application/json' -d '{"username":"bob","password":"roomcast-demo"}' http://$BIND:$IDENTITY_PORT/api/v1/auth/login | sed -E 's/.*"accessToken":"([^"]*)".*/\1/')
  curl -X PUT -H "authorization: Bearer \$token" -H 'content-type: application/json' -d '{"data":{"text":"hello"}}' http://$BIND:$DOCUMENTS_PORT/api/v1/documents/d0c00000-0000-4000-8000-000000000001
BANNER

# Stay in the foreground; if any service dies, stop the rest and say so.
set +e
wait -n "${service_pids[@]}"
status=$?
log "a service exited (status $status); stopping the others"
exit "$status"
