"""Import and export in the console: the export dialog (every format, wrapping, PKCS#12
password) and the import preview (what the file holds, before anything is sent). The objects
screen's actions that open them are in :mod:`kms_tui.tui.objects.transfer`."""
