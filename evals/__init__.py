"""Evaluation of prodops' grounding and retrieval (golden sets, metrics, runner)."""
