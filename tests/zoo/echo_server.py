"""A zoo server that echoes the request's strings in its error messages through json.dumps.

Built on http.server's ThreadingHTTPServer, HTTP/1.1 keep-alive (TCP_NODELAY), json.dumps with its defaults
(ASCII output: a lone surrogate in an echoed value comes out as \\udada, as RFC 8259 section 7
allows). Choices: rejects `ct` (A2), ignores unknown members (A5), accepts empty strings (A6)
and repeated names (A9); implements show, list and delete. A 201 is
{"is_success": true, "message": "", "connection_id": ...}. Usage: python3 echo_server.py
(prints its base URL, then serves on 127.0.0.1 until killed).
"""

import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import create_rules

ENDPOINT = create_rules.Endpoint(
    create_rules.Choices(echo=True),
    family=True,
    created=lambda c: {"is_success": True, "message": "", "connection_id": c["connection_id"]},
    error=lambda status, message: {"error_code": "DLI.0001", "error_msg": message},
    connection=lambda c: {"connection_id": c["connection_id"], "name": c["name"],
                          "state": c["state"]},
)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes; without TCP_NODELAY, Nagle's algorithm and the
    # client's delayed ACK hold every kept-alive answer back ~40 ms.
    disable_nagle_algorithm = True

    def answer(self):
        status, value = ENDPOINT.answer(self.command, self.path, create_rules.read_body(self))
        body = json.dumps(value).encode("ascii")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_POST = do_GET = do_DELETE = do_PUT = answer

    def log_message(self, *args):
        pass


if __name__ == "__main__":
    ThreadingHTTPServer.daemon_threads = True
    create_rules.serve(ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1]) if len(sys.argv) > 1 else 0), Handler))
