#!/usr/bin/env python3
"""tests/docs/check_dashboard.py DASHBOARD.json [RULES_OUT.yml]: checks a
Grafana dashboard for docs.prometheus_config: valid JSON, unique panel ids,
the DS_PROMETHEUS input and variable, every panel (rows aside) on
${DS_PROMETHEUS} with at least one query and no empty expr. With RULES_OUT,
writes every expr (Grafana variables replaced by plain values) as a recording
rule there, so that `promtool check rules RULES_OUT` parses them all."""

import json
import sys

DS_UID = "${DS_PROMETHEUS}"
# Grafana's variables -> values PromQL accepts, for the syntax check only.
VARIABLES = {"$__rate_interval": "1m", "$__interval": "1m", "$__range": "1h", "$queue": ".*"}


def panels_of(items):
    for p in items:
        yield p
        yield from panels_of(p.get("panels", []))  # a row's panels


def problems_of(dash):
    problems, ids = [], set()
    if not any(i.get("name") == "DS_PROMETHEUS" for i in dash.get("__inputs", [])):
        problems.append("no __inputs entry named DS_PROMETHEUS")
    if not any(v.get("name") == "DS_PROMETHEUS" and v.get("type") == "datasource"
               for v in dash.get("templating", {}).get("list", [])):
        problems.append("no datasource variable named DS_PROMETHEUS")
    panels = list(panels_of(dash.get("panels", [])))
    if not panels:
        problems.append("no panels")
    for p in panels:
        name = f"panel {p.get('id')} {p.get('title')!r}"
        if p.get("id") in ids:
            problems.append(f"{name}: id used twice")
        ids.add(p.get("id"))
        if p.get("type") == "row":
            continue
        if (p.get("datasource") or {}).get("uid") != DS_UID:
            problems.append(f"{name}: datasource is {p.get('datasource')!r}, want uid {DS_UID}")
        targets = p.get("targets") or []
        if not targets:
            problems.append(f"{name}: no query")
        for t in targets:
            if not isinstance(t.get("expr"), str) or not t["expr"].strip():
                problems.append(f"{name} query {t.get('refId')}: empty expr")
    return problems, panels


def main(argv):
    if len(argv) not in (2, 3):
        sys.exit(__doc__)
    try:
        with open(argv[1]) as f:
            dash = json.load(f)
    except (OSError, ValueError) as e:
        sys.exit(f"FAIL {argv[1]}: not a readable JSON file: {e}")
    problems, panels = problems_of(dash)
    if problems:
        sys.exit(f"FAIL {argv[1]}:\n  " + "\n  ".join(problems))
    exprs = [t["expr"] for p in panels for t in p.get("targets", [])]
    if len(argv) == 3:
        rules = []
        for i, expr in enumerate(exprs):
            for var, value in VARIABLES.items():
                expr = expr.replace(var, value)
            rules.append({"record": f"dashboard:expr_{i}", "expr": expr})
        with open(argv[2], "w") as f:  # JSON is YAML
            json.dump({"groups": [{"name": "dashboard", "rules": rules}]}, f, indent=1)
    print(f"{argv[1]}: {len(panels)} panels, {len(exprs)} queries, all with an expr")


if __name__ == "__main__":
    main(sys.argv)
