"""The model server process: llama.cpp's OpenAI-compatible server (llama-cpp-python) for one GGUF file.

Run as ``python -m assistant.localmodel.launcher --model FILE --port N``; ``prodops model serve`` starts it.
It is llama-cpp-python's own server app with one difference: by default the model's weights stay in plain CPU
buffers instead of llama.cpp's repacked "extra" buffer types (AMX, CPU_REPACK). On CPUs that advertise AMX
inside some virtual machines, the AMX path crashes the process on the first prompt longer than one token
(a general-protection fault in libggml-cpu); plain buffers work everywhere at a modest prompt-speed cost.
``--repack`` restores llama.cpp's default.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence


def _plain_cpu_buffers() -> None:
    """Make every model load with ``use_extra_bufts = False`` (llama-cpp-python does not expose the flag)."""
    import llama_cpp.llama_cpp as native

    default = native.llama_model_default_params

    def params():  # noqa: ANN202 - returns the ctypes struct llama_cpp defines
        p = default()
        p.use_extra_bufts = False
        return p

    native.llama_model_default_params = params


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Serve one GGUF model with llama.cpp's OpenAI-compatible API.")
    parser.add_argument("--model", required=True, help="Path to the GGUF file.")
    parser.add_argument("--alias", required=True, help="The model name clients send.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--ctx", type=int, default=4096, help="Context window in tokens.")
    parser.add_argument("--threads", type=int, default=max(1, (os.cpu_count() or 2)))
    parser.add_argument("--repack", action="store_true", help="Use llama.cpp's repacked weight buffers (AMX...).")
    args = parser.parse_args(argv)
    if not args.repack:
        _plain_cpu_buffers()

    import uvicorn
    from llama_cpp.server.app import create_app
    from llama_cpp.server.settings import ModelSettings, ServerSettings

    model = ModelSettings(model=args.model, model_alias=args.alias, n_ctx=args.ctx, n_threads=args.threads,
                          n_threads_batch=args.threads, verbose=False)
    server = ServerSettings(host=args.host, port=args.port)
    app = create_app(server_settings=server, model_settings=[model])
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
