#!/usr/bin/env python3
"""The real-world step's bookkeeping (scripts/realworld-check.sh calls it; stdlib only).

Subcommands:
  record DIR key=value...   write DIR/meta.json (a step's exit code, wall time, result, leftovers)
  jupyter URL TOKEN count|clean   kernels, sessions, terminals left on jupyter / delete them
  table RUN_DIR OUT.md      read every RUN_DIR/<server>/<tool>/, normalise the findings of
                            Schemathesis (its ndjson report) and conform (its report.json), judge
                            them against scripts/realworld/expectations.toml, print and write the
                            table; exit 1 when a known-false class comes back or a known real
                            defect is no longer found.

A finding is normalised to {class, operation, status, message, method, url, mode}: `class` is
Schemathesis's code (ST101) or conform's check name, `operation` is `METHOD /path/{template}`.
"""

import base64
import glob
import json
import os
import re
import sys
import urllib.parse

import tomllib  # Python >= 3.11, which the pinned packages need anyway

HERE = os.path.dirname(os.path.abspath(__file__))


def record(directory, pairs):
    """Merge key=value pairs (numbers kept as numbers) into DIR/meta.json."""
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, "meta.json")
    meta = {}
    if os.path.exists(path):
        with open(path) as f:
            meta = json.load(f)
    for pair in pairs:
        key, _, value = pair.partition("=")
        try:
            meta[key] = json.loads(value)
        except ValueError:
            meta[key] = value
    with open(path, "w") as f:
        json.dump(meta, f, indent=1)


def schemathesis_findings(directory):
    """Findings, requests and operations of one `st run` from its ndjson report."""
    files = glob.glob(os.path.join(directory, "report", "ndjson-*.ndjson"))
    findings, requests, operations = [], 0, set()
    if not files:
        return findings, requests, operations
    tested = _st_tested(glob.glob(os.path.join(directory, "report", "json-*.json")))
    # the spec's operations it tested (the cases also hold undeclared methods it probed)
    operations = {f"#{i}" for i in range(tested or 0)}
    labels = set()
    with open(files[0]) as f:
        for line in f:
            record = json.loads(line)
            error = record.get("NonFatalError")
            if error:
                # A timeout or a connection error: the tool could not judge, no finding.
                findings.append(_finding(
                    "error", error.get("label") or "?",
                    (error.get("value") or {}).get("message", ""), error=True))
                continue
            event = record.get("ScenarioFinished")
            if not event:
                continue
            rec = event["recorder"]
            labels.add(rec.get("label"))
            interactions = rec.get("interactions") or {}
            requests += len(interactions)
            cases = rec.get("cases") or {}
            for case_id, checks in (rec.get("checks") or {}).items():
                for check in checks:
                    if check.get("status") != "failure":
                        continue
                    failure = check["failure_info"]["failure"]
                    inter = interactions.get(case_id) or {}
                    req, resp = inter.get("request") or {}, inter.get("response") or {}
                    case = (cases.get(case_id) or {}).get("value", {})
                    mode = case.get("meta", {}).get("generation", {}).get("mode")
                    findings.append(_finding(
                        failure["code"], failure["operation"], failure["message"],
                        status=resp.get("status_code"), method=req.get("method"),
                        url=req.get("uri"), mode=mode, body=_st_body(req)))
    if tested is None:
        # No summary (a run stopped by the step's time limit writes an empty one): the
        # operations it reached, by the labels of its scenarios.
        operations = {label for label in labels if label}
    return findings, requests, operations


def _st_tested(summaries):
    """Operations tested, from Schemathesis's JSON summary; None when it has none to read."""
    for path in summaries:
        try:
            with open(path) as f:
                return json.load(f).get("operations", {}).get("tested", 0)
        except (OSError, ValueError):
            continue
    return None


def _finding(cls, operation, message, **rest):
    """A normalised finding: its first message line, the rest of the keys defaulted."""
    finding = {"class": cls, "operation": operation, "status": None,
               "message": message.split("\n")[0], "method": None, "url": None, "mode": None,
               "body": ""}
    finding.update(rest)
    return finding


