"""sgdlab.schedules against torch.optim.lr_scheduler step by step, the warm-up by hand,
and the Robbins-Monro partial sums against their closed forms."""

import math
import warnings

import numpy as np
import pytest
import torch
from torch.optim import lr_scheduler as tls

from sgdlab import schedules


def torch_rates(make_scheduler, lr: float, steps: int) -> np.ndarray:
    """The learning rate torch uses at steps 0..steps-1 (read before each optimizer step)."""
    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([p], lr=lr)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SequentialLR's deprecation notes
        sched = make_scheduler(opt)
        out = []
        for _ in range(steps):
            out.append(opt.param_groups[0]["lr"])
            opt.step()
            sched.step()
    return np.array(out)


def ours(schedule, steps: int) -> np.ndarray:
    return np.array([schedule(t) for t in range(steps)])


@pytest.mark.parametrize("name,sched,make_torch,steps", [
    ("step", schedules.step_decay(0.3, drop=0.5, every=7),
     lambda o: tls.StepLR(o, step_size=7, gamma=0.5), 40),
    ("exponential", schedules.exponential(0.3, gamma=0.9),
     lambda o: tls.ExponentialLR(o, gamma=0.9), 40),
    ("cosine", schedules.cosine(0.3, total_steps=25, lr_min=0.01),
     lambda o: tls.CosineAnnealingLR(o, T_max=25, eta_min=0.01), 26),
    ("inverse time", schedules.inverse_time(0.3, decay=0.2),
     lambda o: tls.LambdaLR(o, lambda t: 1 / (1 + 0.2 * t)), 40),
    ("warm-up + cosine", schedules.warmup(schedules.cosine(0.3, total_steps=20), 5),
     lambda o: tls.SequentialLR(o, [tls.LinearLR(o, start_factor=1 / 5, total_iters=4),
                                    tls.CosineAnnealingLR(o, T_max=20)], milestones=[5]), 26),
    ("warm-up + exponential", schedules.warmup(schedules.exponential(0.3, gamma=0.8), 3),
     lambda o: tls.SequentialLR(o, [tls.LinearLR(o, start_factor=1 / 3, total_iters=2),
                                    tls.ExponentialLR(o, gamma=0.8)], milestones=[3]), 30),
    ("warm-up + step", schedules.warmup(schedules.step_decay(0.3, drop=0.1, every=4), 2),
     lambda o: tls.SequentialLR(o, [tls.LinearLR(o, start_factor=1 / 2, total_iters=1),
                                    tls.StepLR(o, step_size=4, gamma=0.1)], milestones=[2]), 20),
])
def test_schedules_agree_with_torch_step_by_step(name, sched, make_torch, steps):
    assert np.allclose(ours(sched, steps), torch_rates(make_torch, 0.3, steps),
                       rtol=1e-12, atol=1e-15), name


def test_cosine_holds_at_lr_min_after_the_last_step():
    # torch's CosineAnnealingLR climbs back up after T_max; sgdlab's stays at lr_min
    sched = schedules.cosine(0.3, total_steps=10, lr_min=0.02)
    assert ours(sched, 30)[10:] == pytest.approx([0.02] * 20)


def test_warmup_by_hand():
    sched = schedules.warmup(schedules.constant(0.4), 4)
    assert ours(sched, 7) == pytest.approx([0.1, 0.2, 0.3, 0.4, 0.4, 0.4, 0.4])
    sched = schedules.warmup(schedules.inverse_time(1.0, decay=1.0), 2)
    assert ours(sched, 5) == pytest.approx([0.5, 1.0, 1.0, 0.5, 1 / 3])
    assert sched.name == "inverse time + warm-up" and sched.lr0 == 1.0
    one = schedules.warmup(schedules.step_decay(1.0, drop=0.5, every=1), 1)
    assert ours(one, 3) == pytest.approx([1.0, 1.0, 0.5]), "1 warm-up step is lr0 itself"


def test_make_with_warmup_and_without_is_unchanged():
    plain = schedules.make("cosine", 0.2, total_steps=50)
    assert np.array_equal(ours(plain, 60), ours(schedules.cosine(0.2, total_steps=50), 60))
    warm = schedules.make("cosine", 0.2, warmup_steps=10, total_steps=50)
    by_hand = schedules.warmup(schedules.cosine(0.2, total_steps=50), 10)
    assert np.array_equal(ours(warm, 60), ours(by_hand, 60))


def test_partial_sums_match_closed_forms():
    s1, s2 = schedules.partial_sums(schedules.exponential(0.5, gamma=0.9), 200)
    t = np.arange(200)
    assert np.allclose(s1, 0.5 * (1 - 0.9 ** (t + 1)) / 0.1)
    assert np.allclose(s2, 0.25 * (1 - 0.81 ** (t + 1)) / 0.19)
    s1, s2 = schedules.partial_sums(schedules.inverse_time(1.0, decay=1.0), 10_000)
    # harmonic numbers: H_n ~ log n + gamma; sum 1/k^2 -> pi^2/6
    assert s1[-1] == pytest.approx(math.log(10_000) + 0.5772156649 + 1 / 20_000, rel=1e-6)
    assert s2[-1] == pytest.approx(math.pi ** 2 / 6 - 1 / 10_000, rel=1e-6)
    s1, s2 = schedules.partial_sums(schedules.constant(0.1), 50)
    assert np.allclose(s1, 0.1 * (t[:50] + 1)) and np.allclose(s2, 0.01 * (t[:50] + 1))


@pytest.mark.parametrize("call,words", [
    (lambda: schedules.warmup(lambda t: 0.1, 3), ["schedule", "Schedule"]),
    (lambda: schedules.warmup(schedules.constant(0.1), 0), ["steps", ">= 1"]),
    (lambda: schedules.make("cosine", 0.1, warmup_steps=-1, total_steps=3),
     ["warmup_steps", ">= 0"]),
    (lambda: schedules.partial_sums(schedules.constant(0.1), 0), ["steps", ">= 1"]),
])
def test_bad_inputs(call, words):
    with pytest.raises(ValueError) as info:
        call()
    assert all(w in str(info.value) for w in words), str(info.value)
