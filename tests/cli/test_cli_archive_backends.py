"""``archive.backend`` in edigate.yaml reaches every command: a file ingested into the s3
archive (moto's S3-compatible server on loopback) is read back by ``tx view`` and listed by
``archive sweep``, and nothing is written to the local archive folder."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from edigate.cli.main import main
from edigate.store.archive import digest
from edigate.store.archive_s3 import s3_client
from tests.support.paths import REPO

SAMPLE = REPO / "samples" / "x12" / "bigbox-850-4010.x12"


def test_a_workspace_on_the_s3_archive(tmp_path: Path, s3_endpoint: str, monkeypatch: pytest.MonkeyPatch,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "ws"
    assert main(["init", str(root)]) == 0
    bucket = f"edigate-cli-{time.monotonic_ns()}"
    monkeypatch.setenv("S3_KEY", "testing")
    monkeypatch.setenv("S3_SECRET", "testing")
    client = s3_client(s3_endpoint, "us-east-1", "testing", "testing")
    client.create_bucket(Bucket=bucket)
    with (root / "edigate.yaml").open("a") as fh:
        fh.write(f"archive:\n  backend: s3\n  bucket: {bucket}\n  prefix: edi/\n  endpoint_url: {s3_endpoint}\n"
                 "  region: us-east-1\n  access_key_id: env:S3_KEY\n  secret_access_key: env:S3_SECRET\n")
    monkeypatch.chdir(root)
    capsys.readouterr()
    assert main(["ingest", str(SAMPLE)]) == 0
    sha = digest(SAMPLE.read_bytes())
    keys = {o["Key"] for o in client.list_objects_v2(Bucket=bucket)["Contents"]}
    assert f"edi/{sha[:2]}/{sha[2:4]}/{sha}" in keys and len(keys) > 1  # the 850 and what answered it
    assert not (root / "archive").exists()
    capsys.readouterr()
    assert main(["tx", "view", "1", "--json"]) == 0
    view = json.loads(capsys.readouterr().out)
    assert view["segments"][0]["id"] == "ISA"
    assert main(["archive", "sweep", "--dry-run", "--json"]) == 0
    swept = json.loads(capsys.readouterr().out)
    assert swept["archive"] == f"s3://{bucket}/edi/" and swept["removed"] == []
