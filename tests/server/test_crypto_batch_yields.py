"""A batch of crypto operations (Encrypt, Decrypt, Sign, SignatureVerify, MAC) does not hold the
sandbox's store: while it runs, another client is answered, and what that client wrote is
committed when it is acknowledged, not when the batch ends (a kill -9 in between keeps it).
Cosmian runs batch items one after the other without a transaction (message.rs); the sandbox
counts these operations among those that wait for CPU work (dispatch.YIELDING)."""

from __future__ import annotations

import threading
import time

from kms_tui.kmip.models.crypto_requests import sign_request
from kms_tui.kmip.ttlv import to_obj
from kms_tui.server.dispatch import YIELDING
from tests.server.kmip import Kmip, aes, first, s, t, uid
from tests.support.sandbox import start_sandbox

UNRESTRICTED = 0x200000


def _message(items: list[dict]) -> dict:
    header = s(
        "RequestHeader",
        s("ProtocolVersion", t("ProtocolVersionMajor", "Integer", 2), t("ProtocolVersionMinor", "Integer", 1)),
        t("BatchCount", "Integer", len(items)),
    )
    return s(
        "RequestMessage",
        header,
        *(
            s("BatchItem", t("Operation", "Enumeration", i["tag"]), {"tag": "RequestPayload", "value": i["value"]})
            for i in items
        ),
    )


def test_every_crypto_operation_waits_for_cpu_work_without_holding_the_store():
    assert {"Encrypt", "Decrypt", "Sign", "SignatureVerify", "MAC", "MACVerify"} <= YIELDING


def test_another_client_is_answered_and_committed_while_a_crypto_batch_runs(tmp_path):
    sb = start_sandbox(tmp_path / "first")
    done: dict[str, object] = {}
    try:
        k = Kmip(sb.url)
        common = [
            t("ActivationDate", "DateTime", "2024-01-01T00:00:00Z"),
            t("CryptographicAlgorithm", "Enumeration", "RSA"),
            t("CryptographicLength", "Integer", 4096),
            t("CryptographicUsageMask", "Integer", UNRESTRICTED),
        ]
        key = first(k.ok(s("CreateKeyPair", s("CommonAttributes", *common))), "PrivateKeyUniqueIdentifier")
        k.close()
        items = [to_obj(sign_request(key, b"document %d" % i)) for i in range(1200)]

        def run_batch() -> None:
            batch_client = Kmip(sb.url)
            started = time.monotonic()
            try:
                done["batch"] = batch_client.post(_message(items))
            except Exception as exc:  # noqa: BLE001 - the server is killed under it
                done["batch"] = exc
            done["seconds"] = time.monotonic() - started
            batch_client.close()

        worker = threading.Thread(target=run_batch)
        worker.start()
        time.sleep(0.3)  # let the batch start (only makes the overlap likely; the check is below)
        other = Kmip(sb.url)
        own = first(other.ok(aes()), "UniqueIdentifier")
        other.close()
        answered_first = "batch" not in done
        sb.kill9()  # the other client's key was acknowledged: it must be on disk now
        worker.join(timeout=120)
    finally:
        sb.stop()
    assert answered_first, f"another client waited for the Sign batch ({done.get('seconds')} s)"
    restarted = start_sandbox(tmp_path / "second", db=sb.db)
    try:
        k = Kmip(restarted.url)
        assert k.post(s("GetAttributes", uid(own))).status_code == 200, (
            "a key acknowledged during the crypto batch was lost with the batch's transaction"
        )
        k.close()
    finally:
        restarted.stop()