def _st_body(req):
    body = req.get("body")
    if not body or "$base64" not in body:
        return ""
    return base64.b64decode(body["$base64"])[:200].decode("utf-8", "replace")


def conform_findings(directory):
    """Findings, requests and operations of one conform run from its report.json."""
    path = os.path.join(directory, "report", "report.json")
    findings, requests, operations = [], 0, set()
    if not os.path.exists(path):
        return findings, requests, operations
    with open(path) as f:
        report = json.load(f)
    for scenario in report.get("scenarios", []):
        for diagnostic in scenario.get("errors") or []:
            # conform could not run what it wrote itself (a scenario of init's, a case of
            # fuzz's): a defect of conform, never of the server.
            findings.append(_finding("conform-own", scenario.get("id", "?"),
                                     diagnostic.get("message") or "", own=True))
        # fuzz writes one scenario per operation (`fuzz/<api>/<operation>`), steps only for
        # failures; its request count comes from its summary line (meta `requests`).
        sid = scenario.get("id", "")
        if sid.startswith("fuzz/") and sid.count("/") >= 2:
            operations.add(sid.split("/", 2)[2])
        for step in scenario.get("steps", []):
            requests += step.get("attempts", 0) or 0
            req = step.get("request") or {}
            resp = step.get("response") or {}
            op = step.get("call") or f'{req.get("method", "?")} {_path(req.get("url", ""))}'
            if step.get("attempts"):
                operations.add(op)
            for finding in step.get("findings", []):
                if finding.get("severity") == "warning":
                    continue
                findings.append(_finding(
                    finding.get("check", "?"), op, finding.get("message", ""),
                    status=resp.get("status"), method=req.get("method"), url=req.get("url"),
                    # A timeout or a connection error: conform could not judge the answer.
                    error=finding.get("severity") == "error"))
    return findings, requests, operations


def _path(url):
    return urllib.parse.urlsplit(url).path if url else ""


def _matches(rule, finding, target):
    """Whether one matcher of expectations.toml matches one normalised finding."""
    for key in ("class", "operation", "message", "url", "method"):
        if key in rule and not re.search(rule[key], finding.get(key) or ""):
            return False
    if "status" in rule and finding.get("status") not in rule["status"]:
        return False
    if finding.get("status") in rule.get("not_status", []):
        return False
    if "mode" in rule and finding.get("mode") != rule["mode"]:
        return False
    url = finding.get("url") or ""
    if rule.get("empty_path_segment"):
        path = _path(url)
        # A trailing `/` the spec's own path has (jupyter's `GET /api/`) is no empty value.
        template = (finding.get("operation") or "").partition(" ")[2]
        trailing = path.endswith("/") and path != "/" and not template.endswith("/")
        if "//" not in path and not trailing:
            return False
    if rule.get("other_origin"):
        got = urllib.parse.urlsplit(url)
        want = urllib.parse.urlsplit(target)
        if not url or (got.hostname, got.port) == (want.hostname, want.port):
            return False
    return True


def judge(expect, server, tool, findings, target, step=None):
    """Split findings into known real, known false and unclassified; list the failures.

    `tool` is the family whose matchers apply (schemathesis, conform); `step` the step's own
    name (conform-fuzz, conform-init-run), which `require` may name instead of the family.
    """
    problems, real, false = [], {}, {}
    judged = [f for f in findings if not f.get("error") and not f.get("own")]
    for defect in expect.get("defect", []):
        if defect["server"] != server:
            continue
        rules = defect.get(tool, [])
        hits = [f for f in judged if any(_matches(r, f, target) for r in rules)]
        required = defect.get("require", [])
        if hits:
            real[defect["id"]] = hits
        elif tool in required or (step is not None and step in required):
            problems.append(f"{server}/{step or tool}: known real defect {defect['id']} "
                            f"({defect['title']}) is no longer found")
    for cls in expect.get("false", []):
        if cls["server"] not in (server, "*") or cls["tool"] != tool:
            continue
        hits = [f for f in findings if any(_matches(r, f, target) for r in cls["match"])]
        if hits:
            false[cls["id"]] = hits
            if cls.get("state", "removed") == "removed":
                sample = hits[0]
                problems.append(f"{server}/{tool}: false-positive class {cls['id']} "
                                f"({cls['title']}) came back: {sample['class']} "
                                f"{sample['operation']}: {sample['message']}")
    # Errors (timeouts, connections) are judged against the false classes (a reset after a
    # 5xx is one) but are never a real defect nor left unclassified: the tool could not judge.
    known = {id(f) for hits in list(real.values()) + list(false.values()) for f in hits}
    unclassified = [f for f in judged if id(f) not in known]
    return problems, real, false, unclassified


