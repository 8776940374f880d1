"""Drives `dli-conformance mock` with the official Huawei Cloud Python SDK (PyPI huaweicloudsdkdli):
create, show, list and delete a classic datasource connection, as a real client would.

Not run by cargo test (it needs Python and the SDK). By hand:

    python3 -m venv /tmp/sdk && /tmp/sdk/bin/pip install huaweicloudsdkdli
    cargo run --release -- mock --listen 127.0.0.1:0 &        # no gateway; prints its URL
    /tmp/sdk/bin/python tests/sdk/official_client.py http://127.0.0.1:PORT
    cargo run --release -- mock --listen 127.0.0.1:0 --ak AK --sk SK --security-token T --creating-for 1s &
    /tmp/sdk/bin/python tests/sdk/official_client.py http://127.0.0.1:PORT --ak AK --sk SK --security-token T
    /tmp/sdk/bin/python tests/sdk/official_client.py http://127.0.0.1:PORT --ak AK --sk WRONG --security-token T --expect-denied

It prints one line per step and exits 0 when every step did what it should.
"""

import argparse
import sys
import time

from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.exceptions import exceptions
from huaweicloudsdkdli.v1 import (
    CreateDatasourceConnectionRequest,
    CreateDatasourceConnectionRequestBody,
    DeleteDatasourceConnectionRequest,
    DliClient,
    ListDatasourceConnectionsRequest,
    ShowDatasourceConnectionRequest,
)

PROJECT = "0123456789abcdef0123456789abcdef"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("endpoint")
    parser.add_argument("--ak", default="made-up-access-key")
    parser.add_argument("--sk", default="made-up-secret-key")
    parser.add_argument("--security-token", default=None)
    parser.add_argument("--expect-denied", action="store_true",
                        help="the keys are wrong: every call must be refused with 401 APIG.0301")
    args = parser.parse_args()
    credentials = BasicCredentials(args.ak, args.sk, PROJECT)
    if args.security_token:
        credentials = credentials.with_security_token(args.security_token)
    client = (DliClient.new_builder()
              .with_credentials(credentials)
              .with_endpoints([args.endpoint])
              .build())
    body = CreateDatasourceConnectionRequestBody(
        name="sdk-check-%d" % int(time.time()), service="RDS",
        security_group_id="a07ab107-a4ad-4835-ad09-08a2f2efccdb",
        network_id="e83ba67d-e812-42d3-908d-6ea0b2cc5ecb", url="192.168.0.10:3306")
    if args.expect_denied:
        try:
            client.create_datasource_connection(CreateDatasourceConnectionRequest(body=body))
        except exceptions.ClientRequestException as err:
            print("create refused: %s %s" % (err.status_code, err.error_code))
            return 0 if (err.status_code, err.error_code) == (401, "APIG.0301") else 1
        print("create was NOT refused")
        return 1

    created = client.create_datasource_connection(CreateDatasourceConnectionRequest(body=body))
    print("create: %s connection_id=%s" % (created.status_code, created.connection_id))
    connection_id = created.connection_id

    shown = client.show_datasource_connection(ShowDatasourceConnectionRequest(connection_id=connection_id))
    print("show: %s name=%s state=%s" % (shown.status_code, shown.name, shown.state))
    while shown.state == "CREATING":
        time.sleep(0.5)
        shown = client.show_datasource_connection(ShowDatasourceConnectionRequest(connection_id=connection_id))
    print("show: state=%s" % shown.state)

    listed = client.list_datasource_connections(ListDatasourceConnectionsRequest())
    ids = [c.connection_id for c in listed.connections]
    print("list: %s count=%s ours listed=%s" % (listed.status_code, listed.count, connection_id in ids))

    deleted = client.delete_datasource_connection(DeleteDatasourceConnectionRequest(connection_id=connection_id))
    print("delete: %s message=%r" % (deleted.status_code, deleted.message))

    try:
        client.show_datasource_connection(ShowDatasourceConnectionRequest(connection_id=connection_id))
        print("show after delete: still there")
        return 1
    except exceptions.ClientRequestException as err:
        print("show after delete: %s %s" % (err.status_code, err.error_code))
    ok = (created.status_code == 201 and shown.state == "ACTIVE" and connection_id in ids
          and deleted.status_code == 200)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
