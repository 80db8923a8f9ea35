"""The objects screen as one package: the screen, its table and row painting, the detail
pane, the filter bar and query parsing, row loading and arrival, and the actions on objects.
The modal dialogs it opens live in :mod:`kms_tui.tui.modals`."""
