"""The data the code itself needs, found inside the installed package: the gazetteer, the gold sets, the dbt project.

`pipelines/bundled-data/` holds links to the checkout's `seeds/` and `dbt_project/`; building a wheel copies
what they point to into the package (package data in pyproject.toml), so a plain `pip install .` finds them
from any directory, while a checkout or an editable install reads the files it is editing. User-facing files
(the feeds and stories files, the sample corpus) are not bundled: their defaults stay relative to the cwd.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

_BUNDLE = "bundled-data"


def _bundled(name: str) -> Path:
    """The path of a bundled directory or file, resolved (links followed, so messages show the real place)."""
    root = files("pipelines") / _BUNDLE
    if not isinstance(root, Path):  # a zip import: dbt needs a real directory
        raise RuntimeError(f"eventwatch must be installed as files, not zipped: {root} is not a directory")
    path = (root / name).resolve()
    if not path.exists():
        raise FileNotFoundError(f"eventwatch is installed without its data: {path} is missing (reinstall it)")
    return path


def seeds_dir() -> Path:
    """The bundled `seeds/`: actors.csv, cue_verbs.csv, roles.csv and the gold sets under gold/."""
    return _bundled("seeds")


def seed(name: str) -> Path:
    """One bundled seed file, e.g. seed("actors.csv") or seed("gold/passages.yml")."""
    return _bundled(f"seeds/{name}")


def dbt_project_dir() -> Path:
    """The bundled dbt project (dbt_project.yml, profiles.yml, models, macros, snapshots, tests)."""
    return _bundled("dbt_project")
