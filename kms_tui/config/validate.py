"""Validate a ckms.toml document: every problem at once, each with its TOML path and line.

Used live by the console's config editor (:func:`validate_document`) and by every load.
Checks that need the file system (certificates, keys, PKCS#12) live in :mod:`.checks`.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import tomlkit
from pydantic import ValidationError
from tomlkit.exceptions import ParseError

from kms_tui.config.errors import LineOf, Problem
from kms_tui.config.locate import key_lines, line_of
from kms_tui.config.schema import (
    LEGACY_KEYS,
    LENIENT_TABLES,
    OAUTH2_EXTRAS,
    CkmsConfig,
    allowed_keys,
    known_keys,
    near_miss,
)
from kms_tui.safetext import mask_url

_HEADER_RE = re.compile(r"^[A-Za-z0-9!#$%&'*+.^_`|~-]+:\s*\S")

_HINTS = {
    "server_url": "an http:// or https:// URL such as https://kms.example.com:9998",
    "url": "a URL such as http://proxy.example.com:3128",
    "exclusion_list": 'an array of host names, [] for none, e.g. exclusion_list = [".internal", "localhost"]',
    "scopes": 'an array of strings, e.g. scopes = ["openid", "email"]',
    "client_id": "the client id registered at your identity provider",
    "authorize_url": "the IdP's authorization endpoint URL",
    "token_url": "the IdP's token endpoint URL",
    "realm": 'the Auth Verifier realm, e.g. realm = "kms"',
}

_TYPE_WORDS = {
    "string_type": ("must be a string", 'a quoted string, e.g. "value"'),
    "bool_type": ("must be true or false", "true or false (no quotes)"),
    "list_type": ("must be an array", '["a", "b"]'),
    "model_type": ("must be a table", "a [section] table"),
    "dict_type": ("must be a table", "a [section] table"),
    "model_attributes_type": ("must be a table", "a [section] table"),
}


def parse_toml(text: str) -> tuple[tomlkit.TOMLDocument | None, list[Problem]]:
    """Parse ``text`` with tomlkit; any TOML error becomes a Problem with line and column.

    ``tomllib`` checks the text first: it refuses everything TOML forbids (a key or table
    defined twice, an inline table extended later) with a line and column, where tomlkit
    raises errors of its own kinds (``KeyAlreadyPresent`` has no line) or none until a value
    is read. Whatever tomlkit still raises is reported too, never passed on.
    """
    try:
        tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        return None, [_syntax_problem(text, str(exc))]
    except Exception as exc:  # noqa: BLE001 - a parser bug must not become a traceback
        return None, [_syntax_problem(text, f"{type(exc).__name__}")]
    try:
        doc = tomlkit.parse(text)
        doc.unwrap()  # tomlkit finds some conflicts only when the values are read
        return doc, []
    except ParseError as exc:
        reason = str(exc).split(" at line ")[0]
        line, col = exc.line, exc.col
        if "\\x00" in reason:  # tomlkit reports end of input as a NUL character
            reason = "unexpected end of file (is the file truncated?)"
            lines = text.splitlines() or [""]
            line, col = len(lines), len(lines[-1]) + 1
        return None, [
            Problem(
                "",
                line,
                f"TOML syntax error at line {line}, column {col}: {reason}",
                "valid TOML (the file is left untouched until it parses)",
                column=col,
            )
        ]
    except Exception as exc:  # noqa: BLE001 - KeyAlreadyPresent and friends: no position known
        reason = str(exc) or type(exc).__name__
        key = re.search(r'Key "([^"]+)"', reason)
        key_line = next(
            (
                i
                for i, row in enumerate(text.splitlines(), 1)
                if key and re.match(rf"\s*\"?{re.escape(key.group(1))}\"?\s*[=.]", row)
            ),
            None,
        )
        where = f" at line {key_line}" if key_line else ""
        return None, [
            Problem(
                "", key_line, f"TOML error{where}: {reason}", "valid TOML (the file is left untouched until it parses)"
            )
        ]


def validate_document(text: str) -> list[Problem]:
    """Every problem in a ckms.toml text: syntax, schema (ckms 5.26 rules), consistency.

    Runs on each edit in the console, so it parses with the fast ``tomllib`` (tomlkit, needed
    only to write, is ~40x slower).
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        return [_syntax_problem(text, str(exc))]
    return validate_data(data, text)


