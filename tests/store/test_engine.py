"""Connecting: the password edigate.yaml names reaches the database, never the URL's text."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from edigate.store import Store
from edigate.config.workspace import load_workspace



def test_store_password_from_the_environment_is_used(url: str, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "edigate.yaml").write_text(f"store: {json.dumps(url)}\nstore_password: env:PGPW\n")
    monkeypatch.setenv("PGPW", "right horse battery")
    ws = load_workspace(tmp_path)
    assert ws.store_secret() == "right horse battery"
    with Store.open(ws.store, password=ws.store_secret()) as store:
        store.ping()
        assert "right horse" not in str(store.engine.url) and "right horse" not in repr(store.engine.url)
        if store.dialect == "postgresql":
            raw = store.engine.raw_connection()
            try:
                assert raw.driver_connection.info.password == "right horse battery"  # what libpq was given
            finally:
                raw.close()


def test_an_unset_password_variable_is_a_located_config_error(tmp_path: Path) -> None:
    from edigate.errors import ConfigError

    (tmp_path / "edigate.yaml").write_text("store: postgresql+psycopg://db.example/edigate\n"
                                           "store_password: env:EDIGATE_I16_UNSET\n")
    with pytest.raises(ConfigError, match=r"edigate.yaml:2: store_password: environment variable "
                                          r"EDIGATE_I16_UNSET is not set"):
        load_workspace(tmp_path).store_secret()
