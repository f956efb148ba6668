"""Answer synthesis: one protocol, an offline extractive implementation and an LLM-backed one."""

from assistant.synthesis.base import Synthesizer, evidence_text, finalize

__all__ = ["Synthesizer", "evidence_text", "finalize"]
