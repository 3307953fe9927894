#!/usr/bin/env bash
# Local backing services for Roomcast: PostgreSQL 15, Redis and RabbitMQ
# (with the management plugin), run as plain processes on 127.0.0.1 — no
# Docker, no systemd, never the distribution's default instances.
#
#   scripts/stack.sh start dev     persistent stack, fixed ports, data in <repo>/.local/dev
#   scripts/stack.sh start test    throw-away stack on free ports, data in a fresh mktemp -d
#   scripts/stack.sh stop <dir>    stop the stack whose state folder is <dir> ("dev" = .local/dev);
#                                  a test stack's folder is removed afterwards
#   scripts/stack.sh env <dir>     print the stack.env of a running stack
#
# `start` prints the sourceable <dir>/stack.env on stdout; its last line is
# ROOMCAST_STACK_DIR=<dir>. Progress and errors go to stderr. Typical use:
#   settings=$(scripts/stack.sh start test) || exit 1
#   eval "$settings"; trap 'scripts/stack.sh stop "$ROOMCAST_STACK_DIR"' EXIT
#
# Servers run in their own session (setsid), so they outlive the calling
# shell: whoever starts a stack must stop it.
#
# ROOMCAST_STACK_DURABLE=1 keeps fsync and synchronous_commit on in a test stack (for benchmarks).
# ROOMCAST_STACK_PG_SETTINGS="name=value ..." adds PostgreSQL settings (benchmarks load
# pg_stat_statements with it).
#
# Dev port overrides: ROOMCAST_DEV_PG_PORT (55432), ROOMCAST_DEV_REDIS_PORT (56379),
# ROOMCAST_DEV_RABBITMQ_PORT (55672), ROOMCAST_DEV_RABBITMQ_MANAGEMENT_PORT (55673),
# ROOMCAST_DEV_RABBITMQ_DIST_PORT (55674), ROOMCAST_DEV_EPMD_PORT (55675).
set -euo pipefail

# Physical paths (pwd -P, realpath): `stop <dir>` compares them with the recorded one.
SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
REPO_ROOT="$(dirname "$SCRIPT_DIR")"
DEV_DIR="$REPO_ROOT/.local/dev"

PG_BIN=/usr/lib/postgresql/15/bin
# The real server script, not the /usr/sbin wrapper: the wrapper does `su rabbitmq`,
# which forks and would leave us holding the pid of su instead of the server.
RABBITMQ_SCRIPT=/usr/lib/rabbitmq/bin/rabbitmq-server

# How long each server may take to answer (from its launch).
PG_DEADLINE=30
REDIS_DEADLINE=30
RABBITMQ_DEADLINE=60
# How long a stopping server may take before it gets the next, harsher signal.
STOP_DEADLINE=30

# ---------------------------------------------------------------- helpers

