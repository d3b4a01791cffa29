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
    assert done.returncode == 1 and len(lines) == 1 and "already in use" in lines[0]


def test_gemma3_turns_keep_the_system_text_in_the_first_user_turn():
    pytest.importorskip("llama_cpp")
    from pipeline.llm.server import format_gemma3

    out = format_gemma3([{"role": "system", "content": "Regels."}, {"role": "user", "content": "Termen."},
                         {"role": "assistant", "content": "{}"}, {"role": "user", "content": "Nog een."}])
    assert out.prompt == ("<start_of_turn>user\nRegels.\n\nTermen.<end_of_turn>\n<start_of_turn>model\n{}<end_of_turn>\n"
                          "<start_of_turn>user\nNog een.<end_of_turn>\n<start_of_turn>model\n")
    assert out.stop == ["<end_of_turn>"]
