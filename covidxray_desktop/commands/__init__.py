"""One module per sub-command: argument handling and printing only; the work is in the core."""
