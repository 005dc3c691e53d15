"""The Chinese edition cannot drift behind the English.

The catalogs in i18n/zh_CN/ translate every Markdown cell and README block, none fuzzy,
none stale; the generated notebooks/zh/, exercises/zh/ and README.zh-CN.md are what
``scripts/i18n.py build`` writes now; translations keep the maths and code spans and use
the glossary's terms. A copy of the project with a planted stale translation shows that
each of these checks can fail.
"""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("i18n_script", ROOT / "scripts" / "i18n.py")
i18n = importlib.util.module_from_spec(_spec)
sys.modules["i18n_script"] = i18n
_spec.loader.exec_module(i18n)

DOCS = i18n.all_documents()
HAN = re.compile(r"[\u4e00-\u9fff]")


def _id(path: Path) -> str:
    return str(path.relative_to(ROOT))


# --- the real catalogs and generated files -------------------------------------------------
@pytest.mark.parametrize("doc", DOCS, ids=_id)
def test_every_piece_is_translated_current_and_not_fuzzy(doc):
    problems = i18n.catalog_problems(doc)
    assert not problems, (f"{len(problems)} problem(s), e.g. {problems[:3]}; after an English "
                          "edit: python scripts/i18n.py update, revise the fuzzy entries, "
                          "python scripts/i18n.py build")


@pytest.mark.parametrize("doc", DOCS, ids=_id)
def test_translations_keep_maths_and_code_spans(doc):
    po = i18n.load_catalog(doc)
    bad = [(e.msgctxt, i18n.kept_problems(e.msgid, e.msgstr)) for e in po if e.msgstr]
    assert [b for b in bad if b[1]] == []


@pytest.mark.parametrize("doc", DOCS, ids=_id)
def test_translations_use_the_glossary(doc):
    assert i18n.glossary_problems(doc) == []


def test_generated_chinese_files_are_up_to_date():
    try:
        stale = i18n.stale_outputs()
    except i18n.MissingTranslation as missing:
        pytest.fail(f"the Chinese edition cannot be built: {missing}")
    assert not stale, ("run python scripts/i18n.py build: "
                       f"{[str(p.relative_to(ROOT)) for p in stale]}")


def _code_cells(path: Path) -> list[tuple[str, str]]:
    nb = json.loads(path.read_text(encoding="utf-8"))
    return [(c["id"], "".join(c["source"])) for c in nb["cells"] if c["cell_type"] == "code"]


@pytest.mark.parametrize("doc", i18n.documents(), ids=_id)
def test_code_cells_are_the_english_ones(doc):
    twin = i18n.output_path(doc)
    english = ROOT / "exercises" / doc.name if doc.parent.name == "solutions" else doc
    assert twin.exists(), f"run python scripts/i18n.py build: {twin.name} is missing"
    assert _code_cells(twin) == _code_cells(english)


def _alts(path: Path) -> dict[str, str]:
    nb = json.loads(path.read_text(encoding="utf-8"))
    return {c["id"]: alt for c in nb["cells"] if (alt := i18n.alt_text(c))}


@pytest.mark.parametrize("doc", [d for d in i18n.documents() if d.parent.name == "notebooks"],
                         ids=_id)
def test_figure_alt_texts_are_in_the_catalog_and_chinese_in_the_twin(doc):
    """The website's alt text of each figure (code-cell metadata) is a catalog entry;
    the twin carries its translation, its code cells stay the English ones."""
    english, chinese = _alts(doc), _alts(i18n.output_path(doc))
    assert english.keys() == chinese.keys()
    po = i18n.load_catalog(doc)
    for cell_id, alt in english.items():
        entry = po.find(cell_id + i18n.ALT, by="msgctxt")
        assert entry is not None and entry.msgid == alt, cell_id
        assert chinese[cell_id] == entry.msgstr and HAN.search(chinese[cell_id]), cell_id


def test_a_changed_alt_text_is_stale(tmp_path, monkeypatch):
    doc = ROOT / "notebooks" / "00_start_here.ipynb"
    nb = json.loads(doc.read_text(encoding="utf-8"))
    cell = next(c for c in nb["cells"] if i18n.alt_text(c))
    cell["metadata"]["mystnb"]["image"]["alt"] += " Changed."
    copy = tmp_path / "notebooks" / doc.name
    copy.parent.mkdir()
    copy.write_text(json.dumps(nb), encoding="utf-8")
    monkeypatch.setattr(i18n, "ROOT", tmp_path)
    monkeypatch.setattr(i18n, "CATALOGS", tmp_path / "i18n" / "zh_CN")
    (tmp_path / "i18n" / "zh_CN" / "notebooks").mkdir(parents=True)
    shutil.copy2(ROOT / "i18n" / "zh_CN" / "notebooks" / "00_start_here.po",
                 tmp_path / "i18n" / "zh_CN" / "notebooks" / "00_start_here.po")
    problems = i18n.catalog_problems(copy)
    assert any(f"{cell['id']}/alt: stale" in p for p in problems), problems


