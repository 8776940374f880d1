"""Computes the SDK-HMAC-SHA256 test vectors in vectors.json with the official Huawei Cloud
Python SDK's signer (PyPI huaweicloudsdkcore, module huaweicloudsdkcore.signer.signer).

Run once, by hand, when the vectors need to change (cargo test never runs Python):

    python3 -m venv /tmp/sdk && /tmp/sdk/bin/pip install huaweicloudsdkcore==3.1.219
    /tmp/sdk/bin/python tests/signing/make_vectors.py > tests/signing/vectors.json

Each vector gives the request exactly as the SDK's Signer.sign receives it (method, host,
resource path, query pairs, headers with a fixed X-Sdk-Date, body) and what the SDK computed:
the canonical request, the signed header names and the Authorization header. The keys are
made up; nothing here is a real credential.
"""

import json
import sys

import huaweicloudsdkcore
from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.sdk_request import SdkRequest
from huaweicloudsdkcore.signer.signer import Signer

PROJECT = "0123456789abcdef0123456789abcdef"
CONNECTION = "2a620c33-5609-40c9-affd-2b6453071b0f"
CREATE_BODY = (
    '{"name":"dlic-valid-r5k2q","service":"RDS",'
    '"security_group_id":"a07ab107-a4ad-4835-ad09-08a2f2efccdb",'
    '"network_id":"e83ba67d-e812-42d3-908d-6ea0b2cc5ecb",'
    '"url":"192.168.0.10:3306"}'
)

