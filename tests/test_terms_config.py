"""helder.toml and $HELDER_CONFIG: a wrong file or value is refused in one Dutch line naming the file."""
from __future__ import annotations

import pytest

from terms.config import ConfigError, config_path, load_config


def test_a_missing_config_file_is_named_in_dutch(tmp_path, monkeypatch):
    monkeypatch.setenv("HELDER_CONFIG", str(tmp_path / "weg.toml"))
    with pytest.raises(ConfigError) as refused:
        config_path()
    assert str(refused.value) == f"HELDER_CONFIG={tmp_path / 'weg.toml'}: bestand bestaat niet"


def test_a_wrong_namespace_and_a_broken_file_are_refused_in_dutch(tmp_path):
    cfg = tmp_path / "helder.toml"
    cfg.write_text('[snomed]\nnamespace = "123"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as refused:
        load_config(cfg)
    assert str(refused.value) == f"{cfg}: [snomed] namespace moet 7 cijfers zijn, niet '123'"
    cfg.write_text("[snomed\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="kan het instellingenbestand niet lezen"):
        load_config(cfg)