_TOMLLIB_WORDS = (
    ("Cannot overwrite a value", "a key is set twice (or a table and a key share a name)"),
    ("Cannot declare", "a table is declared twice"),
    ("Cannot mutate immutable namespace", "an inline table or array cannot be extended later"),
)


def _syntax_problem(text: str, message: str) -> Problem:
    found = re.search(r"\(at line (\d+), column (\d+)\)", message)
    reason = re.sub(r"\s*\(at [^)]*\)$", "", message)
    for raw, plain in _TOMLLIB_WORDS:
        if reason.startswith(raw):
            reason = plain
    if found:
        line, col = int(found.group(1)), int(found.group(2))
        key = _key_on_line(text, line)
        if key and reason.startswith("a key is set twice"):
            reason = f"`{key}` is set twice (a TOML file may set each key once)"
    else:  # "(at end of document)"
        lines = text.splitlines() or [""]
        line, col = len(lines), len(lines[-1]) + 1
        reason = f"{reason}: unexpected end of file (is the file truncated?)"
    return Problem(
        "",
        line,
        f"TOML syntax error at line {line}, column {col}: {reason}",
        "valid TOML (the file is left untouched until it parses)",
        column=col,
    )


def _key_on_line(text: str, line: int) -> str | None:
    rows = text.splitlines()
    if not 0 < line <= len(rows):
        return None
    match = re.match(r"\s*([A-Za-z0-9_.\-\"' ]+?)\s*=", rows[line - 1])
    return match.group(1).strip() if match else None


def validate_data(data: dict[str, Any], text: str = "") -> list[Problem]:
    """Validate an already-parsed document; ``text`` (if given) supplies line numbers."""
    lines = key_lines(text) if text else {}

    def at(path: str) -> int | None:
        return line_of(text, path, lines) if text else None

    problems = _schema_problems(data, at)
    http = data.get("http_config")
    if isinstance(http, dict):
        problems += _http_problems(http, at)
        for table in LENIENT_TABLES:
            problems += _ignored_key_problems(data, table, at)
    problems += _reference_problems(data, at)
    return sorted(problems, key=lambda p: (p.line or 0, p.path))


