"""The `HDuce-Signature` header: HMAC-SHA256 over `<unix time>.<body>` with the webhook's secret."""

import hashlib
import hmac
import secrets

SIGNATURE_HEADER = "HDuce-Signature"


def new_secret() -> str:
    """A fresh signing secret (`whsec_` and 256 random bits)."""
    return "whsec_" + secrets.token_hex(32)


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The header value `t=<timestamp>,v1=<hex digest>` for one request body."""
    signed = str(timestamp).encode() + b"." + body
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"
