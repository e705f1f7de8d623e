"""How seed_demo finds per-app demo data: people's builder imports no app above it, so seed_demo asks every
installed app for a ``demo`` module with ``seed(rng, now)``. What ``cases.demo`` seeds is checked in
``test_seed_demo`` (which seeds the whole demo once)."""

from cases import demo as case_demo
from people.management.commands.seed_demo import app_seeders


def test_seed_demo_finds_the_cases_demo_and_not_peoples_own():
    seeders = app_seeders()
    assert case_demo.seed in seeders
    assert all(s.__module__ != "people.demo" for s in seeders)


def test_people_does_not_import_cases():
    """The layering rule: the generic discovery is the only way people's command reaches cases."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent / "people"
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            assert not any(n == "cases" or n.startswith("cases.") for n in names), path
