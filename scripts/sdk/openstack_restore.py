#!/usr/bin/env python3
"""Restores a soft-deleted server through the official OpenStack SDK, against any cloud.

Shows that openstacksdk (keystoneauth1 underneath) works against conform's mock unchanged but
for the endpoint: it logs in to the mock's Keystone, finds Nova in the service catalog,
discovers the microversion range, then create -> wait ACTIVE -> delete (soft) -> wait
SOFT_DELETED -> restore -> wait ACTIVE, and force-deletes the server at the end.

    python3 -m venv /tmp/osvenv && /tmp/osvenv/bin/pip install openstacksdk
    cargo run -q -- mock openstack-compute --port 18774 &
    /tmp/osvenv/bin/python scripts/sdk/openstack_restore.py --auth-url http://127.0.0.1:18774/identity

Credentials default to the mock's test user; the OS_* variables override them. Exit status 0
when the server came back ACTIVE, 1 on any failure. Not run in CI (needs the SDK from PyPI).
"""

import argparse
import importlib.metadata
import os
import sys
import uuid

import keystoneauth1.exceptions
import openstack


def arguments():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    env = os.environ.get
    p.add_argument("--auth-url", default=env("OS_AUTH_URL", "http://127.0.0.1:18774/identity"))
    p.add_argument("--username", default=env("OS_USERNAME", "conform"))
    p.add_argument("--password", default=env("OS_PASSWORD", "conform-secret"))
    p.add_argument("--project-name", default=env("OS_PROJECT_NAME", "conform"))
    p.add_argument("--user-domain-name", default=env("OS_USER_DOMAIN_NAME", "Default"))
    p.add_argument("--project-domain-name", default=env("OS_PROJECT_DOMAIN_NAME", "Default"))
    p.add_argument("--image", default=env("OS_IMAGE", "70a599e0-31e7-49b7-b260-868f441e862b"))
    p.add_argument("--flavor", default=env("OS_FLAVOR", "1"))
    p.add_argument("--wait", type=float, default=120.0, help="seconds per state change")
    p.add_argument("--debug", action="store_true", help="log every HTTP request and response")
    return p.parse_args()


def main():
    args = arguments()
    if args.debug:
        openstack.enable_logging(debug=True, http_debug=True)
    conn = openstack.connect(
        auth_url=args.auth_url,
        username=args.username,
        password=args.password,
        project_name=args.project_name,
        user_domain_name=args.user_domain_name,
        project_domain_name=args.project_domain_name,
        # Ask for the microversion conform's spec assumes; the SDK negotiates it with the
        # range the version document announces.
        compute_api_version="2.46",
    )
    compute = conn.compute
    print("compute endpoint:", compute.get_endpoint())
    server = compute.create_server(
        name=f"sdk-restore-{uuid.uuid4().hex[:8]}",
        image_id=args.image,
        flavor_id=args.flavor,
        networks="none",
    )
    print("created", server.id)
    found = compute.find_server(server.name, ignore_missing=False)
    print("found by name:", found.id == server.id)
    try:
        server = compute.wait_for_server(server, status="ACTIVE", interval=0.2, wait=args.wait)
        print("status", server.status)
        compute.delete_server(server)
        server = compute.wait_for_server(
            server, status="SOFT_DELETED", interval=0.2, wait=args.wait
        )
        print("status", server.status, "vm_state", server.vm_state)
        compute.restore_server(server)
        print("restore accepted")
        server = compute.wait_for_server(server, status="ACTIVE", interval=0.2, wait=args.wait)
        print("status", server.status, "vm_state", server.vm_state)
    finally:
        try:
            # The proxy has no force_delete_server; the resource's action is the SDK's way.
            server.force_delete(compute)
            print("force-deleted", server.id)
        except openstack.exceptions.SDKException as e:
            print("clean-up failed:", e, file=sys.stderr)
    if server.status != "ACTIVE":
        print("FAIL: the server is", server.status, file=sys.stderr)
        return 1
    print("OK: restored through openstacksdk", importlib.metadata.version("openstacksdk"))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (openstack.exceptions.SDKException, keystoneauth1.exceptions.ClientException) as e:
        print("FAIL:", type(e).__name__, e, file=sys.stderr)
        sys.exit(1)
