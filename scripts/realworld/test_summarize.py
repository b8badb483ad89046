#!/usr/bin/env python3
"""Tests of summarize.py's judging: each matcher of expectations.toml against findings that
break and keep its rule, on conform's report.json shape (no server needed; the real-world step
runs these first, so a matcher that cannot fail is caught before it judges a run)."""

import json
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import summarize  # noqa: E402

TARGET = "http://127.0.0.1:8888"


def finding(**kw):
    base = {"class": "status", "operation": "GET /x", "status": 200, "message": "",
            "method": "GET", "url": TARGET + "/x", "mode": None, "body": ""}
    base.update(kw)
    return base


def expectations(state="removed"):
    """The shipped expectations, every conform false class set to `state`."""
    path = os.path.join(summarize.HERE, "expectations.toml")
    with open(path, "rb") as f:
        expect = summarize.tomllib.load(f)
    for cls in expect["false"]:
        if cls["tool"] == "conform":
            cls["state"] = state
    return expect


class Matchers(unittest.TestCase):
    def judge(self, *findings, state="removed", server="jupyter"):
        return summarize.judge(expectations(state), server, "conform", list(findings), TARGET)

    def test_empty_path_segment_is_caught_and_a_full_path_is_not(self):
        problems, _, false, _ = self.judge(finding(url=TARGET + "/api/terminals/"))
        self.assertIn("CF3", false)
        self.assertTrue(any("CF3" in p for p in problems))
        _, _, false, _ = self.judge(finding(url=TARGET + "/api/terminals/1"))
        self.assertNotIn("CF3", false)

    def test_another_origin_is_caught_and_the_target_is_not(self):
        _, _, false, _ = self.judge(finding(url="http://127.0.0.2:9099/elsewhere"))
        self.assertIn("CF4", false)
        _, _, false, _ = self.judge(finding(url=TARGET + "/elsewhere"))
        self.assertNotIn("CF4", false)

    def test_a_documented_status_reported_undocumented_is_false(self):
        msg = "status 501 is not documented (documented: 200, 501)"
        _, _, false, _ = self.judge(finding(message=msg, status=501))
        self.assertIn("CF2", false)
        msg = "status 502 is not documented (documented: 200, 501)"
        _, _, false, _ = self.judge(finding(message=msg, status=502))
        self.assertNotIn("CF2", false)

    def test_a_body_on_204_stays_a_real_finding(self):
        msg = "the spec documents no body for 204 but the response has 3 byte(s)"
        _, _, false, _ = self.judge(finding(message=msg, status=204))
        self.assertNotIn("CF1", false)
        _, _, false, _ = self.judge(finding(message=msg.replace("204", "404"), status=404))
        self.assertIn("CF1", false)

    def test_an_open_class_is_counted_but_does_not_fail(self):
        problems, _, false, _ = self.judge(finding(url=TARGET + "/a//b"), state="open")
        self.assertIn("CF3", false)
        self.assertEqual(problems, [])

    def test_a_required_defect_no_longer_found_fails(self):
        expect = expectations()
        problems, real, _, _ = summarize.judge(expect, "jupyter", "schemathesis", [], TARGET)
        self.assertNotIn("J6", real)
        self.assertTrue(any("J6" in p and "no longer found" in p for p in problems))
        st = finding(**{"class": "ST204", "operation": "GET /api/status"})
        problems, real, _, _ = summarize.judge(expect, "jupyter", "schemathesis", [st], TARGET)
        self.assertIn("J6", real)
        self.assertFalse(any("J6" in p for p in problems))

    def test_conform_report_json_is_read(self):
        report = {"scenarios": [{"steps": [{
            "call": "GET /api/terminals/{terminal_id}", "attempts": 2,
            "request": {"method": "GET", "url": TARGET + "/api/terminals/"},
            "response": {"status": 200},
            "findings": [{"severity": "violation", "check": "status", "message": "m"},
                         {"severity": "warning", "check": "body", "message": "w"}]}]}]}
        with tempfile.TemporaryDirectory() as d:
            os.makedirs(os.path.join(d, "report"))
            with open(os.path.join(d, "report", "report.json"), "w") as f:
                json.dump(report, f)
            findings, requests, ops = summarize.conform_findings(d)
        self.assertEqual(requests, 2)
        self.assertEqual(ops, {"GET /api/terminals/{terminal_id}"})
        self.assertEqual([f["class"] for f in findings], ["status"])

    def test_fuzz_counts_every_operation_it_ran_passed_ones_too(self):
        report = {"scenarios": [
            {"id": "fuzz/jupyter/GET /api/status", "steps": []},
            {"id": "fuzz/jupyter/POST /api/kernels", "steps": []},
        ]}
        with tempfile.TemporaryDirectory() as d:
            os.makedirs(os.path.join(d, "report"))
            with open(os.path.join(d, "report", "report.json"), "w") as f:
                json.dump(report, f)
            findings, _, ops = summarize.conform_findings(d)
        self.assertEqual(ops, {"GET /api/status", "POST /api/kernels"})
        self.assertEqual(findings, [])

    def test_control_bytes_never_reach_the_terminal(self):
        self.assertEqual(summarize._printable("a\x1b[2Jb\x07"), "a\\x1b[2Jb\\x07")


if __name__ == "__main__":
    unittest.main()
