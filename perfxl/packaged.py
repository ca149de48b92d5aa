"""Data files shipped inside the package (the default config, the JSON Schema), read through
the package's own loader as `pkgutil.get_data` does: a plain file beside the modules, a
member of a zip the package was imported from. `importlib.resources` reads them as well, but
imports `tempfile`, `shutil`, `zipfile` and the compressors with it, about a tenth of what
`perfxl validate` may spend before its first cell."""

from __future__ import annotations

import pkgutil


def read_text(package: str, resource: str) -> str:
    """The UTF-8 text of ``resource`` (a ``/``-separated path) inside ``package``.

    Raises:
        FileNotFoundError: the package holds no such file (an installation missing its data).
    """
    data = pkgutil.get_data(package, resource)
    if data is None:  # a loader that cannot read data: not one of the standard ones
        raise FileNotFoundError(f"{package}: {resource}")
    return data.decode("utf-8")
