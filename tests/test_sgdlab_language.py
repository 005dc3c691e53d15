"""sgdlab speaks the language of the notebook that calls it: Chinese in notebooks/zh/ and
exercises/zh/ (their ``.sgdlab-lang`` file), English elsewhere, ``SGDLAB_LANG`` first.
Its Chinese catalog is complete for every ``_()`` message and holds nothing stale."""

from __future__ import annotations

import ast
import importlib.util
import re
import string
import sys
from pathlib import Path

import polib
import pytest

from sgdlab import i18n
from sgdlab.checks import CheckFailed, ex01

ROOT = Path(__file__).resolve().parents[1]
CATALOG = i18n.catalog_path("zh_CN")
_spec = importlib.util.spec_from_file_location("i18n_script", ROOT / "scripts" / "i18n.py")
script = sys.modules.get("i18n_script") or importlib.util.module_from_spec(_spec)
if "i18n_script" not in sys.modules:
    sys.modules["i18n_script"] = script
    _spec.loader.exec_module(script)

HAN = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(autouse=True)
def _no_language_variable(monkeypatch):
    monkeypatch.delenv(i18n.LANG_VARIABLE, raising=False)


def gd_step(w, g, lr):
    return w - lr * g


def gd_step_uphill(w, g, lr):
    return w + lr * g


def gd_step_stub(w, g, lr):
    raise NotImplementedError("Student exercise: write gd_step")


# --- which language -----------------------------------------------------------------------
def test_the_language_comes_from_the_variable_then_the_folder_then_english(tmp_path,
                                                                           monkeypatch):
    assert i18n.language(tmp_path) == "en"
    (tmp_path / i18n.MARKER).write_text("zh_CN\n", encoding="utf-8")
    assert i18n.language(tmp_path) == "zh_CN"
    monkeypatch.setenv(i18n.LANG_VARIABLE, "en")
    assert i18n.language(tmp_path) == "en"
    monkeypatch.setenv(i18n.LANG_VARIABLE, "zh")
    assert i18n.language(ROOT) == "zh_CN"


def test_language_names_are_normalised_and_unknown_ones_fall_back_to_english():
    for name in ("zh", "zh_CN", "zh-CN", "zh_CN.UTF-8", "ZH-cn"):
        assert i18n.normalise(name) == "zh_CN"
    for name in ("", "en", "en_GB", "fr", "klingon"):
        assert i18n.normalise(name) == "en"


def test_the_generated_folders_are_marked_chinese():
    assert i18n.language(ROOT / "notebooks" / "zh") == "zh_CN"
    assert i18n.language(ROOT / "exercises" / "zh") == "zh_CN"
    assert i18n.language(ROOT / "notebooks") == "en"


# --- what a learner reads -------------------------------------------------------------------
def test_a_check_speaks_chinese_in_the_chinese_notebooks(monkeypatch, capsys):
    monkeypatch.chdir(ROOT / "exercises" / "zh")
    ex01.check_gd_step(gd_step)
    out = capsys.readouterr().out
    assert "✓ gd_step 通过了" in out and "passed" not in out
    with pytest.raises(CheckFailed) as failure:
        ex01.check_gd_step(gd_step_stub)
    assert "还没有作答" in failure.value.message


def test_the_same_check_speaks_english_elsewhere(monkeypatch, capsys, tmp_path):
    monkeypatch.chdir(tmp_path)
    ex01.check_gd_step(gd_step)
    out = capsys.readouterr().out
    assert "✓ gd_step passed" in out and not HAN.search(out)
    with pytest.raises(CheckFailed) as failure:
        ex01.check_gd_step(gd_step_stub)
    assert failure.value.message.startswith("not attempted yet")


def test_a_diagnosis_keeps_its_evidence_and_its_first_line_contract_in_chinese(monkeypatch):
    monkeypatch.setenv(i18n.LANG_VARIABLE, "zh_CN")
    with pytest.raises(CheckFailed) as failure:
        ex01.check_gd_step(gd_step_uphill)
    lines = failure.value.message.splitlines()
    assert lines[0] == "每一步都在往上坡走，而不是往下坡"  # the mistake, named in Chinese
    assert "返回" in failure.value.message and "应为" in failure.value.message
    monkeypatch.setenv("SGDLAB_FEEDBACK", "graded")
    from sgdlab.checks import _feedback
    monkeypatch.setitem(_feedback._seen, "graded", False)  # undo the sticky mode after
    with pytest.raises(CheckFailed) as graded:
        ex01.check_gd_step(lambda w, g, lr: None)
    first = graded.value.message
    assert "\n" not in first and HAN.search(first)
    assert not re.search(r"[=(`\d]", first), first
    assert lines[0]  # the self-study message had a first line too


def test_an_explorer_status_line_speaks_chinese(monkeypatch):
    from sgdlab.widgets.intro import intro_verdict

    english, ok = intro_verdict(1.5)
    assert english.startswith("approaching the minimum") and ok
    monkeypatch.setenv(i18n.LANG_VARIABLE, "zh_CN")
    chinese, ok_zh = intro_verdict(1.5)
    assert HAN.search(chinese) and ok_zh == ok
    assert "-0.5" in chinese  # the numbers are the same


