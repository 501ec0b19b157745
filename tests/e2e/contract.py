"""Checks HTTP responses against the project's OpenAPI document (openapi.yaml).

check_response(method, path, status, headers, body) finds the operation whose
path template matches `path` (concrete paths before templated ones) and
requires that `status` is documented for it, that the documented headers
marked `required` are present and valid, that the Content-Type is one the
document lists for that status, and that a JSON body validates against the
documented schema (JSON Schema 2020-12, as OpenAPI 3.1 uses). A request to a
path the document does not have must get an error response the document
defines for that status (e.g. 404 with the NotFound body); a documented path
with an undocumented method must get 405 with an `Allow` header naming only
documented methods. A violation raises ContractViolation naming the
operation, the status and the schema path of the first error; it is also
appended to `violations`, so a caller that swallowed the exception (a worker
thread, a retry loop) can still be failed at the end.

harness.py calls check_response on every response when JOBSTACK_CONTRACT=1.
Needs PyYAML and jsonschema (Debian: python3-yaml, python3-jsonschema); a
Python without them (e.g. pyenv's) falls back to Debian's dist-packages.
"""

import copy
import datetime
import json
import os
import re
import sys
import threading
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
DOC_PATH = Path(os.environ.get("JOBSTACK_OPENAPI") or REPO_ROOT / "openapi.yaml")
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def _import_deps():
    try:
        import yaml
        import jsonschema
    except ImportError:
        debian = "/usr/lib/python3/dist-packages"
        if debian not in sys.path and Path(debian).is_dir():
            sys.path.append(debian)  # appended: never shadows this Python's own packages
        try:
            import yaml
            import jsonschema
        except ImportError as e:
            raise ImportError(f"contract checking needs PyYAML and jsonschema ({e}); "
                              "install Debian's python3-yaml and python3-jsonschema") from e
    return yaml, jsonschema


class ContractViolation(Exception):
    """A response does not match openapi.yaml."""


# -- formats ---------------------------------------------------------------------

_RFC3339 = re.compile(r"^(\d{4}-\d\d-\d\d)[Tt](\d\d:\d\d:\d\d)(\.\d+)?([Zz]|[+-]\d\d:\d\d)$")


def _is_date_time(value):
    """RFC 3339 date-time (section 5.6), with a real calendar date and time."""
    if not isinstance(value, str):
        return True  # format applies to strings only
    m = _RFC3339.match(value)
    if not m:
        return False
    date, time, frac, offset = m.groups()
    frac = (frac or "")[:7]  # fromisoformat wants at most 6 fraction digits
    offset = "+00:00" if offset in ("Z", "z") else offset
    try:
        datetime.datetime.fromisoformat(f"{date}T{time}{frac}{offset}")
    except ValueError:
        return False
    return True


# -- the document ----------------------------------------------------------------

