"""The create endpoint's request rules for the zoo's Python servers, from CLAUSES.md alone.

Written apart from the suite (no Rust shared): `judge` takes the body bytes and a server's
choices where the spec leaves one (A2 `ct`, A5 unknown members, A6 empty strings), and gives
the name and service of a valid body or raises `Invalid` with a message. `Store` holds the
connections a server created (for show, list, delete and the A9 choice). Standard library only.
"""

import json
import threading
import uuid
from collections import OrderedDict

SERVICES = ("cloudtable", "cloudtable.opentsdb", "mrs.opentsdb", "dws", "rds", "css")
REQUIRED = ("name", "service", "security_group_id", "network_id", "url")
URL_LIMIT = 512
BODY_LIMIT = 4 << 20
CAPACITY = 4096


class Invalid(Exception):
    """A request that breaks a rule (or a choice): answered 400."""


class Choices:
    """What a server decides where the spec leaves it free."""

    def __init__(self, accept_ct=False, refuse_unknown=False, refuse_empty=False,
                 refuse_repeated_name=False, echo=False):
        self.accept_ct = accept_ct
        self.refuse_unknown = refuse_unknown
        self.refuse_empty = refuse_empty
        self.refuse_repeated_name = refuse_repeated_name
        self.echo = echo

    def about(self, what, value):
        """`what`, with the offending value when the server echoes inputs."""
        return f"{what}: {value}" if self.echo else what


def _refuse_constant(name):
    # Python's json reads NaN, Infinity and -Infinity by default; RFC 8259 has no such tokens.
    raise ValueError(f"{name} is not JSON")


def parse(body):
    """The JSON value of `body` (UTF-8, RFC 8259), or raise Invalid."""
    try:
        text = body.decode("utf-8")
        return json.loads(text, parse_constant=_refuse_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as err:
        raise Invalid(f"the body is not JSON: {err}") from None


def _string(choices, where, value):
    if not isinstance(value, str):
        raise Invalid(f"{where} must be a string")
    if choices.refuse_empty and value == "":
        raise Invalid(f"{where} must not be empty")
    return value


def judge(body, choices):
    """(name, service) of a valid create body, or raise Invalid."""
    value = parse(body)
    if not isinstance(value, dict):
        raise Invalid("the body must be a JSON object")
    for member in REQUIRED:
        if member not in value:
            raise Invalid(f"{member} is required")
        _string(choices, member, value[member])
    service = value["service"]
    listed = service.lower() in SERVICES or (choices.accept_ct and service.lower() == "ct")
    if not listed:
        raise Invalid(choices.about("unsupported service", service))
    if len(value["url"]) > URL_LIMIT:
        raise Invalid(f"url is longer than {URL_LIMIT} characters")
    tags = value.get("tags", [])
    if not isinstance(tags, list):
        raise Invalid("tags must be an array")
    for tag in tags:
        if not isinstance(tag, dict):
            raise Invalid("each tag must be an object")
        for member in ("key", "value"):
            if member not in tag:
                raise Invalid(f"tag {member} is required")
            _string(choices, f"tag {member}", tag[member])
        extra = [k for k in tag if k not in ("key", "value")]
        if choices.refuse_unknown and extra:
            raise Invalid(choices.about("unknown tag member", extra[0]))
    extra = [k for k in value if k not in REQUIRED and k != "tags"]
    if choices.refuse_unknown and extra:
        raise Invalid(choices.about("unknown member", extra[0]))
    return value["name"], service


class Store:
    """The connections a server created, newest last, at most CAPACITY."""

    def __init__(self):
        self._lock = threading.Lock()
        self._live = OrderedDict()

    def create(self, project, name, service, refuse_repeated_name):
        """The new connection's record, or None when the name is taken and that is refused."""
        with self._lock:
            if refuse_repeated_name and any(
                    c["project"] == project and c["name"] == name for c in self._live.values()):
                return None
            record = {"connection_id": str(uuid.uuid4()), "project": project, "name": name,
                      "service": service, "state": "ACTIVE"}
            self._live[record["connection_id"]] = record
            if len(self._live) > CAPACITY:
                self._live.popitem(last=False)
            return record

    def find(self, project, connection_id):
        with self._lock:
            return self._find(project, connection_id)

    def delete(self, project, connection_id):
        with self._lock:
            if self._find(project, connection_id) is None:
                return False
            del self._live[connection_id]
            return True

    def _find(self, project, connection_id):
        record = self._live.get(connection_id)
        return record if record is not None and record["project"] == project else None

    def list(self, project):
        with self._lock:
            return [c for c in self._live.values() if c["project"] == project]


def _route(path):
    parts = path.split("?", 1)[0].lstrip("/").split("/")
    if len(parts) == 3 and parts[0] == "v2.0" and parts[2] == "datasource-connection":
        return parts[1], None
    if len(parts) == 4 and parts[0] == "v2.0" and parts[2] == "datasource-connection":
        return parts[1], parts[3]
    return None


class Endpoint:
    """A server's endpoint: (method, path, body) in, (status, answer as a dict) out.

    `created`, `error` and `connection` build the answers' members, so each server picks its
    own optional members, error code and extras; without `family`, show, list and delete are
    answered 405.
    """

    def __init__(self, choices, family, created, error, connection):
        self.choices = choices
        self.family = family
        self.store = Store()
        self.created = created
        self.error = error
        self.connection = connection

    def answer(self, method, path, body):
        where = _route(path)
        if where is None:
            return 404, self.error(404, f"no such resource: {path}")
        project, connection_id = where
        if method == "POST" and connection_id is None:
            return self._create(project, body)
        if not self.family or method not in ("GET", "DELETE"):
            return 405, self.error(405, f"{method} is not supported here")
        if connection_id is None:
            if method == "DELETE":
                return 405, self.error(405, "DELETE needs a connection id")
            listed = [self.connection(c) for c in self.store.list(project)]
            return 200, {"connections": listed, "count": len(listed)}
        if method == "GET":
            record = self.store.find(project, connection_id)
            if record is None:
                return 404, self.error(404, "no such connection")
            return 200, self.connection(record)
        if not self.store.delete(project, connection_id):
            return 404, self.error(404, "no such connection")
        return 200, {"is_success": True, "message": "Deleted"}

    def _create(self, project, body):
        if body is None:
            return 413, self.error(413, f"the body is over {BODY_LIMIT} bytes")
        try:
            name, service = judge(body, self.choices)
        except Invalid as err:
            return 400, self.error(400, str(err))
        record = self.store.create(project, name, service, self.choices.refuse_repeated_name)
        if record is None:
            return 400, self.error(400, self.choices.about("a connection with this name exists", name))
        return 201, self.created(record)


def read_body(handler):
    """The request body of a BaseHTTPRequestHandler, or None when over BODY_LIMIT."""
    length = int(handler.headers.get("Content-Length") or 0)
    if length > BODY_LIMIT:
        return None
    return handler.rfile.read(length)


def serve(server):
    """Prints the server's base URL (the first line a test reads), then serves until killed."""
    host, port = server.server_address[:2]
    print(f"http://{host}:{port}", flush=True)
    server.serve_forever()
