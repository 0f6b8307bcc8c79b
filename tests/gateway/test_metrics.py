"""The running gateway's /metrics, /healthz and /readyz on loopback, scraped with httpx and
parsed by prometheus_client's own text-format parser."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from prometheus_client import CollectorRegistry
from prometheus_client.parser import text_string_to_metric_families

from edigate.errors import ConfigError
from edigate.gateway.scheduler import Gateway
from edigate.stages.pipeline import Pipeline
from tests.support.gateway import make_workspace, open_pipeline, po_file
from tests.support.waiting import wait_until

CHANNELS = ("  inbound:\n    type: folder\n    path: in\n    glob: \"*.edi\"\n    archive_dir: done\n"
            "    poll_seconds: 5\n  outbound:\n    type: folder\n    path: out\n")


@pytest.fixture
def pipeline(tmp_path: Path, url: str) -> Iterator[Pipeline]:
    root = make_workspace(tmp_path / "ws", CHANNELS, edigate_yaml="metrics:\n  listen: 127.0.0.1:0\n")
    (root / "in").mkdir()
    opened = open_pipeline(root, url)
    yield opened
    opened.store.close()


@pytest.fixture
def gateway(pipeline: Pipeline) -> Iterator[Gateway]:
    gateway = Gateway(pipeline, settle_seconds=0, registry=CollectorRegistry())
    gateway.start()
    yield gateway
    gateway.stop()


def scrape(gateway: Gateway) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of /metrics: (name, sorted labels) -> value."""
    assert gateway.metrics_listener is not None
    reply = httpx.get(f"{gateway.metrics_listener.url}metrics", timeout=30)
    assert reply.status_code == 200 and reply.headers["content-type"].startswith("text/plain")
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(reply.text) for s in family.samples}


def test_metrics_count_a_processed_file_its_orders_and_stages(gateway: Gateway, pipeline: Pipeline) -> None:
    (pipeline.workspace.root / "in" / "po1.edi").write_bytes(po_file(1))
    assert wait_until(lambda: scrape(gateway).get(("edigate_files_total", (("outcome", "done"),
                                                                            ("partner", "bigbox")))) == 1)
    samples = scrape(gateway)
    assert samples[("edigate_orders_total", (("outcome", "accepted"), ("partner", "bigbox")))] == 2
    stages = {dict(labels)["stage"]: v for (name, labels), v in samples.items()
              if name == "edigate_stage_duration_seconds_count"}
    assert stages.keys() >= {"envelope", "send"} and all(v >= 1 for v in stages.values())
    assert samples[("edigate_channel_up", (("direction", "in"), ("partner", "bigbox")))] == 1
    assert samples[("edigate_channel_last_success_timestamp_seconds",
                    (("direction", "in"), ("partner", "bigbox")))] > 0
    assert samples[("edigate_queue_depth", (("queue", "inbound"),))] == 0
    assert ("edigate_queue_depth", (("queue", "outbound"),)) in samples


def test_health_and_readiness(gateway: Gateway) -> None:
    assert gateway.metrics_listener is not None
    base = gateway.metrics_listener.url
    assert httpx.get(f"{base}healthz", timeout=30).status_code == 200
    assert httpx.get(f"{base}readyz", timeout=30).status_code == 200
    assert httpx.get(f"{base}other", timeout=30).status_code == 404
    gateway.stopping.set()  # what a stopping gateway answers: not ready any more
    reply = httpx.get(f"{base}readyz", timeout=30)
    assert reply.status_code == 503 and "scheduler: not running" in reply.text


def test_two_gateways_keep_their_own_registries(pipeline: Pipeline) -> None:
    first, second = CollectorRegistry(), CollectorRegistry()
    Gateway(pipeline, registry=first).metrics.files.labels("bigbox", "done").inc()
    Gateway(pipeline, registry=second)
    assert first.get_sample_value("edigate_files_total", {"partner": "bigbox", "outcome": "done"}) == 1
    assert second.get_sample_value("edigate_files_total", {"partner": "bigbox", "outcome": "done"}) is None


def test_a_bad_listen_address_is_a_config_error(tmp_path: Path) -> None:
    from edigate.config.workspace import load_workspace

    root = make_workspace(tmp_path / "bad", CHANNELS, edigate_yaml="metrics:\n  listen: 9464\n")
    with pytest.raises(ConfigError, match="metrics"):
        load_workspace(root)