def _pointer(doc, ref):
    if not ref.startswith("#/"):
        raise ValueError(f"only local $refs are supported, not {ref!r}")
    node = doc
    for part in ref[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        node = node[int(part)] if isinstance(node, list) else node[part]
    return node


def _deref(doc, node, depth=0):
    """A copy of node with every local $ref replaced by its target. A $ref
    with sibling keys (allowed in 3.1 schemas) becomes allOf [target] plus the
    siblings. Resolved schemas carry "x-ref" (ignored by validators) so that
    error messages can name the component."""
    if depth > 64:
        raise ValueError("$ref nesting deeper than 64 (a cycle?)")
    if isinstance(node, list):
        return [_deref(doc, v, depth) for v in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node and isinstance(node["$ref"], str):
        target = _deref(doc, _pointer(doc, node["$ref"]), depth + 1)
        if isinstance(target, dict):
            target = dict(target)
            target.setdefault("x-ref", node["$ref"])
        siblings = {k: _deref(doc, v, depth) for k, v in node.items() if k != "$ref"}
        if not siblings:
            return target
        siblings["allOf"] = [target] + siblings.get("allOf", [])
        return siblings
    return {k: _deref(doc, v, depth) for k, v in node.items()}


def _template_regex(template):
    parts = re.split(r"(\{[^}/]+\})", template)
    return re.compile("^" + "".join("[^/]+" if p.startswith("{") else re.escape(p) for p in parts if p) + "$")


def _media_type(value):
    """'Text/Plain; version=0.0.4; charset=utf-8' -> ('text/plain', {'version': '0.0.4', 'charset': 'utf-8'})."""
    base, *params = (value or "").split(";")
    parsed = {}
    for p in params:
        if "=" in p:
            k, v = p.split("=", 1)
            parsed[k.strip().lower()] = v.strip().strip('"')
    return base.strip().lower(), parsed


def _header(headers, name):
    if headers is None:
        return None
    if hasattr(headers, "get_all"):  # http.client.HTTPMessage, email.message.Message
        values = headers.get_all(name)
        return ", ".join(values) if values else None
    for k, v in dict(headers).items():
        if k.lower() == name.lower():
            return v
    return None


def _short(value, limit=300):
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str)
    return text if len(text) <= limit else text[:limit] + f"... ({len(text)} chars)"


class Contract:
    """openapi.yaml, dereferenced, with a validator per schema."""

    def __init__(self, path=DOC_PATH):
        yaml, self._jsonschema = _import_deps()
        self.path = Path(path)
        with open(self.path, encoding="utf-8") as f:
            self.raw = yaml.safe_load(f)
        self.version = str(self.raw.get("openapi", ""))
        if not self.version.startswith("3.1"):
            raise ValueError(f"{self.path}: contract.py reads OpenAPI 3.1 documents, not {self.version!r}")
        self.doc = _deref(self.raw, self.raw)
        self._format_checker = self._jsonschema.FormatChecker(formats=())
        self._format_checker.checks("date-time")(_is_date_time)
        self._validators = {}
        self._lock = threading.Lock()
        self._exercised = set()
        self.violations = []
        # (template, regex, number of parameters, {METHOD: operation})
        self.routes = []
        for template, item in self.raw["paths"].items():
            item = self.doc["paths"][template]
            ops = {m.upper(): item[m] for m in HTTP_METHODS if m in item}
            self.routes.append((template, _template_regex(template), template.count("{"), ops))
        self.routes.sort(key=lambda r: (r[2], r[0]))  # concrete paths first
        # status -> the shared error responses (components.responses) used for it
        self.error_responses = {}
        for template, item in self.raw["paths"].items():
            for m in HTTP_METHODS:
                for status, resp in item.get(m, {}).get("responses", {}).items():
                    ref = resp.get("$ref", "")
                    if ref.startswith("#/components/responses/"):
                        self.error_responses.setdefault(status, {})[ref] = _deref(self.raw, resp)

    # -- bookkeeping ---------------------------------------------------------------

    def operations(self):
        """Every (METHOD, template) of the document."""
        return {(m, t) for t, _, _, ops in self.routes for m in ops}

    def exercised(self):
        """The (METHOD, template) pairs that got a checked response so far."""
        with self._lock:
            return set(self._exercised)

    # -- checking ------------------------------------------------------------------

    def _validator(self, schema):
        key = id(schema)
        v = self._validators.get(key)
        if v is None:
            cls = self._jsonschema.Draft202012Validator
            v = cls(schema, format_checker=self._format_checker)
            with self._lock:
                self._validators[key] = (v, schema)  # keep schema alive: ids stay unique
            return v
        return v[0]

    def _schema_errors(self, schema, value, origin="the response schema"):
        """The first errors (at most 3) of value against schema, as text, or
        None. origin names the schema where no component does."""
        validator = self._validator(schema)
        errors = list(validator.iter_errors(value))
        if not errors:
            return None
        best = self._jsonschema.exceptions.best_match(errors)
        ordered = [best] + [e for e in errors if e is not best]
        texts = []
        for error in ordered[:3]:
            # name the component the failing keyword belongs to (the last x-ref on the way)
            node, component, steps = schema, origin, []
            for step in error.absolute_schema_path:
                if isinstance(node, dict) and "x-ref" in node:
                    component, steps = node["x-ref"], []
                try:
                    node = node[step]
                except (KeyError, IndexError, TypeError):
                    break
                steps.append(str(step))
            where = "/".join(str(p) for p in error.absolute_path) or "(root)"
            texts.append(f"body at {where}: {_short(error.message, 200)} "
                         f"[schema {component} at {'/'.join(steps) or '(root)'}]")
        if len(errors) > 3:
            texts.append(f"... and {len(errors) - 3} more schema errors")
        return "\n    ".join(texts)

    def _check_headers(self, response, headers, problems):
        for name, spec in (response.get("headers") or {}).items():
            value = _header(headers, name)
            if value is None:
                if spec.get("required"):
                    problems.append(f"header {name} is missing (required)")
                continue
            schema = spec.get("schema") or {}
            typ = schema.get("type")
            candidate = value
            if typ == "integer":
                try:
                    candidate = int(value.strip())
                except ValueError:
                    problems.append(f"header {name}: {value!r} is not an integer")
                    continue
            error = self._schema_errors(schema, candidate)
            if error:
                problems.append(f"header {name}: {value!r}: {error.split(': ', 1)[1].split(' [schema')[0]}")

    def _check_content(self, response, headers, body, problems, origin):
        content = response.get("content")
        if not content:
            if body not in (None, ""):
                problems.append(f"the document defines no body, got {_short(body)}")
            return
        ctype = _header(headers, "Content-Type")
        if not ctype:
            problems.append(f"no Content-Type; want one of {sorted(content)}")
            return
        base, params = _media_type(ctype)
        chosen = None
        for key, media in content.items():
            kbase, kparams = _media_type(key)
            if kbase == base and all(params.get(k) == v for k, v in kparams.items()):
                chosen = (key, media)
                break
        if chosen is None:
            problems.append(f"Content-Type {ctype!r} is not documented; want one of {sorted(content)}")
            return
        key, media = chosen
        schema = media.get("schema")
        if schema is None:
            return
        if base == "application/json" or base.endswith("+json"):
            if body is None or body == "":
                problems.append("the body is empty; want JSON")
                return
            error = self._schema_errors(schema, body, response.get("x-ref", origin) + "/content/"
                                        + key.replace("~", "~0").replace("/", "~1") + "/schema")
            if error:
                problems.append(error)
        elif not isinstance(body, (str, type(None))):
            # a text body that happens to parse as JSON (harness.py parses eagerly)
            return

    def check(self, method, path, status, headers, body):
        """Raises ContractViolation if the response breaks the document."""
        method = method.upper()
        path_only = path.split("?", 1)[0].split("#", 1)[0]
        matches = [r for r in self.routes if r[1].match(path_only)]
        problems = []
        if not matches:
            label = f"{method} {path_only} (no such path in {self.path.name})"
            self._check_error_only(method, status, headers, body, problems, label, allowed_methods=None)
        else:
            found = next(((t, ops[method]) for t, _, _, ops in matches if method in ops), None)
            if found is None:
                allowed = {m for _, _, _, ops in matches for m in ops}
                label = f"{method} {path_only} (path {matches[0][0]} has no {method} operation)"
                self._check_error_only(method, status, headers, body, problems, label, allowed_methods=allowed)
            else:
                template, op = found
                label = f"{op.get('operationId', '?')} ({method} {template})"
                with self._lock:
                    self._exercised.add((method, template))
                responses = op.get("responses", {})
                response = (responses.get(str(status)) or responses.get(f"{str(status)[0]}XX")
                            or responses.get("default"))
                if response is None:
                    problems.append(f"status {status} is not documented; documented: "
                                    f"{', '.join(sorted(responses))}")
                else:
                    self._check_headers(response, headers, problems)
                    if method != "HEAD":  # a HEAD response has no body
                        origin = f"#/paths/{template.replace('~', '~0').replace('/', '~1')}/{method.lower()}/responses/{status}"
                        self._check_content(response, headers, body, problems, origin)
        if problems:
            message = (f"response breaks {self.path.name}: {label} -> {status}:\n    "
                       + "\n    ".join(problems) + f"\n    response body: {_short(body)}")
            with self._lock:
                self.violations.append(message)
            raise ContractViolation(message)

    def _check_error_only(self, method, status, headers, body, problems, label, allowed_methods):
        """A response to a path or method the document lacks: want 405 (an
        undocumented method of a documented path) or 404 (an unknown path), or
        another shared error response (414, 431, 401, ...), as documented."""
        want = "405" if allowed_methods else "404"
        candidates = self.error_responses.get(str(status))
        if not candidates or (str(status) != want and str(status) in ("404", "405")):
            problems.append(f"status {status}; want {want} with an error body")
            return
        results = []
        for ref, response in candidates.items():
            sub = []
            self._check_headers(response, headers, sub)
            if method != "HEAD":
                self._check_content(response, headers, body, sub, ref)
            if not sub:
                break
            results.append((ref, sub))
        else:
            ref, sub = results[0]
            problems.extend(f"{p} (as {ref})" for p in sub)
        if str(status) == "405" and allowed_methods:
            allow = {m.strip().upper() for m in (_header(headers, "Allow") or "").split(",") if m.strip()}
            if not allow or not allow <= allowed_methods:
                problems.append(f"Allow {_header(headers, 'Allow')!r} should list only documented methods "
                                f"of this path ({', '.join(sorted(allowed_methods))})")


_contract = None
_contract_lock = threading.Lock()


def get():
    """The Contract of openapi.yaml, loaded once."""
    global _contract
    with _contract_lock:
        if _contract is None:
            _contract = Contract()
        return _contract


def enabled():
    return os.environ.get("JOBSTACK_CONTRACT", "0") not in ("", "0", "false", "no", "off")


def check_response(method, path, status, headers, body):
    """Checks one response against openapi.yaml; raises ContractViolation."""
    get().check(method, path, status, headers, body)


def violations():
    return list(get().violations) if _contract is not None else []


if __name__ == "__main__":
    c = get()
    print(f"{c.path}: OpenAPI {c.version}, {len(c.operations())} operations:")
    for m, t in sorted(c.operations(), key=lambda x: (x[1], x[0])):
        print(f"  {m:6} {t}")
