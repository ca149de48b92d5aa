"""perfxl: budget performance target (预算绩效目标) workbooks, generated, read, checked and consolidated."""

__version__ = "0.1.0"


def compiled() -> bool:
    """Whether this perfxl is its compiled build (``PERFXL_MYPYC=1``, setup.py): the reader
    an extension module, not a ``.py`` file. Looked up, not imported."""
    from importlib.util import find_spec

    spec = find_spec("perfxl.read")
    return spec is not None and spec.origin is not None and not spec.origin.endswith(".py")
