# shellcheck shell=bash
# .ci/moto.sh: start the moto AWS API emulator for the awsadapter tests and the awspoc example.
#
# Source this file, then call start_moto:
#
#   source .ci/moto.sh
#   start_moto
#   go test ./awsadapter/...
#
# start_moto starts moto_server on 127.0.0.1 at a free port, waits until it answers, switches its
# Lambda backend to the non-Docker one (no Docker daemon is needed), exports
# LAMBDATUNE_MOTO_ENDPOINT=http://127.0.0.1:PORT and installs an EXIT trap that stops the server.
# Tests that need the emulator skip when LAMBDATUNE_MOTO_ENDPOINT is unset.

# moto_free_port prints a TCP port on 127.0.0.1 that nothing listens on.
moto_free_port() {
	local port
	for _ in $(seq 1 50); do
		port=$((20000 + RANDOM % 40000))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
			echo "$port"
			return 0
		fi
	done
	echo "moto.sh: no free port found" >&2
	return 1
}

# stop_moto stops the server started by start_moto (it is also the EXIT trap).
stop_moto() {
	if [[ -n "${MOTO_PID:-}" ]]; then
		kill "$MOTO_PID" 2>/dev/null || true
		wait "$MOTO_PID" 2>/dev/null || true
		MOTO_PID=
	fi
	if [[ -n "${MOTO_LOG:-}" ]]; then
		rm -f "$MOTO_LOG"
	fi
}

# start_moto starts moto_server and exports LAMBDATUNE_MOTO_ENDPOINT.
start_moto() {
	local -a server
	if command -v moto_server >/dev/null 2>&1; then
		server=(moto_server)
	elif python3 -c 'import moto.server' >/dev/null 2>&1; then
		server=(python3 -m moto.server)
	else
		echo "moto.sh: neither moto_server nor python3's moto.server found (pip install 'moto[server]')" >&2
		return 1
	fi
	local port url
	port=$(moto_free_port) || return 1
	url="http://127.0.0.1:$port"
	MOTO_LOG=$(mktemp -t moto.XXXXXX.log)
	"${server[@]}" -H 127.0.0.1 -p "$port" >"$MOTO_LOG" 2>&1 &
	MOTO_PID=$!
	local prev
	prev=$(trap -p EXIT | sed -E "s/^trap -- '(.*)' EXIT$/\1/")
	trap "stop_moto${prev:+; $prev}" EXIT
	local ok=
	for _ in $(seq 1 150); do
		if [[ "$(curl -s -o /dev/null -w '%{http_code}' "$url/moto-api/")" == 200 ]]; then
			ok=1
			break
		fi
		if ! kill -0 "$MOTO_PID" 2>/dev/null; then
			break
		fi
		sleep 0.2
	done
	if [[ -z "$ok" ]]; then
		echo "moto.sh: moto_server did not become ready at $url; its log:" >&2
		cat "$MOTO_LOG" >&2
		stop_moto
		return 1
	fi
	if ! curl -sf -X POST -H 'Content-Type: application/json' \
		-d '{"lambda":{"use_docker":false}}' "$url/moto-api/config" >/dev/null; then
		echo "moto.sh: could not switch moto's Lambda backend to use_docker=false" >&2
		stop_moto
		return 1
	fi
	export LAMBDATUNE_MOTO_ENDPOINT="$url"
	echo "moto.sh: moto_server ready at $url (pid $MOTO_PID)"
}
