"""Stable report identities and content hashes. Pure functions."""
from __future__ import annotations

import hashlib
import json
import re
from urllib.parse import urlparse


def _slug(text: str, limit: int = 48) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug[:limit].rstrip("-") or "report"


def doc_id_for(source: str | None, filename: str) -> str:
    """A readable, stable id: from the source URL when there is one, else the file name.

    Moving a file or re-ingesting it keeps its id; two reports with different URLs never share one.
    """
    if source and re.match(r"^https?://", source, re.I):
        parsed = urlparse(source.strip())
        key = f"{parsed.netloc.lower().removeprefix('www.')}{parsed.path.rstrip('/')}"
        if parsed.query:
            key += f"?{parsed.query}"
        tail = [p for p in parsed.path.split("/") if p]
        name = tail[-1] if tail else parsed.netloc
    else:
        key = filename
        name = re.sub(r"\.[A-Za-z0-9]{1,5}$", "", filename)
    digest = hashlib.sha1(key.encode("utf-8")).hexdigest()[:8]
    return f"{_slug(name)}-{digest}"


def content_hash(text: str, meta: dict[str, str]) -> str:
    """Hash of the stored text and the metadata shown with citations: any change re-ingests."""
    payload = json.dumps({"text": text, "meta": {k: meta.get(k, "") for k in sorted(meta)}}, sort_keys=True)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:16]
