"""`kms-tui attributes [get] ID`, `attributes set|delete|modify ID …` against the
real sandbox (and, for tags, a front that answers Cosmian 5.26's tag API): tags found and no
longer found by locate, names, dates, vendor attributes and links set and cleared, the requests
shaped as ckms sends them, --read-only and unknown ids refused."""

from __future__ import annotations

import asyncio
import json
import threading
from datetime import UTC, datetime

import pytest

from kms_tui.kmip.models import attribute_requests as R
from kms_tui.kmip.ttlv import decode
from tests.client.conftest import write_conf


@pytest.fixture
def cli(kms_cli, conf):
    """``kms-tui ARGS --conf <the sandbox>``."""
    return lambda *args: kms_cli(*args, "--conf", conf)


def ok(result) -> dict:
    assert result.code == 0, result.err
    return result.json


def new_key(cli, *args: str) -> str:
    return ok(cli("create", "aes", *args, "--json"))["id"]


def attributes(cli, uid: str) -> dict:
    return ok(cli("attributes", uid, "--json"))["attributes"]


def located(cli, *args: str) -> list[str]:
    return [o["id"] for o in ok(cli("locate", *args, "--json"))["objects"]]


def sent(cli, operation: str, uid: str) -> int:
    entries = ok(cli("audit", "--limit", "1000", "--json"))["entries"]
    return sum(1 for e in entries if e["operation"] == operation and uid in e["object_ids"])


# -- the bare form keeps working ------------------------------------------------------------------


def test_attributes_id_and_attributes_get_id_show_the_same(cli):
    uid = new_key(cli, "--tag", "shown")
    bare = ok(cli("attributes", uid, "--json"))
    assert bare["id"] == uid and bare["attributes"]["ObjectType"] == "SymmetricKey"
    assert ok(cli("attributes", "get", uid, "--json")) == bare
    other = new_key(cli, "--tag", "shown")
    for args in (
        ("attributes", "--all", '["shown"]'),
        ("attributes", '["shown"]', "--all"),
        ("attributes", "get", '["shown"]', "--all"),
    ):
        doc = ok(cli(*args, "--json"))
        assert doc["count"] == 2 and {o["id"] for o in doc["objects"]} == {uid, other}, args
    r = cli("attributes", '["shown"]', "--json")  # several matches without --all: as before
    assert r.code == 3 and set(r.json["error"]["matches"]) == {uid, other}
    assert cli("attributes").code == 3


# -- tags --------------------------------------------------------------------------------------------


def test_a_tag_added_is_found_by_locate_and_a_tag_removed_is_not(cli):
    uid = new_key(cli, "--tag", "keep")
    other = new_key(cli)
    assert located(cli, "--tag", "rotate-me") == []
    done = ok(cli("attributes", "set", uid, "--tag", "rotate-me", "--json"))
    assert done["profile"] and done["server_url"]  # a write names where it acted
    assert "tag 'rotate-me' added" in done["changes"]
    assert sorted(done["attributes"]["tags"]) == ["_kk", "keep", "rotate-me"]
    assert located(cli, "--tag", "rotate-me") == [uid]
    assert other not in located(cli, "--tag", "rotate-me")

    r = cli("attributes", "delete", uid, "--tag", "rotate-me")
    assert r.code == 0, r.err
    assert "tag 'rotate-me' removed" in r.out and "on profile" in r.err
    assert located(cli, "--tag", "rotate-me") == []
    assert located(cli, "--tag", "keep") == [uid]  # the other tags stay


def test_tags_the_server_reserves_are_refused_before_anything_is_sent(cli):
    uid = new_key(cli)
    for tag in ("_kk", ""):
        r = cli("attributes", "set", uid, "--tag", tag, "--json")
        assert r.code == 3 and r.json["error"]["reason"] == "bad_tag", r.err
    assert sent(cli, "SetAttribute", uid) == 0


# -- names, dates --------------------------------------------------------------------------------


