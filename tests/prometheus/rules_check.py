#!/usr/bin/env python3
"""rules_check.py - checks of etc/prometheus/anycast-healthd.rules.yml that
promtool does not make.

  rules_check.py metrics RULES          the metric names the rules' exprs
                                        select, one a line
  rules_check.py missing RULES SCRAPE   the names that SCRAPE (a /metrics
                                        answer) has no sample of; exit 1 if any
  rules_check.py anchors RULES RUNBOOK  every runbook_url's #anchor is a
                                        heading of RUNBOOK (GitHub's anchors)
  rules_check.py coverage RULES TESTS   every alert has a test case where it
                                        fires and one where it must not
  rules_check.py self-test              the PromQL name extractor and the
                                        anchor maker on known input

Each check prints what is wrong, one line per problem naming the alert, and
exits 1; 0 and a one-line summary when all is well.  Needs python3-yaml.
"""
import re
import sys

import yaml

# PromQL words that are not metric names where an identifier may stand.
KEYWORDS = {
    "and", "or", "unless", "by", "without", "on", "ignoring", "group_left",
    "group_right", "offset", "bool", "atan2", "inf", "nan",
    "sum", "min", "max", "avg", "group", "stddev", "stdvar", "count",
    "count_values", "bottomk", "topk", "quantile", "limitk", "limit_ratio",
}
# Keywords whose parenthesised list holds label names, not expressions.
LABEL_LIST_KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right"}

TOKEN = re.compile(r"""
    (?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`)
  | (?P<number>0[xX][0-9a-fA-F]+|(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?(?:[smhdwy]|ms)*(?:\d+(?:[smhdwy]|ms))*)
  | (?P<ident>[a-zA-Z_:][a-zA-Z0-9_:]*)
  | (?P<comment>\#[^\n]*)
  | (?P<space>\s+)
  | (?P<punct>=~|!~|!=|==|<=|>=|[-+*/%^<>=(){}\[\],:@])
""", re.VERBOSE)


def tokens(expr):
    """The expression's tokens as (kind, text); a character PromQL does not
    have is an error naming it."""
    out, pos = [], 0
    while pos < len(expr):
        m = TOKEN.match(expr, pos)
        if m is None:
            raise ValueError("unexpected %r at %d in %r" % (expr[pos], pos, expr))
        pos = m.end()
        if m.lastgroup not in ("space", "comment"):
            out.append((m.lastgroup, m.group()))
    return out


def matcher_names(toks, i):
    """Within a {...} starting at toks[i] == '{': the __name__="x" matchers'
    names, and the index after the closing brace."""
    names = []
    j = i + 1
    while j < len(toks) and toks[j][1] != "}":
        if (toks[j] == ("ident", "__name__") and j + 2 < len(toks)
                and toks[j + 1][1] == "=" and toks[j + 2][0] == "string"):
            names.append(toks[j + 2][1][1:-1])
        j += 1
    return names, j + 1


def skip_balanced(toks, i, opening, closing):
    """The index after the bracket that closes toks[i] (== opening)."""
    depth = 0
    for j in range(i, len(toks)):
        if toks[j][1] == opening:
            depth += 1
        elif toks[j][1] == closing:
            depth -= 1
            if depth == 0:
                return j + 1
    raise ValueError("unbalanced %s" % opening)


def metric_names(expr):
    """The metric names an expression selects: identifiers that are neither
    functions (followed by '('), keywords, label names (inside {...} or the
    label lists of by/on/...), nor durations and numbers; plus
    {__name__="x"} selectors."""
    toks = tokens(expr)
    names, i = [], 0
    while i < len(toks):
        kind, text = toks[i]
        nxt = toks[i + 1][1] if i + 1 < len(toks) else None
        if text == "{":
            found, i = matcher_names(toks, i)
            names.extend(found)
            continue
        if text == "[":
            i = skip_balanced(toks, i, "[", "]")
            continue
        if kind == "ident" and text.lower() in LABEL_LIST_KEYWORDS and nxt == "(":
            i = skip_balanced(toks, i + 1, "(", ")")
            continue
        if kind == "ident" and nxt != "(" and text.lower() not in KEYWORDS:
            names.append(text)
        i += 1
    return names


def load_rules(path):
    with open(path) as f:
        doc = yaml.safe_load(f)
    return [r for g in doc["groups"] for r in g["rules"]]


def rules_metric_names(path):
    """Every metric name the rules select, less the rules' own records."""
    rules = load_rules(path)
    recorded = {r["record"] for r in rules if "record" in r}
    names = set()
    for r in rules:
        names.update(n for n in metric_names(str(r["expr"])) if n not in recorded)
    return sorted(names)


def scrape_sample_names(path):
    """The names of the samples of a Prometheus text answer."""
    names = set()
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("#"):
                names.add(re.split(r"[{\s]", line, maxsplit=1)[0])
    return names


