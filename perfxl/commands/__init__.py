"""Click commands that live in their own modules (registered in perfxl.cli.LAZY_COMMANDS)."""