def test_a_name_and_a_deactivation_date_set_then_the_date_deleted(cli):
    uid = new_key(cli)
    r = cli("attributes", "set", uid, "--name", "payments-2027", "--deactivation-date", "2027-06-30T12:00:00Z")
    assert r.code == 0, r.err
    shown = attributes(cli, uid)
    assert shown["names"] == ["payments-2027"]
    assert shown["DeactivationDate"] == "2027-06-30T12:00:00Z"
    assert located(cli, "--name", "payments-2027") == [uid]

    ok(cli("attributes", "delete", uid, "--deactivation-date", "--json"))
    shown = attributes(cli, uid)
    assert "DeactivationDate" not in shown
    assert shown["names"] == ["payments-2027"]  # only what was asked is gone

    ok(cli("attributes", "delete", uid, "--name", "payments-2027", "--json"))
    assert "names" not in attributes(cli, uid)


def test_dates_as_unix_seconds_like_ckms_and_bad_dates_refused(cli):
    uid = new_key(cli)
    ok(cli("attributes", "set", uid, "--deactivation-date", "1830297600", "--json"))  # 2028-01-01
    assert attributes(cli, uid)["DeactivationDate"] == "2028-01-01T00:00:00Z"
    r = cli("attributes", "set", uid, "--deactivation-date", "next tuesday", "--json")
    assert r.code == 3 and "is not a date" in r.err


def test_deleting_what_the_object_does_not_have_is_refused_and_nothing_is_sent(cli):
    uid = new_key(cli)
    r = cli("attributes", "delete", uid, "--deactivation-date", "--name", "ghost", "--tag", "absent", "--json")
    assert r.code == 1, r.err
    assert "no name 'ghost'" in r.err and "no DeactivationDate" in r.err and "no tag 'absent'" in r.err
    assert r.json["error"]["reason"] == "Attribute_Not_Found"
    assert sent(cli, "DeleteAttribute", uid) == 0


# -- vendor attributes and links ------------------------------------------------------------------


def test_a_vendor_attribute_round_trip(cli):
    uid = new_key(cli)
    ok(
        cli(
            "attributes",
            "set",
            uid,
            "--vendor",
            "acme:owner=team-payments",
            "--vendor-hex",
            "acme:blob=0A0BFF",
            "--json",
        )
    )
    assert attributes(cli, uid)["vendor_attributes"] == {"acme/owner": "team-payments", "acme/blob": "0A0BFF"}
    ok(cli("attributes", "set", uid, "--vendor", "acme:owner=team-risk", "--json"))  # replaced, not added
    assert attributes(cli, uid)["vendor_attributes"]["acme/owner"] == "team-risk"
    ok(cli("attributes", "delete", uid, "--vendor", "acme:owner", "--json"))
    assert attributes(cli, uid)["vendor_attributes"] == {"acme/blob": "0A0BFF"}
    r = cli("attributes", "set", uid, "--vendor", "tag=x", "--json")  # the tags attribute: use --tag
    assert r.code == 3 and "--tag" in r.err


def test_a_link_set_and_deleted(cli):
    pair = ok(cli("create", "ec", "--json"))
    uid = new_key(cli)
    ok(cli("attributes", "set", uid, "--link", f"parent:{pair['public_key_id']}", "--json"))
    assert {"type": "ParentLink", "id": pair["public_key_id"]} in attributes(cli, uid)["links"]
    assert uid in located(cli, "--linked-to", pair["public_key_id"])
    ok(cli("attributes", "delete", uid, "--link", "ParentLink", "--json"))
    assert not any(link["type"] == "ParentLink" for link in attributes(cli, uid).get("links", []))


def test_modify_replaces_the_name_and_refuses_an_activation_date_unless_pre_active(cli):
    uid = new_key(cli, "--name", "old-name")
    done = ok(cli("attributes", "modify", uid, "--name", "new-name", "--deactivation-date", "2027-03-01", "--json"))
    assert done["attributes"]["names"] == ["new-name"]
    assert done["attributes"]["DeactivationDate"] == "2027-03-01T00:00:00Z"
    r = cli("attributes", "modify", uid, "--activation-date", "2027-01-01", "--json")  # the key is Active
    assert r.code == 1 and r.json["error"]["reason"] == "Wrong_Key_Lifecycle_State"
    assert "PreActive" in r.err
    assert sent(cli, "ModifyAttribute", uid) == 2  # the name and the date; not the refused one
    assert cli("attributes", "modify", uid, "--name", "a", "--name", "b").code == 3


