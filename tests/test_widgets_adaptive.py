"""AdaptiveExplorer driven through its real controls: every menu entry, both sliders
over their whole range, divergence flagged exactly where theory says (for SGD and
momentum on the quadratics), and the invariances the notebook relies on."""

import math
import warnings

import numpy as np
import pytest

from sgdlab.compare import OPTIMIZERS
from sgdlab.widgets.adaptive import CHOICES, PROBLEMS, AdaptiveExplorer

MARGIN = 0.05  # settings within 5 % of a stability boundary are not used for the flag check
QUADRATICS = PROBLEMS[:2]


def lr_positions(slider) -> np.ndarray:
    """Every value the FloatLogSlider can take, from its own min, max, step and base."""
    count = round((slider.max - slider.min) / slider.step) + 1
    return slider.base ** (slider.min + slider.step * np.arange(count))


def beta_positions(slider) -> np.ndarray:
    count = round((slider.max - slider.min) / slider.step) + 1
    return np.round(slider.min + slider.step * np.arange(count), 10)


def every_kth(values: np.ndarray, k: int) -> np.ndarray:
    """Every k-th value, always with both extremes."""
    picked = list(values[::k])
    if picked[-1] != values[-1]:
        picked.append(values[-1])
    return np.array(picked)


def limits(problem, beta: float) -> dict[str, float]:
    """Theory's stability bounds on lr: GD 2/L, heavy ball 2(1 + beta)/L; L from the Hessian."""
    L = float(np.linalg.eigvalsh(problem.hessian(np.zeros(2)))[-1])
    return {"SGD": 2.0 / L, "momentum": 2.0 * (1.0 + beta) / L}


@pytest.fixture(scope="module")
def explorer():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return AdaptiveExplorer()


def check_setting(explorer, previous: bytes) -> bytes:
    """What must hold after any change of a control."""
    values = explorer.values
    assert explorer.error is None, f"{values}: {explorer.error!r}"
    image = explorer.image.value
    assert image[:8] == b"\x89PNG\r\n\x1a\n"
    assert image != previous, f"the picture did not change at {values}"
    result = explorer.result
    wanted = OPTIMIZERS if values["optimizer"] == "all" else (values["optimizer"],)
    assert tuple(result.histories) == tuple(wanted)
    for name, h in result.histories.items():
        assert math.isclose(h.lr[0], values["lr"], rel_tol=1e-12)
        assert (f"{name}: diverged at step" in explorer.status.value) == h.diverged
        line = explorer.path_lines[values["problem"]][name]
        assert len(line.get_xdata()) > 0, f"{name} should be drawn"
        assert (len(explorer.blowup_markers[name].get_xdata()) == 1) == h.diverged
        if not h.diverged:
            assert h.steps == explorer.steps[values["problem"]]
    for name in set(OPTIMIZERS) - set(wanted):
        assert len(explorer.loss_lines[name].get_xdata()) == 0, f"{name} should be hidden"
    visible = [p for p, ax in explorer.path_axes.items() if ax.get_visible()]
    assert visible == [values["problem"]]
    return image


def check_theory(explorer) -> int:
    """SGD and momentum on a quadratic diverge exactly beyond their stability bounds."""
    values = explorer.values
    if values["problem"] not in QUADRATICS:
        return 0
    problem = explorer.problems[values["problem"]][0]
    checked = 0
    for name, limit in limits(problem, values["beta"]).items():
        h = explorer.result.histories.get(name)
        if h is None or abs(values["lr"] / limit - 1) <= MARGIN:
            continue
        assert h.diverged == (values["lr"] > limit), (name, values)
        checked += 1
    return checked


def test_lr_slider_over_its_whole_range_on_every_problem(explorer):
    slider = explorer.controls["lr"]
    values = lr_positions(slider)
    assert values[0] == pytest.approx(1e-4) and values[-1] == pytest.approx(10.0)
    checked = 0
    diverged = set()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        explorer.set(optimizer="all", beta=0.9)
        for problem in PROBLEMS:
            explorer.set(problem=problem)
            previous = explorer.image.value
            for lr in every_kth(values, 8):
                slider.value = float(lr)
                previous = check_setting(explorer, previous)
                checked += check_theory(explorer)
                diverged.update((problem, name) for name in explorer.result.diverged)
    assert checked >= 40
    # at the largest lr every method blows up on Rosenbrock; the adaptive ones never do
    # on the quadratics (their steps are about lr long, whatever the gradient)
    assert {("Rosenbrock", name) for name in OPTIMIZERS} <= diverged
    assert not any(p in QUADRATICS and n in ("Adagrad", "RMSprop", "Adam") for p, n in diverged)


def test_beta_slider_over_its_whole_range(explorer):
    slider = explorer.controls["beta"]
    values = beta_positions(slider)
    assert values[0] == 0.0 and values[-1] == 0.99
    checked = 0
    flips = []
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        explorer.set(optimizer="all", problem=QUADRATICS[1], lr=3.0)
        previous = explorer.image.value
        for beta in every_kth(values, 9):
            slider.value = float(beta)
            previous = check_setting(explorer, previous)
            checked += check_theory(explorer)
            flips.append(explorer.result.histories["momentum"].diverged)
        explorer.set(problem="Rosenbrock", lr=1e-3)
        for beta in every_kth(values, 33):
            slider.value = float(beta)
            previous = check_setting(explorer, previous)
    assert checked >= 15
    # lr = 3 is beyond GD's 2/L = 2 but below 2(1 + beta)/L once beta > 0.5
    assert flips[0] and not flips[-1]


