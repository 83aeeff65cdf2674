"""The `HDuce-Signature` header: HMAC-SHA256 over `<unix time>.<body>` with the webhook's secret.

After a rotation the secret it replaced signs too, for a while: one `v1` each, as Stripe signs.
"""

import hashlib
import hmac
import secrets
from collections.abc import Iterable

SIGNATURE_HEADER = "HDuce-Signature"


def new_secret() -> str:
    """A fresh signing secret (`whsec_` and 256 random bits)."""
    return "whsec_" + secrets.token_hex(32)


def signature(keys: Iterable[str], timestamp: int, body: bytes) -> str:
    """The header value `t=<timestamp>,v1=<hex digest>[,v1=…]` for one request body.

    One `v1` per secret in `keys`, in their order.
    """
    signed = str(timestamp).encode() + b"." + body
    digests = (hmac.new(key.encode(), signed, hashlib.sha256).hexdigest() for key in keys)
    return ",".join([f"t={timestamp}", *(f"v1={digest}" for digest in digests)])
