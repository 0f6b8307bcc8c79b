"""Channels in partner files: local folders, SFTP (host key pinned), AS2, HTTP(S) targets.

They are configuration only: `edigate.transport` turns them into connections. Paths are
relative to the workspace root; credentials are `SecretRef`s, never inline.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Literal

from edigate.config.cron import cron_problem
from edigate.config.schema import setting
from edigate.config.secrets import SecretRef

__all__ = [
    "AS2_MAX_BODY_BYTES",
    "DEFAULT_POLL_SECONDS",
    "As2Channel",
    "BasicAuth",
    "BearerAuth",
    "Channel",
    "Channels",
    "FolderChannel",
    "FolderTarget",
    "HmacAuth",
    "HttpAuth",
    "HttpSettings",
    "HttpTarget",
    "OAuth1Auth",
    "OAuth2Auth",
    "SftpChannel",
    "SftpTarget",
]

_FINGERPRINT = r"SHA256:[A-Za-z0-9+/]{43}=?"
_AS2_ID = r"[!-~](?:[ -~]{0,126}[!-~])?"  # RFC 4130 6.2: printable ASCII, quoted when it holds spaces
_AS2_HINT = "1 to 128 printable characters, spaces only inside"
DEFAULT_POLL_SECONDS = 60
"""How often an inbound channel with neither ``poll_seconds`` nor ``cron`` is polled."""
AS2_MAX_BODY_BYTES = 32 * 2**20
"""The default cap on an AS2 message body from a partner."""


@dataclass(frozen=True, kw_only=True)  # no slots: mixed into several channels
class _Polling:
    """What inbound channels share: which files, when a file is whole, what to do after,
    how often to look."""

    glob: str = "*"
    """Which file names to take (shell pattern, case-sensitive: ``*.edi``, ``PO_*``). Names
    ending in ``.tmp``, ``.part`` or ``.filepart``, and names starting with a dot, are never
    taken: they are files still being written."""
    ready: Literal["stable", "marker", "rename"] = "stable"
    """How we know the partner finished writing a file. ``stable``: its size and modification
    time are the same at two looks ``settle_seconds`` apart. ``marker``: the partner writes a
    marker file when done (``NAME.done`` or ``NAME.ok``, or the same with the extension
    replaced: ``po1.done`` for ``po1.edi``); the marker is removed when the file is taken.
    ``rename``: the partner writes under a temporary name (``.part``, ``.tmp``, ``.filepart``,
    or a leading dot) and renames the file when done, so a file under its final name is
    taken at once. Whatever the rule, an X12 file whose last interchange is not yet closed by
    its IEA is left for the next poll (see ``truncated_after_minutes``), and a file that
    changes while we fetch it is left where it is and fetched again on the next poll."""
    settle_seconds: float = setting(2.0, minimum=0.5, maximum=600)
    """With ``ready: stable``, how far apart the two looks are. A pause in the partner's
    writing longer than this is not seen by the looks; the IEA check catches it."""
    truncated_after_minutes: float = setting(10.0, minimum=0, maximum=10080)
    """How long a file whose last interchange has no IEA is left for its writer to finish,
    counted from the file's modification time (the SFTP server's clock). After that it is taken and answered as
    truncated (TA1/997 with the missing IEA). 0 takes such a file at once."""
    archive_dir: str | None = None
    """Where a taken file is moved: a folder relative to the workspace, or a path on the
    partner's SFTP server (a relative one starts where the login lands, as ``remote_dir``
    does). Default: an ``archive`` folder beside the files. A file of the same name already
    there is kept: the new one gets a suffix."""
    delete: bool = False
    """Delete a taken file instead of moving it to ``archive_dir`` (not both). Its bytes are
    in edigate's own archive either way."""
    poll_seconds: int | None = setting(None, minimum=5)
    """Look for files this often (seconds, at least 5). Default: every 60 seconds."""
    cron: str | None = setting(None, check=cron_problem)
    """Look for files at the times of a crontab line instead (``*/10 * * * 1-5``: every ten
    minutes on weekdays; weekdays count from Sunday = 0). Not with ``poll_seconds``."""

    def config_problems(self) -> Iterator[tuple[str, str]]:
        if self.archive_dir is not None and self.delete:
            yield "delete", "give archive_dir or delete: true, not both"
        if self.poll_seconds is not None and self.cron is not None:
            yield "cron", "give poll_seconds or cron, not both"


