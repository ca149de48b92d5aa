"""perfxl: budget performance target (预算绩效目标) workbooks, generated, read, checked and consolidated."""

__version__ = "0.1.0"
