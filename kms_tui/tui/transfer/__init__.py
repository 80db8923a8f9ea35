"""Import and export in the console: the export dialog (every format, wrapping, PKCS#12
password), the import preview (what the file holds, before anything is sent) and the objects
screen's actions that open them (:class:`TransferActions`)."""
