# Starting and stopping Roomcast's services as local processes; sourced by scripts that run them.
# The caller sets BIND, LOG_PREFIX and READY_DEADLINE (seconds) and may set SERVICE_LOG_DIR (output
# to NAME.log there instead of the terminal) and SERVICE_ENV (space-separated VAR=VALUE pairs for the
# services' processes only, not the build: a benchmark arm's runtime settings, e.g. DOTNET_TieredPGO=1).

service_pids=()
declare -A service_pid_of=()

# start_service NAME PORT PROJECT-DIR ASSEMBLY [VAR=VALUE ...]: starts one service (Release build)
# and waits until its /health/ready answers; exits when it dies or is not ready in time.
# With SERVICE_PUBLISH_ROOT set, the service runs from SERVICE_PUBLISH_ROOT/ASSEMBLY/ (see publish_service).
start_service() {
    local name=$1 port=$2 dir=$3 assembly=$4
    shift 4
    local run=(dotnet "$dir/bin/Release/net10.0/$assembly.dll")
    if [ -n "${SERVICE_PUBLISH_ROOT:-}" ]; then
        run=(dotnet "$SERVICE_PUBLISH_ROOT/$assembly/$assembly.dll")
        # A self-contained publish carries its own runtime: its own executable starts it.
        [ -f "$SERVICE_PUBLISH_ROOT/$assembly/libcoreclr.so" ] && run=("$SERVICE_PUBLISH_ROOT/$assembly/$assembly")
    fi
    if [ -n "${SERVICE_LOG_DIR:-}" ]; then
        env ASPNETCORE_URLS="http://$BIND:$port" ${SERVICE_ENV:-} "$@" "${run[@]}" > "$SERVICE_LOG_DIR/$name.log" 2>&1 &
    else
        env ASPNETCORE_URLS="http://$BIND:$port" ${SERVICE_ENV:-} "$@" "${run[@]}" \
            > >(sed -u "s/^/[$name] /") 2>&1 &
    fi
    local pid=$!
    service_pids+=("$pid")
    service_pid_of[$name]=$pid
    local deadline=$((SECONDS + READY_DEADLINE))
    until curl -sf "http://$BIND:$port/health/ready" >/dev/null; do
        if ! kill -0 "$pid" 2>/dev/null; then
            printf '[%s] error: %s exited during start\n' "$LOG_PREFIX" "$name" >&2
            [ -n "${SERVICE_LOG_DIR:-}" ] && tail -n 30 "$SERVICE_LOG_DIR/$name.log" >&2
            exit 1
        fi
        if [ $SECONDS -ge $deadline ]; then
            printf '[%s] error: %s not ready on :%s within %ss\n' "$LOG_PREFIX" "$name" "$port" "$READY_DEADLINE" >&2
            exit 1
        fi
        sleep 0.2
    done
    printf '[%s] %s ready on http://%s:%s (pid %s)\n' "$LOG_PREFIX" "$name" "$BIND" "$port" "$pid" >&2
}

# publish_service PROJECT-DIR ASSEMBLY: publishes the service as its image does (ReadyToRun, for this
# machine's runtime) into SERVICE_PUBLISH_ROOT/ASSEMBLY/.
# With PUBLISH_COMPOSITE=true: self-contained, the service and the whole runtime compiled together into
# one composite ReadyToRun image, so precompiled code inlines across the framework's assemblies.
publish_service() {
    local mode=(--self-contained false) name=separate
    [ "${PUBLISH_COMPOSITE:-false}" = true ] && mode=(--self-contained true -p:PublishReadyToRunComposite=true) name=composite
    # Both modes compile into the same intermediate folder, and the compiler's step is skipped when its
    # outputs look up to date: images of the other mode would be published. Each mode starts it afresh.
    local r2r="$1/obj/Release/net10.0/linux-x64/R2R"
    if [ "$(cat "$r2r.mode" 2>/dev/null)" != "$name" ]; then
        rm -rf "$r2r"
        mkdir -p "$(dirname "$r2r")"
        echo "$name" > "$r2r.mode"
    fi
    dotnet publish "$1" -c Release -r linux-x64 "${mode[@]}" -p:PublishReadyToRun=true \
        --nologo -clp:ErrorsOnly --disable-build-servers -o "$SERVICE_PUBLISH_ROOT/$2" >&2
}

# stop_services: SIGTERM to every service started, SIGKILL to any still there after 10 s.
stop_services() {
    if [ ${#service_pids[@]} -eq 0 ]; then
        return
    fi
    printf '[%s] stopping services (%s)\n' "$LOG_PREFIX" "${service_pids[*]}" >&2
    kill -TERM "${service_pids[@]}" 2>/dev/null || true
    for pid in "${service_pids[@]}"; do
        for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
    done
    service_pids=()
}

# free_port: a TCP port nobody listens on now (the services bind it right after).
free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}