def test_add_refuses_what_the_object_has_where_set_replaces(cli):
    uid = new_key(cli, "--name", "first")
    done = ok(
        cli(
            "attributes",
            "add",
            uid,
            "--name",
            "second",
            "--vendor",
            "acme:owner=ops",
            "--deactivation-date",
            "2029-01-01",
            "--json",
        )
    )
    assert sorted(done["attributes"]["names"]) == ["first", "second"]
    assert done["attributes"]["vendor_attributes"]["acme/owner"] == "ops"
    assert done["attributes"]["DeactivationDate"] == "2029-01-01T00:00:00Z"
    r = cli("attributes", "add", uid, "--vendor", "acme:owner=risk", "--json")  # Cosmian: already exists
    assert r.code == 1 and "already exists" in r.err
    r = cli("attributes", "add", uid, "--name", "first", "--json")
    assert r.code == 1 and "Non_Unique_Name_Attribute" in r.err
    r = cli("attributes", "add", uid, "--deactivation-date", "2030-01-01", "--json")
    assert r.code == 1 and "already exists" in r.err
    assert attributes(cli, uid)["vendor_attributes"]["acme/owner"] == "ops"  # unchanged
    assert sent(cli, "AddAttribute", uid) == 6  # three, then three refused
    assert cli("attributes", "add", uid).code == 3  # nothing to add


# -- refusals -----------------------------------------------------------------------------------


def test_read_only_refuses_set_and_delete_and_sends_nothing(cli):
    uid = new_key(cli, "--tag", "ro")
    for args in (("set", uid, "--tag", "x"), ("delete", uid, "--tag", "ro"), ("modify", uid, "--name", "n")):
        r = cli("--read-only", "attributes", *args, "--json")
        assert r.code == 3, args
        assert "read-only" in r.err and f"attributes {args[0]}" in r.err
    ok(cli("--read-only", "attributes", uid, "--json"))  # showing is not a change
    assert sent(cli, "SetAttribute", uid) == 0 and sent(cli, "DeleteAttribute", uid) == 0
    assert sent(cli, "ModifyAttribute", uid) == 0
    assert sorted(attributes(cli, uid)["tags"]) == ["_kk", "ro"]


def test_an_unknown_id_exits_1_with_the_servers_message(cli):
    for args in (("set", "no-such-key", "--name", "n"), ("delete", "no-such-key", "--tag", "t")):
        r = cli("attributes", *args, "--json")
        assert r.code == 1, r.err
        assert r.json["error"]["reason"] in ("Item_Not_Found", "Object_Not_Found")
        assert "no-such-key" in r.json["error"]["message"]
        assert r.json["server_url"]  # where it was refused


def test_nothing_to_set_is_a_usage_error(cli):
    uid = new_key(cli)
    assert cli("attributes", "set", uid).code == 3
    assert cli("attributes", "delete", uid).code == 3
    r = cli("attributes", "set", uid, "--link", "sideways:abc")
    assert r.code == 3 and "unknown link type" in r.err


# -- the requests are the ones ckms sends ----------------------------------------------------------


def _same(built, sample_text: str, uid: str) -> None:
    sample = decode(sample_text.replace("{{key_id}}", uid))
    assert built.to_ttlv() == sample


def test_requests_have_ckms_shape(data_dir):
    samples = data_dir / "reference" / "ttlv_samples"
    link = (samples / "test_set_attribute_link_request.json").read_text()
    _same(
        R.set_attribute("173cb39b-c95a-4e98-ae0d-3e8079e145e6", R.link_attribute("PublicKeyLink", "public_key_id")),
        link,
        "",
    )
    name = (samples / "vec_add_attribute_name_request.json").read_text()
    _same(R.add_attribute("k1", R.name_attribute("attr-mgmt-test-key")), name, "k1")
    # SetAttribute of a name is the same NewAttribute (ckms `attributes set --name`)
    set_name = R.set_attribute("k1", R.name_attribute("attr-mgmt-test-key")).to_ttlv()
    assert set_name.get("NewAttribute") == decode(name).get("NewAttribute")
    modify = R.modify_attribute("k1", R.name_attribute("attr-mgmt-test-key")).to_ttlv()  # ckms `attributes modify`
    assert modify.tag == "ModifyAttribute" and [c.tag for c in modify.value] == ["UniqueIdentifier", "NewAttribute"]
    assert modify.get("NewAttribute") == decode(name).get("NewAttribute")
    when = datetime(2027, 6, 30, 12, 0, 0, 500, tzinfo=UTC)
    node = R.delete_attribute("k1", R.deactivation_date_attribute(when)).to_ttlv()
    date = node.get("CurrentAttribute").value[0]
    assert (date.tag, date.type, date.value) == ("DeactivationDate", "DateTime", when.replace(microsecond=0))
    vendor = R.set_attribute("k1", R.vendor_attribute("acme", "blob", b"\x0a")).to_ttlv().get("NewAttribute").value[0]
    assert vendor.tag == "Attribute"  # Cosmian's serde name for Attribute::VendorAttribute
    assert [(c.tag, c.type) for c in vendor.value] == [
        ("VendorIdentification", "TextString"),
        ("AttributeName", "TextString"),
        ("AttributeValue", "ByteString"),
    ]


