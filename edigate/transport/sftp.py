"""SFTP channels (paramiko): a pinned host key, one connection per poll, atomic transfers.

The server's key must match the partner file's ``host_key`` fingerprint and/or its
``known_hosts`` entry; anything else refuses to connect (never trust on first use).
A file is listed once whole by the channel's ``ready`` rule (`edigate.transport.ready`);
downloads land in a hidden ``.part`` file in the spool folder and are renamed once the file
is seen unchanged since it was listed (it is checked again before it is archived). Uploads
go to a hidden ``.part`` name and are renamed with ``posix-rename@openssh.com`` (plain
SFTP rename fails onto an existing name). A dropped
connection is reopened with bounded backoff; every failure is a one-line `TransportError`.
"""

from __future__ import annotations

import contextlib
import errno
import io
import posixpath
import shutil
import socket
import stat
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO, TypeVar

import paramiko

from edigate.config.channels import SftpChannel as SftpConfig
from edigate.config.channels import SftpTarget
from edigate.errors import ConfigError, TransportError
from edigate.transport.base import Channel, ChannelOptions, Received, RemoteFile, Sent
from edigate.transport.hostkeys import HostKeyPin
from edigate.transport.names import is_temporary, safe_name, temporary_name
from edigate.transport.ready import ReadyRule, changed, unchanged

__all__ = ["SftpChannel", "load_private_key"]

T = TypeVar("T")
# Larger files are read ahead by paramiko's prefetch thread (32 MiB in 0.3 s rather than 6 s);
# smaller ones, nearly every EDI file, are read in line with no thread to leave behind.
_PREFETCH_ABOVE = 1 << 20


def load_private_key(text: str, passphrase: str | None, where: str) -> paramiko.PKey:
    """A private key from its OpenSSH or PEM text; ``where`` names it in errors."""
    for kind in (paramiko.Ed25519Key, paramiko.ECDSAKey, paramiko.RSAKey):
        try:
            return kind.from_private_key(io.StringIO(text.strip() + "\n"), password=passphrase)
        except paramiko.PasswordRequiredException as exc:
            raise ConfigError(f"{where}: the private key needs key_passphrase") from exc
        except (paramiko.SSHException, ValueError):
            continue
    raise ConfigError(
        f"{where}: not a readable Ed25519, ECDSA or RSA private key (or a wrong passphrase)"
    )


@dataclass(slots=True)
class _Session:
    """One SSH connection and its SFTP client, reused until it fails or is closed."""

    transport: paramiko.Transport
    sftp: paramiko.SFTPClient
    posix_rename: bool | None = None  # unknown until first tried
    dirs: set[str] = field(default_factory=set)

    def alive(self) -> bool:
        """The connection and its SFTP channel both open: a server whose sftp subsystem died
        keeps the connection a moment, and its "Socket is closed" is no reply to give up on."""
        channel = self.sftp.get_channel()
        return bool(self.transport.is_active()) and channel is not None and not channel.closed

    def close(self) -> None:
        for closable in (self.sftp, self.transport):
            with contextlib.suppress(Exception):  # already broken: nothing to report
                closable.close()


