"""The set-up files agree: pyproject's ranges, the lock, conda's environment.yml,
Binder's postBuild, README and CI."""

import re
import tomllib
from pathlib import Path

import yaml
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
CONDA_NAMES = {"pytorch": "torch", "matplotlib-base": "matplotlib"}  # conda -> PyPI
README_COMMANDS = ("python3 course.py lab", "python3 course.py test")


def read(name: str) -> str:
    return (ROOT / name).read_text(encoding="utf-8")


def pip_dependencies() -> dict[str, Requirement]:
    project = tomllib.loads(read("pyproject.toml"))["project"]
    reqs = [Requirement(r) for r in project["dependencies"]]
    return {r.name.lower(): r for r in reqs}


def extra_requirements(extra: str) -> dict[str, Requirement]:
    """An extra's requirements; one that names the project itself (``sgdlab[classroom]``)
    stands for that extra's requirements."""
    project = tomllib.loads(read("pyproject.toml"))["project"]
    out: dict[str, Requirement] = {}
    for line in project["optional-dependencies"][extra]:
        req = Requirement(line)
        if req.name.lower() == project["name"]:
            for other in sorted(req.extras):
                out.update(extra_requirements(other))
        else:
            out[req.name.lower()] = req
    return out


def all_extras() -> dict[str, Requirement]:
    project = tomllib.loads(read("pyproject.toml"))["project"]
    out: dict[str, Requirement] = {}
    for extra in project["optional-dependencies"]:
        out.update(extra_requirements(extra))
    return out


def test_extras() -> dict[str, Requirement]:
    return extra_requirements("test")


test_extras.__test__ = False  # a helper, not a test


def test_the_test_command_installs_what_the_classroom_test_needs():
    """course.py test installs .[test]; tests/test_classroom.py runs JupyterHub and
    nbgitpuller, so the test extra must bring the classroom extra."""
    assert set(extra_requirements("classroom")) <= set(test_extras())
    assert {"jupyterhub", "nbgitpuller"} <= set(extra_requirements("classroom"))


def lock() -> dict[str, list[Requirement]]:
    """constraints.txt as name -> its lines (a name may have one line per marker)."""
    out: dict[str, list[Requirement]] = {}
    for line in read("constraints.txt").splitlines():
        line = line.split("#")[0].strip()
        if line:
            req = Requirement(line)
            out.setdefault(req.name.lower().replace("_", "-"), []).append(req)
    return out


def locked(name: str) -> str:
    """The version the lock gives ``name`` on this Python."""
    for req in lock()[name.replace("_", "-")]:
        if req.marker is None or req.marker.evaluate():
            (spec,) = req.specifier
            assert spec.operator == "==", f"constraints.txt must pin {name} with =="
            return spec.version
    raise AssertionError(f"constraints.txt has no line for {name} on this Python")


def conda_dependencies() -> tuple[dict[str, str], list]:
    env = yaml.safe_load(read("environment.yml"))
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


def test_metadata_declares_ranges_not_pins():
    for _name, req in {**pip_dependencies(), **all_extras()}.items():
        ops = {s.operator for s in req.specifier}
        assert ops and ops <= {">=", "<", "!=", "~="}, (
            f"pyproject.toml: {req} — declare a compatible range; exact versions belong "
            "in constraints.txt")


def test_every_dependency_is_locked_inside_its_range():
    locked_names = lock()
    for name, req in {**pip_dependencies(), **all_extras()}.items():
        assert name in locked_names, f"{name} is not in constraints.txt"
        version = locked(name)
        assert req.specifier.contains(version, prereleases=True), (
            f"constraints.txt locks {name}=={version}, outside pyproject's {req.specifier}")


def test_lock_pins_everything_exactly_and_once_per_python():
    for name, reqs in lock().items():
        for req in reqs:
            assert [s.operator for s in req.specifier] == ["=="], f"{req}: pin with =="
            assert "+" not in str(req.specifier), f"{req}: no local version labels"
        if len(reqs) > 1:  # alternatives must be told apart by their markers
            assert all(r.marker is not None for r in reqs), f"{name}: give each line a marker"


