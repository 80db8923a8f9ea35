"""Replay Cosmian's KMIP regression vectors (``tests/data/conformance``) against a running server.

The semantics follow ``conformance/FORMAT.md`` (Cosmian's ``vector_runner.rs``): placeholder
substitution, bare operations wrapped into a ``RequestMessage``, raw batches, the REST access
steps, identities as TLS client certificates, and the assert/capture rules by bare tag name.
Everything here is transport-agnostic apart from :class:`Identity`, which builds an httpx client.
"""

from __future__ import annotations

import json
import os
import re
import ssl
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

# Manifests name files relative to Cosmian/kms, where test_data is a submodule.
TEST_DATA_PREFIX = "test_data/"
# The config every manifest without `server_config` runs against (FORMAT.md §12).
DEFAULT_SERVER_CONFIG = "test_data/configs/server/test/auth_plain.toml"
# The owner certificate the harness presents to a cert-auth server when a manifest declares none.
DEFAULT_OWNER_CERT = (
    "test_data/certificates/client_server/owner/owner.client.acme.com.crt",
    "test_data/certificates/client_server/owner/owner.client.acme.com.key",
)
REST_STEPS = {"GrantAccess": "/access/grant", "RevokeAccess": "/access/revoke"}
SUCCESS_STATUSES = ("Success", "0x00000000")
_ENV_PLACEHOLDER = re.compile(r"\{\{\$([A-Za-z0-9_]+)\}\}")
_ANY_PLACEHOLDER = re.compile(r"\{\{[^}]*\}\}")


class VectorFailure(AssertionError):
    """A step did not behave as its manifest says; the message names the step and why."""


@dataclass
class Step:
    """One `[[steps]]` table of a manifest."""

    index: int
    operation: str
    request: str
    assert_success: bool = True
    assert_fields: dict[str, str] = field(default_factory=dict)
    assert_any_field: dict[str, str] = field(default_factory=dict)
    assert_none_field: dict[str, str] = field(default_factory=dict)
    assert_fields_absent: list[str] = field(default_factory=list)
    assert_count: dict[str, int] = field(default_factory=dict)
    assert_error_reason: str | None = None
    assert_error_contains: str | None = None
    capture: dict[str, str] = field(default_factory=dict)
    raw_request: bool = False
    identity: str = "owner"
    allow_failure: bool = False

    @property
    def label(self) -> str:
        return f"step {self.index + 1} ({self.operation}, {self.request})"


@dataclass
class Vector:
    """A vector directory: its manifest and where its files live."""

    directory: Path
    rel_id: str
    name: str
    server_config: str
    identities: dict[str, tuple[str, str]]
    steps: list[Step]
    kmip_version: tuple[int, int] = (2, 1)
    wire_format: str = "json"
    server_type: str | None = None
    requires_env: list[str] = field(default_factory=list)


def resolve_test_data(conformance_root: Path, manifest_path: str) -> Path:
    """Map a manifest path (`test_data/...`, relative to Cosmian/kms) to a file of the pack."""
    rel = manifest_path[len(TEST_DATA_PREFIX) :] if manifest_path.startswith(TEST_DATA_PREFIX) else manifest_path
    return conformance_root / rel


def load_vector(manifest: Path, vectors_root: Path) -> Vector:
    """Parse one `manifest.toml`; unknown keys are ignored as Cosmian's serde structs do."""
    data = tomllib.loads(manifest.read_text())
    steps = []
    for i, raw in enumerate(data["steps"]):
        known = {k: v for k, v in raw.items() if k in Step.__dataclass_fields__ and k != "index"}
        steps.append(Step(index=i, **known))
    identities = {
        name: (ident["client_cert"], ident["client_key"])
        for name, ident in data.get("identities", {}).items()
        if "client_cert" in ident and "client_key" in ident
    }
    return Vector(
        directory=manifest.parent,
        rel_id=manifest.parent.relative_to(vectors_root).as_posix(),
        name=data["name"],
        server_config=data.get("server_config", DEFAULT_SERVER_CONFIG),
        identities=identities,
        steps=steps,
        kmip_version=tuple(data.get("kmip_version", (2, 1))),  # type: ignore[arg-type]
        wire_format=data.get("wire_format", "json"),
        server_type=data.get("server_type"),
        requires_env=list(data.get("requires_env", [])),
    )


