#!/bin/sh
# benches/python-http10.sh [RUN FLAGS...]: the default run against Python's http.server as a
# new user writes it: `http.server.HTTPServer` (one connection at a time) with a
# `BaseHTTPRequestHandler` whose protocol_version is HTTP/1.0 (a connection per request, closed
# after every answer) and the default listen backlog (request_queue_size = 5). The issue 16
# reproduction: 64 requests in flight overflow the backlog, the kernel drops the SYNs and
# resends them after 1, 3, 7 s. The answers come from `dli-conformance mock` behind it, so what
# is measured is the suite's load against the Python front, not anyone's validation.
#
# Prints the run's summary, its line on concurrency, its exit code and its wall time.
# DLI_CONFORMANCE=PATH picks the binary (default: target/release/dli-conformance, built if absent).
set -eu
BIN=${DLI_CONFORMANCE:-target/release/dli-conformance}
[ -x "$BIN" ] || cargo build --release --bin dli-conformance
WORK=$(mktemp -d)
MOCK_PID= PY_PID=
cleanup() {
    [ -n "$PY_PID" ] && kill "$PY_PID" 2>/dev/null || true
    [ -n "$MOCK_PID" ] && kill "$MOCK_PID" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

"$BIN" mock --listen 127.0.0.1:0 >"$WORK/mock.url" &
MOCK_PID=$!
while [ ! -s "$WORK/mock.url" ]; do sleep 0.05; done
MOCK_URL=$(head -n1 "$WORK/mock.url")

cat >"$WORK/server.py" <<'PY'
import http.client, http.server, sys, urllib.parse

backend = urllib.parse.urlsplit(sys.argv[1])
upstream = http.client.HTTPConnection(backend.hostname, backend.port)

class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"

    def forward(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        headers = {k: v for k, v in self.headers.items() if k.lower() in ("content-type", "x-auth-token")}
        upstream.request(self.command, self.path, body=body, headers=headers)
        answer = upstream.getresponse()
        data = answer.read()
        self.send_response(answer.status)
        self.send_header("Content-Type", answer.getheader("Content-Type") or "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(data)

    do_POST = do_GET = do_DELETE = forward

    def log_message(self, *args):
        pass

server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
PY
python3 "$WORK/server.py" "$MOCK_URL" >"$WORK/port" 2>"$WORK/server.log" &
PY_PID=$!
while [ ! -s "$WORK/port" ]; do sleep 0.05; done
PORT=$(head -n1 "$WORK/port")

START=$(date +%s.%N)
set +e
"$BIN" run -q --target "http://127.0.0.1:$PORT" --report-json "$WORK/report.json" "$@" >"$WORK/stdout" 2>"$WORK/stderr"
CODE=$?
set -e
END=$(date +%s.%N)
grep -E "^concurrency lowered|passed, .* failed|^connections:|^run stopped|^error" "$WORK/stdout" "$WORK/stderr" | sed 's/^[^:]*://' || true
echo "exit $CODE; $(awk "BEGIN { printf \"%.1f\", $END - $START }") s wall time"
