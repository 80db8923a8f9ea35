"""Certificates in the console: the readable certificate and its chain in the objects screen's
detail pane (:mod:`.detail`), and the certify dialog (:mod:`.certify_modal`, key ``C``)."""
