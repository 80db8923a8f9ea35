"""Every object, one at a time, in bounded memory: the listing of :mod:`kms_tui.client.listing`
for callers that hand each row on and keep none (``kms-tui locate --json`` at 100,000 objects).

The rows and their order are those of :func:`kms_tui.client.listing.object_pages` — owned objects
as ``/access/owned`` lists them, then owned ones whose tags the server left out, then objects
shared with us — but ``/access/owned`` is read as it arrives (:meth:`RestCalls.access_owned_pieces`
and :class:`ArrayEntries`) and nothing is kept of a row once it is handed on. What is held: the
unfinished tail of the answer, the ids of objects shared with us (``/access/obtained``, small),
the ids of owned objects whose tags are missing, and one batch of GetAttributes answers at a time.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from kms_tui.client.errors import KmsError, ProtocolError, ServerRefused
from kms_tui.client.json_slices import ArrayEntries
from kms_tui.client.listing import (
    ObjectSummary,
    _by_partitioned_locate,
    _shared_rows,
    plain_attributes,
    shared_entries,
)
from kms_tui.client.requests import LocateFilter

if TYPE_CHECKING:
    from kms_tui.client.kms_client import KmsClient

BATCH = 1000  # objects whose attributes are fetched per RequestMessage (memory: one batch)


@dataclass
class Completeness:
    """What a streamed listing knows at its end: ``partial`` when objects may be missing,
    ``problems`` saying why (or, not partial, what was done instead: Locate without /access/owned)."""

    partial: bool = False
    problems: list[str] = field(default_factory=list)


async def stream_objects(
    client: KmsClient, filters: LocateFilter, status: Completeness
) -> AsyncGenerator[ObjectSummary, None]:
    """Every object matching ``filters`` that we own or were granted, one at a time; ``status``
    is filled in as the listing goes."""
    problems = status.problems
    try:
        obtained = await client.access_obtained()
        shared = shared_entries(obtained, set())
        owned = client.access_owned_pieces()
        first = await anext(owned, None)
    except ServerRefused as exc:  # no /access/owned: Locates split under the 1,000 cap
        result = await _by_partitioned_locate(client, filters, exc)
        status.partial, status.problems[:] = result.partial, result.problems
        for row in result.objects:
            yield row
        return
    missing_tags: list[str] = []
    entries = ArrayEntries()
    tag_cache: dict[str, tuple[str, ...]] = {}
    piece = first
    while True:
        try:
            found = entries.feed(piece or b"", final=piece is None)
        except ValueError:
            await owned.aclose()
            raise ProtocolError(
                "the server answered /access/owned with something that is not a JSON list", reason="not_json"
            ) from None
        for entry in found:
            uid = str(entry.get("object_id"))
            shared.pop(uid, None)  # ours: listed here, not as shared
            attrs = plain_attributes(entry.get("attributes") or {}, tag_cache)
            if "tags" not in attrs:
                missing_tags.append(uid)  # listed once its tags are known (filters may name tags)
                continue
            row = ObjectSummary.from_attributes(uid, attrs, state=entry.get("state"))
            if row.matches(filters):
                yield row
        if piece is None:
            break
        piece = await anext(owned, None)
    for start in range(0, len(missing_tags), BATCH):  # the server left tags out of /access/owned
        answers = await client.get_attributes_many(missing_tags[start : start + BATCH])
        for uid, answer in answers.items():
            if isinstance(answer, KmsError):
                problems.append(f"{uid}: tags unavailable ({answer.reason or answer.message})")
                status.partial = True
                continue
            row = ObjectSummary.from_attributes(uid, answer)
            if row.matches(filters):
                yield row
    uids = list(shared)
    for start in range(0, len(uids), BATCH):
        batch = {uid: shared[uid] for uid in uids[start : start + BATCH]}
        for row in await _shared_rows(client, batch, problems):
            if row.matches(filters):
                yield row
    status.partial = status.partial or bool(problems)