@dataclass(frozen=True, kw_only=True)  # no slots: mixed into several channels
class FolderChannel(_Polling):
    """Files dropped into (or written to) local folders."""

    type: Literal["folder"] = "folder"
    path: tuple[str, ...] = setting(one_or_many=True)
    """The folder (or a list of folders) to poll, relative to the workspace; an outbound
    folder channel writes into exactly one. Files are written under a hidden temporary
    name and renamed into place, so a reader never sees half a file."""


@dataclass(frozen=True, kw_only=True)  # no slots: mixed into several channels
class _SftpServer:
    """How to reach and trust an SFTP server; the host key must be pinned."""

    host: str = setting(pattern=r"[A-Za-z0-9.:\[\]-]+", hint="a host name or IP address")
    """The partner's SFTP server."""
    port: int = setting(22, minimum=1, maximum=65535)
    """Its SSH port."""
    user: str
    """The login the partner gave us."""
    password: SecretRef | None = None
    """The login's password, as ``env:NAME`` or ``file:PATH`` (never inline). Give this or
    ``private_key``."""
    private_key: SecretRef | None = None
    """Our private key for this login (OpenSSH or PEM; Ed25519, ECDSA or RSA), as
    ``file:PATH`` or ``env:NAME``. The partner installs the matching public key."""
    key_passphrase: SecretRef | None = None
    """The private key's passphrase, if it has one."""
    known_hosts: str | None = None
    """An OpenSSH ``known_hosts`` file (relative to the workspace) holding the server's key.
    A server on a port other than 22 is written ``[host]:port`` there. The key must match:
    edigate never trusts a server on first use."""
    host_key: str | None = setting(
        None, pattern=_FINGERPRINT, hint="a fingerprint such as SHA256:<43 base64 characters>"
    )
    """The server's host key fingerprint, as ``ssh-keygen -l`` prints it
    (``SHA256:`` and 43 base64 characters). Give this, ``known_hosts``, or both; a server
    whose key does not match is refused."""
    remote_dir: str = "."
    """The directory on the server to poll or to write into (a relative one starts where
    the login lands)."""

    def _server_problems(self) -> Iterator[tuple[str, str]]:
        if self.password is None and self.private_key is None:
            yield "", "set password or private_key (as env:NAME or file:PATH)"
        if self.password is not None and self.private_key is not None:
            yield "private_key", "give password or private_key, not both"
        if self.key_passphrase is not None and self.private_key is None:
            yield "key_passphrase", "key_passphrase needs a private_key"
        if self.known_hosts is None and self.host_key is None:
            yield "", "pin the server's key: set host_key (SHA256:...) or known_hosts"


@dataclass(frozen=True, kw_only=True)  # no slots: mixed into several channels
class SftpChannel(_Polling, _SftpServer):
    """Files fetched from (or put on) the partner's SFTP server."""

    type: Literal["sftp"] = "sftp"

    def config_problems(self) -> Iterator[tuple[str, str]]:
        yield from self._server_problems()
        yield from _Polling.config_problems(self)


