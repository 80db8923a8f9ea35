"""The sandbox answers a repeated Get from memory (kms_tui/server/get_cache.py) and never a
stale or someone else's answer: whatever changed the object, its attributes, its grants or its
state by the clock is seen by the very next Get."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from tests.server.kmip import Kmip, find, first, revoke, s, t, uid
from tests.server.pki import JwtIssuer
from tests.server.two_users import JWT_USER, start_two_users
from tests.support.sandbox import start_sandbox


def _get(kmip, key: str):
    return kmip.post(s("Get", uid(key)))


def test_a_repeated_get_answers_the_same_and_a_revoke_is_seen_by_the_next_one(kmip):
    key = kmip.create()
    first_answer, second_answer = _get(kmip, key), _get(kmip, key)
    assert first_answer.status_code == second_answer.status_code == 200
    assert first_answer.content == second_answer.content
    assert first_answer.headers["content-type"] == second_answer.headers["content-type"]
    kmip.ok(revoke(key))
    assert kmip.fail(s("Get", uid(key))) == "Wrong_Key_Lifecycle_State: DENIED"


def test_an_attribute_set_after_a_get_is_in_the_next_get(kmip):
    key = kmip.create()
    _get(kmip, key)
    _get(kmip, key)
    kmip.ok(s("SetAttribute", uid(key), s("NewAttribute", t("Comment", "TextString", "rotated by ops"))))
    assert "rotated by ops" in find(kmip.ok(s("Get", uid(key))), "Comment")


def test_a_deactivation_date_passing_refuses_the_next_get(kmip):
    """No write happens when the date passes: the answer must not be kept at all."""
    soon = (datetime.now(UTC) + timedelta(seconds=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
    key = kmip.create(extra=(t("DeactivationDate", "DateTime", soon),))
    assert first(kmip.ok(s("Get", uid(key))), "UniqueIdentifier") == key
    assert first(kmip.ok(s("Get", uid(key))), "UniqueIdentifier") == key
    time.sleep(max(0.0, (datetime.fromisoformat(soon) - datetime.now(UTC)).total_seconds()) + 1.2)
    assert kmip.fail(s("Get", uid(key))) == "Wrong_Key_Lifecycle_State: DENIED"


def test_a_wrapped_get_is_wrapped_afresh_each_time(kmip):
    """A KeyWrappingSpecification with AES-GCM: a new IV per answer (a kept answer repeats it)."""
    kek = kmip.create_kek()
    key = kmip.create()
    gcm = s("CryptographicParameters", t("BlockCipherMode", "Enumeration", "GCM"))
    spec = s(
        "KeyWrappingSpecification",
        t("WrappingMethod", "Enumeration", "Encrypt"),
        s("EncryptionKeyInformation", uid(kek), gcm),
        t("EncodingOption", "Enumeration", "NoEncoding"),
    )
    wrapped = [first(kmip.ok(s("Get", uid(key), spec)), "KeyValue") for _ in range(2)]
    assert wrapped[0] and wrapped[0] != wrapped[1]


@pytest.fixture(scope="module")
def users(tmp_path_factory):
    issuer = JwtIssuer()
    issuer.add_key("rsa-1", "RS256")
    tu = start_two_users(tmp_path_factory.mktemp("getcache"), issuer)
    yield tu
    tu.stop()
    issuer.close()


def _access(owner, path: str, key: str) -> None:
    r = owner.http.post(path, json={"unique_identifier": key, "user_id": JWT_USER, "operation_types": ["get"]})
    assert r.status_code == 200, r.text


def test_another_user_never_gets_the_owners_answer_and_a_revoked_grant_is_seen_at_once(users):
    owner, bob = users.tls(), users.jwt()
    key = owner.create()
    mine = _get(owner, key)
    assert mine.status_code == 200 and _get(owner, key).content == mine.content
    assert _get(bob, key).status_code != 200  # the same request bytes, another user
    _access(owner, "/access/grant", key)
    assert _get(bob, key).status_code == 200
    assert _get(bob, key).status_code == 200
    _access(owner, "/access/revoke", key)
    assert _get(bob, key).status_code != 200
    owner.close()
    bob.close()


def test_a_revoke_by_a_second_server_on_the_same_database_is_seen(tmp_path):
    """Two sandboxes on one database file (SQLite allows it): the second one's write is a commit
    the first one's connection did not make; its next Get must still see it."""
    first_server = start_sandbox(tmp_path / "a")
    second_server = start_sandbox(tmp_path / "b", db=first_server.db)
    one, two = Kmip(first_server.url), Kmip(second_server.url)
    try:
        key = one.create()
        assert _get(one, key).status_code == 200 and _get(one, key).status_code == 200
        two.ok(revoke(key))
        assert one.fail(s("Get", uid(key))) == "Wrong_Key_Lifecycle_State: DENIED"
    finally:
        one.close()
        two.close()
        second_server.stop()
        first_server.stop()


def test_the_kept_answers_stay_within_their_memory_budget(tmp_path, monkeypatch):
    """Large answers evict the oldest ones: the sandbox never holds more than MAX_TOTAL_BYTES."""
    from kms_tui.kmip.ttlv import TTLV
    from kms_tui.server import get_cache
    from kms_tui.server.store import Store

    store = Store(tmp_path / "db.sqlite")
    try:
        answers = get_cache.GetCache(store)
        monkeypatch.setattr(answers, "_settled", lambda _uid: True)
        monkeypatch.setattr(get_cache, "MAX_ANSWER_BYTES", 8 * 2**20)
        get = TTLV.struct("Get", [TTLV.text("UniqueIdentifier", "k")])
        answer = TTLV.struct("GetResponse", [TTLV.text("UniqueIdentifier", "k")])
        version = answers.version()
        for n in range(4):  # 4 x 6 MB: two fit in 16 MB
            answers.keep("admin", b"request %d" % n, get, answer, bytes([n]) * 6 * 2**20, version)
        assert len(answers) == 2
        assert answers.lookup("admin", b"request 0") is None
        assert answers.lookup("admin", b"request 3") == bytes([3]) * 6 * 2**20
        assert answers.lookup("bob", b"request 3") is None  # another user's answer is not theirs
    finally:
        store.close()
