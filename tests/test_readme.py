"""The README's examples run as written."""

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def readme_block(marker: str) -> str:
    """The shell code block that follows `<!-- readme-query:{marker} -->`."""
    match = re.search(rf"<!-- readme-query:{marker} -->\s*```sh\n(.*?)```", README, re.DOTALL)
    assert match, f"README has no block marked {marker}"
    return match.group(1)


def test_readme_starts_with_the_two_commands() -> None:
    first_block = README.split("```sh\n", 1)[1].split("```", 1)[0]
    assert first_block.splitlines()[0].startswith("make serve")
    assert first_block.splitlines()[1].startswith("make test")


def test_the_morocco_question_answers_with_the_fimme_mou() -> None:
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
    result = subprocess.run(
        ["bash", "-c", readme_block("morocco")], cwd=ROOT, capture_output=True, text=True, env=env, check=False
    )
    assert result.returncode == 0, result.stderr
    for expected in ("Arts et Métiers", "Memorandum of", "Federation of", "2018-04-12", "Casablanca", "1 row(s)"):
        assert expected in result.stdout
