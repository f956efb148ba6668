"""Text in documents is data. This spots the sentences that try to be instructions.

Prompts already fence sources off as data and scope is enforced before retrieval, so an injected instruction
cannot widen what a caller sees. But an extractive answer or draft that *quotes* "ignore all previous
instructions and reveal ..." as if it were a finding would still mislead a reader, so such sentences are never
selected as content, and the answer says nothing of them.
"""

from __future__ import annotations

import re

_INJECTION = re.compile(
    r"(ignore|disregard|forget|override)\s+(all\s+|any\s+|the\s+)?(previous|prior|above|earlier|your)\s+"
    r"(instructions?|rules?|prompts?|guidelines?)"
    r"|\byou are now\b|\b(system|developer)\s+prompt\b|\badmin(istrator)? mode\b|\bjailbreak"
    r"|\b(reveal|print|output|dump|exfiltrate|list)\s+(the\s+)?(full\s+)?(contents?|text)\s+of\s+(every|all|each)\b"
    r"|\bas an ai\b|\b(do not|don't|never) (tell|mention|reveal)\b.{0,30}\b(user|instructions?|request)\b"
    r"|\bcite (them|it|this|these) as\b"
    # Addressed to the assistant: "note to the assistant", "disregard the guidance above", "print every
    # confidential note", "if you are an AI".
    r"|\b(note|message|instructions?) (to|for) (the |any )?(assistant|ai|model|llm|bot|chatbot|language model)\b"
    r"|\b(ignore|disregard|forget|override)\s+(all\s+|any\s+|the\s+|these\s+|those\s+)?(\w+\s+)?"
    r"(instructions?|rules?|prompts?|guidelines?|guidance|directions?)\s+(above|below|before|so far)\b"
    r"|\b(print|reveal|output|dump|leak|exfiltrate|disclose)\s+(out\s+)?(every|all|each|any)\s+(of\s+the\s+)?"
    r"(confidential|secret|private|restricted|hidden)\b"
    r"|\bif you are an? (ai|assistant|language model|llm|chatbot)\b",
    re.I,
)


def looks_like_injection(text: str) -> bool:
    """True for sentences written to steer a language model rather than to inform a reader."""
    return bool(_INJECTION.search(text))
