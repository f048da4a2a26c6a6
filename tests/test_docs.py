"""The README is a front door: short, the two quick-start commands first, and .ci/run running the
same test command; every command `jixiao --help` lists has its place in docs/commands.md."""
import re

from pipeline.cli import _parser
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_is_short_and_starts_with_the_two_commands():
    assert len(README.encode("utf-8")) <= 6 * 1024
    blocks = re.findall(r"(?m)^    (python3 -m venv .*)$", README)
    assert blocks[:2] and "jixiao extract corpus -o output" in blocks[0] and "pytest" in blocks[1]
    assert README.index(blocks[0]) < README.index("## What you get")
    assert blocks[1] in (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()


def test_every_command_is_documented():
    commands = _parser()._subparsers._group_actions[0].choices
    page = (ROOT / "docs" / "commands.md").read_text(encoding="utf-8")
    assert "extract" in commands
    for name in commands:
        assert re.search(rf"(?m)^    jixiao {name}\b", page), name


def test_every_docs_page_the_readme_links_exists():
    for target in re.findall(r"\]\((docs/[\w.-]+\.md)\)", README):
        assert (ROOT / target).is_file(), target
