"""What `edigate run` writes on stderr (the gateway log) for hostile and broken AS2 requests:
one line per refusal, names clipped, no traceback, nothing from the libraries."""

from __future__ import annotations

import signal
import urllib.error
import urllib.request
from pathlib import Path

from tests.support.as2 import FOLDER_OUT, Pki, as2_workspace, make_pki, partner_message, post
from tests.support.gateway import po_file
from tests.support.cli import start_edigate


def _status(url: str, body: bytes, headers: dict[str, str]) -> int:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as resp:
            return int(resp.status)
    except urllib.error.HTTPError as exc:
        exc.close()
        return exc.code


def test_each_refusal_is_one_line_in_the_gateway_log(tmp_path: Path, ours: Pki, theirs: Pki) -> None:
    root = as2_workspace(tmp_path / "ws", ours, theirs, outbound=FOLDER_OUT)
    with start_edigate(root, "run") as proc:
        assert proc.stdout is not None
        banner = proc.stdout.readline()
        url = f"http://127.0.0.1:{banner.split('AS2 on 127.0.0.1:')[1].split(';')[0]}/as2"
        stranger = {"AS2-From": "EVIL", "AS2-To": "EDIGATE", "Message-ID": "<" + "m" * 20_000 + ">",
                    "Receipt-Delivery-Option": "http://127.0.0.1:9/"}
        garbage = {"AS2-From": '"BIGBOX AS2"', "AS2-To": "EDIGATE", "Message-ID": "<g@x>",
                   "Content-Type": "application/pkcs7-mime; smime-type=enveloped-data"}
        assert [_status(url, b"random", {}), _status(url, b"x" * 1000, stranger),
                _status(url, b"\x00" * 5000, garbage)] == [400, 403, 400]
        impostor = partner_message(theirs, ours, sign_with=make_pki("impostor"))
        impostor.build(po_file(3), content_type="application/edi-x12")  # type: ignore[attr-defined]
        assert post(url, impostor)[0] == 200  # its negative MDN
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0
    lines = err.splitlines()
    assert len(lines) == 4 and all(line.startswith("edigate: warning: AS2 ") for line in lines), err
    assert "unknown AS2-From 'EVIL'" in lines[1] and "decryption-failed" in lines[2]
    assert "authentication-failed" in lines[3] and all(len(line) < 400 for line in lines)
    assert "Traceback" not in err and "pyas2lib" not in err
