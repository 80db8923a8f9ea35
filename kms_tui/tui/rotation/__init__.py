"""Re-key, rotation history and "test this key" in the console (issue 12).

The objects screen adds :data:`ROTATION_BINDINGS` to its bindings and owns a
:class:`RotationController`; its three actions hand over to it."""

from kms_tui.tui.rotation.controller import ROTATION_BINDINGS, RotationController

__all__ = ["ROTATION_BINDINGS", "RotationController"]
