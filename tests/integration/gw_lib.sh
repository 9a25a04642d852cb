# Sourced after lib.sh by the gateway's tests: tern-gateway for the test's
# node, on its Unix socket and an ephemeral localhost TCP port, stopped
# with SIGTERM by the test (stop_gateway checks it exits 0) or killed by
# lib.sh's cleanup if the test fails first.
GATEWAY=$BUILD/gateway/tern-gateway
GWCLIENT="python3 $TOP/tests/integration/gwclient.py"
export PYTHONPATH=$TOP/python${PYTHONPATH:+:$PYTHONPATH}
export PYTHONDONTWRITEBYTECODE=1    # nothing written into the source tree

# gw_config KEY=VALUE...: a [gateway] section for the node file.
gw_config() {
    echo "[gateway]" >> "$T/node.ini"
    for kv in "$@"; do echo "${kv%%=*} = ${kv#*=}" >> "$T/node.ini"; done
}

start_gateway() {
    rm -f "$T/gw.ready"
    "$GATEWAY" -c "$T/node.ini" --listen 127.0.0.1:0 --ready "$T/gw.ready" \
        >>"$T/gateway.log" 2>&1 &
    GW_PID=$!
    CHILDREN+=($GW_PID)
    for _ in $(seq 1 200); do
        [ -e "$T/gw.ready" ] && break
        kill -0 "$GW_PID" 2>/dev/null || { cat "$T/gateway.log"; fail "tern-gateway exited"; }
        sleep 0.05
    done
    [ -e "$T/gw.ready" ] || fail "tern-gateway not ready"
    GW_UNIX=$(awk '$1=="unix" {print $2}' "$T/gw.ready")
    GW_TCP=$(awk '$1=="tcp" {print $2}' "$T/gw.ready")
    export GW_UNIX GW_TCP
}

# stop_gateway: SIGTERM, and it must exit 0 within 10 s.
stop_gateway() {
    kill -TERM "$GW_PID"
    wait_exit "$GW_PID" 10
    [ "$RC" = 0 ] || { tail -20 "$T/gateway.log"; fail "tern-gateway exit status $RC"; }
    pass "tern-gateway stopped cleanly"
}
