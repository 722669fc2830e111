"""Request signature verification as ``ApiServer.verifyRequest`` does it (facts §5.1)."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
from urllib.parse import quote

# Java's URLEncoder leaves only these unescaped (plus space, which becomes '+', which CloudStack turns into %20).
_JAVA_SAFE = "*-._"


def java_url_encode(value: str) -> str:
    """URLEncoder.encode(value, "UTF-8") with '+' replaced by '%20'."""
    # Python's quote never escapes '~' but Java does, so escape it by hand.
    return quote(value, safe=_JAVA_SAFE).replace("~", "%7E")


def string_to_sign(params: dict[str, str]) -> str:
    """Names sorted case-sensitively (Java String order = code point order), values URL-encoded, lower-cased."""
    pairs = [f"{name}={java_url_encode(params[name])}" for name in sorted(params) if name != "signature"]
    return "&".join(pairs).lower()


def compute_signature(params: dict[str, str], secret: str) -> str:
    digest = hmac.new(secret.encode(), string_to_sign(params).encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def parse_expires(value: str) -> dt.datetime | None:
    """ISO-8601 with a zone (DateUtil.parseTZDateString accepts e.g. 2026-01-01T10:00:00+0000 or ...Z)."""
    text = value.strip()
    if text.endswith("Z"):
        text = text[:-1] + "+0000"
    for fmt in ("%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M:%S.%f%z"):
        try:
            return dt.datetime.strptime(text, fmt)
        except ValueError:
            continue
    return None


def verify(
    params: dict[str, str], secret: str, enforce_timestamps: bool = False, now: dt.datetime | None = None
) -> bool:
    """True when the signature matches and, for signatureversion=3, ``expires`` is valid and in the future."""
    signature = params.get("signature")
    if not signature:
        return False
    now = now or dt.datetime.now(dt.UTC)
    version = params.get("signatureversion") or params.get("signatureVersion")
    expires = params.get("expires")
    if enforce_timestamps and (version != "3" or not expires):
        return False
    if version == "3" and expires:
        when = parse_expires(expires)
        if when is None or when < now:
            return False
        if enforce_timestamps and when > now + dt.timedelta(minutes=15):
            return False
    expected = compute_signature(params, secret)
    return hmac.compare_digest(expected.encode(), signature.encode())
