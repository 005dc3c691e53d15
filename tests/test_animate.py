"""Animated paths: frame cap, every path reaches its end, offline HTML, bad input."""

import re

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest

from sgdlab.animate import animate_paths, frame_steps, path_animation
from sgdlab.objectives import DoubleWell, Quadratic
from sgdlab.train import run


def _render_and_close(anim) -> None:
    """Render an animation inspected frame by frame (matplotlib warns about animations
    never rendered), check it has one frame per step shown, and close its figure."""
    assert _frames_in(anim.to_jshtml()) == len(anim.frame_steps)
    plt.close(anim._fig)


@pytest.mark.parametrize("n,cap", [(1, 2), (5, 60), (60, 60), (61, 60), (1000, 7), (999, 2)])
def test_frame_steps_are_capped_increasing_and_keep_both_ends(n, cap):
    steps = frame_steps(n, cap)
    assert len(steps) == min(n, cap)
    assert steps[0] == 0 and steps[-1] == n - 1
    assert np.all(np.diff(steps) > 0)


def _frames_in(html: str) -> int:
    return int(re.search(r"new Array\((\d+)\)", html).group(1))


def test_html_is_offline_javascript_with_one_frame_per_capped_step():
    problem = DoubleWell()
    long_path = np.linspace([-1.5, 1.0], [1.0, 0.0], 200)
    short_path = np.linspace([1.5, -1.0], [0.5, 0.5], 10)
    figs_before = set(plt.get_fignums())
    html = animate_paths(problem, {"long": long_path, "short": short_path}, max_frames=12)
    assert _frames_in(html) == 12
    assert "<script" in html and "data:image/png;base64" in html
    assert "http://" not in html and "https://" not in html  # nothing fetched
    assert 'class="fa' not in html and "\u25b6" in html  # play button without web fonts
    assert set(plt.get_fignums()) == figs_before  # its own figure is closed
    # screen readers (and the website's accessibility check) get a description
    assert re.search(r'<img id="_anim_img\w*" alt="Animation: optimizer paths over the '
                     r'loss contours, long, short"', html)
    assert re.search(r'<input id="_anim_slider\w*" aria-label="animation frame"', html)


def test_last_frame_shows_every_path_at_its_end():
    problem = Quadratic(5.0)
    h = run(problem, np.array([1.5, 1.5]), 0.5, steps=30, record_params=True)
    short = np.array([[-1.0, 1.0], [-0.5, 0.5]])
    fig, ax = plt.subplots()
    anim = path_animation(problem, {"gd": h, "short": short}, ax=ax, max_frames=8)
    assert len(anim.frame_steps) == 8
    artists = anim._func(len(anim.frame_steps) - 1)
    dots = artists[:2]  # the markers, in the order of the paths
    np.testing.assert_array_equal(np.ravel(dots[0].get_data()), h.params[-1])
    np.testing.assert_array_equal(np.ravel(dots[1].get_data()), short[-1])
    first = anim._func(0)
    np.testing.assert_array_equal(np.ravel(first[0].get_data()), h.params[0])
    assert plt.fignum_exists(fig.number)  # a caller's figure is left open
    _render_and_close(anim)


def test_a_diverged_path_animates_its_finite_part():
    problem = Quadratic(5.0)
    pts = np.array([[1.0, 1.0], [3.0, 3.0], [np.inf, np.nan]])
    anim = path_animation(problem, pts, max_frames=5)
    assert list(anim.frame_steps) == [0, 1]
    _render_and_close(anim)


@pytest.mark.parametrize("kwargs,match", [
    ({"max_frames": 1}, "max_frames"),
    ({"max_frames": 2.5}, "max_frames"),
    ({"interval": 0}, "interval"),
])
def test_bad_options_name_the_argument(kwargs, match):
    with pytest.raises(ValueError, match=match):
        animate_paths(Quadratic(), np.zeros((3, 2)), **kwargs)


def test_bad_paths_are_refused():
    with pytest.raises(ValueError, match="paths"):
        animate_paths(Quadratic(), {})
    with pytest.raises(ValueError, match="shape"):
        animate_paths(Quadratic(), np.zeros((3, 3, 1)))
    with pytest.raises(ValueError, match="finite"):
        animate_paths(Quadratic(), np.full((3, 2), np.nan))
    with pytest.raises(TypeError, match="paths"):
        animate_paths(Quadratic(), 3.0)