log() { printf '[stack] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

usage() {
    sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//' >&2
    exit 2
}

# Microseconds since the epoch. Strip every non-digit: EPOCHREALTIME uses the
# locale's decimal separator.
now_us() { echo "${EPOCHREALTIME//[!0-9]/}"; }
# Seconds since $1 (from now_us), one decimal.
elapsed() {
    local d=$(( $(now_us) - $1 ))
    printf '%d.%d' $(( d / 1000000 )) $(( d % 1000000 / 100000 ))
}

# Command prefixes: run the rest with a clean environment (a caller's PG* or
# RABBITMQ_* variables must not leak into the servers), optionally as a
# service user. setsid, setpriv and env all exec, so a backgrounded server
# keeps the pid that `$!` gives us.
CLEAN_ENV=(env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8)
AS_POSTGRES=(setpriv --reuid=postgres --regid=postgres --init-groups -- "${CLEAN_ENV[@]}")
AS_RABBITMQ=(setpriv --reuid=rabbitmq --regid=rabbitmq --init-groups -- "${CLEAN_ENV[@]}")

# /proc/<pid>/stat fields after "comm)": [0]=state ... [19]=starttime.
proc_stat() {
    local stat
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    echo "${stat##*) }"
}

# A process identity is "pid:starttime", so a recycled pid (e.g. after a
# reboot, for the persistent dev stack) is never mistaken for ours.
proc_id() {
    local stat f
    stat=$(proc_stat "$1") || return 1
    read -ra f <<<"$stat"
    echo "$1:${f[19]}"
}

# True if the process with identity $1 still exists (zombies count as gone:
# during a failed start the servers are still our children and nobody reaps them).
proc_alive() {
    local pid=${1%%:*} start=${1#*:} stat f
    [[ -n $pid ]] || return 1
    stat=$(proc_stat "$pid") || return 1
    read -ra f <<<"$stat"
    [[ ${f[0]} != Z && ${f[19]} == "$start" ]]
}

# stop_proc NAME ID SIGNAL... — send each signal in turn, giving the process
# STOP_DEADLINE seconds after the first and 5 s after each later one; SIGKILL last.
stop_proc() {
    local name=$1 id=$2 pid=${2%%:*} wait_s=$STOP_DEADLINE sig limit; shift 2
    proc_alive "$id" || return 0
    for sig in "$@" KILL; do
        [[ $sig == KILL ]] && log "$name (pid $pid) still running, sending KILL"
        kill -s "$sig" "$pid" 2>/dev/null || true
        limit=$(( $(now_us) + wait_s * 1000000 ))
        while proc_alive "$id" && (( $(now_us) < limit )); do sleep 0.1; done
        proc_alive "$id" || return 0
        wait_s=5
    done
    log "error: $name (pid $pid) survived SIGKILL"
    return 1
}

# TIME-WAIT leftovers of closed connections do not count: every server here
# binds with SO_REUSEADDR, and a just-stopped stack leaves plenty of them.
port_in_use() { [[ -n $(ss -Htan exclude time-wait "sport = :$1" 2>/dev/null) ]]; }

# Pid of the process listening on TCP port $1 (empty if none).
listener_pid() {
    ss -Hltnp "sport = :$1" 2>/dev/null | grep -o 'pid=[0-9]*' | head -n1 | cut -d= -f2
}

# N distinct ports with no TCP socket on them. Taken from 20000-32767, below
# the kernel's ephemeral range, so outgoing connections cannot grab them
# between picking and binding.
pick_free_ports() {
    local n=$1 p picked=" "
    while (( n > 0 )); do
        p=$(( 20000 + RANDOM % 12768 ))
        [[ $picked == *" $p "* ]] && continue
        port_in_use "$p" && continue
        picked+="$p "; n=$(( n - 1 ))
    done
    echo "$picked"
}

# show_logs FILE|DIR... — tail each file (each *.log of a DIR) to stderr.
show_logs() {
    local f
    for f in "$@"; do
        if [[ -d $f ]]; then show_logs "$f"/*.log; continue; fi
        [[ -f $f ]] || continue
        printf '\n----- last 40 lines of %s -----\n' "$f" >&2
        tail -n 40 "$f" >&2
    done
}

# wait_ready NAME T0 DEADLINE ID PROBE LOG... — poll PROBE until it succeeds,
# the process dies, or DEADLINE seconds have passed since its launch at T0.
wait_ready() {
    local name=$1 t0=$2 deadline=$3 id=$4 probe=$5 limit; shift 5
    limit=$(( t0 + deadline * 1000000 ))
    while :; do
        if "$probe"; then
            log "$name ready in $(elapsed "$t0")s"
            return 0
        fi
        if ! proc_alive "$id"; then
            log "error: $name exited during startup"
            show_logs "$@"; return 1
        fi
        if (( $(now_us) > limit )); then
            log "error: $name did not answer within ${deadline}s"
            show_logs "$@"; return 1
        fi
        sleep 0.2
    done
}

# The state folder holds stack.state: KEY=value lines (ports, process ids),
# appended as things start so a failed start can still clean up what it began.
state_set() { printf '%s=%q\n' "$1" "$2" >>"$STACK_DIR/stack.state"; }

load_state() {
    STACK_DIR=$1
    [[ -f $STACK_DIR/stack.state ]] || die "$STACK_DIR has no stack.state: not a stack folder"
    # Clear anything a previous load might have left.
    MODE="" PG_ID="" REDIS_ID="" RABBITMQ_ID="" RABBITMQ_BEAM_ID="" EPMD_ID=""
    # shellcheck disable=SC1091
    source "$STACK_DIR/stack.state"
}

resolve_dir() {
    if [[ $1 == dev ]]; then echo "$DEV_DIR"; else realpath -m -- "$1"; fi
}

# ----------------------------------------------------------- installation

# Install only the Debian packages whose programs are missing.
ensure_packages() {
    local missing=()
    [[ -x $PG_BIN/postgres && -x $PG_BIN/initdb && -x $PG_BIN/pg_isready && -x $PG_BIN/psql ]] \
        || missing+=(postgresql-15)
    command -v redis-server >/dev/null && command -v redis-cli >/dev/null || missing+=(redis-server)
    [[ -x $RABBITMQ_SCRIPT ]] || missing+=(rabbitmq-server)
    command -v curl >/dev/null || missing+=(curl)
    command -v ss >/dev/null || missing+=(iproute2)
    (( ${#missing[@]} )) || return 0
    log "installing ${missing[*]} (apt-get)"
    # apt's chatter goes to stderr: stdout is reserved for the env file.
    # The lock timeout lets two concurrent first starts queue up instead of failing.
    {
        DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 update -q &&
        DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -q "${missing[@]}"
    } >&2 || die "apt-get install ${missing[*]} failed"
}

# ------------------------------------------------------------- PostgreSQL

start_postgres() {
    local pgdata=$STACK_DIR/pg pwfile
    local opts=(-c listen_addresses=127.0.0.1 -c "unix_socket_directories=$STACK_DIR/pgsock"
                -c max_connections=300)
    # Test data is thrown away: trade durability for speed, unless ROOMCAST_STACK_DURABLE=1 asks for
    # production's commit path (benchmarks: a commit's latency is mostly its WAL flush).
    [[ $MODE == test && ${ROOMCAST_STACK_DURABLE:-0} != 1 ]] && opts+=(-c fsync=off -c synchronous_commit=off)
    local setting
    for setting in ${ROOMCAST_STACK_PG_SETTINGS:-}; do
        [[ $setting == ?*=* ]] || die "ROOMCAST_STACK_PG_SETTINGS: '$setting' is not name=value"
        opts+=(-c "$setting")
    done

    install -d -o postgres -g postgres -m 755 "$STACK_DIR/pgsock"
    if [[ ! -e $pgdata || -z $(ls -A "$pgdata") ]]; then
        install -d -o postgres -g postgres -m 700 "$pgdata"
        pwfile=$STACK_DIR/pg.pwfile
        echo roomcast >"$pwfile"
        chown postgres: "$pwfile"; chmod 600 "$pwfile"
        log "initdb $pgdata"
        if ! "${AS_POSTGRES[@]}" "$PG_BIN/initdb" -D "$pgdata" -U roomcast --pwfile="$pwfile" \
                --auth=scram-sha-256 -E UTF8 --locale=C.UTF-8 >"$STACK_DIR/initdb.log" 2>&1; then
            rm -f "$pwfile"; show_logs "$STACK_DIR/initdb.log"; die "initdb failed"
        fi
        rm -f "$pwfile"
    elif [[ ! -f $pgdata/PG_VERSION ]]; then
        die "$pgdata is not empty but holds no PostgreSQL cluster; move it away"
    fi

    log "starting postgres on 127.0.0.1:$PG_PORT ..."
    PG_T0=$(now_us)
    setsid "${AS_POSTGRES[@]}" "$PG_BIN/postgres" -D "$pgdata" -p "$PG_PORT" "${opts[@]}" \
        </dev/null >>"$STACK_DIR/pg.log" 2>&1 &
    PG_ID=$(proc_id $!) || PG_ID="$!:?"
    state_set PG_ID "$PG_ID"
}

probe_postgres() {
    "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" -t 2 || return 1
    [[ $(PGPASSWORD=roomcast PGCONNECT_TIMEOUT=2 "$PG_BIN/psql" -X -q -tA -h 127.0.0.1 \
        -p "$PG_PORT" -U roomcast -d postgres -c 'select 1' 2>/dev/null) == 1 ]]
}

ready_postgres() {
    wait_ready postgres "$PG_T0" "$PG_DEADLINE" "$PG_ID" probe_postgres "$STACK_DIR/pg.log" || return 1
    # postmaster.pid is the server's own word on its pid; it should equal $!.
    local pid
    pid=$(head -n1 "$STACK_DIR/pg/postmaster.pid")
    if [[ $pid != "${PG_ID%%:*}" ]]; then
        PG_ID=$(proc_id "$pid"); state_set PG_ID "$PG_ID"
    fi
}

stop_postgres() {
    # SIGINT = "fast" shutdown (what pg_ctl -m fast sends): SIGTERM would be a
    # "smart" shutdown that waits for every client pool to disconnect.
    # SIGQUIT = immediate shutdown, which still takes the backends down with it.
    [[ -n $PG_ID ]] || return 0
    proc_alive "$PG_ID" && log "stopping postgres (pid ${PG_ID%%:*})"
    stop_proc postgres "$PG_ID" INT QUIT
}

# ------------------------------------------------------------------ Redis

start_redis() {
    local args=(--port "$REDIS_PORT" --bind 127.0.0.1 --dir "$STACK_DIR/redis"
                --daemonize no --logfile "$STACK_DIR/redis.log")
    if [[ $MODE == test ]]; then
        args+=(--save '' --appendonly no --maxmemory 1gb)
    else
        args+=(--appendonly yes --maxmemory 512mb)
    fi
    # noeviction: every key the gateway writes is state it relies on (event ids against duplicates,
    # the history a resume must see whole, memberships, room gains); an evicted key breaks a guarantee
    # silently. At the ceiling Redis refuses writes instead and the gateway holds events on the bus.
    # Sizing: services/realtime-gateway/README.md, "Redis memory".
    args+=(--maxmemory-policy noeviction)
    install -d -m 700 "$STACK_DIR/redis"
    log "starting redis on 127.0.0.1:$REDIS_PORT ..."
    REDIS_T0=$(now_us)
    setsid "${CLEAN_ENV[@]}" redis-server "${args[@]}" \
        </dev/null >>"$STACK_DIR/redis.out" 2>&1 &
    REDIS_ID=$(proc_id $!) || REDIS_ID="$!:?"
    state_set REDIS_ID "$REDIS_ID"
}

probe_redis() {
    [[ $(timeout 2 redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null) == PONG ]]
}

ready_redis() {
    wait_ready redis "$REDIS_T0" "$REDIS_DEADLINE" "$REDIS_ID" probe_redis "$STACK_DIR/redis.log" "$STACK_DIR/redis.out"
}

stop_redis() {
    [[ -n $REDIS_ID ]] || return 0
    proc_alive "$REDIS_ID" && log "stopping redis (pid ${REDIS_ID%%:*})"
    stop_proc redis "$REDIS_ID" TERM
}

# --------------------------------------------------------------- RabbitMQ

start_rabbitmq() {
    local r=$STACK_DIR/rabbitmq nodename
    # Mnesia data is per node name, so the dev name must stay stable across
    # restarts; names only need to be unique per epmd, and every stack has its own.
    if [[ $MODE == dev ]]; then nodename=roomcast-dev@localhost
    else nodename=roomcast-test-$RABBITMQ_PORT@localhost; fi

    install -d -o rabbitmq -g rabbitmq -m 755 "$r" "$r/mnesia" "$r/log" "$STACK_DIR/rabbitmq-home"
    echo '[rabbitmq_management].' >"$r/enabled_plugins"
    # The user is created on first boot only (an existing dev node keeps its users).
    # Administrator tag: tests create and delete vhosts through the HTTP API.
    cat >"$r/rabbitmq.conf" <<EOF
listeners.tcp.1 = 127.0.0.1:$RABBITMQ_PORT
management.tcp.ip = 127.0.0.1
management.tcp.port = $RABBITMQ_MANAGEMENT_PORT
loopback_users = none
default_vhost = /
default_user = roomcast
default_pass = roomcast
default_user_tags.administrator = true
default_permissions.configure = .*
default_permissions.read = .*
default_permissions.write = .*
EOF
    # Empty env file: /etc/rabbitmq/rabbitmq-env.conf must not move our node.
    : >"$r/rabbitmq-env.conf"
    chown rabbitmq: "$r/enabled_plugins" "$r/rabbitmq.conf" "$r/rabbitmq-env.conf"

    log "starting rabbitmq on 127.0.0.1:$RABBITMQ_PORT (management $RABBITMQ_MANAGEMENT_PORT, dist $RABBITMQ_DIST_PORT, epmd $EPMD_PORT) ..."
    RABBITMQ_T0=$(now_us)
    # The script stays as a small sh parent that turns TERM into a clean broker
    # shutdown; the beam.smp VM is its only child (recorded once ready).
    # ERL_EPMD_PORT gives the stack its own epmd, which we can stop without
    # touching anyone else's node; the dist listener is kept on loopback too.
    setsid "${AS_RABBITMQ[@]}" \
        HOME="$STACK_DIR/rabbitmq-home" \
        RABBITMQ_CONF_ENV_FILE="$r/rabbitmq-env.conf" \
        RABBITMQ_CONFIG_FILE="$r/rabbitmq.conf" \
        RABBITMQ_ADVANCED_CONFIG_FILE="$r/advanced.config" \
        RABBITMQ_ENABLED_PLUGINS_FILE="$r/enabled_plugins" \
        RABBITMQ_MNESIA_BASE="$r/mnesia" \
        RABBITMQ_LOG_BASE="$r/log" \
        RABBITMQ_PID_FILE="$r/rabbitmq.pid" \
        RABBITMQ_NODENAME="$nodename" \
        RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 \
        RABBITMQ_NODE_PORT="$RABBITMQ_PORT" \
        RABBITMQ_DIST_PORT="$RABBITMQ_DIST_PORT" \
        RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}" \
        ERL_EPMD_PORT="$EPMD_PORT" \
        ERL_EPMD_ADDRESS=127.0.0.1 \
        "$RABBITMQ_SCRIPT" </dev/null >>"$STACK_DIR/rabbitmq.out" 2>&1 &
    RABBITMQ_ID=$(proc_id $!) || RABBITMQ_ID="$!:?"
    state_set RABBITMQ_ID "$RABBITMQ_ID"
}

# A real AMQP handshake: send the 0-9-1 protocol header and expect the first
# bytes of a Connection.Start method frame (type 1, channel 0).
probe_amqp() {
    local reply
    # shellcheck disable=SC2016 # $1 is expanded by the inner bash
    reply=$(timeout 2 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1" && printf "AMQP\0\0\11\1" >&3 && head -c 3 <&3' \
        _ "$RABBITMQ_PORT" 2>/dev/null | od -An -tx1 | tr -d ' \n') || return 1
    [[ $reply == 010000 ]]
}

probe_rabbitmq() {
    curl -sf -o /dev/null --max-time 2 -u roomcast:roomcast \
        "http://127.0.0.1:$RABBITMQ_MANAGEMENT_PORT/api/overview" && probe_amqp
}

ready_rabbitmq() {
    wait_ready rabbitmq "$RABBITMQ_T0" "$RABBITMQ_DEADLINE" "$RABBITMQ_ID" probe_rabbitmq \
        "$STACK_DIR/rabbitmq.out" "$STACK_DIR/rabbitmq/log" || return 1
    local beam epmd
    beam=$(ps -o pid= --ppid "${RABBITMQ_ID%%:*}" | head -n1 | tr -d ' ')
    [[ -n $beam ]] && RABBITMQ_BEAM_ID=$(proc_id "$beam") && state_set RABBITMQ_BEAM_ID "$RABBITMQ_BEAM_ID"
    epmd=$(listener_pid "$EPMD_PORT")
    [[ -n $epmd ]] && EPMD_ID=$(proc_id "$epmd") && state_set EPMD_ID "$EPMD_ID"
    return 0
}

stop_rabbitmq() {
    local id
    # The VM handles TERM itself as a clean shutdown (~5 s, mostly the VM
    # winding down after the last log line); the sh parent then exits on its
    # own. The parent is signalled too: when start failed before the VM pid
    # was recorded, it forwards TERM to the VM.
    for id in "$RABBITMQ_BEAM_ID" "$RABBITMQ_ID"; do
        if [[ -z $id ]] || ! proc_alive "$id"; then continue; fi
        log "stopping rabbitmq (pid ${id%%:*})"
        stop_proc rabbitmq "$id" TERM || return 1
    done
}

stop_epmd() {
    local id=$EPMD_ID pid
    # Not recorded (start failed early)? Whatever epmd listens on this stack's
    # private epmd port is ours.
    if [[ -z $id ]] || ! proc_alive "$id"; then
        pid=$(listener_pid "$EPMD_PORT")
        [[ -n $pid && $(cat "/proc/$pid/comm" 2>/dev/null) == epmd ]] || return 0
        id=$(proc_id "$pid") || return 0
    fi
    log "stopping epmd on port $EPMD_PORT (pid ${id%%:*})"
    # `epmd -kill` is epmd's own clean shutdown; it refuses while nodes are
    # registered, in which case the TERM from stop_proc does the job.
    ERL_EPMD_PORT=$EPMD_PORT epmd -port "$EPMD_PORT" -kill >/dev/null 2>&1 || true
    stop_proc epmd "$id" TERM
}

# ------------------------------------------------------------------ stack

write_env() {
    cat >"$STACK_DIR/stack.env" <<EOF
export ROOMCAST_STACK_DIR=$STACK_DIR
export ROOMCAST_PG_HOST=127.0.0.1
export ROOMCAST_PG_PORT=$PG_PORT
export ROOMCAST_PG_USER=roomcast
export ROOMCAST_PG_PASSWORD=roomcast
export ROOMCAST_REDIS=127.0.0.1:$REDIS_PORT
export ROOMCAST_RABBITMQ_HOST=127.0.0.1
export ROOMCAST_RABBITMQ_PORT=$RABBITMQ_PORT
export ROOMCAST_RABBITMQ_MANAGEMENT_PORT=$RABBITMQ_MANAGEMENT_PORT
export ROOMCAST_RABBITMQ_USER=roomcast
export ROOMCAST_RABBITMQ_PASSWORD=roomcast
EOF
}

print_env() {
    cat "$STACK_DIR/stack.env"
    echo "ROOMCAST_STACK_DIR=$STACK_DIR"
}

# All recorded server processes alive?
stack_running() {
    [[ -n $PG_ID && -n $REDIS_ID && -n $RABBITMQ_ID ]] &&
        proc_alive "$PG_ID" && proc_alive "$REDIS_ID" && proc_alive "$RABBITMQ_ID"
}

stack_anything_alive() {
    local id
    for id in "$PG_ID" "$REDIS_ID" "$RABBITMQ_ID" "$RABBITMQ_BEAM_ID" "$EPMD_ID"; do
        [[ -n $id ]] && proc_alive "$id" && return 0
    done
    return 1
}

# Stop everything recorded in the loaded state; then make sure none of the
# stack's ports still has a listener (a leftover of this stack).
stop_stack() {
    local rc=0 p rabbit_stopper
    # RabbitMQ takes seconds to stop: stop it alongside the others. Its epmd
    # goes last, once the node has deregistered.
    stop_rabbitmq & rabbit_stopper=$!
    stop_redis || rc=1
    stop_postgres || rc=1
    wait "$rabbit_stopper" || rc=1
    stop_epmd || rc=1
    for p in "${PG_PORT:-}" "${REDIS_PORT:-}" "${RABBITMQ_PORT:-}" "${RABBITMQ_MANAGEMENT_PORT:-}" \
             "${RABBITMQ_DIST_PORT:-}" "${EPMD_PORT:-}"; do
        [[ -n $p ]] || continue
        if [[ -n $(ss -Hltn "sport = :$p") ]]; then
            log "error: something still listens on port $p: $(ss -Hltnp "sport = :$p")"
            rc=1
        fi
    done
    return $rc
}

# EXIT trap during `start`: unless the stack came up, stop what this
# invocation started and drop a test folder.
on_start_exit() {
    local rc=$?
    [[ ${START_DONE:-0} == 1 ]] && return
    trap - EXIT INT TERM
    log "start failed; stopping what was started"
    stop_stack || true
    if [[ $MODE == test ]]; then
        rm -rf -- "$STACK_DIR"
    fi
    exit $(( rc ? rc : 1 ))
}

cmd_start() {
    local mode=${1:-}
    [[ $mode == dev || $mode == test ]] || usage
    [[ $EUID == 0 ]] || die "must run as root (servers run as the postgres and rabbitmq users)"
    ensure_packages

    if [[ $mode == dev ]]; then
        STACK_DIR=$DEV_DIR
        if [[ -f $STACK_DIR/stack.state ]]; then
            load_state "$STACK_DIR"
            if stack_running && [[ -f $STACK_DIR/stack.env ]]; then
                log "dev stack already running in $STACK_DIR"
                print_env
                return 0
            fi
            if stack_anything_alive; then
                log "dev stack is only partly running; stopping the rest before a fresh start"
            fi
            stop_stack || die "could not stop the old dev stack"
        fi
        PG_PORT=${ROOMCAST_DEV_PG_PORT:-55432}
        REDIS_PORT=${ROOMCAST_DEV_REDIS_PORT:-56379}
        RABBITMQ_PORT=${ROOMCAST_DEV_RABBITMQ_PORT:-55672}
        RABBITMQ_MANAGEMENT_PORT=${ROOMCAST_DEV_RABBITMQ_MANAGEMENT_PORT:-55673}
        RABBITMQ_DIST_PORT=${ROOMCAST_DEV_RABBITMQ_DIST_PORT:-55674}
        EPMD_PORT=${ROOMCAST_DEV_EPMD_PORT:-55675}
        local p
        for p in "$PG_PORT" "$REDIS_PORT" "$RABBITMQ_PORT" "$RABBITMQ_MANAGEMENT_PORT" \
                 "$RABBITMQ_DIST_PORT" "$EPMD_PORT"; do
            port_in_use "$p" && die "port $p is already in use (another checkout's dev stack?); see ROOMCAST_DEV_*_PORT"
        done
        mkdir -p "$STACK_DIR"; chmod 755 "$REPO_ROOT/.local"
    else
        STACK_DIR=$(realpath "$(mktemp -d "${TMPDIR:-/tmp}/roomcast-stack.XXXXXXXX")")
        read -r PG_PORT REDIS_PORT RABBITMQ_PORT RABBITMQ_MANAGEMENT_PORT RABBITMQ_DIST_PORT EPMD_PORT \
            <<<"$(pick_free_ports 6)"
    fi
    # The postgres and rabbitmq users must be able to reach their folders in it.
    chmod 755 "$STACK_DIR"
    if ! "${AS_POSTGRES[@]}" test -x "$STACK_DIR"; then
        [[ $mode == test ]] && rm -rf -- "$STACK_DIR"
        die "user postgres cannot reach $STACK_DIR; every parent folder needs o+x"
    fi
    MODE=$mode PG_ID="" REDIS_ID="" RABBITMQ_ID="" RABBITMQ_BEAM_ID="" EPMD_ID=""

    START_DONE=0
    trap on_start_exit EXIT
    trap 'exit 130' INT TERM

    rm -f "$STACK_DIR/stack.state" "$STACK_DIR/stack.env"
    local v
    for v in MODE STACK_DIR PG_PORT REDIS_PORT RABBITMQ_PORT RABBITMQ_MANAGEMENT_PORT \
             RABBITMQ_DIST_PORT EPMD_PORT; do
        state_set "$v" "${!v}"
    done

    local t0
    t0=$(now_us)
    log "starting $mode stack in $STACK_DIR"
    # RabbitMQ is by far the slowest (~8 s), so it goes first and the others
    # boot while it does; then each is probed against its own deadline.
    start_rabbitmq
    start_postgres
    start_redis
    ready_postgres || exit 1
    ready_redis || exit 1
    ready_rabbitmq || exit 1

    write_env
    START_DONE=1
    trap - EXIT INT TERM
    log "$mode stack ready in $(elapsed "$t0")s"
    print_env
}

cmd_stop() {
    [[ $# == 1 ]] || usage
    local dir
    dir=$(resolve_dir "$1")
    if [[ ! -f $dir/stack.state ]]; then
        [[ $1 == dev ]] && { log "no dev stack in $dir"; return 0; }
        die "$dir has no stack.state: not a stack folder"
    fi
    load_state "$dir"
    [[ $dir == "$STACK_DIR" ]] || die "stack.state in $dir belongs to $STACK_DIR"
    local t0 rc=0
    t0=$(now_us)
    stack_anything_alive || log "$MODE stack in $dir was not running"
    stop_stack || rc=1
    if (( rc )); then
        log "error: $MODE stack in $dir did not stop cleanly; folder kept"
        return 1
    fi
    log "$MODE stack stopped in $(elapsed "$t0")s"
    # Nobody should source the settings of a stack that is gone.
    rm -f "$dir/stack.env"
    if [[ $MODE == test ]]; then
        rm -rf -- "$dir"
        log "removed $dir"
    fi
}

cmd_env() {
    [[ $# == 1 ]] || usage
    load_state "$(resolve_dir "$1")"
    if [[ ! -f $STACK_DIR/stack.env ]] || ! stack_running; then
        die "no running stack in $STACK_DIR"
    fi
    print_env
}

main() {
    local cmd=${1:-}
    shift || true
    case $cmd in
        start) [[ $# == 1 ]] || usage; cmd_start "$@" ;;
        stop) cmd_stop "$@" ;;
        env) cmd_env "$@" ;;
        *) [[ -n $cmd ]] && log "error: unknown command '$cmd'"; usage ;;
    esac
}

main "$@"
