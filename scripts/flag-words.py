#!/usr/bin/env python3
"""Library messages name no CLI flag (issue 21): the library says what went wrong in its own
terms and names a setting through `conform::remedy::Remedies`, which the CLI implements with
its flags. Scans the code of src/ outside src/cli and src/main.rs (comments, `tests.rs` files
and `#[cfg(test)]` modules left out) for flag-looking words (`--name`) and prints each with
its file and line. ALLOWED holds the known ones, by file and flag; exit 1 on any other. An
allowed one that is gone is printed (take it out of the list) but does not fail: the branches
that fix them merge in any order. Run from the repository
root: `python3 scripts/flag-words.py`."""
import collections
import glob
import re
import sys

# Not conform's flags, or in code other branches are moving to Remedies (issue 21); each entry
# is (file, flag): the count there may be any, the flag must still occur.
ALLOWED = {
    # A comment init writes into a generated scenario file, which its user runs with the CLI.
    ("src/init/draft.rs", "--var"),
    # Being moved to Remedies on their own branches (fuzz, send, client).
    ("src/fuzz/case.rs", "--seed"),
    ("src/run/send.rs", "--max-body"),
    ("src/run/client.rs", "--no-proxy"),
    ("src/run/client.rs", "--cacert"),
    ("src/run/client.rs", "--insecure"),
    ("src/run/client.rs", "--cert"),
    ("src/run/client.rs", "--key"),
}

FLAG = re.compile(r"(?<![-\w])--[a-z][a-z0-9-]*")


def code_lines(path):
    """The lines of `path` that are code: before its `#[cfg(test)]`, comments left out."""
    text = open(path, encoding="utf-8").read()
    text = re.split(r"#\[cfg\(test\)\]", text)[0]
    for number, line in enumerate(text.split("\n"), 1):
        if not line.strip().startswith("//"):
            yield number, line


def main():
    found = collections.defaultdict(list)
    for path in sorted(glob.glob("src/**/*.rs", recursive=True)):
        if path.startswith("src/cli/") or path == "src/main.rs" or path.endswith("/tests.rs"):
            continue
        for number, line in code_lines(path):
            for flag in FLAG.findall(line):
                found[(path, flag)].append(number)
    bad = 0
    total = sum(len(lines) for lines in found.values())
    for (path, flag), lines in sorted(found.items()):
        allowed = (path, flag) in ALLOWED
        mark = "allowed" if allowed else "FLAG"
        print(f"{mark} {path}:{','.join(map(str, lines))}: {flag}")
        bad += 0 if allowed else 1
    gone = sorted(ALLOWED - found.keys())
    for path, flag in gone:
        print(f"gone {path}: {flag} no longer occurs; take it out of ALLOWED")
    print(f"{total} flag word(s) in library code, {bad} not allowed, {len(gone)} allowed but gone")
    if bad:
        print("name the setting through conform::remedy::Remedies; the CLI says its flag",
              file=sys.stderr)
        sys.exit(1)


main()
