"""Writing workbooks: the standard template, filling it from data, and write-back."""