def _ex09_answers():
    return [("classify_stationary_point", lambda hessian, tol=1e-9: "Saddle", "四个标签"),
            ("classify_stationary_point", lambda hessian, tol=1e-9: "minimum", "被判成了"),
            ("escape_steps", lambda lr, curvature, offset, radius: 3.0, "int 类型"),
            ("escape_steps", lambda lr, curvature, offset, radius: "3", "整数步数"),
            ("adamw_step", lambda *args, **kwargs: (1, 2), "三个数组")]


@pytest.mark.parametrize("task, answer, chinese", _ex09_answers(),
                         ids=[f"{t}-{c}" for t, _a, c in _ex09_answers()])
def test_ex09_shape_and_type_messages_speak_chinese(task, answer, chinese, monkeypatch):
    """The messages about a result of the wrong kind, in notebook 09's exercises."""
    from sgdlab.checks import ex09

    monkeypatch.setenv(i18n.LANG_VARIABLE, "zh_CN")
    with pytest.raises(CheckFailed) as failure:
        getattr(ex09, f"check_{task}")(answer)
    message = failure.value.message
    assert chinese in message, message
    assert not re.search(r"\bthe (result|first)\b|\breturn one of\b|\bclassified\b",
                         message), message


# --- the catalog ----------------------------------------------------------------------------
def _po() -> polib.POFile:
    return polib.pofile(str(CATALOG), encoding="utf-8", wrapwidth=0)


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def test_every_message_in_the_code_has_a_chinese_translation():
    po = _po()
    missing = [m for m in script.sgdlab_messages()
               if (e := po.find(m)) is None or not e.msgstr or "fuzzy" in e.flags]
    assert missing == [], f"{len(missing)} untranslated: run python scripts/i18n.py update"


def test_no_catalog_entry_is_stale():
    literals = script.sgdlab_literals()
    stale = [e.msgid for e in _po() if e.msgid not in literals]
    assert stale == [], "these English texts are no longer in sgdlab's code"


def test_the_catalog_is_as_update_writes_it():
    assert script.po_text(script.sgdlab_catalog()) == CATALOG.read_text(encoding="utf-8")


def test_translations_keep_placeholders_and_line_structure():
    for entry in _po():
        assert _fields(entry.msgstr) == _fields(entry.msgid), entry.msgid
        assert entry.msgstr.count("\n") == entry.msgid.count("\n"), entry.msgid
        assert entry.msgstr.startswith("\n") == entry.msgid.startswith("\n"), entry.msgid


def _mistake_first_lines() -> set[str]:
    """The ``failed`` text (a message's first line) of every Mistake in the checks."""
    out = set()
    for path in sorted((ROOT / "sgdlab" / "checks").glob("ex*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Mistake"
                    and len(node.args) >= 2 and isinstance(node.args[1], ast.Constant)):
                out.add(node.args[1].value)
    return out


def test_translated_first_lines_keep_the_graded_contract():
    """In graded mode only a message's first line is shown: in Chinese too it names the
    failed property in words, with no number and no code."""
    po = _po()
    firsts = _mistake_first_lines()
    assert len(firsts) > 100
    translated = [e for e in po if e.msgid in firsts and e.msgstr]
    assert translated, "no mistake is translated yet"
    for entry in translated:
        words = re.sub(r"\bfloat32\b", "", entry.msgstr)  # a dtype's name, as in English
        assert HAN.search(words) and not re.search(r"[=(`\d]", words), (
            entry.msgid, entry.msgstr)


def test_no_compiled_catalog_is_committed():
    assert not list((ROOT / "sgdlab" / "locale").rglob("*.mo"))


# --- every translated explorer, at the ends of its controls -----------------------------------
EXPLORERS = [("sgdlab.widgets.intro", "ParabolaExplorer"),
             ("sgdlab.widgets.gd", "LearningRateExplorer"),
             ("sgdlab.widgets.sgd", "SGDExplorer"),
             ("sgdlab.widgets.minibatch", "MinibatchExplorer"),
             ("sgdlab.widgets.momentum", "MomentumExplorer"),
             ("sgdlab.widgets.schedules", "ScheduleExplorer"),
             ("sgdlab.widgets.adaptive", "AdaptiveExplorer"),
             ("sgdlab.widgets.sklearn", "SklearnExplorer"),
             ("sgdlab.widgets.torch_sgd", "TorchSGDExplorer"),
             ("sgdlab.widgets.saddle", "SaddleExplorer")]


def _ends(control) -> list:
    if isinstance(control.value, bool):  # a checkbox
        return [False, True]
    options = getattr(control, "options", None)
    if options:
        values = [o[1] if isinstance(o, tuple) else o for o in options]
        return [values[0], values[-1]]
    return [control.min, control.max]


@pytest.mark.parametrize("module, name", EXPLORERS, ids=[n for _, n in EXPLORERS])
def test_an_explorer_speaks_chinese_at_every_end_of_its_controls(module, name, monkeypatch):
    """Each status line is drawn without error and in Chinese (every template formats),
    while the figure's own text stays English."""
    import importlib

    monkeypatch.setenv(i18n.LANG_VARIABLE, "zh_CN")
    explorer = getattr(importlib.import_module(module), name)()
    for key, control in explorer.controls.items():
        for value in _ends(control):
            explorer.set(**{key: value})
            assert explorer.error is None, (key, value, explorer.status.value)
            assert HAN.search(explorer.status.value), (key, value, explorer.status.value)
    titles = [t.get_text() for ax in explorer.fig.axes for t in (ax.title, ax.xaxis.label)]
    assert not any(HAN.search(t) for t in titles), titles
