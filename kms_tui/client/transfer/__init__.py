"""Import from files and export to files (ckms 5.26's key and certificate formats).

``import_files``: what a file holds (detected or as told) and the Import requests that bring it
in; ``export_files``: the bytes written for each export format; ``files``: reading inputs and
writing outputs (0600 for key material, atomic, never over a file without force, never through
a link); ``audit``: what the audit trail keeps of an import or export (never bytes, never a
PKCS#12 password)."""