def by_class(findings):
    """`CLASS:n` per class, n the distinct operations with that class (errors apart)."""
    ops = {}
    for f in findings:
        if f.get("error") or f.get("own"):
            continue
        ops.setdefault(f["class"], set()).add(f["operation"])
    return " ".join(f"{c}:{len(o)}" for c, o in sorted(ops.items())) or "none"


def table(run_dir, out_path):
    """Print and write the table; return the exit code."""
    path = os.environ.get("REALWORLD_EXPECTATIONS") or os.path.join(HERE, "expectations.toml")
    with open(path, "rb") as f:
        expect = tomllib.load(f)
    rows, problems, details = [], [], []
    header = ("| server | tool | result | ops | requests | wall s | distinct findings by class "
              "| real defects (ids) | false-positive classes (ids) | unclassified "
              "| errors (no answer judged) | leftovers |")
    rows.append(header)
    rows.append("|" + "---|" * 12)
    metas = []
    for meta_path in glob.glob(os.path.join(run_dir, "*", "*", "meta.json")):
        with open(meta_path) as f:
            metas.append((os.path.dirname(meta_path), json.load(f)))
    for directory, meta in sorted(metas, key=lambda m: m[1].get("order", 0)):
        server, tool = meta["server"], meta["tool"]
        if tool == "schemathesis":
            findings, requests, operations = schemathesis_findings(directory)
            family = "schemathesis"
        else:
            findings, requests, operations = conform_findings(directory)
            family = "conform"
        requests = meta.get("requests", requests)
        step_problems, real, false, unclassified = [], {}, {}, []
        if meta.get("result") == "ran" or findings:
            step_problems, real, false, unclassified = judge(
                expect, server, family, findings, meta.get("target", ""), step=tool)
        step_problems += _load_problems(expect, server, family, tool, meta)
        own = [f for f in findings if f.get("own")]
        if own:
            step_problems.append(f"{server}/{tool}: {len(own)} scenario(s) conform could not "
                                 f"run though it wrote them: {own[0]['operation']}: "
                                 f"{own[0]['message'][:160]}")
        if tool in ("conform-init-run", "conform-arazzo") and unclassified:
            # init's scenarios, unedited, and the hand-written workflows may fail only on a
            # defect classified by hand (an unmet success criterion is never one).
            step_problems.append(f"{server}/{tool}: {len(unclassified)} finding(s) on no "
                                 f"known defect (listed above as unclassified)")
        problems += step_problems
        served = f" (server: {meta['served']})" if "served" in meta else ""
        rows.append(f"| {server} | {tool} | {meta.get('result', '?')} | {len(operations)} "
                    f"| {requests}{served} | {meta.get('wall', '?')} | {by_class(findings)} "
                    f"| {len(real)} ({', '.join(sorted(real, key=_natural)) or '-'}) "
                    f"| {len(false)} ({', '.join(sorted(false, key=_natural)) or '-'}) "
                    f"| {len(unclassified)} | {sum(1 for f in findings if f.get('error'))} "
                    f"| {meta.get('leftovers', '-')} |")
        for f in unclassified[:20]:
            details.append(f"unclassified {server}/{tool}: {f['class']} {f['operation']} "
                           f"[{f['status']}] {f['message'][:120]} ({f['method']} {f['url']})")
        for f in [f for f in findings if f.get("error")][:5]:
            details.append(f"error {server}/{tool}: {f['operation']}: {f['message'][:160]}")
    text = "\n".join(rows) + "\n"
    with open(out_path, "w") as f:
        f.write(text)
    print(text)
    for line in details:
        print(_printable(line))
    for line in problems:
        print("FAIL " + _printable(line))
    return 1 if problems else 0


