"""The sandbox KMS (`kms-tui serve`): Cosmian KMS 5.26 behaviour over KMIP 2.1 JSON TTLV.

``config`` (server TOML subset) → ``app`` (aiohttp routes, auth middleware) → ``dispatch``
(bare operations and RequestMessage batches) → ``operations`` (one handler per KMIP operation,
given an :class:`~kms_tui.server.context.OpContext`) → ``store`` (SQLite, WAL, synchronous=FULL).
``auth`` resolves the user, ``rest`` serves the non-KMIP endpoints, ``keys`` converts key
material, ``attributes``/``objects`` build and edit the stored attribute sets.
"""
