#!/usr/bin/env python3
"""Tests of summarize.py's judging: each matcher of expectations.toml against findings that
break and keep its rule, on conform's report.json shape (no server needed; the real-world step
runs these first, so a matcher that cannot fail is caught before it judges a run)."""

import contextlib
import io
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
        # the spec's own trailing slash (jupyter documents `GET /api/`)
        _, _, false, _ = self.judge(finding(operation="GET /api/", url=TARGET + "/api/"))
        self.assertNotIn("CF3", false)
        _, _, false, _ = self.judge(finding(operation="GET /a/{b}/", url=TARGET + "/a//"))
        self.assertIn("CF3", false)

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

    def test_a_schemathesis_run_cut_short_is_still_read(self):
        # A step stopped by its time limit leaves an empty JSON summary beside the ndjson.
        event = {"ScenarioFinished": {"recorder": {
            "label": "GET /drip", "interactions": {"c1": {
                "request": {"method": "GET", "uri": TARGET + "/drip?code=x"},
                "response": {"status_code": 500}}},
            "cases": {"c1": {"value": {"meta": {"generation": {"mode": "negative"}}}}},
            "checks": {"c1": [{"status": "failure", "failure_info": {"failure": {
                "code": "ST101", "operation": "GET /drip", "message": "Server error"}}}]}}}}
        with tempfile.TemporaryDirectory() as d:
            os.makedirs(os.path.join(d, "report"))
            open(os.path.join(d, "report", "json-1.json"), "w").close()
            with open(os.path.join(d, "report", "ndjson-1.ndjson"), "w") as f:
                f.write(json.dumps(event) + "\n")
            findings, requests, ops = summarize.schemathesis_findings(d)
        self.assertEqual(requests, 1)
        self.assertEqual(ops, {"GET /drip"})
        self.assertEqual([(f["class"], f["status"]) for f in findings], [("ST101", 500)])

    def test_a_defect_required_of_one_step_binds_that_step_only(self):
        expect = {"defect": [{"id": "J1", "server": "jupyter", "title": "t",
                              "require": ["conform-fuzz"],
                              "conform": [{"status": [500]}]}]}
        problems, _, _, _ = summarize.judge(expect, "jupyter", "conform", [], TARGET,
                                            step="conform-fuzz")
        self.assertTrue(any("J1" in p for p in problems))
        problems, _, _, _ = summarize.judge(expect, "jupyter", "conform", [], TARGET,
                                            step="conform-init-run")
        self.assertEqual(problems, [])

    def test_init_pass_rate_and_lint_errors_are_held_to_the_expectations(self):
        expect = {"conform": {"jupyter": {"loads": "loads", "init_pass": 0.8,
                                          "check_errors": 2}}}
        low = {"result": "ran: 12 passed, 10 failed, 1 errored (1.3s)"}
        self.assertTrue(summarize._load_problems(expect, "jupyter", "conform",
                                                 "conform-init-run", low))
        # a skip is not a pass
        skipped = {"result": "ran: 7 passed, 2 skipped (1s)"}
        self.assertTrue(summarize._load_problems(expect, "jupyter", "conform",
                                                 "conform-init-run", skipped))
        high = {"result": "ran: 9 passed, 1 failed (1s)"}
        self.assertEqual(summarize._load_problems(expect, "jupyter", "conform",
                                                  "conform-init-run", high), [])
        other = {"result": "exit 2, 3 error(s)"}
        self.assertTrue(summarize._load_problems(expect, "jupyter", "conform",
                                                 "conform-specs-check", other))
        same = {"result": "exit 2, 2 error(s)"}
        self.assertEqual(summarize._load_problems(expect, "jupyter", "conform",
                                                  "conform-specs-check", same), [])

    def test_an_arazzo_workflow_that_does_not_pass_fails_the_step(self):
        expect = {"conform": {"httpbin": {"loads": "loads", "arazzo": "passes"}}}

        def problems(rc, result):
            return summarize._load_problems(expect, "httpbin", "conform", "conform-arazzo",
                                            {"rc": rc, "result": result})
        self.assertEqual(problems(0, "ran: 1 passed (0.2s)"), [])
        self.assertTrue(problems(1, "ran: 1 failed (0.2s)"))
        self.assertTrue(problems(0, "ran: 1 skipped (0.2s)"))
        # a workflow conform refused (exit 2) has no summary line at all
        self.assertTrue(problems(2, "ran (exit 2)"))
        # "known": a run whole whose failures the table judges finding by finding
        known = {"conform": {"jupyter": {"loads": "loads", "arazzo": "known"}}}
        for rc, result, ok in [(1, "ran: 0 passed, 1 failed (0.1s)", True),
                               (0, "ran: 1 passed (0.1s)", True),
                               (2, "ran: 0 passed, 0 failed, 1 errored (0.1s)", False),
                               (124, "ran (exit 124)", False)]:
            got = summarize._load_problems(known, "jupyter", "conform", "conform-arazzo",
                                           {"rc": rc, "result": result})
            self.assertEqual(got == [], ok, (rc, result, got))
        # without the expectation, the step is only counted
        self.assertEqual(summarize._load_problems({}, "httpbin", "conform", "conform-arazzo",
                                                  {"rc": 1, "result": "ran: 1 failed"}), [])

    def test_an_error_is_neither_a_defect_nor_unclassified_but_a_reset_is_false(self):
        timeout = finding(**{"class": "transport", "status": None, "error": True,
                             "message": "no response within 10.0s"})
        problems, real, false, unclassified = self.judge(timeout, state="open")
        self.assertEqual((real, false, unclassified), ({}, {}, []))
        reset = finding(**{"class": "transport", "status": None, "error": True,
                           "message": "connection reset by peer"})
        problems, _, false, _ = self.judge(reset)
        self.assertIn("CF5", false)
        self.assertTrue(any("CF5" in p for p in problems))

    def test_an_init_scenario_failing_on_no_known_defect_fails_the_step(self):
        # init's scenarios and the hand-written Arazzo workflow alike
        def run(tool, check, message, status):
            report = {"scenarios": [{"steps": [{
                "call": "GET /api/me", "attempts": 1,
                "request": {"method": "GET", "url": TARGET + "/api/me"},
                "response": {"status": status},
                "findings": [{"severity": "violation", "check": check, "message": message}]}]}]}
            with tempfile.TemporaryDirectory() as d:
                step = os.path.join(d, "jupyter", tool)
                os.makedirs(os.path.join(step, "report"))
                with open(os.path.join(step, "report", "report.json"), "w") as f:
                    json.dump(report, f)
                summarize.record(step, ["server=jupyter", f"tool={tool}", "order=1", "rc=1",
                                        f"target={TARGET}", "result=ran: 9 passed, 1 failed"])
                with contextlib.redirect_stdout(io.StringIO()):
                    return summarize.table(d, os.path.join(d, "table.md"))
        for tool in ("conform-init-run", "conform-arazzo"):
            self.assertEqual(run(tool, "status", "expected status 200, got 418", 418), 1,
                             f"{tool}: a 418 is no known defect")
            self.assertEqual(run(tool, "scenario", "success criterion `$statusCode == 404` "
                                 "does not hold", 200), 1, f"{tool}: an unmet criterion")
            self.assertEqual(run(tool, "schema", '/identity/avatar_url: null is not of type '
                                 '"string"', 200), 0, f"{tool}: J7, classified by hand")

    def test_a_scenario_conform_wrote_but_could_not_run_fails_the_step(self):
        report = {"scenarios": [{"id": "fuzz/jupyter/POST /api/sessions", "steps": [],
                                 "errors": [{"message": "status 4xx is not documented"}]}]}
        with tempfile.TemporaryDirectory() as d:
            step = os.path.join(d, "jupyter", "conform-fuzz")
            os.makedirs(os.path.join(step, "report"))
            with open(os.path.join(step, "report", "report.json"), "w") as f:
                json.dump(report, f)
            summarize.record(step, ["server=jupyter", "tool=conform-fuzz", "order=1",
                                    f"target={TARGET}", "result=ran: 0 passed, 1 errored"])
            out = io.StringIO()
            with contextlib.redirect_stdout(out):
                rc = summarize.table(d, os.path.join(d, "table.md"))
        self.assertEqual(rc, 1)
        self.assertIn("could not run though it wrote them", out.getvalue())

    def test_control_bytes_never_reach_the_terminal(self):
        self.assertEqual(summarize._printable("a\x1b[2Jb\x07"), "a\\x1b[2Jb\\x07")


if __name__ == "__main__":
    unittest.main()
