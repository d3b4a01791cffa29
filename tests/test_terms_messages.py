"""The message catalogue: every key renders, and every flag the checker knows has Dutch text."""
import re
import string

import pytest

from terms import messages


def test_every_message_renders_with_its_own_placeholders():
    for key in messages.keys():
        names = {f for _, f, _, _ in string.Formatter().parse(messages.template(key)) if f}
        text = messages.message(key, **{n: "X" for n in names})
        assert text.strip(), key
        assert "{" not in text and "}" not in text, key


def test_unknown_key_and_missing_placeholder_fail_loudly():
    with pytest.raises(KeyError, match="no message"):
        messages.message("flags.no-such-flag.name")
    with pytest.raises(KeyError):
        messages.message("flags.same-as-source.reason")  # needs {term}


def test_every_flag_code_has_a_dutch_name_description_and_severity_word():
    from pipeline.checks import FLAGS

    for code, (severity, _) in FLAGS.items():
        for part in ("name", "description"):
            assert messages.has(f"flags.{code}.{part}"), f"flags.{code}.{part}"
        assert messages.has(f"flags.severity.{severity}")


def test_catalogue_texts_are_not_english():
    english = re.compile(r"\b(the|and|with|not|proposal|should|cannot|which|has been)\b", re.I)
    offenders = [k for k in messages.keys() if english.search(messages.template(k))]
    assert offenders == []


def test_docs_list_every_flag_code():
    from pathlib import Path

    from pipeline.checks import FLAGS

    text = (Path(__file__).resolve().parent.parent / "docs" / "checks.md").read_text(encoding="utf-8")
    missing = [code for code in FLAGS if f"`{code}`" not in text]
    assert missing == []