class SftpChannel(Channel):
    """A directory on a partner's SFTP server: poll it, or send into it."""

    def __init__(
        self, config: SftpConfig | SftpTarget, channel_id: str, options: ChannelOptions
    ) -> None:
        self.id = channel_id
        self.config = config
        self.where = f"{config.user}@{config.host}:{config.port}"
        self._options = options
        self._dir = config.remote_dir
        self._rule = ReadyRule.of(config, options)
        archive = getattr(config, "archive_dir", None)
        self._archive = archive or posixpath.join(self._dir, "archive")
        self._session: _Session | None = None
        self._key: paramiko.PKey | None = None
        self._pin: HostKeyPin | None = None
        self._key_types: Sequence[str] = ()
        self._own_spool: Path | None = None

    # -- the contract -------------------------------------------------------------------

    def list(self) -> list[RemoteFile]:
        return self._rule.pick(lambda: self._retrying("list", self._look))

    def fetch(self, file: RemoteFile) -> Received:
        got = self._retrying(f"fetch {file.name}", lambda s: self._download(s, file))
        try:
            return self._rule.taken(self.id, file, got)
        except TransportError:
            (self._spool() / safe_name(file.name)).unlink(missing_ok=True)
            raise

    def done(self, file: RemoteFile) -> None:
        self._retrying(f"archive {file.name}", lambda s: self._archive_or_delete(s, file))
        (self._spool() / safe_name(file.name)).unlink(missing_ok=True)

    def send(self, name: str, data: bytes) -> Sent:
        final = posixpath.join(self._dir, safe_name(name))
        self._retrying(f"send {name}", lambda s: self._upload(s, final, data))
        return Sent.of(self.id, safe_name(name), data)

    def probe(self) -> str:
        """Log in (host key checked) and list the remote directory once."""
        waiting = [f for f in self._retrying("list", self._look).values() if self._rule.wanted(f.name)]
        return f"logged in to {self.where}, {len(waiting)} file(s) waiting in {self._dir}"

    def close(self) -> None:
        self._drop()
        if self._own_spool is not None:
            shutil.rmtree(self._own_spool, ignore_errors=True)
            self._own_spool = None

    # -- one operation on a live session ---------------------------------------------------

    def _look(self, s: _Session) -> dict[str, RemoteFile]:
        found = {}
        for attrs in s.sftp.listdir_attr(self._dir):
            regular = attrs.st_mode is None or stat.S_ISREG(attrs.st_mode)
            if regular and not is_temporary(attrs.filename):
                file = _remote(self._dir, attrs)
                found[file.handle] = file
        return found

    @staticmethod
    def _now(s: _Session, file: RemoteFile) -> RemoteFile | None:
        """The file as the server has it now; None when it is gone."""
        try:
            attrs = s.sftp.stat(file.handle)
        except FileNotFoundError:
            return None
        attrs.filename = file.name
        return _remote(posixpath.dirname(file.handle), attrs)

    def _download(self, s: _Session, file: RemoteFile) -> Received:
        final = self._spool() / safe_name(file.name)
        part = final.parent / temporary_name(final.name)
        try:
            with open(part, "wb") as fh:
                size = self._copy(s, file, fh)
            now = self._now(s, file)
            if size != file.size or not unchanged(file, now):
                raise changed(self.id, file, now)
            part.replace(final)
        finally:
            part.unlink(missing_ok=True)
        return Received.of(self.id, file.name, final.read_bytes(), final)

    @staticmethod
    def _copy(s: _Session, file: RemoteFile, fh: BinaryIO) -> int:
        """Copy the remote file into ``fh``; its size. A small file is read in one request
        (and one more that meets its end) without the stat that ``getfo`` starts with."""
        if file.size > _PREFETCH_ABOVE:
            return int(s.sftp.getfo(file.handle, fh, prefetch=True))
        data = bytearray()
        with s.sftp.open(file.handle, "rb") as remote:
            while len(data) <= file.size:  # one byte more than listed: a file that grew shows it
                chunk = remote.read(file.size + 1 - len(data))
                if not chunk:
                    break
                data += chunk
        if len(data) < file.size and not s.alive():  # a dropped connection reads short, not "changed"
            raise paramiko.SSHException(f"connection lost after {len(data)} of {file.size} bytes")
        fh.write(data)
        return len(data)

    def _archive_or_delete(self, s: _Session, file: RemoteFile) -> None:
        now = self._now(s, file)
        if now is not None:  # else gone already: moved by us before a dropped connection
            if not unchanged(file, now):
                raise changed(self.id, file, now)
            self._move(s, file)
        if file.marker is not None:
            _ignore_missing(lambda: s.sftp.remove(file.marker or ""))

    def _move(self, s: _Session, file: RemoteFile) -> None:
        if getattr(self.config, "delete", False):
            _ignore_missing(lambda: s.sftp.remove(file.handle))
            return
        self._ensure_dir(s, self._archive)
        target = posixpath.join(self._archive, posixpath.basename(file.handle))
        try:
            s.sftp.rename(file.handle, target)  # fails onto an existing name: keep both
        except OSError:
            if not _exists(s, file.handle):
                return  # renamed before a dropped connection
            stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
            s.sftp.rename(file.handle, f"{target}.{stamp}")

    def _upload(self, s: _Session, final: str, data: bytes) -> None:
        part = posixpath.join(posixpath.dirname(final), temporary_name(posixpath.basename(final)))
        try:
            s.sftp.putfo(io.BytesIO(data), part, file_size=len(data), confirm=True)
            self._replace(s, part, final)
        except BaseException:
            if s.alive():
                _ignore_missing(lambda: s.sftp.remove(part))
            raise

    def _replace(self, s: _Session, part: str, final: str) -> None:
        """Rename over an existing ``final``: posix-rename if offered, else remove first."""
        if s.posix_rename is not False:
            try:
                s.sftp.posix_rename(part, final)
                s.posix_rename = True
                return
            except OSError as exc:
                if s.posix_rename or exc.errno in (errno.ENOENT, errno.EACCES):
                    raise
                s.posix_rename = False  # the server does not offer it
        _ignore_missing(lambda: s.sftp.remove(final))
        s.sftp.rename(part, final)

    def _ensure_dir(self, s: _Session, path: str) -> None:
        if path not in s.dirs and not _exists(s, path):
            s.sftp.mkdir(path)
        s.dirs.add(path)

    def _spool(self) -> Path:
        if self._options.spool_dir is not None:
            folder = self._options.spool_dir / safe_name(self.id)
        else:
            if self._own_spool is None:
                self._own_spool = Path(tempfile.mkdtemp(prefix="edigate-spool-"))
            folder = self._own_spool
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    # -- connections and retries ---------------------------------------------------------

    def _retrying(self, what: str, op: Callable[[_Session], T]) -> T:
        """Run ``op`` on the session; reconnect with backoff when the network fails."""
        delays = self._options.retry.delays()
        attempt = 1
        while True:
            try:
                return op(self._connect())
            except paramiko.AuthenticationException as exc:
                self._drop()
                raise TransportError(
                    f"{self.id}: {self.where} refused our login: {_line(exc)}",
                    code="transport.auth",
                ) from exc
            except (paramiko.SSHException, EOFError, OSError) as exc:
                if self._session is not None and self._session.alive() and _is_reply(exc):
                    raise TransportError(
                        f"{self.id}: {what} on {self.where}: {_line(exc)}"
                    ) from exc
                self._drop()
                delay = next(delays, None)
                if delay is None:
                    raise TransportError(
                        f"{self.id}: {what}: {self.where} failed after {attempt} attempt(s): "
                        f"{_line(exc)}"
                    ) from exc
                time.sleep(delay)
                attempt += 1

    def _connect(self) -> _Session:
        if self._session is not None and self._session.alive():
            return self._session
        self._drop()
        transport = self._handshake()
        try:
            self._authenticate(transport)
            sftp = paramiko.SFTPClient.from_transport(transport)
            channel = sftp.get_channel() if sftp is not None else None
            if sftp is None or channel is None:
                raise paramiko.SSHException("the server refused the sftp subsystem")
            channel.settimeout(self._options.timeout)
        except BaseException:
            transport.close()
            raise
        self._session = _Session(transport, sftp)
        return self._session

    def _handshake(self) -> paramiko.Transport:
        """A transport to a server whose key is pinned; other key types tried if need be."""
        if self._pin is None:
            self._pin = HostKeyPin.load(self.config, self._options.root)
        transport = self._open(self._key_types)
        offered = [transport.get_remote_server_key()]
        if self._pin.accepts(offered[0]):
            return transport
        transport.close()
        for family in self._pin.alternatives(offered[0]):
            try:
                transport = self._open(family, only=True)
            except paramiko.SSHException:
                continue  # the server holds no key of this type
            offered.append(transport.get_remote_server_key())
            if self._pin.accepts(offered[-1]):
                self._key_types = family  # ask for it first from now on
                return transport
            transport.close()
        raise self._pin.refusal(self.id, offered)

    def _open(self, first: Sequence[str], *, only: bool = False) -> paramiko.Transport:
        timeout = self._options.timeout
        sock = socket.create_connection((self.config.host, self.config.port), timeout=timeout)
        transport = paramiko.Transport(sock)
        try:
            transport.banner_timeout = transport.auth_timeout = timeout
            transport.handshake_timeout = timeout
            options = transport.get_security_options()
            assert self._pin is not None
            ours = options.key_types
            options.key_types = (
                [a for a in first if a in ours] if only else self._pin.preferred(ours, first)
            )
            transport.start_client(timeout=timeout)
        except BaseException:
            transport.close()
            raise
        return transport

    def _drop(self) -> None:
        if self._session is not None:
            self._session.close()
            self._session = None

    def _authenticate(self, transport: paramiko.Transport) -> None:
        if self.config.private_key is None:
            assert self.config.password is not None  # the config insists on one of the two
            transport.auth_password(self.config.user, self.config.password.resolve())
            return
        if self._key is None:
            passphrase = self.config.key_passphrase
            self._key = load_private_key(
                self.config.private_key.resolve(),
                passphrase.resolve() if passphrase else None,
                f"{self.id}: private_key {self.config.private_key}",
            )
        transport.auth_publickey(self.config.user, self._key)


def _remote(folder: str, attrs: paramiko.SFTPAttributes) -> RemoteFile:
    mtime = datetime.fromtimestamp(attrs.st_mtime, UTC) if attrs.st_mtime is not None else None
    handle = posixpath.join(folder, attrs.filename)
    return RemoteFile(attrs.filename, attrs.st_size or 0, mtime, handle)


def _is_reply(exc: BaseException) -> bool:
    """An SFTP status reply (no such file, permission denied...), not a broken network."""
    return isinstance(exc, OSError) and not isinstance(exc, (TimeoutError, ConnectionError))


def _exists(s: _Session, path: str) -> bool:
    try:
        s.sftp.stat(path)
    except FileNotFoundError:
        return False
    return True


def _ignore_missing(action: Callable[[], object]) -> None:
    try:
        action()
    except FileNotFoundError:
        pass


def _line(exc: BaseException) -> str:
    text = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
    return " ".join((text or type(exc).__name__).split())
