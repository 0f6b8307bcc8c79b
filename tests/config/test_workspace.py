"""The workspace file edigate.yaml."""

from __future__ import annotations

from pathlib import Path

import pytest

from edigate.errors import ConfigError
from edigate.config.workspace import Identity, default_workspace, load_workspace


def test_defaults_without_a_file(tmp_path: Path) -> None:
    ws = default_workspace(tmp_path)
    assert ws.store == "sqlite:///edigate.db" and ws.log_level == "INFO"
    assert ws.archive_path == tmp_path / "archive" and ws.identity is None and ws.as2 is None


def test_full_file(tmp_path: Path) -> None:
    (tmp_path / "edigate.yaml").write_text(
        "store: postgresql+psycopg://db.example/edigate\n"
        "store_password: env:EDIGATE_DB_PASSWORD\n"
        "archive_dir: /var/lib/edigate/archive\n"
        "identity: {isa_qualifier: ZZ, isa_id: ACMESUPPLY, gs_id: ACMESUPPLY}\n"
        "as2:\n"
        "  port: 4080\n"
        "  as2_id: ACMESUPPLY\n"
        "  private_key: file:keys/as2.key\n"
        "  key_passphrase: env:AS2_KEY_PASSPHRASE\n"
        "  certificate: keys/as2.crt\n"
        "log_level: DEBUG\n"
        "retention_days: 730\n"
    )
    ws = default_workspace(tmp_path)
    assert ws.identity == Identity(isa_qualifier="ZZ", isa_id="ACMESUPPLY", gs_id="ACMESUPPLY")
    assert ws.as2 is not None and ws.as2.port == 4080 and ws.as2.host == "0.0.0.0"
    assert (
        ws.as2.private_key is not None and ws.as2.private_key.location == tmp_path / "keys/as2.key"
    )
    assert ws.archive_path == Path("/var/lib/edigate/archive") and ws.retention_days == 730


def test_mistakes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("edigate.yaml").write_text(
        "store: postgresql://edi:hunter2@db/edigate\n"
        "log_level: info\n"
        "as2:\n"
        "  private_key: file:keys/as2.key\n"
        "retension_days: 10\n"
    )
    with pytest.raises(ConfigError) as caught:
        load_workspace(Path("."))
    assert [str(p) for p in caught.value.problems] == [
        "edigate.yaml:1: store: the URL holds a password; move it to store_password: env:NAME",
        "edigate.yaml:2: log_level: expected one of: DEBUG, INFO, WARNING, ERROR; got 'info' (did you mean 'INFO'?)",
        "edigate.yaml:3: as2: private_key and certificate go together: set both or neither",
        "edigate.yaml:5: retension_days: unknown key (did you mean 'retention_days'?)",
    ]


def test_finding_caps_are_settings_with_bounds(tmp_path: Path) -> None:
    from edigate.x12.findings import FindingLimits

    assert default_workspace(tmp_path).findings.limits() == FindingLimits(per_set=100, per_file=1_000)
    (tmp_path / "edigate.yaml").write_text("findings:\n  per_set: 5\n  per_file: 20\n")
    assert load_workspace(tmp_path).findings.limits() == FindingLimits(per_set=5, per_file=20)
    (tmp_path / "edigate.yaml").write_text("findings:\n  per_set: 0\n  per_file: 20\n")
    with pytest.raises(ConfigError, match=r"edigate.yaml:2: findings.per_set: "):
        load_workspace(tmp_path)


@pytest.mark.parametrize(("url", "expected"), [
    ("sqlite:///edigate.db", "sqlite:///{root}/edigate.db"),
    ("sqlite+pysqlite:///db/e.db?timeout=3", "sqlite+pysqlite:///{root}/db/e.db?timeout=3"),
    ("sqlite:////var/lib/edigate.db", "sqlite:////var/lib/edigate.db"),
    ("sqlite:///:memory:", "sqlite:///:memory:"),
    ("postgresql+psycopg://db/edigate", "postgresql+psycopg://db/edigate"),
])
def test_a_relative_sqlite_store_is_the_workspace_roots(url: str, expected: str, tmp_path: Path) -> None:
    from edigate.config.workspace import Workspace

    assert Workspace(root=tmp_path, store=url).store_url() == expected.format(root=tmp_path)


def test_the_workspace_is_found_upwards(tmp_path: Path) -> None:
    from edigate.config.workspace import locate_workspace

    (tmp_path / "edigate.yaml").write_text("retention_days: 30\n")
    (tmp_path / "a" / "b").mkdir(parents=True)
    found = locate_workspace(tmp_path / "a" / "b")
    assert found.file == (tmp_path / "edigate.yaml").resolve() and found.workspace.retention_days == 30
    assert found.workspace.root == tmp_path.resolve()
    bare = tmp_path / "a" / "b"
    (tmp_path / "edigate.yaml").unlink()
    assert locate_workspace(bare).file is None and locate_workspace(bare).workspace.root == bare.resolve()


def test_archive_backends_are_checked_at_load(tmp_path: Path) -> None:
    (tmp_path / "edigate.yaml").write_text(
        "archive:\n  backend: s3\n  access_key_id: env:KEY\n")
    with pytest.raises(ConfigError) as caught:
        load_workspace(tmp_path)
    message = str(caught.value)
    assert "archive.bucket: the s3 archive needs a bucket" in message
    assert "archive.secret_access_key: give access_key_id and secret_access_key together" in message
    (tmp_path / "edigate.yaml").write_text("archive: {backend: postgresql}\n")
    with pytest.raises(ConfigError, match="store must be postgresql"):
        load_workspace(tmp_path)
    (tmp_path / "edigate.yaml").write_text(
        "store: postgresql+psycopg://db.example/edigate\narchive:\n  backend: s3\n  bucket: edi-archive\n"
        "  prefix: gw/\n  endpoint_url: http://127.0.0.1:9000\n")
    settings = load_workspace(tmp_path).archive
    assert (settings.backend, settings.bucket, settings.prefix, settings.endpoint_url) == (
        "s3", "edi-archive", "gw/", "http://127.0.0.1:9000")
