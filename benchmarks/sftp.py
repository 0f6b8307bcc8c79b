"""The gateway against a local sshd: 500 small 850s dropped by another process, picked up.

``python benchmarks/sftp.py [--files N]`` starts OpenSSH ``sshd`` on 127.0.0.1 (the test
suite's launcher, `tests.support.sshd`), has a separate process drop the files into the
partner's remote folder, then times, each in a fresh process on a fresh copy of the files:

- ``edigate run --once``: every file fetched, recorded as a transmission, moved to the
  remote archive, validated, answered and its 997 (and 855s) uploaded back;
- the pickup alone (the scheduled gateway's poll: list, fetch, record, archive remotely);
- a bare paramiko loop downloading the same files over one connection;
- a bare paramiko loop doing the network work the run does per file: download, move to the
  remote archive, upload a 997 and two 855s under temporary names renamed into place.

It checks that every file became exactly one transmission with one 997 uploaded, and prints
the times and their ratios to the bare loop (the bare loop and the pickup: best of three
alternated rounds, since the machine may be shared), and the CPU time the ``run --once``
process took, per file (less noisy than its wall time on a shared machine).
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))

from benchmarks.child import in_child  # noqa: E402

from tests.support.gateway import make_workspace, sftp_channel_yaml  # noqa: E402
from tests.support.sshd import SSHD, SshServer, make_keys  # noqa: E402

__all__ = ["main"]


def _drop(folder: Path, count: int) -> None:
    """Write the files from another process, each under a temporary name then renamed."""
    code = ("import sys,os;sys.path.insert(0,sys.argv[3]);from tests.support.gateway import po_file\n"
            "d=sys.argv[1]\nfor n in range(1,int(sys.argv[2])+1):\n"
            " p=os.path.join(d,'po%05d.edi'%n);open(p+'.tmp','wb').write(po_file(n));os.rename(p+'.tmp',p)")
    subprocess.run([sys.executable, "-c", code, str(folder), str(count), str(REPO)], check=True)


def _setup(base: Path, server: SshServer, keys: Path, count: int) -> tuple[Path, Path, Path]:
    inbox, outbox = base / "remote" / "in", base / "remote" / "out"
    inbox.mkdir(parents=True)
    outbox.mkdir()
    common = dict(port=server.port, user=server.user, key=keys / "client", fingerprint=server.fingerprint())
    channels = ("  inbound:\n" + sftp_channel_yaml(remote_dir=inbox, **common)  # type: ignore[arg-type]
                + "  outbound:\n" + sftp_channel_yaml(remote_dir=outbox, glob="*", **common))  # type: ignore[arg-type]
    root = make_workspace(base / "ws", channels)
    _drop(inbox, count)
    return root, inbox, outbox


def time_run_once(root: Path) -> tuple[float, float]:
    """The wall time of ``edigate run --once`` and the CPU time its process took."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "edigate.cli.main", "run", "--once"], cwd=root,
                          capture_output=True, text=True)
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit(f"edigate run --once failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return seconds, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def time_pickup(root: str) -> dict[str, float]:
    """The scheduled gateway's poll alone (run in its own process)."""
    from tests.support.gateway import open_pipeline

    from edigate.gateway.scheduler import Gateway

    pipeline = open_pipeline(Path(root))
    gateway = Gateway(pipeline, settle_seconds=0)
    start = time.perf_counter()
    received = gateway.poll("bigbox")
    seconds = time.perf_counter() - start
    gateway.stop()
    return {"seconds": seconds, "received": received}


def _connect(port: int | str, user: str, key: str) -> tuple[Any, Any]:
    """A bare paramiko login over one connection: its transport and SFTP client."""
    import paramiko

    transport = paramiko.Transport(("127.0.0.1", int(port)))
    transport.connect(username=user, pkey=paramiko.Ed25519Key.from_private_key_file(key))
    sftp = paramiko.SFTPClient.from_transport(transport)
    assert sftp is not None
    return transport, sftp


def time_bare(port: int | str, user: str, key: str, folder: str, spool: str) -> dict[str, float]:
    """One connection, list the folder, download every file to a local file (own process)."""
    start = time.perf_counter()
    transport, sftp = _connect(port, user, key)
    count = 0
    for attrs in sftp.listdir_attr(folder):
        if attrs.filename.endswith(".edi"):
            with open(os.path.join(spool, attrs.filename), "wb") as fh:
                sftp.getfo(f"{folder}/{attrs.filename}", fh)
            count += 1
    sftp.close()
    transport.close()
    return {"seconds": time.perf_counter() - start, "files": count}


def time_bare_network(port: int | str, user: str, key: str, folder: str, spool: str, outbox: str
                      ) -> dict[str, float]:
    """The network work `edigate run --once` does per file, bare: download, move the file to
    the remote archive, and upload a 997 and two 855s, each under a temporary name renamed
    into place (own process; the uploads are the file's own bytes, about the same size)."""
    start = time.perf_counter()
    transport, sftp = _connect(port, user, key)
    count = 0
    for attrs in sftp.listdir_attr(folder):
        if attrs.filename.endswith(".edi"):
            local = os.path.join(spool, attrs.filename)
            with open(local, "wb") as fh:
                sftp.getfo(f"{folder}/{attrs.filename}", fh)
            sftp.posix_rename(f"{folder}/{attrs.filename}", f"{folder}/archive/{attrs.filename}")
            for kind in ("997", "855-1", "855-2"):
                temporary = f"{outbox}/.{kind}-{attrs.filename}.part"
                sftp.put(local, temporary, confirm=False)
                sftp.posix_rename(temporary, f"{outbox}/{kind}-{attrs.filename}")
            count += 1
    sftp.close()
    transport.close()
    return {"seconds": time.perf_counter() - start, "files": count}


def _child(function: str, *args: str) -> dict[str, float]:
    return in_child("sftp", function, *args)


def _check(root: Path, inbox: Path, outbox: Path, count: int) -> str:
    from edigate.store import Store

    with Store.open(f"sqlite:///{root / 'edigate.db'}") as store:
        txs = store.transmissions()
        names = [t.file_name for t in txs]
        statuses = sorted({t.status.value for t in txs})
    acks = len(list(outbox.glob("997-*.x12")))
    archived = len(list((inbox / "archive").iterdir()))
    ok = len(names) == len(set(names)) == count == acks == archived
    if not ok:
        raise SystemExit(f"not every file once: {len(names)} transmissions ({len(set(names))} names), "
                         f"{acks} 997s uploaded, {archived} archived, of {count}")
    return f"{count} transmissions ({', '.join(statuses)}), {acks} 997s uploaded, {archived} archived"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", type=int, default=500)
    parser.add_argument("--pickup-only", action="store_true", help="skip edigate run --once (the slow part)")
    parser.add_argument("--rounds", type=int, default=3, help="timings of the bare loop and the pickup (best shown)")
    args = parser.parse_args(argv)
    print(f"\nSFTP: {args.files} small 850s on a local sshd, picked up by the gateway")
    if SSHD is None:
        print("  sshd is not installed (apt-get install openssh-server): skipped")
        return
    base = Path(tempfile.mkdtemp(prefix="edigate-bench-sftp-"))
    keys = make_keys(base / "keys")
    (base / "sshd").mkdir()
    server = SshServer(base / "sshd", keys)
    server.start()
    try:
        root, inbox, outbox = _setup(base / "bare", server, keys, args.files)
        (base / "spool").mkdir()
        bare, pickup, network = [], [], []
        for n in range(args.rounds):  # alternated, best of each: the machine is shared
            bare.append(_child("time_bare", str(server.port), server.user, str(keys / "client"), str(inbox),
                               str(base / "spool"))["seconds"])
            fresh, _, _ = _setup(base / f"pickup{n}", server, keys, args.files)
            pickup.append(_child("time_pickup", str(fresh))["seconds"])
            _, fresh_in, fresh_out = _setup(base / f"network{n}", server, keys, args.files)
            (fresh_in / "archive").mkdir(exist_ok=True)
            network.append(_child("time_bare_network", str(server.port), server.user, str(keys / "client"),
                                  str(fresh_in), str(base / "spool"), str(fresh_out))["seconds"])
        run_once = None if args.pickup_only else time_run_once(root)
        verdict = "" if args.pickup_only else _check(root, inbox, outbox, args.files)
    finally:
        server.stop()
        shutil.rmtree(base, ignore_errors=True)
    seconds = min(bare)
    print(f"  bare paramiko download loop:                    {seconds:7.2f} s "
          f"(best of {len(bare)}: {', '.join(f'{b:.2f}' for b in bare)})")
    print(f"  bare paramiko, the run's network work per file: {min(network):7.2f} s "
          f"(download, archive, upload a 997 and two 855s; best of {len(network)}) "
          f"= {min(network) / seconds:.2f}x the bare loop")
    print(f"  gateway pickup (poll: fetch, archive, record):  {min(pickup):7.2f} s "
          f"(best of {len(pickup)}: {', '.join(f'{p:.2f}' for p in pickup)}) "
          f"= {min(pickup) / seconds:.2f}x the bare loop")
    if run_once is not None:
        wall, cpu = run_once
        print(f"  edigate run --once (pickup, process, 997 back): {wall:7.2f} s "
              f"= {wall / seconds:.2f}x the bare loop, {wall / min(network):.2f}x its network work (bar 3x); "
              f"{verdict}")
        print(f"    its process's CPU: {cpu:.2f} s = {cpu * 1000 / args.files:.1f} ms per file "
              "(start-up, SSH and SFTP included)")


if __name__ == "__main__":
    main(sys.argv[1:])