@dataclass(frozen=True, slots=True, kw_only=True)
class As2Channel:
    """AS2 with one partner; our own AS2 id defaults to the workspace's ``as2.as2_id``."""

    type: Literal["as2"] = "as2"
    partner_as2_id: str = setting(pattern=_AS2_ID, hint=_AS2_HINT)
    """The partner's AS2 id (their AS2-From when they send, our AS2-To when we send)."""
    our_as2_id: str | None = setting(None, pattern=_AS2_ID, hint=_AS2_HINT)
    """Our AS2 id with this partner, if not the workspace's ``as2.as2_id``."""
    url: str | None = setting(None, pattern=r"https?://\S+", hint="an http:// or https:// URL")
    """Where we post messages to the partner (needed on an outbound AS2 channel)."""
    partner_certificate: str
    """The partner's certificate (PEM file, relative to the workspace): it checks their
    signatures and encrypts what we send them."""
    sign: bool = True
    """Sign what we send with our key (the partner checks it with our certificate)."""
    encrypt: bool = True
    """Encrypt what we send with the partner's certificate."""
    compress: bool = False
    """Compress what we send before signing and encrypting (RFC 5402); for partners who ask
    for it."""
    signing_algorithm: Literal["sha256", "sha384", "sha512", "sha1"] = "sha256"
    """The digest of our signatures and of the MIC the MDN must return; ``sha1`` only for
    partners who cannot do better."""
    encryption_algorithm: Literal["aes128_cbc", "aes192_cbc", "aes256_cbc", "tripledes_192_cbc"] = (
        "aes256_cbc"
    )
    """The cipher for what we send; ``tripledes_192_cbc`` only for old partner software."""
    mdn: Literal["sync", "async", "none"] = "sync"
    """The receipt we ask for: ``sync`` (in the HTTP answer), ``async`` (the partner posts it
    later to ``mdn_url``) or ``none``."""
    mdn_url: str | None = setting(None, pattern=r"https?://\S+", hint="an http:// or https:// URL")
    """With ``mdn: async``, our listener's URL the partner posts the MDN to."""
    mdn_signed: bool = True
    """Ask for a signed MDN (a receipt the partner cannot later deny)."""
    key_encryption: Literal["rsaes_pkcs1v15", "rsaes_oaep", "rsaes_oaep_sha256"] = "rsaes_pkcs1v15"
    """How the content key is wrapped for the partner: PKCS#1 v1.5 (what most AS2 software
    expects), or RSA-OAEP with SHA-1 or SHA-256 (some partners require OAEP)."""
    transfer_encoding: Literal["binary", "base64"] = "binary"
    """How our encrypted body travels: binary (RFC 4130's usual), or base64 for partner
    software that reads the HTTP body as text."""
    max_body_bytes: int = setting(AS2_MAX_BODY_BYTES, minimum=1024)
    """The largest message body the partner may POST; a larger one is refused unread (413)."""
    max_decompressed_bytes: int | None = setting(None, minimum=1024)
    """How large a compressed message may grow when unpacked (default 4 x max_body_bytes)."""
    receipt_url: str | None = setting(None, pattern=r"https?://\S+", hint="an http:// or https:// URL")
    """Where our async MDNs for the partner's messages go (default: ``url``)."""
    use_requested_receipt_url: bool = False
    """Send an async MDN to the URL the partner's message asks for (once it verified)."""

    @property
    def decompressed_limit(self) -> int:
        return self.max_decompressed_bytes or 4 * self.max_body_bytes

    def config_problems(self) -> Iterator[tuple[str, str]]:
        if self.mdn == "async" and self.mdn_url is None:
            yield "mdn", "an async MDN needs mdn_url, where the partner posts it"


Channel = FolderChannel | SftpChannel | As2Channel


@dataclass(frozen=True, slots=True, kw_only=True)
class Channels:
    """How files arrive from this partner and how ours reach it; either may be absent."""

    inbound: Channel | None = None
    outbound: Channel | None = None

    def config_problems(self) -> Iterator[tuple[str, str]]:
        out = self.outbound
        if isinstance(out, As2Channel) and out.url is None:
            yield "outbound", "an outbound AS2 channel needs url"
        if isinstance(out, FolderChannel) and len(out.path) != 1:
            yield "outbound.path", "an outbound folder channel writes to exactly one path"


@dataclass(frozen=True, slots=True, kw_only=True)
class FolderTarget:
    """A routing destination in a local folder."""

    type: Literal["folder"] = "folder"
    path: str
    """The folder to write into, relative to the workspace."""


@dataclass(frozen=True, kw_only=True)  # no slots: mixed into several channels
class SftpTarget(_SftpServer):
    """A routing destination on an SFTP server (``remote_dir``)."""

    type: Literal["sftp"] = "sftp"

    def config_problems(self) -> Iterator[tuple[str, str]]:
        yield from self._server_problems()


_URL = r"https?://\S+"
_URL_HINT = "an http:// or https:// URL"


