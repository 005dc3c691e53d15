"""``course.py classroom-link`` and the Node.js step of ``course.py test``."""

from __future__ import annotations

import subprocess
import sys
import urllib.parse
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

import course_setup  # noqa: E402
from course_setup import classroom_link, repo_folder  # noqa: E402


def query(link: str) -> dict[str, str]:
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(link).query, strict_parsing=True))


def test_the_link_goes_through_the_hub_to_git_pull_and_opens_the_start_page():
    link = classroom_link("https://hub.example.edu", "https://github.com/sgdlab/sgd-lab")
    parts = urllib.parse.urlsplit(link)
    assert (parts.scheme, parts.netloc) == ("https", "hub.example.edu")
    assert parts.path == "/hub/user-redirect/git-pull"
    assert query(link) == {
        "repo": "https://github.com/sgdlab/sgd-lab",
        "branch": "main",
        "targetpath": "sgd-lab",
        "urlpath": "lab/tree/sgd-lab/notebooks/00_start_here.ipynb",
    }


def test_the_start_page_path_names_a_real_notebook():
    urlpath = query(classroom_link("https://h.edu", "https://x.org/a/sgd-lab"))["urlpath"]
    assert (ROOT / urlpath.removeprefix("lab/tree/sgd-lab/")).is_file()


@pytest.mark.parametrize("repo, folder", [
    ("https://github.com/sgdlab/sgd-lab.git", "sgd-lab"),
    ("https://gitlab.example.edu/teach/sgd-lab/", "sgd-lab"),
    ("git@github.com:sgdlab/course.git", "course"),
    ("file:///srv/courses/sgd-lab.git", "sgd-lab"),
])
def test_the_folder_is_the_repository_name_without_dot_git(repo, folder):
    link = classroom_link("http://127.0.0.1:8000/", repo)
    assert repo_folder(repo) == folder
    assert query(link)["targetpath"] == folder  # nbgitpuller would keep ".git"
    assert query(link)["urlpath"] == f"lab/tree/{folder}/notebooks/00_start_here.ipynb"


def test_a_hub_under_a_path_keeps_it_and_a_branch_and_folder_can_be_chosen():
    link = classroom_link("https://uni.edu/jupyter/", "https://x.org/sgd-lab", branch="term-2",
                          targetpath="courses/sgd")
    assert urllib.parse.urlsplit(link).path == "/jupyter/hub/user-redirect/git-pull"
    assert query(link)["branch"] == "term-2"
    assert query(link)["urlpath"] == "lab/tree/courses/sgd/notebooks/00_start_here.ipynb"


@pytest.mark.parametrize("kwargs, argument", [
    ({"hub": "hub.example.edu"}, "hub"),
    ({"hub": "ftp://hub.example.edu"}, "hub"),
    ({"hub": "https://hub.example.edu/?x=1"}, "hub"),
    ({"repo": "  "}, "repo"),
    ({"branch": ""}, "branch"),
    ({"targetpath": "/home/ada"}, "targetpath"),
    ({"targetpath": "../elsewhere"}, "targetpath"),
])
def test_bad_arguments_are_named(kwargs, argument):
    args = {"hub": "https://hub.example.edu", "repo": "https://x.org/sgd-lab", **kwargs}
    with pytest.raises(ValueError, match=rf"^{argument} "):
        classroom_link(**args)


def test_course_py_prints_the_link_without_setting_anything_up(tmp_path):
    out = subprocess.run([sys.executable, str(ROOT / "course.py"), "classroom-link",
                          "--hub", "https://hub.example.edu", "--repo",
                          "https://github.com/sgdlab/sgd-lab.git"],
                         capture_output=True, text=True, encoding="utf-8", cwd=tmp_path,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == classroom_link("https://hub.example.edu",
                                                "https://github.com/sgdlab/sgd-lab.git")
    bad = subprocess.run([sys.executable, str(ROOT / "course.py"), "classroom-link",
                          "--hub", "nohub", "--repo", "x"], capture_output=True, text=True,
                         encoding="utf-8", timeout=60)
    assert bad.returncode == 2 and "hub must be" in bad.stderr


def test_help_and_readme_mention_the_command():
    assert "classroom-link" in course_setup.__doc__
    assert "classroom-link" in (ROOT / "README.md").read_text(encoding="utf-8")


def test_without_npm_the_test_command_says_what_to_install(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(course_setup, "NODE_LOCK", ROOT / "package-lock.json")
    monkeypatch.setattr(course_setup, "PROXY", tmp_path / "no-proxy")
    monkeypatch.setattr(course_setup.shutil, "which", lambda name: None)
    assert course_setup.ensure_node_tools() is False
    out = capsys.readouterr().out
    assert "npm was not found" in out and "install Node.js 20 or newer" in out


def test_the_lock_pins_the_proxy_exactly():
    import json

    package = json.loads((ROOT / "package.json").read_text(encoding="utf-8"))
    lock = json.loads((ROOT / "package-lock.json").read_text(encoding="utf-8"))
    wanted = package["devDependencies"]["configurable-http-proxy"]
    assert wanted[0].isdigit(), "package.json must pin configurable-http-proxy exactly"
    assert lock["packages"]["node_modules/configurable-http-proxy"]["version"] == wanted
