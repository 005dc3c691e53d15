"""deploy/: the one-server config and the Helm values load, agree with each other and
with the sizing table in deploy/README.md, and the image they name gets nbgitpuller."""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from traitlets.config.loader import PyFileConfigLoader

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"


def hub_config():
    return PyFileConfigLoader("jupyterhub_config.py", path=str(DEPLOY)).load_config()


def helm_values() -> dict:
    return yaml.safe_load((DEPLOY / "values.yaml").read_text(encoding="utf-8"))


def sizing_table() -> dict[str, str]:
    """deploy/README.md's "in the configs" column: what -> value."""
    text = (DEPLOY / "README.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| (memory guarantee|memory limit|CPU guarantee|CPU limit) \|"
                      r"[^|]*\| `([^`]+)` \|", text, re.M)
    return dict(rows)


def test_the_one_server_config_loads_and_sizes_each_student():
    spawner = hub_config().Spawner
    assert spawner.default_url == "/lab"
    assert spawner.mem_limit and spawner.mem_guarantee
    assert 0 < spawner.cpu_guarantee <= spawner.cpu_limit
    assert spawner.environment["OPENBLAS_NUM_THREADS"] == "1"


def test_helm_values_and_the_one_server_config_agree():
    spawner, single = hub_config().Spawner, helm_values()["singleuser"]
    assert single["memory"] == {"guarantee": spawner.mem_guarantee, "limit": spawner.mem_limit}
    assert single["cpu"] == {"guarantee": spawner.cpu_guarantee, "limit": spawner.cpu_limit}
    assert single["extraEnv"] == spawner.environment
    assert single["defaultUrl"] == spawner.default_url


def test_the_sizing_table_is_the_one_the_configs_use():
    table, spawner = sizing_table(), hub_config().Spawner
    assert table == {"memory guarantee": spawner.mem_guarantee,
                     "memory limit": spawner.mem_limit,
                     "CPU guarantee": str(spawner.cpu_guarantee),
                     "CPU limit": str(spawner.cpu_limit)}


def test_the_image_gets_nbgitpuller_at_the_locked_version():
    post = (ROOT / "postBuild").read_text(encoding="utf-8")
    assert "pip install --no-deps -c constraints.txt nbgitpuller" in post
    assert "--target-repo-dir" in (DEPLOY / "values.yaml").read_text(encoding="utf-8")


def test_the_guides_link_each_other():
    exercises = (ROOT / "exercises" / "README.md").read_text(encoding="utf-8")
    assert "../deploy/README.md" in exercises
    guide = (DEPLOY / "README.md").read_text(encoding="utf-8")
    assert "course.py classroom-link" in guide
