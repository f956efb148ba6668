"""HTTP routes; each stays short and calls a feature function."""
