"""SHACL shapes and QA checks, fixture pair by fixture pair (pyshacl's own test style).

Each family in tests/fixtures/expected.toml has valid/<family>.ttl, which must add no result at all to what the
reference graphs alone give, and invalid/<family>.ttl, which must add exactly the expected (shape or check,
severity, focus) results: nothing missing, nothing extra. A few are also run through the real CLI.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from fixture_validation import EXPECTED, FIXTURES, ROOT, Reference, ResultKey, expected_results, family_role

FAMILIES = sorted(EXPECTED)
COOPGRAPH = Path(sys.executable).parent / "coopgraph"


def readable(results: set[ResultKey]) -> list[str]:
    return sorted(" | ".join(key) for key in results)


@pytest.mark.parametrize("family", FAMILIES)
def test_valid_fixture_adds_no_result(reference: Reference, family: str) -> None:
    found = reference.new_results(FIXTURES / "valid" / f"{family}.ttl", family_role(family))
    assert readable(found) == []


@pytest.mark.parametrize("family", FAMILIES)
def test_invalid_fixture_adds_exactly_the_expected_results(reference: Reference, family: str) -> None:
    found = reference.new_results(FIXTURES / "invalid" / f"{family}.ttl", family_role(family))
    assert readable(found) == readable(expected_results(family))


def test_expected_results_name_real_fixtures() -> None:
    for kind in ("valid", "invalid"):
        on_disk = {path.stem for path in (FIXTURES / kind).glob("*.ttl")}
        assert on_disk == set(FAMILIES), f"{kind}/ and expected.toml disagree"
    for family in FAMILIES:
        assert expected_results(family), f"{family}: an invalid fixture must expect at least one result"
        assert EXPECTED[family].get("about"), f"{family}: say which constraint the pair is about"


def expected_exit_code(family: str) -> int:
    return 1 if any(severity == "Violation" for _, severity, _ in expected_results(family)) else 0


# The real CLI on a few fixtures: exit 0 for valid data or mere Warnings/Infos, 1 for a Violation.
CLI_CASES = {
    "valid/iri-patterns (one node of every class)": [FIXTURES / "valid" / "iri-patterns.ttl"],
    "invalid/partnership-kind (a Violation)": [FIXTURES / "invalid" / "partnership-kind.ttl"],
    "invalid/iri-patterns (Violations, one a blank node)": [FIXTURES / "invalid" / "iri-patterns.ttl"],
    "invalid/signatory-position (a Warning only)": [FIXTURES / "invalid" / "signatory-position.ttl"],
    "invalid/signed-agreement-date (an Info only)": [FIXTURES / "invalid" / "signed-agreement-date.ttl"],
}
CLI_EXIT_CODES = {
    "valid/iri-patterns (one node of every class)": 0,
    "invalid/partnership-kind (a Violation)": expected_exit_code("partnership-kind"),
    "invalid/iri-patterns (Violations, one a blank node)": expected_exit_code("iri-patterns"),
    "invalid/signatory-position (a Warning only)": expected_exit_code("signatory-position"),
    "invalid/signed-agreement-date (an Info only)": expected_exit_code("signed-agreement-date"),
}


@pytest.fixture(scope="module", autouse=True)
def cli_processes() -> dict[str, subprocess.Popen[str]]:
    """Start the CLI runs with the module's first test, so they use the spare core while the others run."""
    return {
        case: subprocess.Popen(
            [str(COOPGRAPH), "validate", *map(str, files)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for case, files in CLI_CASES.items()
    }


@pytest.fixture(scope="module")
def cli_runs(cli_processes: dict[str, subprocess.Popen[str]]) -> dict[str, subprocess.CompletedProcess[str]]:
    runs = {}
    for case, process in cli_processes.items():
        stdout, stderr = process.communicate(timeout=240)
        runs[case] = subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)
    return runs


@pytest.mark.parametrize("case", list(CLI_CASES))
def test_cli_exit_code(cli_runs: dict[str, subprocess.CompletedProcess[str]], case: str) -> None:
    run = cli_runs[case]
    assert run.returncode == CLI_EXIT_CODES[case], run.stderr
    verdict = "The data conforms" if CLI_EXIT_CODES[case] == 0 else "The data does NOT conform"
    assert verdict in run.stderr


def test_cli_reports_the_valid_fixtures_clean(cli_runs: dict[str, subprocess.CompletedProcess[str]]) -> None:
    assert "0 violation(s), 0 warning(s), 0 info(s)" in cli_runs["valid/iri-patterns (one node of every class)"].stderr


def test_cli_names_focus_message_and_file(cli_runs: dict[str, subprocess.CompletedProcess[str]]) -> None:
    report = cli_runs["invalid/partnership-kind (a Violation)"].stderr
    assert "Violation https://w3id.org/coopgraph/id/partnership/fixture-no-kind" in report
    assert "exactly one of coop:MemorandumOfUnderstanding" in report
    assert "tests/fixtures/invalid/partnership-kind.ttl" in report


def test_cli_warning_and_info_do_not_fail(cli_runs: dict[str, subprocess.CompletedProcess[str]]) -> None:
    warning = cli_runs["invalid/signatory-position (a Warning only)"].stderr
    assert "Warning https://w3id.org/coopgraph/id/partnership/fixture-mou" in warning
    info = cli_runs["invalid/signed-agreement-date (an Info only)"].stderr
    assert "Info https://w3id.org/coopgraph/id/partnership/fixture-mou" in info
