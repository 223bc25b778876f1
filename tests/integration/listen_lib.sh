# SPDX-License-Identifier: Apache-2.0
# Helpers for the amt-verify listen tests (sourced after lib.sh): listeners
# started in the background and stopped with SIGTERM, their ports read from
# the "ready:" line, events counted in their --json stdout, the python3 peer
# (listen_peer.py), and a throwaway CA with a certificate for 127.0.0.1.
declare -A LPID=()
stop_all() { local n; for n in "${!LPID[@]}"; do kill -KILL "${LPID[$n]}" 2>/dev/null; done; }
trap 'stop_all; cleanup' EXIT

# start_listen NAME ARGS...: start a listener, wait (bounded) for its ready line
start_listen() {
	local name=$1 i; shift
	"$VERIFY" listen "$@" > "$T/$name.out" 2> "$T/$name.err" &
	LPID[$name]=$!
	for i in $(seq 1 100); do
		grep -qs 'ready:' "$T/$name.err" "$T/$name.out" && return 0
		kill -0 "${LPID[$name]}" 2>/dev/null || break
		sleep 0.1
	done
	echo "listener $name did not start:"; cat "$T/$name.err"
	return 1
}

# port_of NAME hello|mps|reports: the port from the ready line
port_of() {
	grep -ohsE "$2( \\((TLS|HTTPS)\\))? on 127\\.0\\.0\\.1:[0-9]+" "$T/$1.err" "$T/$1.out" | head -1 |
		grep -oE '[0-9]+$'
}

# stop_listen NAME: SIGTERM, wait (bounded); sets RC
stop_listen() {
	local pid=${LPID[$1]} i
	kill -TERM "$pid" 2>/dev/null
	for i in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	kill -KILL "$pid" 2>/dev/null
	wait "$pid"; RC=$?
	unset "LPID[$1]"
}

alive() { kill -0 "${LPID[$1]}" 2>/dev/null; }

# count NAME TYPE: events of TYPE in the listener's --json stdout
count() { jq -c "select(.type==\"$2\")" "$T/$1.out" 2>/dev/null | wc -l; }

# wait_count NAME TYPE N: until at least N such events (bounded)
wait_count() {
	local i
	for i in $(seq 1 100); do
		[ "$(count "$1" "$2")" -ge "$3" ] && return 0
		sleep 0.1
	done
	return 1
}

# last NAME TYPE: the last event of TYPE, as one JSON line
last() { jq -c "select(.type==\"$2\")" "$T/$1.out" 2>/dev/null | tail -1; }

# run ARGS...: run amt-verify; sets OUT, ERR, RC
run() {
	OUT=$("$VERIFY" "$@" 2> "$T/stderr"); RC=$?; ERR=$(cat "$T/stderr")
	cat "$T/stderr" >> "$T/runs.err"
}

# ---- the device stand-in ------------------------------------------------
PEER="$(cd "$(dirname "$0")" && pwd)/listen_peer.py"
dev() { timeout 30 python3 "$PEER" "$@" 2>&1; }

# ---- certificates: a throwaway CA and an MPS certificate for 127.0.0.1 ---
{
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
		-keyout "$T/ca.key" -out "$T/ca.pem" -days 2 -subj "/CN=amt-verify test CA" &&
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
		-keyout "$T/mps.key" -out "$T/mps.csr" -subj "/CN=127.0.0.1" &&
	printf 'subjectAltName=IP:127.0.0.1\n' > "$T/san.ext" &&
	openssl x509 -req -in "$T/mps.csr" -CA "$T/ca.pem" -CAkey "$T/ca.key" -CAcreateserial \
		-out "$T/mps.pem" -days 2 -extfile "$T/san.ext"
} > "$T/openssl.log" 2>&1 || { fail certificates "$(cat "$T/openssl.log")"; exit 1; }
SECRET='Sup3r-s3cret pass'
printf '%s\n' "$SECRET" > "$T/pw"
chmod 600 "$T/pw"
MPS_OPTS=(--tls-cert "$T/mps.pem" --tls-key "$T/mps.key" --mps-user admin --mps-password-file "$T/pw")


# wait_until SECONDS CMD...: until CMD succeeds (polled every 0.1 s)
wait_until() {
	local n=$(($1 * 10)) i; shift
	for ((i = 0; i < n; i++)); do "$@" && return 0; sleep 0.1; done
	return 1
}

# fds PID: file descriptors the process holds now
fds() { find "/proc/$1/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l; }
