"""What the client accepts from a server, however it behaves: how long a call may take, how large
an answer may grow.

* One **deadline** bounds each call (every attempt, back-off sleep and token refresh in it). httpx's
  timeout is per read: a server that drips one byte a second, or sends headers or a chunked body
  that never end, would hold a call for ever; the deadline cancels it. By default it is what the
  retry policy would take at worst (:meth:`RetryPolicy.worst_case`: attempts × timeout + back-off).
* Every answer is **capped** in size, counted after decompression (a gzip bomb stops at the cap,
  with memory bounded by the cap plus one decompression step): listings (``/access/owned``,
  ``/access/obtained``, RequestMessage batches) get a large cap, everything else a small one.

``[limits]`` in settings.toml sets them (``kms_tui.config.settings.LimitsSettings``).
"""

from __future__ import annotations

from dataclasses import dataclass

from kms_tui.client.retry import RetryPolicy

MiB = 1024 * 1024

# /access/owned costs ~0.9 kB per object in the sandbox (measured: 1,100 objects, AES keys with two
# tags and a name and RSA pairs, 0.98 MB): 100,000 objects are ~90 MB; 512 MiB leaves a 5× margin
# for long names, many tags, links and certificates.
DEFAULT_MAX_ANSWER_MB = 16
DEFAULT_MAX_LISTING_ANSWER_MB = 512


@dataclass(frozen=True)
class AnswerLimits:
    """Size caps and the per-call deadline; every field can be changed per client."""

    max_answer_bytes: int = DEFAULT_MAX_ANSWER_MB * MiB
    max_listing_answer_bytes: int = DEFAULT_MAX_LISTING_ANSWER_MB * MiB
    deadline: float | None = None  # seconds for one call, retries included; None: from the retry policy

    @classmethod
    def from_megabytes(
        cls,
        max_answer_mb: float | None = None,
        max_listing_answer_mb: float | None = None,
        deadline_seconds: float | None = None,
    ) -> AnswerLimits:
        return cls(
            max_answer_bytes=int((max_answer_mb or DEFAULT_MAX_ANSWER_MB) * MiB),
            max_listing_answer_bytes=int((max_listing_answer_mb or DEFAULT_MAX_LISTING_ANSWER_MB) * MiB),
            deadline=deadline_seconds,
        )

    def deadline_for(self, retry: RetryPolicy) -> float:
        """Seconds one call may take in all."""
        return self.deadline if self.deadline is not None else retry.worst_case()

    def cap(self, listing: bool) -> int:
        return self.max_listing_answer_bytes if listing else self.max_answer_bytes


def megabytes(n: int) -> str:
    """``16 MiB``, ``0.5 MiB``: a cap as settings.toml writes it."""
    return f"{n / MiB:g} MiB"
