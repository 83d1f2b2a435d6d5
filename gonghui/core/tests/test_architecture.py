"""The apps' imports point one way (docs/architecture.md): the import-linter contract in pyproject.toml,
run here as well as in `make lint` so that a test run alone catches an import that points up."""

from pathlib import Path

from importlinter.application.use_cases import lint_imports
from importlinter.configuration import configure

ROOT = Path(__file__).resolve().parents[3]


def test_it_keeps_every_app_above_the_apps_it_imports(capsys) -> None:  # type: ignore[no-untyped-def]
    configure()
    kept = lint_imports(config_filename=str(ROOT / "pyproject.toml"), cache_dir=None, no_logo=True)
    # The report names each import that breaks the contract, with its file and line.
    assert kept, capsys.readouterr().out
