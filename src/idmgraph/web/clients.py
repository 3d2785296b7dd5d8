"""Who a request comes from, as the fair share of query workers counts clients.

The peer address of the connection, or, when the peer is a trusted reverse proxy (setting
``trusted_proxies``), the last address its ``X-Forwarded-For`` header adds — the one the proxy
itself saw. Addresses a client writes into the header are never believed.

>>> client_address({"client": ("10.0.0.9", 5555), "headers": []}, trusted=())
'10.0.0.9'
>>> scope = {"client": ("127.0.0.1", 1), "headers": [(b"x-forwarded-for", b"1.2.3.4, 5.6.7.8")]}
>>> client_address(scope, trusted=("127.0.0.1",))
'5.6.7.8'
"""

from __future__ import annotations

from starlette.types import Scope

FORWARDED_FOR = b"x-forwarded-for"
_MAX_ADDRESS = 64  # an address longer than this is no address


def client_address(scope: Scope, *, trusted: tuple[str, ...]) -> str:
    """The address fairness counts this request under."""
    peer = scope.get("client")
    address = str(peer[0]) if peer else ""
    if address not in trusted:
        return address
    forwarded = b""
    for name, value in scope.get("headers", []):
        if name == FORWARDED_FOR:
            forwarded = value  # with several headers, the proxy's own comes last
    last = forwarded.rsplit(b",", 1)[-1].strip()
    if not last or len(last) > _MAX_ADDRESS:
        return address
    return last.decode("latin-1")
