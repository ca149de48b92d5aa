"""Validation rules, one family a module; ``catalogue`` holds every rule id and message."""