def _load_problems(expect, server, family, tool, meta):
    """conform's steps: whether it read the spec, the lint errors `specs check` must find (each
    a real defect of the published spec), the share of init's scenarios that pass, and that
    the hand-written Arazzo workflow passes whole."""
    if family != "conform":
        return []
    want = expect.get("conform", {}).get(server, {})
    result = meta.get("result") or ""
    problems = []
    if want.get("loads", "refused") == "loads" and result == "refused":
        problems.append(f"{server}/{tool}: conform refused the spec, expectations say it loads")
    if want.get("loads", "refused") == "refused" and result not in ("refused", ""):
        print(f"note: {server}/{tool}: conform now reads the spec ({result}); tighten "
              f"[conform.{server}] loads = \"loads\" in scripts/realworld/expectations.toml")
    errors = re.search(r"(\d+) error\(s\)", result)
    if tool == "conform-specs-check" and "check_errors" in want and errors \
            and int(errors.group(1)) != want["check_errors"]:
        problems.append(f"{server}/{tool}: {errors.group(1)} lint error(s), expectations say "
                        f"{want['check_errors']} (each a defect of the published spec)")
    if tool == "conform-init-run" and "init_pass" in want:
        rate = init_pass_rate(result)
        if rate is None or rate < want["init_pass"]:
            problems.append(f"{server}/{tool}: {result}: under the {want['init_pass']:.0%} of "
                            f"init's scenarios that must pass")
    if tool == "conform-arazzo" and want.get("arazzo") in ("passes", "known"):
        # "known": the workflow ran whole (exit 0 or 1, nothing errored), its findings each on
        # a known defect (the step's unclassified findings fail it, as init-run's do).
        ran = meta.get("rc") in (0, 1) and init_pass_rate(result) is not None \
            and "errored" not in result
        passed = meta.get("rc") == 0 and init_pass_rate(result) == 1
        if not (passed if want["arazzo"] == "passes" else ran):
            problems.append(f"{server}/{tool}: {result or 'no result'} (exit "
                            f"{meta.get('rc')}): the workflow must "
                            f"{'pass' if want['arazzo'] == 'passes' else 'run whole'} "
                            f"on the real server")
    return problems


def init_pass_rate(result):
    """Passed / all scenarios, from conform's summary line (`12 passed, 10 failed, ...`)."""
    counts = {k: int(n) for n, k in re.findall(r"(\d+) (passed|failed|errored|skipped)", result)}
    total = sum(counts.values())
    return counts.get("passed", 0) / total if total else None


def _natural(ident):
    """J2 before J10."""
    head = ident.rstrip("0123456789")
    return head, int(ident[len(head):] or 0)


def _printable(text):
    """No control byte from a target reaches the terminal."""
    return "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in text)


def jupyter(url, token, action):
    """`count`: kernels, sessions and terminals still running; `clean`: delete them all."""
    import urllib.request

    def call(method, path):
        req = urllib.request.Request(url + path, method=method,
                                     headers={"Authorization": f"token {token}"})
        with urllib.request.urlopen(req, timeout=20) as resp:
            body = resp.read()
        return json.loads(body) if body else None

    sessions, kernels = call("GET", "/api/sessions"), call("GET", "/api/kernels")
    terminals = call("GET", "/api/terminals")
    if action == "count":
        print(f"{len(kernels)} kernels, {len(sessions)} sessions, {len(terminals)} terminals")
        return 0
    for session in sessions:
        call("DELETE", f"/api/sessions/{session['id']}")
    for kernel in call("GET", "/api/kernels"):
        call("DELETE", f"/api/kernels/{kernel['id']}")
    for terminal in terminals:
        call("DELETE", f"/api/terminals/{terminal['name']}")
    return 0


def main(argv):
    if len(argv) == 4 and argv[0] == "jupyter":
        return jupyter(argv[1], argv[2], argv[3])
    if len(argv) >= 2 and argv[0] == "record":
        record(argv[1], argv[2:])
        return 0
    if len(argv) == 3 and argv[0] == "table":
        return table(argv[1], argv[2])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