# -- Cosmian 5.26's tag API ----------------------------------------------------------------------


class CosmianTagFront:
    """A front for the sandbox that behaves as Cosmian KMS 5.26 does for tags: KMIP attribute edits
    keep the tags (a SetAttribute of the ``cosmian``/``tag`` vendor attribute is answered and
    ignored, ``attributes/set.rs``); ``POST``/``DELETE /v1/crypto/keys/{kid}/tags`` change them
    (``routes/jose/tags.rs``: ``{"tags": [...]}`` in, ``{"kid", "tags"}`` out, a missing key
    ``404 {"error":"not_found","description":"Key not found"}``). ``tags_api=False``: no such
    route (plain 404), as a server that cannot change tags at all."""

    def __init__(self, backend: str, *, tags_api: bool = True) -> None:
        self.backend, self.tags_api = backend, tags_api
        self.calls: list[str] = []
        self.url = ""
        self._ready = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        assert self._ready.wait(20)

    def _run(self) -> None:
        from aiohttp import web

        async def kmip(request: web.Request) -> web.Response:
            body = await request.read()
            op = json.loads(body)
            self.calls.append(f"KMIP {op.get('tag')}")
            if op.get("tag") == "SetAttribute" and '"AttributeName","type":"TextString","value":"tag"' in body.decode():
                uid = next(c["value"] for c in op["value"] if c["tag"] == "UniqueIdentifier")
                return web.json_response(
                    {
                        "tag": "SetAttributeResponse",
                        "value": [{"tag": "UniqueIdentifier", "type": "TextString", "value": uid}],
                    }
                )
            return await forward("POST", "/kmip/2_1", body)

        async def forward(method: str, path: str, body: bytes) -> web.Response:
            async with self._session.request(
                method, self.backend + path, data=body, headers={"Content-Type": "application/json"}
            ) as r:
                return web.Response(status=r.status, body=await r.read(), content_type="application/json")

        async def backend_kmip(op: dict) -> dict:
            async with self._session.post(self.backend + "/kmip/2_1", json=op) as r:
                return {"status": r.status, "doc": await r.json(content_type=None)}

        async def tags(request: web.Request) -> web.Response:
            kid = request.match_info["kid"]
            self.calls.append(f"{request.method} tags")
            wanted = (await request.json())["tags"]
            got = await backend_kmip(
                {
                    "tag": "GetAttributes",
                    "value": [
                        {"tag": "UniqueIdentifier", "type": "TextString", "value": kid},
                        {"tag": "AttributeReference", "type": "Enumeration", "value": "Tag"},
                    ],
                }
            )
            if got["status"] != 200:
                return web.json_response({"error": "not_found", "description": "Key not found"}, status=404)
            current: set[str] = set()
            for va in _vendor_attributes(got["doc"]):
                if va.get("AttributeName") == "tag":
                    current = set(json.loads(va["AttributeValue"]))
            new = current | set(wanted) if request.method == "POST" else current - set(wanted)
            # stored the sandbox's way (its SetAttribute of the tag attribute replaces the user tags)
            await backend_kmip(
                {
                    "tag": "SetAttribute",
                    "value": [
                        {"tag": "UniqueIdentifier", "type": "TextString", "value": kid},
                        {
                            "tag": "NewAttribute",
                            "value": [
                                {
                                    "tag": "Attribute",
                                    "value": [
                                        {"tag": "VendorIdentification", "type": "TextString", "value": "cosmian"},
                                        {"tag": "AttributeName", "type": "TextString", "value": "tag"},
                                        {
                                            "tag": "AttributeValue",
                                            "type": "TextString",
                                            "value": json.dumps(sorted(t for t in new if not t.startswith("_"))),
                                        },
                                    ],
                                }
                            ],
                        },
                    ],
                }
            )
            return web.json_response({"kid": kid, "tags": sorted(t for t in new if not t.startswith("_"))})

        async def other(request: web.Request) -> web.Response:
            return await forward(request.method, request.path_qs, await request.read())

        async def main() -> None:
            import aiohttp

            self._session = aiohttp.ClientSession()
            app = web.Application()
            app.router.add_post("/kmip/2_1", kmip)
            if self.tags_api:
                app.router.add_route("POST", "/v1/crypto/keys/{kid}/tags", tags)
                app.router.add_route("DELETE", "/v1/crypto/keys/{kid}/tags", tags)
            else:
                app.router.add_route("*", "/v1/crypto/{tail:.*}", _plain_404)
            app.router.add_route("*", "/{tail:.*}", other)
            self._runner = web.AppRunner(app)
            await self._runner.setup()
            site = web.TCPSite(self._runner, "127.0.0.1", 0)
            await site.start()
            port = site._server.sockets[0].getsockname()[1]
            self.url = f"http://127.0.0.1:{port}"
            self._ready.set()

        self._loop = asyncio.new_event_loop()
        self._loop.run_until_complete(main())
        self._loop.run_forever()
        self._loop.close()  # stopped by stop(): an open loop would be a ResourceWarning

    def stop(self) -> None:
        async def down() -> None:
            await self._runner.cleanup()
            await self._session.close()

        assert self._loop is not None
        asyncio.run_coroutine_threadsafe(down(), self._loop).result(20)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(20)