VECTORS = [
    # The SDK's own unit-test vector (also in CLAUSES.md, "Around the endpoint").
    dict(name="sdk-published", ak="AccessKey", sk="SecretKey", method="GET",
         host="service.endpoint.myhuaweicloud.com", path="/resources", query=[["size", 1]],
         headers={"X-Sdk-Date": "20200608T023900Z"}, body=""),
    dict(name="create-json-port", ak="HPUAEXAMPLEAK0000001", sk="exampleSecretKeyNotReal0000000000000000",
         method="POST", host="127.0.0.1:8080", path=f"/v2.0/{PROJECT}/datasource-connection", query=[],
         headers={"Content-Type": "application/json", "X-Sdk-Date": "20260115T093000Z"}, body=CREATE_BODY),
    dict(name="create-json-default-port", ak="HPUAEXAMPLEAK0000001", sk="exampleSecretKeyNotReal0000000000000000",
         method="POST", host="dli.cn-north-4.myhuaweicloud.com", path=f"/v2.0/{PROJECT}/datasource-connection",
         query=[], headers={"Content-Type": "application/json", "X-Sdk-Date": "20260115T093001Z"},
         body=CREATE_BODY),
    dict(name="create-security-token", ak="HPUAEXAMPLEAK0000001", sk="exampleSecretKeyNotReal0000000000000000",
         method="POST", host="127.0.0.1:41234", path=f"/v2.0/{PROJECT}/datasource-connection", query=[],
         headers={"Content-Type": "application/json", "X-Sdk-Date": "20260115T093002Z",
                  "X-Security-Token": "gQpjbi1ub3J0aC00jEXAMPLEsecurityTOKEN"},
         body=CREATE_BODY),
    dict(name="create-unicode-body", ak="HPUAEXAMPLEAK0000001", sk="exampleSecretKeyNotReal0000000000000000",
         method="POST", host="127.0.0.1:8080", path=f"/v2.0/{PROJECT}/datasource-connection", query=[],
         headers={"Content-Type": "application/json", "X-Sdk-Date": "20260115T093003Z"},
         body='{"name":"连接-é","service":"dws","url":"' + "中" * 512 + '","tags":[{"key":"k","value":"😀"}]}'),
    dict(name="create-not-json-body", ak="HPUAEXAMPLEAK0000001", sk="exampleSecretKeyNotReal0000000000000000",
         method="POST", host="127.0.0.1:8080", path=f"/v2.0/{PROJECT}/datasource-connection", query=[],
         headers={"Content-Type": "application/json", "X-Sdk-Date": "20260115T093004Z"},
         body='{"name": "cut sh'),
    dict(name="create-text-plain", ak="HPUAEXAMPLEAK0000001", sk="exampleSecretKeyNotReal0000000000000000",
         method="POST", host="127.0.0.1:8080", path=f"/v2.0/{PROJECT}/datasource-connection", query=[],
         headers={"Content-Type": "text/plain", "X-Sdk-Date": "20260115T093005Z"}, body=CREATE_BODY),
    dict(name="create-extra-headers", ak="HPUAEXAMPLEAK0000001", sk="exampleSecretKeyNotReal0000000000000000",
         method="POST", host="127.0.0.1:8080", path=f"/v2.0/{PROJECT}/datasource-connection", query=[],
         headers={"Content-Type": "application/json", "X-Sdk-Date": "20260115T093006Z",
                  "X-Project-Id": PROJECT, "X_Ignored": "underscored names are not signed",
                  "X-Padded": "  padded value  "},
         body=CREATE_BODY),
    dict(name="create-escaped-project", ak="HPUAEXAMPLEAK0000001", sk="exampleSecretKeyNotReal0000000000000000",
         method="POST", host="127.0.0.1:8080", path="/v2.0/proj%20%C3%A9~x/datasource-connection", query=[],
         headers={"Content-Type": "application/json", "X-Sdk-Date": "20260115T093007Z"}, body="{}"),
    dict(name="show", ak="HPUAEXAMPLEAK0000001", sk="exampleSecretKeyNotReal0000000000000000",
         method="GET", host="127.0.0.1:8080", path=f"/v2.0/{PROJECT}/datasource-connection/{CONNECTION}",
         query=[], headers={"X-Sdk-Date": "20260115T093008Z"}, body=""),
    dict(name="list-with-query", ak="HPUAEXAMPLEAK0000001", sk="exampleSecretKeyNotReal0000000000000000",
         method="GET", host="127.0.0.1:8080", path=f"/v2.0/{PROJECT}/datasource-connection",
         query=[["offset", 0], ["limit", 100]], headers={"X-Sdk-Date": "20260115T093009Z"}, body=""),
    dict(name="delete", ak="HPUAEXAMPLEAK0000001", sk="exampleSecretKeyNotReal0000000000000000",
         method="DELETE", host="[::1]:8443", path=f"/v2.0/{PROJECT}/datasource-connection/{CONNECTION}",
         query=[], headers={"X-Sdk-Date": "20260115T093010Z"}, body=""),
]


class Captured(Signer):
    """The SDK's signer, keeping the canonical request it builds."""

    def _process_canonical_request(self, request, signed_headers):
        self.canonical = super()._process_canonical_request(request, signed_headers)
        return self.canonical


def compute(vector):
    request = SdkRequest(method=vector["method"], schema="https", host=vector["host"],
                         resource_path=vector["path"], query_params=[tuple(p) for p in vector["query"]],
                         header_params=dict(vector["headers"]), body=vector["body"].encode("utf-8"))
    signer = Captured(BasicCredentials(vector["ak"], vector["sk"]))
    signed = signer.sign(request)
    authorization = signed.header_params["Authorization"]
    names = authorization.split("SignedHeaders=")[1].split(",")[0]
    return dict(vector, expected=dict(
        canonical_request=signer.canonical,
        signed_headers=names,
        authorization=authorization,
        signature=authorization.rsplit("Signature=", 1)[1],
        headers={k: v for k, v in signed.header_params.items() if k != "Authorization"},
    ))


json.dump({"sdk": "huaweicloudsdkcore " + getattr(huaweicloudsdkcore, "__version__", "3.1.219"),
           "vectors": [compute(v) for v in VECTORS]},
          sys.stdout, ensure_ascii=False, indent=2)
sys.stdout.write("\n")
