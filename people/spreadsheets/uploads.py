"""The two steps of an upload: the dry run keeps a clean file, encrypted, for the commit, which re-reads
and re-checks it."""

import base64
import json
import logging
import re
import secrets
import time
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from core import crypto
from people import spreadsheets  # the limits, looked up when used: see spreadsheets/__init__.py

from .importing import run_import
from .reading import read_upload
from .report import ImportReport

logger = logging.getLogger("linli.spreadsheets")


UPLOAD_DIR = "imports"
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


# --- the stored upload between dry run and commit --------------------------------------------


@dataclass
class StoredUpload:
    filename: str
    kind: str
    data: bytes


def store_upload(*, user, data: bytes, filename: str, kind: str) -> str:
    """Keep the uploaded file for the commit step, encrypted (it holds personal data), for 30 minutes."""
    _purge_uploads()
    token = secrets.token_urlsafe(24)
    payload = json.dumps(
        {"user": user.pk, "filename": filename, "kind": kind, "at": time.time(), "data": base64.b64encode(data).decode()}
    )
    default_storage.save(f"{UPLOAD_DIR}/{token}.bin", ContentFile(crypto.encrypt(payload).encode()))
    return token


def load_upload(*, user, token: str) -> StoredUpload | None:
    """The user's own stored upload, or None when unknown, someone else's or expired."""
    name = f"{UPLOAD_DIR}/{token}.bin"
    if not TOKEN_RE.match(token or "") or not default_storage.exists(name):
        return None
    try:
        with default_storage.open(name) as fh:
            payload = json.loads(crypto.decrypt(fh.read().decode()))
    except Exception:  # a damaged or foreign file is treated as missing
        logger.warning("unreadable stored import %s", token)
        return None
    if payload["user"] != user.pk or time.time() - payload["at"] > spreadsheets.UPLOAD_TTL_SECONDS:
        return None
    return StoredUpload(payload["filename"], payload["kind"], base64.b64decode(payload["data"]))


def discard_upload(token: str) -> None:
    if TOKEN_RE.match(token or ""):
        default_storage.delete(f"{UPLOAD_DIR}/{token}.bin")


def _purge_uploads() -> None:
    try:
        _dirs, files = default_storage.listdir(UPLOAD_DIR)
    except (FileNotFoundError, NotImplementedError, OSError):
        return
    cutoff = timezone.now().timestamp() - spreadsheets.UPLOAD_TTL_SECONDS
    for name in files:
        path = f"{UPLOAD_DIR}/{name}"
        try:
            if default_storage.get_modified_time(path).timestamp() < cutoff:
                default_storage.delete(path)
        except (OSError, NotImplementedError):
            continue


def dry_run_upload(*, user, data: bytes, filename: str, kind: str = "") -> ImportReport:
    """Read and check an upload; when it is clean, keep it and put its token in the report.
    Raises ValidationError for a file that cannot be read at all."""
    book = read_upload(data, filename, kind)
    report = run_import(user=user, book=book, commit=False)
    if report.ok:
        report.token = store_upload(user=user, data=data, filename=filename, kind=kind)
    return report


def commit_upload(*, user, token: str) -> ImportReport | None:
    """Re-check and apply a stored upload; None when the token is unknown or expired."""
    stored = load_upload(user=user, token=token)
    if stored is None:
        return None
    report = run_import(user=user, book=read_upload(stored.data, stored.filename, stored.kind), commit=True)
    if report.committed:
        discard_upload(token)
    else:
        report.token = token
    return report
