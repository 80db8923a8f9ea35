"""Decoding ``/access/owned`` a slice at a time gives exactly what one ``json.loads`` gives,
whatever the entries contain and however the server formats the array."""

from __future__ import annotations

import json

import pytest

from kms_tui.client.json_slices import array_slices


def entry(n: int, **attributes) -> dict:
    return {"object_id": f"id-{n}", "state": "Active", "attributes": {"Name": {"NameValue": f"k{n}"}, **attributes}}


TRICKY = [
    entry(0),
    entry(1, Comment='a ,{"object_id": "fake"} inside a string'),  # escaped quotes: not a cut
    entry(2, Text="back\\slash\\", Unicode="é✓"),
    *(entry(n) for n in range(3, 30)),
    entry(30, Nested=[{"object_id": "nested-a"}, {"object_id": "nested-b"}]),  # a wrong cut: the rest is whole
    *(entry(n) for n in range(31, 40)),
]


@pytest.mark.parametrize("as_bytes", [False, True], ids=["str", "utf8-bytes"])
@pytest.mark.parametrize("indent", [None, 2])
@pytest.mark.parametrize("per_slice", [1, 2, 3, 7, 1000])
def test_slices_join_to_the_whole_array(per_slice, indent, as_bytes):
    text = json.dumps(TRICKY, indent=indent, separators=(",", ":") if indent is None else None, ensure_ascii=False)
    if as_bytes:  # as the listing gets it off the network: never decoded to one str
        text = text.encode()
    slices = list(array_slices(text, "object_id", per_slice))
    assert [e for piece in slices for e in piece] == TRICKY
    if per_slice < 30:
        assert len(slices) > 1  # the first entries are usable before the rest is decoded


@pytest.mark.parametrize("kind", [str, lambda t: t.encode()], ids=["str", "utf8-bytes"])
def test_other_shapes_decode_whole_or_fail_clearly(kind):
    assert list(array_slices(kind("[]"), "object_id")) == [[]]
    one = kind(' [ {"state": "x", "object_id": "a"} ] ')
    assert list(array_slices(one, "object_id")) == [[{"state": "x", "object_id": "a"}]]
    for bad in ('{"object_id": "a"}', '[{"object_id": "a"}, {"object_id": ', "<html>proxy error</html>", ""):
        with pytest.raises(ValueError):
            list(array_slices(kind(bad), "object_id"))
    with pytest.raises(ValueError):  # not UTF-8 at all
        list(array_slices(b'[{"object_id": "\xff\xfe"}]', "object_id"))


def test_the_text_is_scanned_only_one_slice_ahead_of_the_decode():
    class Watched(str):  # records how far into the text the separator scan has looked
        furthest = 0

        def find(self, sub, start=0, *args):
            Watched.furthest = max(Watched.furthest, start)
            return str.find(self, sub, start, *args)

    text = Watched(json.dumps([entry(n) for n in range(1000)]))
    first = next(array_slices(text, "object_id", per_slice=10))
    assert [e["object_id"] for e in first] == [f"id-{n}" for n in range(10)]
    assert 0 < Watched.furthest < len(text) // 10  # the first rows come before the rest is scanned
