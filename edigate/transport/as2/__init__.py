"""AS2 (RFC 4130): receive and send signed, encrypted, compressed EDI with MDNs.

`receive` unpacks one POST and builds its MDN (`receipt`, in edigate's name); `send`
packs, POSTs and checks the MDN; `make_app` is the WSGI listener, which refuses what does
not come from a partner before reading it. pyas2lib does the S/MIME work (only `_pyas2` imports it,
after `_compat` lets its oscrypto load OpenSSL 3.0.10+).
"""

from __future__ import annotations

from edigate.transport.as2 import _compat

_compat.install()  # first: importing this package makes pyas2lib's oscrypto loadable, whoever imports pyas2lib next

from edigate.transport.http import HttpResponse, Poster, post_with_retry, urllib_post
from edigate.transport.as2.mdn import FindSent, receive_mdn
from edigate.transport.as2.model import As2Inbound, As2Partner, As2Sent, MdnReply, OurKeys
from edigate.transport.as2.receive import IsDuplicate, receive
from edigate.transport.as2.send import send
from edigate.transport.as2.wsgi import make_app

__all__ = [
    "As2Inbound",
    "As2Partner",
    "As2Sent",
    "FindSent",
    "HttpResponse",
    "IsDuplicate",
    "MdnReply",
    "OurKeys",
    "Poster",
    "make_app",
    "post_with_retry",
    "receive",
    "receive_mdn",
    "send",
    "urllib_post",
]
