"""A local language model for prodops: llama.cpp's OpenAI-compatible server for one GGUF file (``local`` extra)."""
