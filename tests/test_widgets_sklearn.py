"""SklearnExplorer driven through its real controls, against scikit-learn fitted here."""

import warnings

import numpy as np
import pytest
from matplotlib.colors import to_hex
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import Ridge, SGDRegressor

from sgdlab.data import load_diabetes
from sgdlab.widgets.sklearn import SklearnExplorer

RED = "#b00020"


def positions(slider) -> np.ndarray:
    """Every value a FloatLogSlider can take."""
    count = round((slider.max - slider.min) / slider.step) + 1
    return slider.base ** (slider.min + slider.step * np.arange(count))


@pytest.fixture(scope="module")
def explorer():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return SklearnExplorer()


def fit(explorer, max_iter=None, **setting):
    """scikit-learn itself, with the explorer's fixed options."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        est = SGDRegressor(max_iter=max_iter or explorer.max_iter, tol=explorer.tol,
                           random_state=explorer.random_state, power_t=explorer.power_t,
                           **setting).fit(explorer.X, explorer.y)
    return est, any(issubclass(w.category, ConvergenceWarning) for w in caught)


def check_setting(explorer, previous: bytes) -> bytes:
    """What must hold after any change of a control."""
    values = explorer.values
    assert explorer.error is None, f"{values}: {explorer.error!r}"
    image = explorer.image.value
    assert image[:8] == b"\x89PNG\r\n\x1a\n"
    assert image != previous, f"the picture did not change at {values}"
    r = explorer.result
    assert (r.learning_rate, r.eta0, r.alpha, r.average) == (
        values["learning_rate"], values["eta0"], values["alpha"], values["average"])
    assert r.coefs.shape == (r.n_iter, explorer.d) and 1 <= r.n_iter <= explorer.max_iter
    assert ("diverged at epoch" in explorer.status.value) == r.diverged
    assert ("ran out of epochs" in explorer.status.value) == (
        not r.converged and not r.diverged)
    assert (to_hex(explorer.gap_line.get_color()) == RED) == r.diverged
    if not r.diverged:
        assert np.all(np.isfinite(r.gap)) and r.gap[-1] >= -1e-12
    return image


def test_eta0_slider_across_its_range_for_every_rule(explorer):
    values = positions(explorer.controls["eta0"])
    assert values[0] == pytest.approx(1e-4) and values[-1] == pytest.approx(1.0)
    picked = list(values[::2])
    diverged = {}
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no ConvergenceWarning, no overflow may escape
        explorer.set(alpha=1e-4, average=False)
        for rule in ["constant", "invscaling", "optimal", "adaptive"]:
            explorer.set(learning_rate=rule)
            previous = explorer.image.value
            for eta0 in picked:
                explorer.set(eta0=float(eta0))
                if rule != "optimal":  # optimal ignores eta0: the picture stays
                    previous = check_setting(explorer, previous)
                else:
                    assert explorer.error is None
                diverged[rule, float(eta0)] = explorer.result.diverged
    limit = explorer.eta_limit
    for (rule, eta0), flag in diverged.items():
        if rule in ("constant", "invscaling", "adaptive") and eta0 <= limit:
            assert not flag, f"{rule}: every rate <= 2 / max |x_i|^2 = {limit:.3g} is safe"
        if rule in ("constant", "adaptive") and eta0 >= 4 * limit:
            assert flag, f"{rule} at eta0 = {eta0:.3g} (>= 4 x {limit:.3g}) should blow up"
    # optimal's first rate is alpha^(-1/4) = 10 at alpha = 1e-4: far too large here
    assert all(diverged["optimal", e] for e in map(float, picked))
    assert diverged["invscaling", 1.0] and not diverged["invscaling", 0.1]


def test_alpha_slider_across_its_range(explorer):
    values = positions(explorer.controls["alpha"])
    assert values[0] == pytest.approx(1e-6) and values[-1] == pytest.approx(10.0)
    flags = []
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        explorer.set(learning_rate="optimal", eta0=0.01, average=False)
        previous = explorer.image.value
        for alpha in values:
            explorer.set(alpha=float(alpha))
            previous = check_setting(explorer, previous)
            flags.append(explorer.result.diverged)
            # the closed form drawn is the ridge solution of sklearn's objective
            ridge = Ridge(alpha=explorer.n * alpha).fit(explorer.X, explorer.y)
            assert np.allclose(explorer.star_marks.get_offsets()[:, 1], ridge.coef_, atol=1e-8)
        # optimal's first rate alpha^(-1/4) falls below ~1.3 only for alpha >= 0.3
        assert flags[0] and not flags[-1]
        assert flags == sorted(flags, reverse=True), "blow-ups only at the small alphas"
        explorer.set(learning_rate="invscaling", eta0=0.01)
        for alpha in values[::3]:
            explorer.set(alpha=float(alpha))
            previous = check_setting(explorer, previous)
            assert not explorer.result.diverged


def test_average_checkbox_shows_sklearns_averaged_weights(explorer):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        explorer.set(learning_rate="constant", eta0=0.1, alpha=1e-4, average=False)
        plain = explorer.result
        previous = explorer.image.value
        explorer.set(average=True)
        check_setting(explorer, previous)
    averaged = explorer.result
    est, _ = fit(explorer, learning_rate="constant", eta0=0.1, alpha=1e-4, average=True)
    assert np.allclose(averaged.coefs[-1], est.coef_, atol=1e-12)
    assert "averaged coef_" in explorer.ax_coef.get_title()
    # averaging the iterates removes most of the constant-rate noise
    assert averaged.gap[-1] < plain.gap[-1] / 10


@pytest.mark.parametrize("setting", [
    {"learning_rate": "invscaling", "eta0": 0.01, "alpha": 1e-4, "average": False},
    {"learning_rate": "adaptive", "eta0": 0.01, "alpha": 1e-2, "average": True},
    {"learning_rate": "constant", "eta0": 1e-4, "alpha": 1e-6, "average": False},
])
def test_epoch_curves_are_sklearns_fits(explorer, setting):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = explorer.compute(**setting)
    est, unconverged = fit(explorer, **setting)
    assert result.n_iter == est.n_iter_ and result.converged == (not unconverged)
    assert np.allclose(result.coefs[-1], est.coef_, atol=1e-12)
    for k in (1, result.n_iter // 2):
        early, _ = fit(explorer, max_iter=k, **setting)
        assert np.allclose(result.coefs[k - 1], early.coef_, atol=1e-12)


def test_convergence_warning_becomes_status(explorer):
    setting = {"learning_rate": "constant", "eta0": 1e-4, "alpha": 1e-6, "average": False}
    _, unconverged = fit(explorer, **setting)
    assert unconverged, "this setting does not converge in 30 epochs"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        explorer.set(**setting)
    assert explorer.error is None
    assert "max_iter=30 reached" in explorer.status.value


def test_learning_rate_panel_is_the_schedule(explorer):
    explorer.set(learning_rate="invscaling", eta0=0.1, alpha=1e-4)
    t, lr = explorer.lr_line.get_data()
    assert t[0] == 1 and lr[0] == pytest.approx(0.1)
    assert np.allclose(lr, 0.1 / np.asarray(t) ** 0.25)
    explorer.set(learning_rate="optimal", alpha=1.0)
    t, lr = explorer.lr_line.get_data()
    assert np.allclose(lr, 1.0 / (1.0 * (1.0 + np.asarray(t) - 1)))


def test_other_data():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((60, 3))
    y = X @ np.array([1.0, -1.0, 0.5]) + 0.1 * rng.standard_normal(60)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        explorer = SklearnExplorer(X, y, max_iter=10, eta0=0.01)
    assert explorer.error is None and len(explorer.coef_lines) == 3
    split = load_diabetes()
    assert SklearnExplorer(split.X_train, split.y_train, max_iter=3).error is None


@pytest.mark.parametrize("kwargs, name", [
    ({"max_iter": 0}, "max_iter"),
    ({"max_iter": 500}, "max_iter"),
    ({"learning_rate": "cosine"}, "learning_rate"),
    ({"eta0": 5.0}, "eta0"),
    ({"alpha": 0.0}, "alpha"),
    ({"tol": -1.0}, "tol"),
    ({"divergence_factor": 0.0}, "divergence_factor"),
    ({"X": np.ones((3, 2)), "y": np.ones(4)}, "X and y"),
])
def test_bad_arguments_name_themselves(kwargs, name):
    with pytest.raises(ValueError, match=name):
        SklearnExplorer(**kwargs)