def test_each_generated_folder_tells_sgdlab_its_language():
    for folder in ("notebooks", "exercises"):
        marker = ROOT / folder / i18n.SUBDIR / i18n.MARKER
        assert marker.read_text(encoding="utf-8").strip() == "zh_CN"


def test_the_chinese_readme_says_figure_labels_stay_english():
    text = (ROOT / i18n.README_OUT).read_text(encoding="utf-8")
    assert "图中的坐标轴标签" in text and "保持英文" in text
    assert "[English](README.md)" in text


# --- the pieces of the machinery ----------------------------------------------------------
def test_maths_and_code_spans_are_found_and_must_be_kept():
    msgid = "Take $\\eta < 2/L$ and call `run(lr)`; then $$L(w) = \\tfrac12 w^2$$ holds."
    assert i18n.protected(msgid) == ["`run(lr)`", "$\\eta < 2/L$", "$$L(w) = \\tfrac12 w^2$$"]
    good = "取 $\\eta < 2/L$ 并调用 `run(lr)`；于是 $$L(w) = \\tfrac12 w^2$$ 成立。"
    assert i18n.kept_problems(msgid, good) == []
    changed = "取 $\\eta<2/L$ 并调用 `run(lr)`；于是 $$L(w) = \\tfrac12 w^2$$ 成立。"
    assert i18n.kept_problems(msgid, changed) == ["$\\eta < 2/L$"]
    dropped = "取 $\\eta < 2/L$ 并调用 run(lr)；于是 $$L(w) = \\tfrac12 w^2$$ 成立。"
    assert i18n.kept_problems(msgid, dropped) == ["`run(lr)`"]


def test_solution_markers_must_stay_on_their_own_lines():
    msgid = "Answer:\n\n<!-- BEGIN SOLUTION -->\nIt converges.\n<!-- END SOLUTION -->"
    assert i18n.kept_problems(msgid, "回答：\n\n<!-- BEGIN SOLUTION -->\n它收敛。\n"
                                     "<!-- END SOLUTION -->") == []
    assert i18n.kept_problems(msgid, "回答：\n<!-- BEGIN SOLUTION -->\n它收敛。"
                                     "<!-- END SOLUTION -->") == ["<!-- END SOLUTION -->"]


def test_glossary_terms_are_matched_as_words_longest_first():
    terms = {"gradient descent": "梯度下降", "gradient": "梯度", "learning rate": "学习率",
             "loss": "损失"}
    msgid = "Gradient descent follows the gradients; the learning rate is `loss`. Glossy."
    assert i18n.missing_terms(msgid, "梯度下降沿着梯度前进；学习率", terms) == []
    assert i18n.missing_terms(msgid, "梯度下降沿着斜率前进；步长", terms) == ["learning rate"]
    # "gradient descent" alone does not ask for a separate 梯度 (it contains it anyway),
    # "loss" in a code span and "Glossy" are not the term
    assert i18n.missing_terms("Gradient descent. Lossless.", "梯度下降", terms) == []


def test_the_glossary_file_reads_and_fixes_the_standard_terms():
    terms, exceptions = i18n.read_glossary()
    for english, chinese in {"stochastic gradient descent": "随机梯度下降",
                             "learning rate": "学习率", "minibatch": "小批量",
                             "momentum": "动量", "batch size": "批量大小",
                             "converge": "收敛", "saddle point": "鞍点"}.items():
        assert terms[english] == chinese
    assert all(reason.strip() for reason in exceptions.values())


def test_glossary_exceptions_need_a_reason(tmp_path):
    path = tmp_path / "glossary.tsv"
    path.write_text("loss\t损失\n!exception\tnotebooks/05_pytorch.po\tabc\tloss\n",
                    encoding="utf-8")
    with pytest.raises(ValueError, match="reason"):
        i18n.read_glossary(path)


def test_readme_blocks_give_the_readme_back_and_keep_code_fences_out():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = i18n.readme_blocks(text)
    assert "".join(b.text for b in blocks) == text
    assert any(b.key is None and b.text.startswith("```") for b in blocks)
    assert not any(b.key and "```" in b.text for b in blocks)
    keys = [b.key for b in blocks if b.key]
    assert len(keys) == len(set(keys)) > 20


def test_links_point_at_the_chinese_twins():
    nb_dir, zh_dir = ROOT / "notebooks", ROOT / "notebooks" / "zh"
    text = ("[next](02_stochastic_gradient_descent.ipynb#top) [ex](../exercises/04_momentum."
            "ipynb) [guide](../exercises/README.md) [web](https://pytorch.org) [here](#a)")
    assert i18n.relink(text, nb_dir, zh_dir) == (
        "[next](02_stochastic_gradient_descent.ipynb#top) "
        "[ex](../../exercises/zh/04_momentum.ipynb) [guide](../../exercises/README.md) "
        "[web](https://pytorch.org) [here](#a)")
    assert i18n.relink("[a](notebooks/01_gradient_descent.ipynb)", ROOT, ROOT) == (
        "[a](notebooks/zh/01_gradient_descent.ipynb)")


