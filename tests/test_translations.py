"""The Chinese catalogue is complete, current with the code, and compiled."""

import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.conf import settings

BASE = Path(settings.BASE_DIR)
PO = BASE / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")


def _entries(po_path: Path) -> dict[str, polib.POEntry]:
    return {(e.msgctxt or "") + "\x04" + e.msgid: e for e in polib.pofile(str(po_path)) if not e.obsolete}


def test_every_chinese_message_is_translated():
    missing = [e.msgid for e in _entries(PO).values() if not e.translated() or "fuzzy" in e.flags]
    assert missing == []


def test_compiled_catalogue_matches_the_source():
    compiled = {(e.msgctxt or "") + "\x04" + e.msgid: e.msgstr for e in polib.mofile(str(MO)) if e.msgid}
    source = {k: e.msgstr for k, e in _entries(PO).items() if e.translated() and not e.msgstr_plural}
    assert {k: v for k, v in compiled.items() if k in source} == source
    assert set(source) <= set(compiled)


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="gettext tools are not installed")
def test_catalogue_is_current_with_the_code(tmp_path):
    """Extract the messages from a copy of the code; every one must already be in the catalogue."""
    copy = tmp_path / "src"
    ignore = shutil.ignore_patterns(
        ".venv", ".git", "node_modules", "staticfiles", "media", "*.sqlite3*", "bench", "tests", "e2e"
    )
    shutil.copytree(BASE, copy, ignore=ignore)
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "zh_Hans", "--no-location", "--ignore=.venv", "-v0"],
        cwd=copy,
        check=True,
    )
    extracted = set(_entries(copy / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"))
    assert extracted - set(_entries(PO)) == set()
