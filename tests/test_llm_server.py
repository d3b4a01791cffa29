"""`helder llm serve`'s own parts that need no model loaded: its one-line errors, its --help, and
the Gemma 3 turn format it gives a GGUF without a chat template."""
from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def helder(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", "import cli; cli.app()", *args], cwd=REPO, capture_output=True,
                          text=True, timeout=120)


def test_help_has_an_example():
    done = helder("llm", "serve", "--help")
    assert done.returncode == 0 and "Example: helder llm serve" in done.stdout and "--model-file" in done.stdout


def test_a_missing_model_file_is_one_line(tmp_path):
    done = helder("llm", "serve", "--model-file", str(tmp_path / "nope.gguf"))
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 1 and len(lines) == 1 and lines[0].startswith("helder: ")
    assert "nope.gguf" in lines[0] or "llama-cpp-python" in lines[0]  # without the extra it says so


def test_a_port_in_use_is_one_line(tmp_path):
    pytest.importorskip("llama_cpp")
    model = tmp_path / "m.gguf"
    model.write_bytes(b"GGUF")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        done = helder("llm", "serve", "--model-file", str(model), "--port", str(port))
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 1 and len(lines) == 1 and lines[0].endswith(f"127.0.0.1:{port} is al in gebruik (kies een andere met --port)")


def test_gemma3_turns_keep_the_system_text_in_the_first_user_turn():
    pytest.importorskip("llama_cpp")
    from pipeline.llm.server import format_gemma3

    out = format_gemma3([{"role": "system", "content": "Regels."}, {"role": "user", "content": "Termen."},
                         {"role": "assistant", "content": "{}"}, {"role": "user", "content": "Nog een."}])
    assert out.prompt == ("<start_of_turn>user\nRegels.\n\nTermen.<end_of_turn>\n<start_of_turn>model\n{}<end_of_turn>\n"
                          "<start_of_turn>user\nNog een.<end_of_turn>\n<start_of_turn>model\n")
    assert out.stop == ["<end_of_turn>"]


# A stand-in for `helder llm serve` built for another CPU: it lists its model, then dies of SIGILL
# at the first request that would run the model — what a native llama.cpp build does on a CPU
# without the instructions it was compiled for (AVX-512, AMX).
DIES_AT_FIRST_COMPUTATION = r'''
import http.server, os, signal, sys

class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = b'{"object": "list", "data": [{"id": "m", "object": "model"}]}'
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        print("ggml: computing", flush=True)
        os.kill(os.getpid(), signal.SIGILL)

http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
'''


def test_a_server_that_dies_at_its_first_computation_is_refused_at_start_and_named(tmp_path):
    from pipeline.llm.server import LocalServer, ServerUnavailable

    class Stand_in(LocalServer):
        def command(self):
            return [sys.executable, "-c", DIES_AT_FIRST_COMPUTATION, str(self.port)]

    server = Stand_in(model_file=tmp_path / "m.gguf", startup_timeout=30, log_path=tmp_path / "server.log")
    with pytest.raises(ServerUnavailable) as refused:
        server.start()
    message = str(refused.value)
    assert "SIGILL" in message and "another CPU" in message and "make local-llm" in message
    assert "ggml: computing" in message  # the child's last output
    assert "\n" not in message and server.process is None


def test_exit_reasons_name_the_signal():
    from pipeline.llm.server import exit_reason

    assert exit_reason(1) == "exited with 1"
    assert exit_reason(-9) == "died of SIGKILL"
    assert exit_reason(-4).startswith("died of SIGILL (illegal instruction)")