def github_anchor(heading):
    """GitHub's anchor for a Markdown heading's text: inline markup reduced
    to its text, lower case, every character but letters, digits, spaces,
    '-' and '_' dropped, spaces to '-'."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)   # links, images
    text = re.sub(r"<[^>]+>", "", text)                           # HTML tags
    text = text.replace("`", "").replace("*", "")
    text = re.sub(r"(?<!\w)_+|_+(?!\w)", "", text)                # _emphasis_
    text = text.strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def markdown_anchors(path):
    """The anchors of a Markdown file's headings (outside code fences),
    with GitHub's -1, -2 ... for repeated ones."""
    anchors, seen, fence = set(), {}, None
    with open(path) as f:
        for line in f:
            m = re.match(r"^\s*(```|~~~)", line)
            if m:
                fence = None if fence == m.group(1) else (fence or m.group(1))
                continue
            m = re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line)
            if fence is None and m:
                base = github_anchor(m.group(1))
                n = seen.get(base, 0)
                seen[base] = n + 1
                anchors.add(base if n == 0 else "%s-%d" % (base, n))
    return anchors


def check_missing(rules_path, scrape_path):
    have = scrape_sample_names(scrape_path)
    missing = [n for n in rules_metric_names(rules_path) if n not in have]
    for n in missing:
        print("%s: used by the rules, not in the daemon's /metrics" % n)
    return 1 if missing else 0


def check_anchors(rules_path, runbook_path):
    anchors, bad = markdown_anchors(runbook_path), 0
    for r in load_rules(rules_path):
        if "alert" not in r:
            continue
        url = r.get("annotations", {}).get("runbook_url", "")
        m = re.match(r"^docs/runbook\.md#(.+)$", url)
        if m is None:
            print("%s: runbook_url %r is not docs/runbook.md#ANCHOR" % (r["alert"], url))
            bad += 1
        elif m.group(1) not in anchors:
            print("%s: #%s is no heading of %s" % (r["alert"], m.group(1), runbook_path))
            bad += 1
    return 1 if bad else 0


def check_coverage(rules_path, tests_path):
    with open(tests_path) as f:
        doc = yaml.safe_load(f)
    fires, quiet = set(), set()
    for t in doc.get("tests", []):
        for a in t.get("alert_rule_test", []):
            (fires if a.get("exp_alerts") else quiet).add(a["alertname"])
    bad = 0
    for r in load_rules(rules_path):
        if "alert" not in r:
            continue
        for have, what in ((fires, "fires"), (quiet, "must not fire")):
            if r["alert"] not in have:
                print("%s: no test case where it %s" % (r["alert"], what))
                bad += 1
    return 1 if bad else 0


SELF_TESTS = [
    ("anycast_healthd_router_up == 0", ["anycast_healthd_router_up"]),
    ('increase(a_total{prefix="x",state=~"y|z"}[10m]) >= 3', ["a_total"]),
    ('sum by (instance, prefix) (rate(b[5m] offset 1h)) / on(instance) group_left(job) c',
     ["b", "c"]),
    ('a == 1 and ignoring (state) b{state="withdrawn"} == 1', ["a", "b"]),
    ('{__name__="d", job="x"} unless absent(e{x="}{"})', ["d", "e"]),
    ('histogram_quantile(0.99, sum without (le) (rate(f_bucket[1h:5m])))', ["f_bucket"]),
    ('max_over_time(g[5m]) > 1e3 or vector(0) * Inf # a comment', ["g"]),
    ('topk(3, h) > bool 0x1f', ["h"]),
    ('count(i) by (job) - 1.5', ["i"]),
]


ANCHOR_TESTS = [
    ("5. The router is unreachable", "5-the-router-is-unreachable"),
    ("7. A fleet-wide outage: the fleet guard holds", "7-a-fleet-wide-outage-the-fleet-guard-holds"),
    ("Without Grafana: the metrics", "without-grafana-the-metrics"),
    ("`for:` and the [figures](performance.md)", "for-and-the-figures"),
    ("snake_case_name and _emphasis_", "snake_case_name-and-emphasis"),
]


def self_test():
    bad = 0
    for expr, want in SELF_TESTS:
        got = metric_names(expr)
        if got != want:
            print("metric_names(%r) = %r, want %r" % (expr, got, want))
            bad += 1
    for heading, want in ANCHOR_TESTS:
        if github_anchor(heading) != want:
            print("github_anchor(%r) = %r, want %r" % (heading, github_anchor(heading), want))
            bad += 1
    try:
        tokens("a ? b")
        print("tokens('a ? b') did not fail")
        bad += 1
    except ValueError:
        pass
    total = len(SELF_TESTS) + len(ANCHOR_TESTS) + 1
    print("rules_check self-test: %d passed, %d failed" % (total - bad, bad))
    return 1 if bad else 0


def main(argv):
    if len(argv) == 2 and argv[1] == "self-test":
        return self_test()
    if len(argv) == 3 and argv[1] == "metrics":
        print("\n".join(rules_metric_names(argv[2])))
        return 0
    checks = {"missing": check_missing, "anchors": check_anchors, "coverage": check_coverage}
    if len(argv) == 4 and argv[1] in checks:
        return checks[argv[1]](argv[2], argv[3])
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