def _dotted(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _schema_problems(data: dict[str, Any], at: LineOf) -> list[Problem]:
    try:
        CkmsConfig.model_validate(data)
        return []
    except ValidationError as exc:
        errors = exc.errors()
    problems = []
    for err in errors:
        loc = tuple(err["loc"])
        path, key = _dotted(loc), str(loc[-1]) if loc else ""
        table = _dotted(tuple(p for p in loc[:-1] if not isinstance(p, int)))
        kind = err["type"]
        if kind == "extra_forbidden":
            guess = near_miss(key, allowed_keys(table))
            message = f"unknown key `{key}` in {_where(table)}: ckms 5.26 refuses the file"
            problems.append(
                Problem(
                    path,
                    at(path),
                    message + (f"; did you mean `{guess}`?" if guess else ""),
                    _rename_or_list(key, guess, table),
                )
            )
        elif kind == "missing":
            known = allowed_keys(table)
            typo = next((k for k in _table_of(data, table) if k not in known and near_miss(k, [key])), None)
            hint = f"rename `{typo}` to `{key}`" if typo else _HINTS.get(key, "a value")
            problems.append(Problem(path, at(path), f"missing required key `{key}` in {_where(table)}", hint))
        else:
            message, allowed = _TYPE_WORDS.get(kind, (err["msg"], ""))
            problems.append(Problem(path, at(path), message, allowed))
    return problems


def _where(table: str) -> str:
    return f"[{table}]" if table else "the top level"


def _table_of(data: dict[str, Any], table: str) -> dict[str, Any]:
    node: Any = data
    for part in table.split(".") if table else ():
        node = node.get(part) if isinstance(node, dict) else None
    return node if isinstance(node, dict) else {}


def _rename_or_list(key: str, guess: str | None, table: str) -> str:
    return f"rename `{key}` to `{guess}`" if guess else "one of: " + ", ".join(allowed_keys(table))


def _ignored_key_problems(data: dict[str, Any], table: str, at: LineOf) -> list[Problem]:
    """Warnings for the keys ckms ignores in a lenient table; a near-miss says what it was meant to be."""
    values = _table_of(data, table)
    known = allowed_keys(table)
    extras = OAUTH2_EXTRAS if table == "http_config.oauth2_conf" else ()
    out = []
    for key in values:
        if key in known:
            continue
        path = f"{table}.{key}"
        guess = near_miss(key, known_keys(table))
        allowed = _rename_or_list(key, guess, table)
        if guess:
            effect = f"`{guess}` is set too and is the one used" if guess in values else f"so `{guess}` is not set"
            message = f"`{key}` in [{table}] looks like a misspelling of `{guess}`: it is ignored, {effect}"
        elif key in extras:
            message = f"`{key}` in [{table}] is read by kms-tui only: ckms ignores it (and drops it on `ckms login`)"
            allowed = ""
        else:
            message = f"unknown key `{key}` in [{table}]: ckms and kms-tui ignore it"
        out.append(Problem(path, at(path), message, allowed, "warning"))
    return out


def _url_problem(path: str, value: Any, at: LineOf) -> Problem | None:
    if not isinstance(value, str) or "secret://" in value:
        return None
    parts = urlsplit(value)
    if parts.scheme and parts.netloc:
        try:
            _ = parts.port  # raises on a bad port
            return None
        except ValueError:
            pass
    return Problem(path, at(path), f"`{mask_url(value)}` is not a valid URL", "scheme://host[:port][/path]")


def _http_problems(http: dict[str, Any], at: LineOf) -> list[Problem]:
    out: list[Problem] = []

    def add(path: str, message: str, allowed: str = "", severity: str = "error") -> None:
        out.append(Problem(path, at(path), message, allowed, severity))

    def has(key: str) -> bool:
        return http.get(key) is not None or http.get(LEGACY_OF.get(key, "")) is not None

    for old, new in LEGACY_KEYS.items():
        if old in http:
            add(
                f"http_config.{old}",
                f"`{old}` is deprecated; it will be renamed to `{new}` on the next save",
                f"`{new}`",
                "warning",
            )
    pem = has("tls_client_pem_cert_path") or has("tls_client_pem_key_path")
    if pem and has("tls_client_pkcs12_path"):
        add(
            "http_config.tls_client_pkcs12_path",
            "cannot use both PKCS#12 and PEM client authentication",
            "either the PEM pair or the PKCS#12 bundle",
        )
    if has("tls_client_pem_cert_path") != has("tls_client_pem_key_path"):
        missing = "tls_client_pem_key_path" if has("tls_client_pem_cert_path") else "tls_client_pem_cert_path"
        add(f"http_config.{missing}", "both PEM certificate and key paths must be provided", f"add `{missing}`")
    if has("tls_client_pkcs12_path") and not has("tls_client_pkcs12_password"):
        add(
            "http_config.tls_client_pkcs12_path",
            "PKCS#12 password must be provided with PKCS#12 path",
            'tls_client_pkcs12_password = "" when the bundle has no password',
        )
    for i, header in enumerate(http.get("custom_headers") or []):
        if isinstance(header, str) and not _HEADER_RE.match(header):
            add(
                f"http_config.custom_headers[{i}]",
                "invalid custom header (not shown: it may hold a credential)",
                "write it as 'Name: Value', e.g. 'Authorization: Bearer <token>'",
            )
    for path, value in (
        ("http_config.server_url", http.get("server_url")),
        ("http_config.proxy_params.url", (http.get("proxy_params") or {}).get("url")),
        ("http_config.cosmian_conf.server_url", (http.get("cosmian_conf") or {}).get("server_url")),
        ("http_config.oauth2_conf.authorize_url", (http.get("oauth2_conf") or {}).get("authorize_url")),
        ("http_config.oauth2_conf.token_url", (http.get("oauth2_conf") or {}).get("token_url")),
    ):
        problem = _url_problem(path, value, at)
        if problem:
            out.append(problem)
    return out


LEGACY_OF = {new: old for old, new in LEGACY_KEYS.items()}

_REF_BODY = re.compile(r"secret://(?P<body>[^\s@\"',;<>]*)")


def _walk_strings(value: Any, path: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _walk_strings(v, f"{path}.{k}" if path else str(k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _walk_strings(v, f"{path}[{i}]")


def _reference_problems(data: dict[str, Any], at: LineOf) -> list[Problem]:
    out = []
    for path, value in _walk_strings(data, ""):
        for match in _REF_BODY.finditer(value):
            if "/" not in match.group("body").strip("/"):
                out.append(
                    Problem(
                        path,
                        at(path),
                        f"incomplete secret reference `{match.group(0)}`",
                        "secret://<location>/<name>, e.g. secret://secret/kms-console#api_token",
                    )
                )
    return out