def discover_vectors(vectors_root: Path) -> list[Vector]:
    """Every vector under `vectors_root`, sorted by path."""
    return [load_vector(m, vectors_root) for m in sorted(vectors_root.rglob("manifest.toml"))]


# ---------------------------------------------------------------------------- placeholders


def substitute(text: str, captures: dict[str, str]) -> str:
    """`{{$ENV}}` first (unset is an error), then captured `{{var}}`; unknown ones stay literal."""

    def env(match: re.Match[str]) -> str:
        value = os.environ.get(match.group(1))
        if value is None:
            raise VectorFailure(f"environment variable {match.group(1)} is not set")
        return value

    text = _ENV_PLACEHOLDER.sub(env, text)
    for name, value in captures.items():  # vector_runner.rs: {{hex:var}}, the value's bytes in hex
        text = text.replace("{{hex:" + name + "}}", value.encode().hex())
    for name, value in captures.items():
        text = text.replace("{{" + name + "}}", value)
    return text


def resolve_expected(value: str, captures: dict[str, str]) -> str:
    """An assertion value with placeholders resolved; a leftover placeholder is an error."""
    resolved = substitute(value, captures)
    if _ANY_PLACEHOLDER.search(resolved):
        raise VectorFailure(f"unresolved placeholder in expected value {value!r}")
    return resolved


# ---------------------------------------------------------------------------- request shapes


def wrap_bare_operation(op: dict[str, Any], version: tuple[int, int]) -> dict[str, Any]:
    """Wrap a bare operation into the one-item RequestMessage the Cosmian runner sends."""
    tag = op.get("tag", "Unknown")
    operation = {"Mac": "MAC", "MacVerify": "MACVerify"}.get(tag, tag)
    header = [
        {
            "tag": "ProtocolVersion",
            "value": [
                {"tag": "ProtocolVersionMajor", "type": "Integer", "value": version[0]},
                {"tag": "ProtocolVersionMinor", "type": "Integer", "value": version[1]},
            ],
        },
        {"tag": "BatchCount", "type": "Integer", "value": 1},
    ]
    item = [
        {"tag": "Operation", "type": "Enumeration", "value": operation},
        {"tag": "RequestPayload", "value": op.get("value", [])},
    ]
    return {
        "tag": "RequestMessage",
        "value": [{"tag": "RequestHeader", "value": header}, {"tag": "BatchItem", "value": item}],
    }


def synthetic_error(body: str) -> dict[str, Any]:
    """What the runner makes of a response body that is not JSON."""
    return {
        "tag": "ErrorResponse",
        "value": [
            {"tag": "ResultStatus", "type": "Enumeration", "value": "OperationFailed"},
            {"tag": "ResultMessage", "type": "TextString", "value": body},
        ],
    }


# ---------------------------------------------------------------------------- field lookup


def _leaf_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value, separators=(",", ":"))


def find_all(doc: Any, tag: str) -> list[str]:
    """Every leaf value of a node tagged `tag`, depth-first in document order (FORMAT.md §8)."""
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("tag") == tag and "value" in node and not isinstance(node["value"], list):
                found.append(_leaf_text(node["value"]))
            for child in node.values():
                walk(child)
        elif isinstance(node, list):
            for child in node:
                walk(child)

    walk(doc)
    return found


def find_first(doc: Any, tag: str) -> str | None:
    values = find_all(doc, tag)
    return values[0] if values else None


# ---------------------------------------------------------------------------- identities


