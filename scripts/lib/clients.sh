# The front ends (clients/: @roomcast/client, the demo, the browser tests) for run.sh and test.sh:
# what they need installed, their build, and the demo server. Sourced; the caller sets LOG_PREFIX.

CLIENTS_DIR="$REPO_ROOT/clients"

# require_node: Node 20 or newer on PATH (Debian 12's own nodejs is 18: install Node 20 from nodejs.org or NodeSource).
require_node() {
    local major
    major="$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)"
    if [ "$major" -lt 20 ]; then
        printf '[%s] error: the clients need Node 20 or newer on PATH (found: %s)\n' "$LOG_PREFIX" "$(node --version 2>/dev/null || echo none)" >&2
        exit 1
    fi
}

# install_clients: npm ci in clients/ when its node_modules is missing or older than the lock file.
install_clients() {
    require_node
    if [ ! -f "$CLIENTS_DIR/node_modules/.package-lock.json" ] || [ "$CLIENTS_DIR/package-lock.json" -nt "$CLIENTS_DIR/node_modules/.package-lock.json" ]; then
        printf '[%s] installing the clients'"'"' packages (npm ci)\n' "$LOG_PREFIX" >&2
        (cd "$CLIENTS_DIR" && npm ci --no-audit --no-fund --loglevel=error) >&2
    fi
}

# build_clients: @roomcast/client, then the demo on it.
build_clients() {
    printf '[%s] building the clients (@roomcast/client, demo)\n' "$LOG_PREFIX" >&2
    (cd "$CLIENTS_DIR" && npm run build --silent) >&2
}

# require_chromium: Debian's Chromium, which the browser tests drive (never a downloaded browser).
require_chromium() {
    if [ ! -x /usr/bin/chromium ]; then
        printf '[%s] installing chromium from Debian (for the browser tests)\n' "$LOG_PREFIX" >&2
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null \
            || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }
    fi
}

# start_demo PORT IDENTITY-URL DOCUMENTS-URL GATEWAY-URLS [SEED-FILE]: the demo server (clients/demo/server.mjs)
# on BIND:PORT in front of those services; its pid joins service_pids (scripts/lib/services.sh).
start_demo() {
    local port=$1
    env ROOMCAST_DEMO_BIND="$BIND" ROOMCAST_DEMO_PORT="$port" ROOMCAST_IDENTITY_URL="$2" ROOMCAST_DOCUMENTS_URL="$3" \
        ROOMCAST_GATEWAY_URLS="$4" ROOMCAST_DEMO_SEED_FILE="${5:-}" node "$CLIENTS_DIR/demo/server.mjs" > >(sed -u 's/^/[demo] /') 2>&1 &
    local pid=$!
    service_pids+=("$pid")
    service_pid_of[demo]=$pid
    local deadline=$((SECONDS + READY_DEADLINE))
    until curl -sf "http://$BIND:$port/demo-config.json" >/dev/null; do
        if ! kill -0 "$pid" 2>/dev/null; then
            printf '[%s] error: the demo server exited during start\n' "$LOG_PREFIX" >&2
            exit 1
        fi
        if [ $SECONDS -ge $deadline ]; then
            printf '[%s] error: the demo server not ready on :%s within %ss\n' "$LOG_PREFIX" "$port" "$READY_DEADLINE" >&2
            exit 1
        fi
        sleep 0.2
    done
}
