"""The set-up files agree: pip's pins, conda's environment.yml, README and CI."""

import re
import tomllib
from pathlib import Path

import yaml
from packaging.requirements import Requirement
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
CONDA_NAMES = {"pytorch": "torch"}  # conda-forge name -> PyPI name


def pip_dependencies() -> dict[str, Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = [Requirement(r) for r in project["dependencies"]]
    return {r.name.lower(): r for r in reqs}


def conda_dependencies() -> tuple[dict[str, str], list]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda, pip_section = {}, []
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            pip_section = dep["pip"]
            continue
        name, _, rest = dep.partition("=")
        conda[CONDA_NAMES.get(name, name).lower()] = rest
    return conda, pip_section


def conda_version_matches(spec: str, version: str) -> bool:
    """conda's ``=X.Y.Z`` (optionally ``=X.Y.*`` and ``=build``) against an exact version."""
    wanted = spec.split("=")[0]
    if wanted.endswith(".*"):
        return version.startswith(wanted[:-1])
    return Version(wanted) == Version(version) if wanted else True


def test_same_packages_in_pip_and_conda():
    pip = pip_dependencies()
    conda, _ = conda_dependencies()
    conda_pkgs = set(conda) - {"python", "pip"}
    assert conda_pkgs == set(pip), (
        f"only in environment.yml: {sorted(conda_pkgs - set(pip))}; "
        f"only in pyproject.toml: {sorted(set(pip) - conda_pkgs)}")


def test_versions_agree():
    pip = pip_dependencies()
    conda, _ = conda_dependencies()
    for name, req in pip.items():
        pinned = [s.version for s in req.specifier if s.operator == "=="]
        assert pinned, f"{name} must be pinned with == in pyproject.toml"
        assert conda_version_matches(conda[name], pinned[0]), (
            f"{name}: pyproject pins {pinned[0]}, environment.yml asks for {conda[name]}")


def test_python_and_torch_builds():
    conda, pip_section = conda_dependencies()
    assert conda["python"] == "3.11"
    assert "cpu" in conda["torch"], "environment.yml must ask for conda-forge's CPU PyTorch"
    assert str(pip_dependencies()["torch"].specifier) == "==2.13.0"
    assert "-e ." in pip_section, "environment.yml must install sgdlab itself"
    channels = yaml.safe_load((ROOT / "environment.yml").read_text())["channels"]
    assert channels == ["conda-forge"]


def test_version_check_would_catch_a_mismatch():
    assert not conda_version_matches("2.4.5", "2.4.6")
    assert conda_version_matches("2.13.0=cpu_*", "2.13.0")
    assert conda_version_matches("4.6.*", "4.6.6") and not conda_version_matches("4.5.*", "4.6.6")


def readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text()
    return re.findall(r"^(python3\.11 course\.py \w+)$", text, flags=re.M)


def test_readme_gives_the_two_commands_and_ci_runs_the_test_one():
    commands = readme_commands()
    assert "python3.11 course.py lab" in commands and "python3.11 course.py test" in commands
    ci = [line.strip() for line in (ROOT / ".ci/run").read_text().splitlines()
          if line.strip() and not line.lstrip().startswith("#")]
    assert ci[-1] == "python3.11 course.py test", "CI must end with README's test command"


def test_lab_command_opens_the_start_page():
    source = (ROOT / "course.py").read_text()
    start = re.search(r'START = "([^"]+)"', source).group(1)
    assert (ROOT / start).exists(), f"course.py opens {start}, which does not exist"


def test_readme_example_runs_and_gets_close_to_the_optimum(capsys):
    code = re.search(r"```python\n(.*?)```", (ROOT / "README.md").read_text(), re.S).group(1)
    namespace: dict = {}
    exec(compile(code, "README.md", "exec"), namespace)
    history, problem = namespace["history"], namespace["problem"]
    assert not history.diverged
    assert history.full_loss[-1] < 1.05 * problem.loss(problem.solve())
