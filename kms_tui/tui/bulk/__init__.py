"""Marks and bulk actions on the objects screen (the planning and the run are
:mod:`kms_tui.client.bulk`'s, shared with ``kms-tui revoke|destroy --tag``).

* :mod:`.marks` — :class:`~.marks.BulkMarks`: space marks the row, ``*`` every row the filter
  shows (again: unmarks them), the status line counts marks; with marks, v/d/T/g/e act on them.
* :mod:`.preview` — the blast-radius preview of a bulk revoke or destroy; the user types the
  number of objects that change to go ahead.
* :mod:`.run` — the run: progress, stop between objects (s), each object's outcome; for a
  revoke/destroy plan (``BulkRunModal``) and for tags, grants and exports (``EachRunModal``).
"""