@dataclass(frozen=True, slots=True, kw_only=True)
class BearerAuth:
    """A fixed bearer token (``Authorization: Bearer ...``)."""

    type: Literal["bearer"] = "bearer"
    token: SecretRef
    """The token, as ``env:NAME`` or ``file:PATH``."""
    header: str | None = setting(None, pattern=r"[A-Za-z0-9-]+", hint="a header name")
    """Send the token as is in this header instead of ``Authorization: Bearer`` (Shopify:
    ``X-Shopify-Access-Token``)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class BasicAuth:
    """HTTP basic authentication (SAP's ICF services, Magento integrations)."""

    type: Literal["basic"] = "basic"
    user: str
    """The user name."""
    password: SecretRef
    """The password, as ``env:NAME`` or ``file:PATH``."""


@dataclass(frozen=True, slots=True, kw_only=True)
class OAuth2Auth:
    """OAuth 2 client credentials: a token fetched from ``token_url``, refreshed before it
    expires and after a 401 (Oracle Fusion, SAP BTP, most REST APIs)."""

    type: Literal["oauth2"] = "oauth2"
    token_url: str = setting(pattern=_URL, hint=_URL_HINT)
    """The authorization server's token endpoint."""
    client_id: str
    """Our client id there."""
    client_secret: SecretRef
    """Our client secret, as ``env:NAME`` or ``file:PATH``."""
    scope: str | None = None
    """The scopes to ask for, separated by spaces, if the server wants any."""


@dataclass(frozen=True, slots=True, kw_only=True)
class OAuth1Auth:
    """OAuth 1.0a with HMAC-SHA256 signatures: NetSuite's token-based authentication
    (``realm`` is the account id, e.g. ``1234567_SB1``)."""

    type: Literal["oauth1"] = "oauth1"
    consumer_key: str
    """The integration record's consumer key."""
    consumer_secret: SecretRef
    """The integration record's consumer secret, as ``env:NAME`` or ``file:PATH``."""
    token_id: str
    """The access token's id."""
    token_secret: SecretRef
    """The access token's secret, as ``env:NAME`` or ``file:PATH``."""
    realm: str | None = None
    """The ``realm`` of the Authorization header (NetSuite: the account id)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class HmacAuth:
    """An HMAC of the raw body in a header, for receivers that check the payload's sender."""

    type: Literal["hmac"] = "hmac"
    secret: SecretRef
    """The shared key, as ``env:NAME`` or ``file:PATH``."""
    header: str = setting("X-Signature", pattern=r"[A-Za-z0-9-]+", hint="a header name")
    """The header that carries the signature."""
    algorithm: Literal["sha256", "sha512", "sha1"] = "sha256"
    """The digest of the HMAC."""
    encoding: Literal["base64", "hex"] = "base64"
    """How the signature is written."""
    prefix: str = ""
    """Written before the signature, e.g. ``sha256=``."""


HttpAuth = BearerAuth | BasicAuth | OAuth2Auth | OAuth1Auth | HmacAuth


@dataclass(frozen=True, kw_only=True)  # no slots: mixed into the connectors' targets
class HttpSettings:
    """How a service is reached over HTTP(S): where, who we are, how long we wait, how often
    we try. A request that times out or is answered 429, 500, 502, 503 or 504 is tried again
    after a backoff (or the ``Retry-After`` the server asked for), up to ``attempts`` tries;
    what still fails, and any other error answer, becomes an exception in the queue with
    the status and the start of the answer."""

    url: str = setting(pattern=_URL, hint=_URL_HINT)
    """Where each payload is sent (for a connector: the service's base URL)."""
    auth: HttpAuth | None = None
    """How we authenticate (``type: bearer | basic | oauth2 | oauth1 | hmac``); none if absent."""
    headers: Mapping[str, str] = setting(factory=dict, keys=r"[A-Za-z0-9-]+")
    """Extra headers (never secrets: those go in ``auth``)."""
    timeout_seconds: float = setting(30.0, minimum=0.1, maximum=600)
    """How long to wait to connect and for each read of the answer."""
    attempts: int = setting(5, minimum=1, maximum=10)
    """Tries in all for one payload before it becomes an exception."""
    backoff_seconds: float = setting(1.0, minimum=0, maximum=60)
    """The first wait between tries; each next one doubles, with jitter."""
    max_wait_seconds: float = setting(60.0, minimum=0, maximum=600)
    """The longest single wait, whatever ``Retry-After`` asks."""


@dataclass(frozen=True, kw_only=True)
class HttpTarget(HttpSettings):
    """A routing destination reached over HTTP(S): each payload is one request, carrying an
    idempotency key made from the stored document, so a retry is recognised by a server
    that honours the header."""

    type: Literal["http"] = "http"
    method: Literal["POST", "PUT"] = "POST"
    """The HTTP method of each request."""
    content_type: str = "application/json"
    """The payload's media type (``application/xml`` for an XML export)."""
    idempotency_header: str | None = setting("Idempotency-Key", pattern=r"[A-Za-z0-9-]+",
                                             hint="a header name")
    """The header carrying the idempotency key; null sends none."""
