"""Partner files: the bundled examples load, and every mistake is one located line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edigate.config import SecretRef, build, parse_yaml
from edigate.errors import ConfigError
from edigate.config.partners import (
    As2Channel,
    FolderChannel,
    FolderTarget,
    Partner,
    SftpChannel,
    check_partner,
    load_partner,
    load_partners,
)
from edigate.config.workspace import Identity, Workspace
from edigate.stages.identify import PartnerDirectory
from edigate.x12.events import Party
from edigate.x12 import delimiters as x12

from tests.support.paths import REPO

MINIMAL = """\
id: acme
name: Acme
identity:
  theirs: {isa_qualifier: ZZ, isa_id: ACME, gs_id: ACME}
version: "004010"
"""

SFTP_IN = """\
channels:
  inbound:
    type: sftp
    host: sftp.acme.example
    user: acme
    password: env:ACME_PW
    host_key: SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU
"""


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty workspace as the current directory, so messages say ``partners/x.yaml``."""
    (tmp_path / "partners").mkdir()
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def examples(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the bundled ``partners/`` in a fresh workspace."""
    shutil.copytree(REPO / "partners", tmp_path / "partners")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def write(text: str, name: str = "acme") -> Path:
    path = Path("partners") / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def problems_of(path: Path) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_partner(path)
    assert str(caught.value) == "\n".join(str(p) for p in caught.value.problems)
    return [str(p) for p in caught.value.problems]


# -- the bundled examples ---------------------------------------------------------------


def test_bigbox_example(examples: Path) -> None:
    bigbox = load_partner(Path("partners/bigbox.yaml"))
    assert (bigbox.id, bigbox.name, bigbox.version, bigbox.usage) == (
        "bigbox",
        "BigBox Stores Inc.",
        "004010",
        "P",
    )
    assert bigbox.identity.theirs == Identity(
        isa_qualifier="ZZ", isa_id="BIGBOXRETAIL", gs_id="BIGBOX"
    )
    assert bigbox.identity.ours == Identity(isa_qualifier="ZZ", isa_id="EDIGATE", gs_id="EDIGATE")
    d = bigbox.delimiters
    assert (d.element, d.component, d.segment, d.repetition, d.suffix) == (
        "*",
        ">",
        "~",
        None,
        "\n",
    )
    inbound = bigbox.channels.inbound
    assert isinstance(inbound, FolderChannel)
    assert inbound.path == ("demo/bigbox/in",) and inbound.poll_seconds == 30
    assert dict(bigbox.documents.inbound) == {"850": "bigbox-850", "860": "bigbox-860"}
    assert dict(bigbox.documents.outbound) == {"855": "bigbox-855", "865": "865-4010", "856": "bigbox-856",
                                               "810": "bigbox-810"}
    assert (bigbox.acks.functional, bigbox.acks.ta1) == ("997", "requested")
    assert bigbox.rules["ship_to"].get("n1_qualifier")[1].text == "92"  # type: ignore[union-attr, index]
    assert bigbox.isa_version == "00401" and not bigbox.is_5010


def test_distrib_example(examples: Path) -> None:
    distrib = load_partner(Path("partners/distrib.yaml"))
    d = distrib.delimiters
    assert (d.element, d.component, d.segment, d.repetition, d.suffix) == ("|", ":", "\n", "^", "")
    assert distrib.version == "005010" and distrib.is_5010 and distrib.isa_version == "00501"
    assert distrib.acks.functional == "999" and distrib.acks.ta1 == "always"
    assert distrib.identity.theirs == Identity(
        isa_qualifier="01", isa_id="123456789", gs_id="123456789"
    )
    assert d.to_x12() == x12.Delimiters(
        element="|", component=":", segment="\n", repetition="^", suffix=""
    )
    assert distrib.channels.inbound.path == ("demo/distrib/in", "demo/distrib/in-urgent")  # type: ignore[union-attr]
    assert [r.name for r in distrib.routing] == ["warehouse", "erp"]
    assert distrib.routing[1].when == "order.total > 0"
    assert distrib.duplicates.action == "warn"


def test_dropship_example(examples: Path) -> None:
    dropship = load_partner(Path("partners/dropship.yaml"))
    assert dropship.usage == "P" and dropship.acks.poack_within_hours == 24
    assert dropship.delimiters.to_x12() == x12.Delimiters(component=":")
    inbound = dropship.channels.inbound
    assert isinstance(inbound, SftpChannel)
    assert inbound.host_key == "SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU"
    assert inbound.private_key == SecretRef("file", "secrets/dropship_ed25519")
    assert inbound.password is None and inbound.cron == "*/10 * * * *"
    three_pl = dropship.routing[1]
    assert three_pl.format == "x12-940" and isinstance(three_pl.target, FolderTarget)
    assert three_pl.x12 is not None and three_pl.x12.receiver.isa_id == "FASTSHIP3PL"
    assert three_pl.x12.sequence_key == "3pl-fastship3pl"


def test_an_x12_940_destination_needs_the_3pls_identifiers(tmp_path: Path) -> None:
    source = Path("partners/dropship.yaml").read_text(encoding="utf-8")
    start = source.index("    x12:\n")
    broken = source[:start] + source[source.index("    target: {type: folder, path: demo/3pl/orders}"):]
    (tmp_path / "partners").mkdir()
    (tmp_path / "partners" / "dropship.yaml").write_text(broken, encoding="utf-8")
    with pytest.raises(ConfigError, match=r"routing\[1\]\.x12: an x12-940 destination needs x12.receiver"):
        load_partner(tmp_path / "partners" / "dropship.yaml")


def test_load_partners_reads_the_directory(examples: Path) -> None:
    partners = load_partners(Path("partners"))
    assert sorted(partners) == ["bigbox", "distrib", "dropship"]
    assert all(isinstance(p, Partner) for p in partners.values())


def test_defaults_for_everything_optional(workspace: Path) -> None:
    partner = load_partner(write(MINIMAL))
    assert partner.usage == "T"
    assert partner.delimiters.suffix == "\n" and partner.delimiters.repetition is None
    assert partner.channels.inbound is None and partner.routing == ()
    assert partner.acks.functional == "997" and partner.acks.expect_within_hours == 24
    assert partner.duplicates.isa13_window_days == 30
    assert dict(partner.documents.inbound) == {} and dict(partner.rules) == {}


def test_5010_defaults(workspace: Path) -> None:
    partner = load_partner(write(MINIMAL.replace("004010", "005010X220A1")))
    assert partner.base_version == "005010"
    assert partner.delimiters.repetition == "^" and partner.acks.functional == "999"


def test_partner_is_frozen(workspace: Path) -> None:
    partner = load_partner(write(MINIMAL))
    with pytest.raises(AttributeError):
        partner.name = "other"  # type: ignore[misc]


# -- one mistake, one line --------------------------------------------------------------

BROKEN = {
    "wrong type": (
        MINIMAL + SFTP_IN + "    port: twenty-two\n",
        "partners/acme.yaml:13: channels.inbound.port: expected an integer, got 'twenty-two'",
    ),
    "port out of range": (
        MINIMAL + SFTP_IN + "    port: 70000\n",
        "partners/acme.yaml:13: channels.inbound.port: expected an integer from 1 to 65535, got 70000",
    ),
    "unknown key with suggestion": (
        MINIMAL + "usgae: P\n",
        "partners/acme.yaml:6: usgae: unknown key (did you mean 'usage'?)",
    ),
    "nested unknown key": (
        MINIMAL + SFTP_IN + "    pasword: env:X\n",
        "partners/acme.yaml:13: channels.inbound.pasword: unknown key (did you mean 'password'?)",
    ),
    "missing required": (
        MINIMAL.replace("name: Acme\n", ""),
        "partners/acme.yaml:1: missing required key 'name'",
    ),
    "missing required nested": (
        MINIMAL.replace(", gs_id: ACME", ""),
        "partners/acme.yaml:4: identity.theirs: missing required key 'gs_id'",
    ),
    "empty required value": (
        MINIMAL.replace("name: Acme", "name:"),
        "partners/acme.yaml:2: name: a value is required",
    ),
    "bad enum": (
        MINIMAL + "usage: X\n",
        "partners/acme.yaml:6: usage: expected one of: T, P; got 'X'",
    ),
    "bad enum, case": (
        MINIMAL + "usage: p\n",
        "partners/acme.yaml:6: usage: expected one of: T, P; got 'p' (did you mean 'P'?)",
    ),
    "unknown channel type": (
        MINIMAL + "channels:\n  inbound:\n    type: stfp\n",
        (
            "partners/acme.yaml:8: channels.inbound.type: expected one of: folder, sftp, as2; "
            "got 'stfp' (did you mean 'sftp'?)"
        ),
    ),
    "channel without type": (
        MINIMAL + "channels:\n  inbound:\n    path: in\n",
        "partners/acme.yaml:7: channels.inbound: missing required key 'type' (one of: folder, sftp, as2)",
    ),
    "inline secret": (
        MINIMAL + SFTP_IN.replace("env:ACME_PW", "hunter2"),
        (
            "partners/acme.yaml:11: channels.inbound.password: "
            "secrets may not be written inline; use env:NAME or file:PATH"
        ),
    ),
    "bad env name": (
        MINIMAL + SFTP_IN.replace("env:ACME_PW", "env:1PW"),
        (
            "partners/acme.yaml:11: channels.inbound.password: "
            "env: needs a variable name (letters, digits, underscore), e.g. env:SFTP_PASSWORD"
        ),
    ),
    "duplicate key": (
        MINIMAL + 'version: "005010"\n',
        "partners/acme.yaml:6: version: duplicate key (first on line 5)",
    ),
    "id does not match file name": (
        MINIMAL.replace("id: acme", "id: acme-corp"),
        "partners/acme.yaml:1: id: 'acme-corp' does not match the file name 'acme'; rename one of them",
    ),
    "same delimiter twice": (
        MINIMAL + 'delimiters:\n  element: "|"\n  component: "|"\n',
        "partners/acme.yaml:8: delimiters.component: '|' is already the element separator",
    ),
    "delimiter is a letter": (
        MINIMAL + "delimiters:\n  segment: X\n",
        "partners/acme.yaml:7: delimiters.segment: a delimiter may not be a letter, digit or space, got 'X'",
    ),
    "delimiter too long": (
        MINIMAL + 'delimiters:\n  element: "**"\n',
        "partners/acme.yaml:7: delimiters.element: expected a single character, got '**'",
    ),
    "bad suffix": (
        MINIMAL + 'delimiters:\n  suffix: "\\t"\n',
        'partners/acme.yaml:7: delimiters.suffix: expected "", "\\n" or "\\r\\n", got \'\\t\'',
    ),
    "repetition in 4010": (
        MINIMAL + 'delimiters:\n  repetition: "^"\n',
        "partners/acme.yaml:7: delimiters.repetition: a repetition separator needs version 005010",
    ),
    "999 in 4010": (
        MINIMAL + 'acks:\n  functional: "999"\n',
        "partners/acme.yaml:7: acks.functional: 999 acknowledgments need version 005010; use 997",
    ),
    "bad version": (
        MINIMAL.replace('"004010"', "4010"),
        (
            "partners/acme.yaml:5: version: expected one of 003040, 003050, 003060, 003070, 004010, 004020, "
            "004030, 004050, 004060, 005010, 005020, 005030, 005040, 006010, 006020, 006050, maybe followed by a variant such as VICS or UCS, got '4010'"
        ),
    ),
    "bad ISA qualifier": (
        MINIMAL.replace("isa_qualifier: ZZ", "isa_qualifier: Z"),
        (
            "partners/acme.yaml:4: identity.theirs.isa_qualifier: "
            "expected a two-character ISA qualifier such as 01, 12 or ZZ, got 'Z'"
        ),
    ),
    "identity holds a delimiter": (
        MINIMAL.replace("isa_id: ACME", "isa_id: AC*ME"),
        "partners/acme.yaml:4: identity.theirs.isa_id: holds a delimiter character",
    ),
    "host key not pinned": (
        MINIMAL
        + SFTP_IN.replace("    host_key: SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU\n", ""),
        "partners/acme.yaml:7: channels.inbound: pin the server's key: set host_key (SHA256:...) or known_hosts",
    ),
    "bad host key": (
        MINIMAL + SFTP_IN.replace("SHA256:47DEQ", "MD5:47DEQ"),
        (
            "partners/acme.yaml:12: channels.inbound.host_key: expected a fingerprint such as "
            "SHA256:<43 base64 characters>, got 'MD5:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU'"
        ),
    ),
    "password and key": (
        MINIMAL + SFTP_IN + "    private_key: file:key\n",
        "partners/acme.yaml:13: channels.inbound.private_key: give password or private_key, not both",
    ),
    "poll and cron": (
        MINIMAL + SFTP_IN + "    poll_seconds: 60\n    cron: '0 * * * *'\n",
        "partners/acme.yaml:14: channels.inbound.cron: give poll_seconds or cron, not both",
    ),
    "bad cron": (
        MINIMAL + SFTP_IN + "    cron: every hour\n",
        (
            "partners/acme.yaml:13: channels.inbound.cron: not a crontab schedule 'every hour': "
            "expected 5 fields (minute hour day month weekday), got 2"
        ),
    ),
    "cron out of range": (
        MINIMAL + SFTP_IN + "    cron: '61 * * * *'\n",
        (
            "partners/acme.yaml:13: channels.inbound.cron: not a crontab schedule '61 * * * *': "
            "Error validating expression '61': the last value (61) is higher than the maximum value (59)"
        ),
    ),
    "unknown key encryption": (
        MINIMAL + "channels:\n  inbound:\n    type: as2\n    partner_as2_id: ACME\n"
        "    partner_certificate: certs/acme.pem\n    key_encryption: rsa-oaep\n",
        "partners/acme.yaml:11: channels.inbound.key_encryption: expected one of: rsaes_pkcs1v15, rsaes_oaep, "
        "rsaes_oaep_sha256; got 'rsa-oaep' (did you mean 'rsaes_oaep'?)",
    ),
    "AS2 id with a leading space": (
        MINIMAL + "channels:\n  inbound:\n    type: as2\n    partner_as2_id: ' ACME'\n"
        "    partner_certificate: certs/acme.pem\n",
        "partners/acme.yaml:9: channels.inbound.partner_as2_id: expected 1 to 128 printable characters, spaces "
        "only inside, got ' ACME'",
    ),
    "async MDN without URL": (
        MINIMAL + "channels:\n  inbound:\n    type: as2\n    partner_as2_id: ACME\n"
        "    partner_certificate: certs/acme.pem\n    mdn: async\n",
        "partners/acme.yaml:11: channels.inbound.mdn: an async MDN needs mdn_url, where the partner posts it",
    ),
    "outbound AS2 without URL": (
        MINIMAL + "channels:\n  outbound:\n    type: as2\n    partner_as2_id: ACME\n"
        "    partner_certificate: certs/acme.pem\n",
        "partners/acme.yaml:7: channels.outbound: an outbound AS2 channel needs url",
    ),
    "unknown outbound set": (
        MINIMAL + "documents:\n  outbound:\n    940: acme-940\n",
        "partners/acme.yaml:8: documents.outbound.940: unknown key; expected one of: 810, 855, 856, 865, 997, 999",
    ),
    "bad inbound set": (
        MINIMAL + "documents:\n  inbound:\n    PO: acme-850\n",
        "partners/acme.yaml:8: documents.inbound.PO: key 'PO' does not match \\d{3}",
    ),
    "bad map name": (
        MINIMAL + "documents:\n  inbound:\n    850: Acme 850\n",
        "partners/acme.yaml:8: documents.inbound.850: expected a map name such as bigbox-850, got 'Acme 850'",
    ),
    "list where a mapping belongs": (
        MINIMAL + "acks: [997]\n",
        "partners/acme.yaml:6: acks: expected a mapping, got a list",
    ),
    "rule settings as a list": (
        MINIMAL + "rules:\n  prices: [1, 2]\n",
        "partners/acme.yaml:7: rules.prices: expected a mapping or a single value, got a list",
    ),
    "bad routing condition": (
        MINIMAL
        + "routing:\n  - name: erp\n    format: json\n    target: {type: folder, path: out}\n"
        "    when: order.total >\n",
        "partners/acme.yaml:10: routing[0].when: invalid expression 'order.total >': unexpected 'end of print statement'",
    ),
    "routing condition with a filter that does not exist": (
        MINIMAL
        + "routing:\n  - name: erp\n    format: json\n    target: {type: folder, path: out}\n"
        "    when: order.po_number | uppercase == 'X'\n",
        "partners/acme.yaml:10: routing[0].when: expression \"order.po_number | uppercase == 'X'\": unknown filter 'uppercase' (did you mean 'upper'?)",
    ),
    "routing name twice": (
        MINIMAL + "routing:\n  - {name: erp, format: json, target: {type: folder, path: a}}\n"
        "  - {name: erp, format: csv, target: {type: folder, path: b}}\n",
        "partners/acme.yaml:8: routing[1].name: destination 'erp' is named twice",
    ),
    "malformed YAML": (
        MINIMAL.replace("name: Acme", "name: Acme: Corp"),
        "partners/acme.yaml:2: invalid YAML: mapping values are not allowed here",
    ),
    "tab indentation": (
        MINIMAL + "acks:\n\tta1: always\n",
        (
            "partners/acme.yaml:7: invalid YAML: found character '\\t' that cannot start any token; "
            "indent with spaces, not tabs"
        ),
    ),
    "unclosed quote": (
        MINIMAL + 'usage: "T\n',
        (
            "partners/acme.yaml:7: invalid YAML: found unexpected end of stream "
            "(while scanning a quoted scalar on line 6)"
        ),
    ),
    "python tag": (
        MINIMAL + "usage: !!python/name:os.system T\n",
        "partners/acme.yaml:6: usage: unsupported YAML tag 'tag:yaml.org,2002:python/name:os.system'",
    ),
    "not a mapping": (
        "- just\n- a list\n",
        "partners/acme.yaml:1: expected a mapping, got a list",
    ),
}


@pytest.mark.parametrize("text, expected", BROKEN.values(), ids=BROKEN.keys())
def test_broken_file_gives_one_located_line(workspace: Path, text: str, expected: str) -> None:
    assert problems_of(write(text)) == [expected]


def test_inline_secret_is_never_echoed(workspace: Path) -> None:
    path = write(MINIMAL + SFTP_IN.replace("env:ACME_PW", "s3cr3t-hunter2"))
    assert not any("s3cr3t" in p for p in problems_of(path))


def test_empty_file(workspace: Path) -> None:
    problems = problems_of(write(""))
    assert problems[0] == "partners/acme.yaml:1: missing required key 'id'"
    assert len(problems) == 3  # id, name, version; identity is checked once the partner is whole


def test_a_partner_without_identity_is_one_located_line_unless_its_orders_come_from_commerce(workspace: Path) -> None:
    plain = MINIMAL.replace("identity:\n  theirs: {isa_qualifier: ZZ, isa_id: ACME, gs_id: ACME}\n", "")
    assert problems_of(write(plain)) == [
        "partners/acme.yaml:1: identity: missing: their ISA/GS ids (identity.theirs: isa_qualifier, isa_id, gs_id); "
        "only a partner whose orders come from commerce: may leave it out"]
    shop = load_partner(write(plain + "commerce: {type: magento, url: 'https://shop.example.com'}\n"))
    assert shop.derived_identity and shop.identity.ours is None
    assert shop.identity.theirs == Identity(isa_qualifier="ZZ", isa_id="ACME", gs_id="ACME")
    ws = Workspace(root=workspace, identity=Identity(isa_qualifier="ZZ", isa_id="SUPPLIER", gs_id="SUPPLIER"))
    directory = PartnerDirectory(ws, {"acme": shop})
    assert directory.sender(Party("ZZ", "ACME")) is None  # no X12 file is taken as the shop's
    (workspace / "partners" / "x12.yaml").write_text(MINIMAL.replace("acme", "x12").replace("Acme", "X"))
    assert sorted(load_partners(workspace / "partners")) == ["acme", "x12"]  # an X12 partner may hold those ids


def test_all_mistakes_in_a_file_are_reported_together(workspace: Path) -> None:
    text = (
        "id: acme\n"
        "name: Acme\n"
        "identity:\n"
        "  theirs: {isa_qualifier: ZZ, isa_id: ACME, gs_id: ACME}\n"
        "version: 4010\n"  # 5: bad version
        "usage: X\n"  # 6: bad enum
        "channels:\n"
        "  inbound:\n"
        "    type: sftp\n"
        "    host: sftp.acme.example\n"
        "    port: twenty-two\n"  # 11: wrong type
        "    user: acme\n"
        "    password: hunter2\n"  # 13: inline secret
        "    host_key: SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU\n"
        "acks:\n"
        "  ta1: sometimes\n"  # 16: bad enum
        "name: Acme again\n"  # 17: duplicate
    )
    lines = [int(p.split(":")[1]) for p in problems_of(write(text))]
    assert lines == [5, 6, 11, 13, 16, 17]


def test_load_partners_reports_every_file(workspace: Path) -> None:
    write(MINIMAL)
    write(MINIMAL.replace("id: acme", "id: other"), "other")
    write(MINIMAL.replace("id: acme", "id: bad").replace("usage", "x") + "usage: Q\n", "bad")
    with pytest.raises(ConfigError) as caught:
        load_partners(Path("partners"))
    assert [str(p) for p in caught.value.problems] == [
        "partners/bad.yaml:6: usage: expected one of: T, P; got 'Q'",
        "partners/other.yaml:4: identity.theirs: same ISA qualifier/id ZZ/ACME as partners/acme.yaml:4",
    ]


# -- secrets ----------------------------------------------------------------------------


def test_secret_from_env(workspace: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    partner = load_partner(write(MINIMAL + SFTP_IN))
    monkeypatch.setenv("ACME_PW", "correct horse")
    secret = partner.channels.inbound.password  # type: ignore[union-attr]
    assert secret is not None and secret.resolve() == "correct horse"
    assert "correct horse" not in repr(partner) and repr(secret) == "SecretRef('env:ACME_PW')"


def test_unset_env_secret_names_the_line(workspace: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ACME_PW", raising=False)
    partner = load_partner(write(MINIMAL + SFTP_IN))
    with pytest.raises(ConfigError) as caught:
        partner.channels.inbound.password.resolve()  # type: ignore[union-attr]
    assert str(caught.value) == (
        "partners/acme.yaml:11: channels.inbound.password: environment variable ACME_PW is not set"
    )


def test_secret_from_file_relative_to_workspace_root(examples: Path) -> None:
    (examples / "secrets").mkdir()
    (examples / "secrets" / "dropship_ed25519").write_text("-----BEGIN KEY-----\nabc\n")
    dropship = load_partner(Path("partners/dropship.yaml"))
    key = dropship.channels.inbound.private_key  # type: ignore[union-attr]
    assert key is not None and key.resolve() == "-----BEGIN KEY-----\nabc"


def test_missing_secret_file_names_the_line(examples: Path) -> None:
    dropship = load_partner(Path("partners/dropship.yaml"))
    with pytest.raises(ConfigError) as caught:
        dropship.channels.inbound.private_key.resolve()  # type: ignore[union-attr]
    message = str(caught.value)
    assert message.startswith(
        "partners/dropship.yaml:18: channels.inbound.private_key: secret file "
    )
    assert message.endswith("secrets/dropship_ed25519 does not exist")


# -- beyond the file --------------------------------------------------------------------


def test_check_reports_missing_maps_with_their_lines(examples: Path) -> None:
    (examples / "maps").mkdir()
    (examples / "maps" / "bigbox-850.yaml").write_text("{}\n")
    bigbox = load_partner(Path("partners/bigbox.yaml"))
    problems = [str(p) for p in check_partner(bigbox, Path("maps"))]
    assert problems[:2] == [
        "partners/bigbox.yaml:29: documents.inbound.860: map 'bigbox-860' not found "
        "(looked for maps/bigbox-860.yaml)",
        "partners/bigbox.yaml:31: documents.outbound.855: map 'bigbox-855' not found "
        "(looked for maps/bigbox-855.yaml)",
    ]
    assert len(problems) == 5


def test_our_identity_comes_from_partner_or_workspace(workspace: Path) -> None:
    ws_identity = Identity(isa_qualifier="ZZ", isa_id="SUPPLIER", gs_id="SUPPLIER")
    ws = Workspace(root=workspace, identity=ws_identity)
    plain = load_partner(write(MINIMAL))
    assert plain.our_identity(ws) == ws_identity
    text = MINIMAL.replace(
        "\nversion", "\n  ours: {isa_qualifier: '01', isa_id: '1', gs_id: '12'}\nversion"
    )
    assert load_partner(write(text)).our_identity(ws).isa_id == "1"
    with pytest.raises(
        ConfigError, match=r"^partners/acme.yaml:3: identity.ours: set identity.ours"
    ):
        plain.our_identity(Workspace(root=workspace))


def test_as2_channel(workspace: Path) -> None:
    text = MINIMAL + (
        "channels:\n  outbound:\n    type: as2\n    partner_as2_id: ACME\n"
        "    url: https://as2.acme.example/receive\n    partner_certificate: certs/acme.pem\n"
        "    compress: true\n    mdn: async\n    mdn_url: https://edi.example/mdn\n"
    )
    channel = load_partner(write(text)).channels.outbound
    assert isinstance(channel, As2Channel)
    assert (channel.sign, channel.encrypt, channel.compress) == (True, True, True)
    assert channel.encryption_algorithm == "aes256_cbc" and channel.mdn == "async"


PARTNER_KEYS = [
    "id: acme",
    "name: x",
    "version: '005010'",
    "usage: P",
    "channels:",
    "  inbound:",
    "    type: sftp",
    "    port: 0",
    "delimiters:",
    "  element: '|'",
    "  segment: '|'",
    "rules:",
    "  a: 1",
    "routing:",
    "  - name: x",
    "    target: {}",
    "acks: null",
    "- 1",
]


@given(st.lists(st.sampled_from(PARTNER_KEYS), max_size=12))
@settings(max_examples=300, deadline=None)
def test_any_jumble_of_keys_is_a_partner_or_a_config_error(lines: list[str]) -> None:
    try:
        build(Partner, parse_yaml("\n".join(lines) + "\n", "partners/acme.yaml"), base=Path("."))
    except ConfigError as exc:
        assert exc.problems and all(p.file == "partners/acme.yaml" for p in exc.problems)


def test_public_surface() -> None:
    from edigate import config
    from edigate.config import partners, workspace

    for module in (config, partners, workspace):
        assert all(hasattr(module, name) for name in module.__all__)
    assert {"load_partner", "load_partners", "check_partner", "Partner"} <= set(partners.__all__)


def test_check_names_a_missing_940_map(tmp_path: Path) -> None:
    (tmp_path / "partners").mkdir()
    text = Path("partners/dropship.yaml").read_text(encoding="utf-8").replace("map: 940-4010", "map: nope-940")
    (tmp_path / "partners" / "dropship.yaml").write_text(text, encoding="utf-8")
    problems = check_partner(load_partner(tmp_path / "partners" / "dropship.yaml"), Path("maps"))
    assert [(p.path, "nope-940" in p.message) for p in problems] == [("routing[1].x12.map", True)]
