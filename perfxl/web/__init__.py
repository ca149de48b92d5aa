"""``perfxl serve``: a collection round in the browser (issue 16).

Modules:
    store: rounds, units, versions and settings in SQLite or PostgreSQL (SQLAlchemy Core).
    blobs: uploaded files kept under their sha256, written atomically.

Nothing heavy is imported here: the web libraries are an optional extra (``perfxl[web]``), so
importing ``perfxl.web`` must work without them.
"""