async def _plain_404(request):
    from aiohttp import web

    return web.Response(status=404, text="404: Not Found")


def _vendor_attributes(doc: dict) -> list[dict]:
    out = []
    for child in doc.get("value", []):
        if child.get("tag") == "Attributes":
            for a in child.get("value", []):
                if a.get("tag") == "Attribute":
                    out.append({c["tag"]: c["value"] for c in a["value"]})
    return out


@pytest.fixture
def front(sandbox):
    started: list[CosmianTagFront] = []

    def start(**kw) -> CosmianTagFront:
        f = CosmianTagFront(sandbox.url, **kw)
        started.append(f)
        return f

    yield start
    for f in started:
        f.stop()


def test_tags_go_through_cosmians_tag_api_where_a_set_attribute_would_be_ignored(kms_cli, front, tmp_path):
    f = front()
    conf = write_conf(tmp_path / "front.toml", {"server_url": f.url})
    run = lambda *args: kms_cli(*args, "--conf", conf)  # noqa: E731
    uid = ok(run("create", "aes", "--tag", "keep", "--json"))["id"]
    done = ok(run("attributes", "set", uid, "--tag", "blue", "--tag", "green", "--json"))
    assert "POST tags" in f.calls and "KMIP SetAttribute" not in f.calls
    assert sorted(done["attributes"]["tags"]) == ["_kk", "blue", "green", "keep"]
    assert [o["id"] for o in ok(run("locate", "--tag", "blue", "--json"))["objects"]] == [uid]
    ok(run("attributes", "delete", uid, "--tag", "blue", "--json"))
    assert "DELETE tags" in f.calls
    assert ok(run("locate", "--tag", "blue", "--json"))["objects"] == []
    assert [o["id"] for o in ok(run("locate", "--tag", "green", "--json"))["objects"]] == [uid]
    entries = ok(run("audit", "--limit", "50", "--json"))["entries"]
    assert {"AddTags", "RemoveTags"} <= {e["operation"] for e in entries if uid in e["object_ids"]}


def test_a_server_that_keeps_the_tags_is_an_error_not_a_silent_success(kms_cli, front, tmp_path):
    f = front(tags_api=False)
    conf = write_conf(tmp_path / "front.toml", {"server_url": f.url})
    run = lambda *args: kms_cli(*args, "--conf", conf)  # noqa: E731
    uid = ok(run("create", "aes", "--json"))["id"]
    r = run("attributes", "set", uid, "--tag", "blue", "--json")
    assert r.code == 1
    assert r.json["error"]["reason"] == "tags_not_changed" and "create a new object" in r.err
    assert ok(run("locate", "--tag", "blue", "--json"))["objects"] == []
