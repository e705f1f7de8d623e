"""The README's quick start and demo sign-ins stay true."""

from pathlib import Path

from django.conf import settings

from people.demo.data import DEMO_ACCOUNTS, DEMO_PASSWORD

README = (Path(settings.BASE_DIR) / "README.md").read_text(encoding="utf-8")


def test_readme_lists_every_demo_sign_in():
    assert DEMO_PASSWORD in README
    for account in DEMO_ACCOUNTS:
        assert account["mobile"] in README
        assert account["name"] in README


def test_readme_quick_start_is_the_two_commands():
    quick_start = README.split("## Quick start", 1)[1].split("##", 1)[0]
    assert "make run" in quick_start
    assert "make test" in quick_start
