#!/usr/bin/env python3
"""The official Alibaba Cloud SDK against conform's Alibaba mock, unchanged but for the endpoint.

For each signing scheme the SDK offers -- its default (ACS3-HMAC-SHA256, "v3") and
signature_algorithm='v2' (ROA HMAC-SHA1, "v1") -- this creates an instance, freezes it with a
protective DeleteInstance, restores it with CancelDeletion, waits for `active`, and releases it.
Every call goes through the SDK's own signing, so the mock's verifier is exercised for real.
Exits non-zero on the first failure.

    python3 -m venv /tmp/alivenv
    /tmp/alivenv/bin/pip install alibabacloud-elasticsearch20170613
    cargo run -q -- mock alibaba-elasticsearch --port 18801 &
    /tmp/alivenv/bin/python scripts/sdk/alibaba_cancel_deletion.py http://127.0.0.1:18801

Keys default to the mock's test pair; ALIBABA_CLOUD_ACCESS_KEY_ID/_SECRET override them.
"""

import os
import sys
import time
import uuid
from urllib.parse import urlparse

from alibabacloud_elasticsearch20170613 import models
from alibabacloud_elasticsearch20170613.client import Client
from alibabacloud_tea_openapi.utils_models import Config, OpenApiRequest, Params
from darabonba.runtime import RuntimeOptions

MOCK_KEY_ID = "conform-test-akid"
MOCK_KEY_SECRET = "conform-test-secret-3f9a"


def client(base_url, signature_algorithm):
    url = urlparse(base_url)
    config = Config(
        access_key_id=os.environ.get("ALIBABA_CLOUD_ACCESS_KEY_ID", MOCK_KEY_ID),
        access_key_secret=os.environ.get("ALIBABA_CLOUD_ACCESS_KEY_SECRET", MOCK_KEY_SECRET),
        endpoint=url.netloc,
        protocol=url.scheme,
        region_id="cn-hangzhou",
    )
    if signature_algorithm:
        config.signature_algorithm = signature_algorithm
    return Client(config)


def body(resp):
    return resp.body if isinstance(resp.body, dict) else resp.body.to_map()


def create(c, label):
    """createInstance through the SDK's generic call_api: the generated create_instance declares
    no response body (body_type 'none') and so drops the new instance's id."""
    req = OpenApiRequest(
        query={"clientToken": str(uuid.uuid4())},
        body={"esVersion": "7.10_with_X-Pack", "description": f"conform-sdk-{label[:2]}"},
    )
    params = Params(
        action="createInstance", version="2017-06-13", protocol="HTTPS",
        pathname="/openapi/instances", method="POST", auth_type="AK", style="ROA",
        req_body_type="json", body_type="json",
    )
    return c.call_api(params, req, RuntimeOptions())["body"]["Result"]["instanceId"]


def restore_once(c, label):
    instance_id = create(c, label)
    try:
        c.delete_instance(instance_id, models.DeleteInstanceRequest(
            client_token=str(uuid.uuid4()), delete_type="protective"))
        status = body(c.describe_instance(instance_id))["Result"]["status"]
        assert status == "inactive", f"after a protective delete: {status}"
        resp = c.cancel_deletion(instance_id, models.CancelDeletionRequest(
            client_token=str(uuid.uuid4())))
        result = body(resp)
        assert resp.status_code == 200 and result.get("Result") is True, result
        deadline = time.monotonic() + 5
        while body(c.describe_instance(instance_id))["Result"]["status"] != "active":
            assert time.monotonic() < deadline, "still not active after 5 s"
            time.sleep(0.05)
        print(f"{label}: cancel_deletion({instance_id}) -> {resp.status_code} {result}; now active")
    finally:
        c.delete_instance(instance_id, models.DeleteInstanceRequest(delete_type="immediate"))


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    base = sys.argv[1]
    try:
        restore_once(client(base, None), "default signing (v3, ACS3-HMAC-SHA256)")
        restore_once(client(base, "v2"), "signature_algorithm='v2' (ROA v1, HMAC-SHA1)")
    except Exception as e:  # the SDK raises its own exception types; report any of them
        print(f"FAILED: {type(e).__name__}: {e}", file=sys.stderr)
        sys.exit(1)
    print("OK: the official SDK restored a frozen instance with both signing schemes")


if __name__ == "__main__":
    main()