def test_navigation_is_in_chinese():
    start = json.loads((ROOT / "notebooks/zh/00_start_here.ipynb").read_text(encoding="utf-8"))
    index = next("".join(c["source"]) for c in start["cells"] if c["id"] == "nav-index")
    assert "阅读时间" in index and "../../exercises/zh/01_gradient_descent.ipynb" in index
    nb = json.loads((ROOT / "notebooks/zh/01_gradient_descent.ipynb").read_text(
        encoding="utf-8"))
    top = "".join(nb["cells"][0]["source"])
    assert top.startswith("SGD Lab · [⌂ 首页](00_start_here.ipynb)") and "阅读时间" in top
    assert i18n.duration_zh(95) == "1 小时 35 分钟" and i18n.duration_zh(40) == "40 分钟"


# --- a planted stale translation makes the checks fail ---------------------------------------
def _project_copy(tmp_path: Path) -> Path:
    root = tmp_path / "course"
    for name in ("scripts", "notebooks", "exercises", "i18n"):
        shutil.copytree(ROOT / name, root / name,
                        ignore=shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints"))
    shutil.copy(ROOT / "README.md", root / "README.md")
    return root


def _fill(root: Path) -> None:
    """A stand-in translation of every catalog: the English with the glossary's terms
    added (enough for the machinery, which never judges the Chinese itself)."""
    terms, _ = i18n.read_glossary(root / "i18n" / "zh_CN" / "glossary.tsv")
    for path in (root / "i18n" / "zh_CN").rglob("*.po"):
        po = polib.pofile(str(path), encoding="utf-8", wrapwidth=0)
        for entry in po:
            entry.msgstr = entry.msgid + "\n\n【译】" + "".join(
                terms[t] for t in i18n.missing_terms(entry.msgid, "", terms))
            entry.flags = [f for f in entry.flags if f != "fuzzy"]
            entry.previous_msgid = None
        path.write_text(str(po) + "\n", encoding="utf-8")


def _run(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(root / "scripts" / "i18n.py"), *args],
                          cwd=root, capture_output=True, text=True, encoding="utf-8",
                          timeout=300)


def test_a_planted_stale_translation_fails_the_check(tmp_path):
    root = _project_copy(tmp_path)
    _fill(root)
    built = _run(root, "build")
    assert built.returncode == 0, built.stderr
    ok = _run(root, "check")
    assert ok.returncode == 0, ok.stdout[-2000:]
    zh = json.loads((root / "notebooks/zh/04_momentum.ipynb").read_text(encoding="utf-8"))
    assert any("【译】" in "".join(c["source"]) for c in zh["cells"])

    # the English is edited after translation: the catalog is stale
    path = root / "notebooks" / "04_momentum.ipynb"
    nb = json.loads(path.read_text(encoding="utf-8"))
    cell = next(c for c in nb["cells"] if c["cell_type"] == "markdown"
                and "nav" not in c["metadata"].get("tags", []) and "$" in "".join(c["source"]))
    cell["source"] = ["".join(cell["source"]).replace("$", "$$", 1) + " (edited)"]
    path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    stale = _run(root, "check")
    assert stale.returncode == 1
    assert f"{cell['id']}: stale" in stale.stdout
    assert _run(root, "build").returncode == 1  # build refuses a stale translation

    # update keeps the old translation as fuzzy: still refused, now as fuzzy
    assert _run(root, "update").returncode == 0
    po = polib.pofile(str(root / "i18n/zh_CN/notebooks/04_momentum.po"), encoding="utf-8")
    entry = po.find(cell["id"], by="msgctxt")
    assert "fuzzy" in entry.flags and entry.previous_msgid and entry.msgstr
    fuzzy = _run(root, "check")
    assert fuzzy.returncode == 1 and f"{cell['id']}: fuzzy" in fuzzy.stdout


def test_a_hand_edited_generated_file_or_changed_maths_fails_the_check(tmp_path):
    root = _project_copy(tmp_path)
    _fill(root)
    assert _run(root, "build").returncode == 0
    target = root / "notebooks" / "zh" / "02_stochastic_gradient_descent.ipynb"
    target.write_text(target.read_text(encoding="utf-8").replace("【译】", "", 1),
                      encoding="utf-8")
    po_path = root / "i18n/zh_CN/notebooks/01_gradient_descent.po"
    po = polib.pofile(str(po_path), encoding="utf-8", wrapwidth=0)
    entry = next(e for e in po if re.search(r"\$[^$]+\$", e.msgid))
    entry.msgstr = entry.msgstr.replace("$", "", 2)
    untranslated = po[0]
    untranslated.msgstr = ""
    po_path.write_text(str(po) + "\n", encoding="utf-8")
    out = _run(root, "check").stdout
    assert "notebooks/zh/02_stochastic_gradient_descent.ipynb: stale" in out
    assert f"{entry.msgctxt}: maths or code changed or missing" in out
    assert f"{untranslated.msgctxt}: not translated" in out
