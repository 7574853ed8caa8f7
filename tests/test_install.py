"""Installing the project for development (what `make` does) shows no setuptools warning box."""

from __future__ import annotations

import os
import shutil
import subprocess
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("bot", "handlers", "nlp", "storage", "sandbox", "demo")


def test_editable_install_into_a_fresh_venv_has_no_warning_box(tmp_path: Path) -> None:
    """`pip install -e .` of a copy of the project into a throwaway virtualenv succeeds without
    setuptools' "Editable installation" warning, and `import bot` then finds the copy."""
    project = tmp_path / "project"
    project.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, project / name)
    for package in PACKAGES:
        shutil.copytree(
            ROOT / package, project / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    env = tmp_path / "venv"
    venv.create(env, with_pip=True)
    python = env / "bin" / "python"
    # Without the test run's PYTHONPATH, which would make the checkout win over the install.
    clean = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    # As `make` does: the current pip first (the one bundled with Python shows no build output).
    upgraded = subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--upgrade", "pip"],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        env=clean,
    )
    assert upgraded.returncode == 0, upgraded.stderr
    done = subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--no-deps", "-e", str(project)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        env=clean,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert "Editable installation" not in output and "*****" not in output, output
    found = subprocess.run(
        [str(python), "-c", "import bot; print(bot.__file__)"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=tmp_path,
        env=clean,
    )
    assert found.stdout.strip() == str(project / "bot" / "__init__.py"), found.stderr