@dataclass(frozen=True)
class Identity:
    """Who sends a step: an optional PEM client certificate over TLS."""

    cert: Path | None = None
    key: Path | None = None

    def client(self, base_url: str) -> httpx.Client:
        """An httpx client for this identity that accepts the server's test certificate."""
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE  # Cosmian's harness accepts invalid server certs too
        if self.cert is not None:
            ctx.load_cert_chain(str(self.cert), str(self.key))
        return httpx.Client(base_url=base_url, verify=ctx, timeout=60)


# ---------------------------------------------------------------------------- the runner


@dataclass
class Response:
    status: int | None  # None: no HTTP response at all
    doc: Any = None
    text: str = ""


class VectorRunner:
    """Replays one vector against one server; `clients` maps identity name to an httpx client."""

    def __init__(
        self,
        vector: Vector,
        client_for: Callable[[str], httpx.Client],
        pseudo_steps: dict[str, Callable[[Step, dict[str, Any], VectorRunner], None]] | None = None,
        before_step: Callable[[Step], None] | None = None,
    ):
        """``pseudo_steps``: operations that are no KMIP request (the runner's ``AllocTempFile``,
        ``GenerateCrl``), run by the test with the substituted request JSON; ``before_step`` is
        called before each step (e.g. to restart the server)."""
        self.vector = vector
        self.client_for = client_for
        self.captures: dict[str, str] = {}
        self.pseudo_steps = pseudo_steps or {}
        self.before_step = before_step

    def run(self) -> None:
        """Run every step in order; the first failing step raises :class:`VectorFailure`."""
        for step in self.vector.steps:
            text = substitute((self.vector.directory / step.request).read_text(), self.captures)
            try:
                body = json.loads(text)
            except json.JSONDecodeError as exc:
                raise VectorFailure(f"{step.label}: request file is not JSON after substitution: {exc}") from exc
            if self.before_step is not None:
                self.before_step(step)
            if step.operation in self.pseudo_steps:
                self.pseudo_steps[step.operation](step, body, self)
                continue
            client = self.client_for(step.identity)
            if step.operation in REST_STEPS:
                self._rest_step(step, client, REST_STEPS[step.operation], body)
            else:
                self._kmip_step(step, client, body)

    # REST access steps (FORMAT.md §11)
    def _rest_step(self, step: Step, client: httpx.Client, path: str, body: dict[str, Any]) -> None:
        error: str | None = None
        try:
            resp = client.post(path, json=body)
        except httpx.TransportError as exc:
            error = f"transport error: {exc}"
        else:
            if resp.is_success:
                try:
                    parsed = resp.json()
                    ok = isinstance(parsed, dict) and isinstance(parsed.get("success"), str)
                except ValueError:
                    ok = False
                if not ok:
                    error = f"unexpected success body: {resp.text!r}"
            else:
                text = resp.text or resp.reason_phrase
                error = f"{path}: {text}" if resp.status_code == 401 else f"REST Request Failed: {path}: {text}"
        if step.allow_failure:
            return
        if step.assert_success and error is not None:
            raise VectorFailure(f"{step.label}: expected success, got {error}")
        if not step.assert_success:
            if error is None:
                raise VectorFailure(f"{step.label}: expected a failure, the server accepted it")
            if step.assert_error_contains is not None and step.assert_error_contains not in error:
                raise VectorFailure(f"{step.label}: error {error!r} does not contain {step.assert_error_contains!r}")

    # KMIP steps (FORMAT.md §5-§9)
    def _kmip_step(self, step: Step, client: httpx.Client, body: Any) -> None:
        message = body if step.raw_request else wrap_bare_operation(body, self.vector.kmip_version)
        resp = self._post(client, message)
        if resp.status is None:
            if step.assert_success and not step.allow_failure:
                raise VectorFailure(f"{step.label}: no HTTP response: {resp.text}")
            return
        if step.assert_success:
            self._expect_success(step, resp)
        else:
            self._expect_failure(step, resp)

    @staticmethod
    def _post(client: httpx.Client, message: Any) -> Response:
        try:
            http = client.post("/kmip/2_1", content=json.dumps(message), headers={"Content-Type": "application/json"})
        except httpx.TransportError as exc:
            return Response(status=None, text=repr(exc))
        try:
            doc = http.json()
        except ValueError:
            doc = synthetic_error(http.text)
        return Response(status=http.status_code, doc=doc, text=http.text)

    def _expect_success(self, step: Step, resp: Response) -> None:
        if step.allow_failure:
            return
        if not 200 <= resp.status < 300:  # type: ignore[operator]
            raise VectorFailure(f"{step.label}: HTTP {resp.status}: {resp.text[:500]}")
        statuses = find_all(resp.doc, "ResultStatus")
        bad = [s for s in (statuses if step.raw_request else statuses[:1]) if s not in SUCCESS_STATUSES]
        if bad:
            raise VectorFailure(
                f"{step.label}: ResultStatus {bad[0]}: {find_first(resp.doc, 'ResultReason')}: "
                f"{find_first(resp.doc, 'ResultMessage')}"
            )
        self._check_fields(step, resp.doc)
        for var, tag in step.capture.items():
            value = find_first(resp.doc, tag)
            if value is None:
                raise VectorFailure(f"{step.label}: nothing to capture, no {tag} in the response")
            self.captures[var] = value

    def _check_fields(self, step: Step, doc: Any) -> None:
        for tag, expected in step.assert_fields.items():
            want, got = resolve_expected(expected, self.captures), find_first(doc, tag)
            if got != want:
                raise VectorFailure(f"{step.label}: first {tag} is {got!r}, expected {want!r}")
        for tag, expected in step.assert_any_field.items():
            want, got_all = resolve_expected(expected, self.captures), find_all(doc, tag)
            if want not in got_all:
                raise VectorFailure(f"{step.label}: no {tag} equals {want!r} (got {got_all[:10]!r})")
        for tag, expected in step.assert_none_field.items():
            want = resolve_expected(expected, self.captures)
            if want in find_all(doc, tag):
                raise VectorFailure(f"{step.label}: a {tag} equals {want!r}")
        for tag in step.assert_fields_absent:
            if find_all(doc, tag):
                raise VectorFailure(f"{step.label}: {tag} should be absent")
        for tag, count in step.assert_count.items():
            got_n = len(find_all(doc, tag))
            if got_n != count:
                raise VectorFailure(f"{step.label}: {got_n} occurrences of {tag}, expected {count}")

    @staticmethod
    def _expect_failure(step: Step, resp: Response) -> None:
        first_status = find_first(resp.doc, "ResultStatus")
        if 200 <= resp.status < 300 and first_status in SUCCESS_STATUSES:  # type: ignore[operator]
            raise VectorFailure(f"{step.label}: expected a failure, the server answered Success")
        if step.assert_error_reason is None and step.assert_error_contains is None:
            raise VectorFailure(f"{step.label}: an expected failure needs assert_error_reason or _contains")
        reason = find_first(resp.doc, "ResultReason") or ""
        message = find_first(resp.doc, "ResultMessage") or ""
        if step.assert_error_reason is not None and reason != step.assert_error_reason:
            raise VectorFailure(
                f"{step.label}: ResultReason {reason!r}, expected {step.assert_error_reason!r} (message {message!r})"
            )
        if step.assert_error_contains is not None and step.assert_error_contains not in message:
            raise VectorFailure(
                f"{step.label}: ResultMessage {message!r} does not contain {step.assert_error_contains!r}"
            )


def replay_plain(vector: Vector, url: str) -> None:
    """Run ``vector`` against a server without authentication at ``url`` (every identity is the
    same anonymous client); a failure raises :class:`VectorFailure` naming the step."""
    clients: list[httpx.Client] = []

    def client_for(_name: str) -> httpx.Client:
        client = httpx.Client(base_url=url, timeout=60)
        clients.append(client)
        return client

    try:
        VectorRunner(vector, client_for).run()
    finally:
        for client in clients:
            client.close()
