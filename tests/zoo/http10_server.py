"""A zoo server on Python's http.server with its defaults: HTTP/1.0, one request per connection
(`Connection: close`), a single thread, the default listen backlog (5).

Choices: accepts the `ct` alias (A2), refuses unknown members (A5), empty strings (A6) and a
name a live connection already has (A9); implements show, list and delete. Answers are
json.dumps(indent=2, sort_keys=True, ensure_ascii=False) in UTF-8 (members in alphabetical order,
non-ASCII raw), `Content-Type: application/json;charset=UTF-8`; a 201 carries only
`connection_id` and `is_success`, an error adds `request_id`. Usage: python3 http10_server.py
(prints its base URL, then serves on 127.0.0.1 until killed).
"""

import json
import sys
import uuid
from http.server import BaseHTTPRequestHandler, HTTPServer

import create_rules

ENDPOINT = create_rules.Endpoint(
    create_rules.Choices(accept_ct=True, refuse_unknown=True, refuse_empty=True,
                         refuse_repeated_name=True),
    family=True,
    created=lambda c: {"connection_id": c["connection_id"], "is_success": True},
    error=lambda status, message: {"error_code": "DLI.0001", "error_msg": message,
                                   "request_id": uuid.uuid4().hex},
    connection=lambda c: dict(c),
)


class Handler(BaseHTTPRequestHandler):
    def answer(self):
        status, value = ENDPOINT.answer(self.command, self.path, create_rules.read_body(self))
        text = json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False)
        body = text.encode("utf-8", "backslashreplace")
        self.send_response(status)
        self.send_header("Content-Type", "application/json;charset=UTF-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    do_POST = do_GET = do_DELETE = do_PUT = answer

    def log_message(self, *args):
        pass


if __name__ == "__main__":
    create_rules.serve(HTTPServer(("127.0.0.1", int(sys.argv[1]) if len(sys.argv) > 1 else 0), Handler))