def test_every_menu_entry(explorer):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        explorer.set(lr=0.05, beta=0.9)
        previous = explorer.image.value
        for problem in PROBLEMS:
            for choice in CHOICES:
                explorer.set(problem=problem, optimizer=choice)
                previous = check_setting(explorer, previous)


def test_divergence_is_flagged_in_red_and_with_a_cross(explorer):
    explorer.set(optimizer="SGD", problem=QUADRATICS[0], lr=3.0)
    h = explorer.result.histories["SGD"]
    assert explorer.result.diverged == ["SGD"] and h.diverged_at < 200
    assert "color:#b00020" in explorer.status.value
    assert explorer.end_markers[QUADRATICS[0]]["SGD"].get_marker() == "X"
    explorer.set(lr=1.0)
    assert explorer.result.diverged == []
    assert explorer.end_markers[QUADRATICS[0]]["SGD"].get_marker() == "s"


def test_rotation_turns_sgd_and_momentum_paths_but_changes_adaptive_ones(explorer):
    explorer.set(optimizer="all", problem=QUADRATICS[0], lr=0.1, beta=0.8)
    aligned = explorer.result.histories
    explorer.set(problem=QUADRATICS[1])
    rotated = explorer.result.histories
    c = s = math.sqrt(0.5)
    turn = np.array([[c, -s], [s, c]])
    for name in ("SGD", "momentum"):
        assert np.allclose(rotated[name].params, aligned[name].params @ turn.T, atol=1e-12)
    for name in ("Adagrad", "RMSprop", "Adam"):
        assert not np.allclose(rotated[name].params, aligned[name].params @ turn.T, atol=1e-3)


def test_adaptive_paths_on_the_aligned_quadratic_ignore_the_condition_number():
    """Per-coordinate scaling: gradient h_i w_i divided by a running size of h_i w_i
    does not depend on the curvature h_i (up to eps, which moves the path by ~1e-5)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        runs = [AdaptiveExplorer(condition=k, steps=150, problem=QUADRATICS[0],
                                 lr=0.05).result.histories for k in (1.0, 25.0, 400.0)]
    for name in ("Adagrad", "RMSprop", "Adam"):
        for other in runs[1:]:
            assert np.allclose(other[name].params, runs[0][name].params, atol=1e-4), name
    assert not np.allclose(runs[2]["SGD"].params, runs[0]["SGD"].params, atol=1e-3)


@pytest.mark.parametrize("kwargs, name", [
    ({"condition": 0.5}, "condition"),
    ({"steps": 0}, "steps"),
    ({"rosenbrock_steps": 5000}, "rosenbrock_steps"),
    ({"optimizer": "LBFGS"}, "optimizer"),
    ({"problem": "Himmelblau"}, "problem"),
    ({"lr": 0.0}, "lr"),
    ({"lr": 100.0}, "lr"),
    ({"beta": 1.0}, "beta"),
])
def test_bad_arguments_name_themselves(kwargs, name):
    with pytest.raises(ValueError, match=name):
        AdaptiveExplorer(**kwargs)


def test_reasons_match_the_runs():
    """adaptive_reason on hand-made histories of each kind, and on real runs at both
    ends of the lr slider: at the smallest rate every method is too slow (still going
    down, or its steps too small to make progress); at the largest plain SGD and
    momentum diverge."""
    from types import SimpleNamespace

    from sgdlab.widgets.adaptive import adaptive_reason

    def fake(loss):
        return SimpleNamespace(full_loss=np.asarray(loss, dtype=float))

    t = np.arange(100)
    assert adaptive_reason(fake(0.9 ** t), "Adam").startswith("converged") is False
    assert adaptive_reason(fake(np.r_[1.0, 0.5 ** (t / 2)]), "Adam") == "converged"
    assert "too slow" in adaptive_reason(fake(1 - t / 200), "SGD")
    bouncing = 0.5 + 0.1 * (t % 2)
    assert "bouncing" in adaptive_reason(fake(bouncing), "RMSprop")
    flat = 0.5 + 1e-3 * np.exp(-t)
    assert "squared gradients" in adaptive_reason(fake(flat), "Adagrad")
    assert "too small" in adaptive_reason(fake(flat), "SGD")
    ex = AdaptiveExplorer()
    lrs = lr_positions(ex.controls["lr"])
    ex.set(optimizer="all", problem="quadratic, rotated 45°", lr=float(lrs[0]))
    entries = ex.status.value.split("&nbsp;|&nbsp;")
    assert len(entries) == len(OPTIMIZERS)
    for entry in entries:
        assert any(k in entry for k in ("too slow at this lr", "too small", "steps shrank")), entry
    ex.set(lr=float(lrs[-1]))
    assert "SGD: diverged" in ex.status.value and "momentum: diverged" in ex.status.value