def test_conda_lists_the_same_packages_as_pyproject():
    conda, pip_section = conda_dependencies()
    conda_pkgs = set(conda) - {"python", "pip"}
    assert conda_pkgs == set(pip_dependencies()), (
        f"only in environment.yml: {sorted(conda_pkgs - set(pip_dependencies()))}; "
        f"only in pyproject.toml: {sorted(set(pip_dependencies()) - conda_pkgs)}")
    assert pip_section == [], "environment.yml: only the environment (postBuild installs sgdlab)"


def test_conda_versions_agree_with_the_lock():
    conda, _ = conda_dependencies()
    for name in pip_dependencies():
        assert conda_version_matches(conda[name], locked(name)), (
            f"{name}: constraints.txt locks {locked(name)}, environment.yml asks {conda[name]}")


def test_binder_is_lean_and_installs_the_project_after_the_environment():
    conda, _ = conda_dependencies()
    text = read("environment.yml")
    assert re.search(r"^\s*-\s*matplotlib-base=", text, re.M), "use lean matplotlib-base"
    assert "cpu" in conda["torch"], "environment.yml must ask for conda-forge's CPU PyTorch"
    assert yaml.safe_load(text)["channels"] == ["conda-forge"]
    post = read("postBuild")
    assert "pip install --no-deps -e ." in post
    assert (ROOT / "postBuild").stat().st_mode & 0o111, "postBuild must be executable"
    python = conda["python"]
    assert SpecifierSet(tomllib.loads(read("pyproject.toml"))["project"]["requires-python"]
                        ).contains(python + ".0")


def test_requires_python_is_open_ended_from_311():
    spec = SpecifierSet(tomllib.loads(read("pyproject.toml"))["project"]["requires-python"])
    for version in ("3.11.0", "3.12.1", "3.13.0", "3.14.0"):
        assert spec.contains(version), f"requires-python must admit {version}"
    assert not spec.contains("3.10.12")


def test_version_check_would_catch_a_mismatch():
    assert not conda_version_matches("2.4.5", "2.4.6")
    assert conda_version_matches("2.13.0=cpu_*", "2.13.0")
    assert conda_version_matches("4.6.*", "4.6.6") and not conda_version_matches("4.5.*", "4.6.6")


def test_readme_gives_the_two_commands_and_ci_runs_the_test_one():
    text = read("README.md")
    for command in README_COMMANDS:
        assert re.search(rf"^{re.escape(command)}$", text, re.M), f"README lacks {command}"
        windows = command.replace("python3 ", "py ")
        assert re.search(rf"^{re.escape(windows)}$", text, re.M), f"README lacks {windows}"
    ci = [line.strip() for line in read(".ci/run").splitlines()
          if line.strip() and not line.lstrip().startswith("#")]
    assert "python3 course.py test" in ci, "CI must run README's test command as it is"


def test_lab_command_opens_the_start_page():
    source = read("scripts/course_setup.py")
    start = re.search(r'START = "([^"]+)"', source).group(1)
    assert (ROOT / start).exists(), f"course.py opens {start}, which does not exist"


def test_readme_example_runs_and_gets_close_to_the_optimum(capsys):
    code = re.search(r"```python\n(.*?)```", read("README.md"), re.S).group(1)
    namespace: dict = {}
    exec(compile(code, "README.md", "exec"), namespace)
    history, problem = namespace["history"], namespace["problem"]
    assert not history.diverged
    assert history.full_loss[-1] < 1.05 * problem.loss(problem.solve())


def test_the_test_extra_brings_the_site_tools():
    """tests/test_site.py builds the website, and CI installs only .[test]."""
    project = tomllib.loads(read("pyproject.toml"))["project"]
    site = {Requirement(r).name.lower(): Requirement(r)
            for r in project["optional-dependencies"]["site"]}
    tests = test_extras()
    for name, req in site.items():
        assert name in tests, f"pyproject.toml: {name} is in the site extra, not in test"
        assert tests[name].specifier == req.specifier, f"{name}: the two extras disagree"
        assert req.specifier.contains(locked(name), prereleases=True)
