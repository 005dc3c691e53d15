"""Checks for ``exercises/04_momentum.ipynb``.

Tasks: ``momentum_step``, ``nesterov_step``, ``torch_momentum_from_ema``,
``step_decay_lr``. The reference is ``sgdlab.optim.SGD``, which mirrors
``torch.optim.SGD`` (first step: ``buf = g``; later ``buf = momentum * buf +
(1 - dampening) * g``).
"""

from __future__ import annotations

import math

import numpy as np

from sgdlab.checks import _safe
from sgdlab.checks._diagnose import Case, Mistake, catalog, verdict
from sgdlab.checks._feedback import (
    CheckFailed,
    close,
    describe,
    expect_array,
    expect_number,
)
from sgdlab.checks._runner import call, call_text, task_check
from sgdlab.i18n import _
from sgdlab.optim import SGD
from sgdlab.schedules import step_decay

GENERIC = {
    "momentum_step": Mistake(
        "generic", "the step does not follow torch's momentum rule",
        "None of the usual mistakes explains these results: first step buf = g (a copy), "
        "later buf = momentum * buf + (1 - dampening) * g; then w - lr * buf."),
    "nesterov_step": Mistake(
        "generic", "the step does not follow torch's Nesterov rule",
        "None of the usual mistakes explains these results: buf as in plain momentum "
        "(buf = g first, then momentum * buf + g); then w - lr * (g + momentum * buf)."),
    "torch_momentum_from_ema": Mistake(
        "generic", "with these settings torch's SGD does not retrace the averaging form",
        "None of the usual mistakes explains these results."),
    "step_decay_lr": Mistake(
        "generic", "the rate does not follow the step-decay schedule",
        "None of the usual mistakes explains these results: lr0 * drop ** (t // every)."),
}

ALIAS = Mistake(
    "alias", "a later step changes the gradient passed on the first step",
    "On the first step your buffer is the gradient array itself (buf = g), and a later "
    "step changes the buffer in place (buf *= momentum ...), which silently changes that "
    "earlier gradient too. Copy it on the first step: buf = g.copy() (torch clones it).")
SWAPPED = Mistake("swapped", "the two results come back in the wrong order",
                  "You returned (new_buf, new_w): return (new_w, new_buf), in that order.")
UPHILL = Mistake("uphill", "the step moves uphill",
                 "Subtract lr times the step direction.")
HEAVY_BALL = ("You wrote the heavy-ball form v = β v - lr g, w = w + v, where the buffer "
              "holds a step. torch's buffer is a sum of gradients, buf = β buf + g, and "
              "the step is w - lr * buf; the two agree only while lr stays constant.")

MISTAKES = {
    "momentum_step": catalog(
        Mistake("first_step", "the first step does not set the buffer to the gradient itself",
                "Either the buffer started from zero or (1 - dampening) was applied on the "
                "first step: torch's first step is buf = g.copy(), with no dampening."),
        Mistake("ema", "the buffer is an average of gradients, not torch's sum",
                "You wrote buf = β buf + (1 - β) g: torch adds (1 - dampening) * g, which "
                "with the default dampening = 0 is the whole gradient."),
        Mistake("ema_g", "after the first step the buffer is an average of gradients, not "
                         "torch's sum",
                "You wrote buf = β buf + (1 - β) g for the later steps: torch adds "
                "(1 - dampening) * g."),
        Mistake("flipped", "the new gradient is weighted by the dampening itself",
                "The new gradient is weighted by (1 - dampening), not by dampening."),
        Mistake("step_grad", "the step uses the gradient, not the buffer",
                "Step with the updated buffer: w - lr * buf."),
        UPHILL, SWAPPED,
        Mistake("old_buffer_step", "the step uses the buffer from before this gradient",
                "Update the buffer first, then step with the new one."),
        Mistake("old_buffer_returned", "the returned buffer is the old one",
                "Return the updated buffer."),
        Mistake("heavy_ball", "the buffer holds a velocity step, not a sum of gradients",
                HEAVY_BALL),
        Mistake("heavy_ball_damped", "the buffer holds a damped velocity step, not a sum "
                                     "of gradients", HEAVY_BALL),
        Mistake("lr_in_buffer", "the buffer includes the learning rate",
                "You accumulated lr * g in the buffer (buf = β buf + lr g, w = w - buf): "
                "torch's buffer holds gradients only, and the step is w - lr * buf, so "
                "a change of lr takes effect at once."),
        ALIAS,
    ),
    "nesterov_step": catalog(
        Mistake("plain", "the step is plain heavy-ball momentum, without the look-ahead",
                "Nesterov steps along g + β buf, not along buf."),
        Mistake("swapped_terms", "the step direction swaps the gradient and the buffer",
                "The direction is g + β buf, not buf + β g."),
        Mistake("direction_as_buffer", "the returned buffer is the step direction",
                "The buffer is β buf + g; g + β buf is only the direction of the step."),
        UPHILL, SWAPPED,
        Mistake("old_buffer_step", "the step uses the buffer from before this gradient",
                "Update the buffer first, then step along g + β (new buffer)."),
        Mistake("heavy_ball", "the buffer holds a velocity step, not a sum of gradients",
                "You wrote the heavy-ball Nesterov form v = β v - lr g, w = w + β v - lr g. "
                "torch's buffer is a sum of gradients, buf = β buf + g, and the step is "
                "w - lr * (g + β buf); the two agree only while lr stays constant."),
        Mistake("ema", "the buffer is an average of gradients, not torch's sum",
                "You wrote buf = β buf + (1 - β) g: torch's Nesterov buffer is β buf + g."),
        ALIAS,
    ),
}


def _expect_pair(task: str, got, d: int, text: str) -> tuple[np.ndarray, np.ndarray]:
    if got is None:
        raise CheckFailed(task, _("the function returns nothing\nDid you forget to "
                                  "`return {names}`?").format(names="new_w, new_buf")
                          + f"\n    {text}")
    if isinstance(got, np.ndarray):
        raise CheckFailed(task, _("the result is one array, not the pair of new weights and "
                                  "buffer\nGot one array of shape {shape}: return both, "
                                  "`return new_w, new_buf`").format(shape=got.shape)
                          + f"\n    {text}")
    if not isinstance(got, tuple | list) or len(got) != 2:
        raise CheckFailed(task, _("the result is not the pair of new weights and buffer\n"
                                  "Expected a tuple (new_w, new_buf), got {got}").format(
                                      got=describe(got)) + f"\n    {text}")
    if got[1] is None:
        raise CheckFailed(task, _("the new buffer is missing\nnew_buf is None: return the "
                                  "updated buffer, an array of shape ({d},)").format(d=d)
                          + f"\n    {text}")
    new_w = expect_array(task, got[0], (d,), what="new_w", context=text)
    new_buf = expect_array(task, got[1], (d,), what="new_buf", context=text)
    return new_w, new_buf


def _scenarios(seed: int, dampenings: tuple[float, ...]):
    rng = np.random.default_rng(seed)
    g = [rng.normal(size=2) for _ in range(4)]
    g[2] = np.zeros(2)  # a zero gradient: momentum still carries the weights on
    return [
        (0.1, 0.9, dampenings[0], np.array([1.0, -2.0]), g),
        (0.05, 0.5, dampenings[1], rng.normal(size=3), [rng.normal(size=3) for _ in range(4)]),
        (0.5, 0.9, 0.0, np.array([1, 2]), [np.array([1, -1]), np.array([2, 0])]),  # integers
        (0.2, 0.7, dampenings[2], rng.normal(size=2), [rng.normal(size=2) for _ in range(3)]),
    ]


def _run_steps(task, func, scenarios, nesterov: bool, predict) -> int:
    cases = []
    for lr, mu, tau, w0, grads in scenarios:
        w, buf = w0, None
        aliased = False
        for g in grads:
            args = {"w": w, "g": g, "buf": buf, "lr": lr, "momentum": mu}
            if not nesterov:
                args["dampening"] = tau
            text = call_text(task, args)
            passed: list = []
            got = call(task, func, args, may_modify=("buf",), passed_out=passed)
            new_w, new_buf = _expect_pair(task, got, w0.size, text)
            if buf is not None and aliased and not _safe.array_equal(passed[2], buf):
                raise ALIAS.fail(task, f"\n    {text}")
            if buf is None:
                aliased = _safe.shares_memory(got[1], passed[1])
            # the reference steps from the learner's own w and buf, so that one wrong step
            # does not make every later one look wrong
            ref_w = np.array(w, dtype=float)
            ref = SGD([ref_w], lr=lr, momentum=mu, dampening=tau, nesterov=nesterov)
            if buf is not None:
                ref.momentum_buffers[0] = np.array(buf, dtype=float)
            ref.step([np.asarray(g, dtype=float)])
            expected = (ref_w, ref.momentum_buffers[0].copy())
            wf = np.asarray(w, dtype=float)
            bf = None if buf is None else np.asarray(buf, dtype=float)
            cases.append(Case(text, (new_w, new_buf), expected,
                              predict(wf, np.asarray(g, dtype=float), bf, lr, mu, tau,
                                      expected), labels=("new_w", "new_buf")))
            w, buf = got[0], got[1]
    verdict(task, cases, MISTAKES[task], generic=GENERIC[task])
    return len(cases)


def _momentum_predictions(w, g, buf, lr, mu, tau, expected):
    first = buf is None
    b = expected[1]
    zero = (1 - tau) * g if first else b
    ema = (1 - mu) * g if first else mu * buf + (1 - mu) * g
    ema_g = g if first else mu * buf + (1 - mu) * g
    flipped = g if first else mu * buf + tau * g
    v = -lr * g if first else mu * buf - lr * g
    v_damped = -lr * g if first else mu * buf - lr * (1 - tau) * g
    in_buf = lr * g if first else mu * buf + lr * g
    out = {
        "first_step": (w - lr * zero, zero), "ema": (w - lr * ema, ema),
        "ema_g": (w - lr * ema_g, ema_g), "flipped": (w - lr * flipped, flipped),
        "step_grad": (w - lr * g, b), "uphill": (w + lr * b, b), "swapped": (b, w - lr * b),
        "heavy_ball": (w + v, v), "heavy_ball_damped": (w + v_damped, v_damped),
        "lr_in_buffer": (w - in_buf, in_buf),
    }
    if not first:
        out["old_buffer_step"] = (w - lr * buf, b)
        out["old_buffer_returned"] = (w - lr * b, buf)
    return out


@task_check("momentum_step")
def check_momentum_step(momentum_step) -> int:
    """Check ``momentum_step(w, g, buf, lr, momentum, dampening)`` step by step against
    ``sgdlab.optim.SGD`` (torch's rule), from ``buf=None`` on. The function may update
    ``buf`` in place and return it (as torch does); it must not change ``w`` or ``g``."""
    return _run_steps("momentum_step", momentum_step, _scenarios(401, (0.0, 0.3, 0.5)),
                      False, _momentum_predictions)


def _nesterov_predictions(w, g, buf, lr, mu, tau, expected):
    first = buf is None
    b = expected[1]
    direction = g + mu * b
    v = -lr * g if first else mu * buf - lr * g
    ema = (1 - mu) * g if first else mu * buf + (1 - mu) * g
    out = {
        "plain": (w - lr * b, b), "swapped_terms": (w - lr * (b + mu * g), b),
        "direction_as_buffer": (w - lr * direction, direction),
        "uphill": (w + lr * direction, b), "swapped": (b, w - lr * direction),
        "heavy_ball": (w + mu * v - lr * g, v), "ema": (w - lr * (g + mu * ema), ema),
    }
    if not first:
        out["old_buffer_step"] = (w - lr * (g + mu * buf), b)
    return out


@task_check("nesterov_step")
def check_nesterov_step(nesterov_step) -> int:
    """Check ``nesterov_step(w, g, buf, lr, momentum)`` against ``sgdlab.optim.SGD`` with
    ``nesterov=True`` (torch's form). The function may update ``buf`` in place and return
    it; it must not change ``w`` or ``g``."""
    return _run_steps("nesterov_step", nesterov_step, _scenarios(402, (0.0, 0.0, 0.0)), True,
                      _nesterov_predictions)


def _ema_path(beta: float, alpha: float, grads: list[np.ndarray]) -> np.ndarray:
    w, v = np.zeros_like(grads[0]), np.zeros_like(grads[0])
    rows = []
    for g in grads:
        v = beta * v + (1 - beta) * g
        w = w - alpha * v
        rows.append(w)
    return np.array(rows)


def _torch_path(lr: float, momentum: float, dampening: float, grads) -> np.ndarray:
    p = np.zeros_like(grads[0])
    opt = SGD([p], lr=lr, momentum=momentum, dampening=dampening)
    rows = []
    for g in grads:
        opt.step([g])
        rows.append(p.copy())
    return np.array(rows)


MISTAKES["torch_momentum_from_ema"] = catalog(
    Mistake("dampening_beta", "the first step is too large by a factor one over one minus β",
            "dampening = β looks right, but torch's first step sets buf = g with no "
            "(1 - dampening) factor. Use dampening = 0 and fold (1 - β) into lr."),
    Mistake("lr_alpha", "the steps are too large by a factor one over one minus β",
            "lr must absorb the factor (1 - β): lr = alpha * (1 - β)."),
    Mistake("both", "the factor one minus β is counted twice",
            "With lr = alpha * (1 - β) the factor is already counted: dampening must be 0 (and "
            "torch skips dampening on the first step anyway)."),
    Mistake("momentum_flipped", "the momentum is the weight of the new gradient, not of the "
                                "old buffer",
            "momentum is β, the weight of the old buffer, not 1 - β."),
    Mistake("divided", "the learning rate is divided by one minus β instead of multiplied",
            "lr = alpha * (1 - β)."),
    Mistake("lr_times_beta", "the learning rate is scaled by β instead of one minus β",
            "The averaging form weights the new gradient by (1 - β): lr = alpha * (1 - β)."),
    Mistake("dampening_flipped", "the dampening is one minus β",
            "With dampening = 1 - β torch adds β * g after the first step. Use dampening = 0 "
            "and lr = alpha * (1 - β)."),
    Mistake("order", "the learning rate and the momentum are in each other's place",
            "Return (lr, momentum, dampening), in that order."),
    Mistake("length", "the result is not the three settings lr, momentum and dampening",
            "Return a tuple of three numbers, (lr, momentum, dampening)."),
)


@task_check("torch_momentum_from_ema")
def check_torch_momentum_from_ema(torch_momentum_from_ema) -> int:
    """Check ``torch_momentum_from_ema(beta, alpha)``: ``(lr, momentum, dampening)`` with
    which torch's SGD retraces ``v = beta v + (1 - beta) g; w -= alpha v`` (v0 = 0)."""
    task = "torch_momentum_from_ema"
    rng = np.random.default_rng(403)
    grads = [rng.normal(size=2) for _ in range(6)]
    inputs = [(0.9, 0.1), (0.5, 1.0), (0.0, 0.3), (0.99, 2), (0.7, 0.5)]
    cases = []
    for beta, alpha in inputs:
        args = {"beta": beta, "alpha": alpha}
        text = call_text(task, args)
        got = call(task, torch_momentum_from_ema, args)
        if not isinstance(got, tuple | list) or len(got) != 3:
            raise MISTAKES[task]["length"].fail(task, f"\n    {text}\n    returned  "
                                                      f"{describe(got)}")
        lr, mu, tau = (expect_number(task, v, what=name, context=text)
                       for v, name in zip(got, ("lr", "momentum", "dampening"), strict=True))
        expected = (alpha * (1 - beta), beta, 0.0)
        target = _ema_path(beta, alpha, grads)

        def retraces(settings, target=target):
            lr_, mu_, tau_ = settings
            return lr_ >= 0 and mu_ >= 0 and close(_torch_path(lr_, mu_, tau_, grads), target,
                                                   rtol=1e-9)

        a1 = alpha * (1 - beta)
        predictions = {
            "dampening_beta": (alpha, beta, beta), "lr_alpha": (alpha, beta, 0.0),
            "both": (a1, beta, beta), "momentum_flipped": (a1, 1 - beta, 0.0),
            "divided": (alpha / (1 - beta), beta, 0.0) if beta < 1 else None,
            "lr_times_beta": (alpha * beta, beta, 0.0),
            "dampening_flipped": (alpha, beta, 1 - beta), "order": (beta, a1, 0.0),
        }
        # settings that retrace the path are right, whatever their numbers
        predictions = {k: (expected if v is not None and retraces(v) else v)
                       for k, v in predictions.items()}
        cases.append(Case(text, expected if retraces((lr, mu, tau)) else (lr, mu, tau),
                          expected, predictions, labels=("lr", "momentum", "dampening")))
    verdict(task, cases, MISTAKES[task], generic=GENERIC[task])
    return len(cases)


MISTAKES["step_decay_lr"] = catalog(
    Mistake("continuous", "the rate shrinks a little at every step instead of in blocks",
            "Use integer division t // every, so the rate stays constant for `every` steps "
            "and then drops."),
    Mistake("early", "the first drop comes one step too early",
            "For t < every the rate must be lr0: the exponent is t // every."),
    Mistake("ceil", "the number of completed blocks is rounded up",
            "Use t // every, which rounds down."),
    Mistake("starts_low", "the schedule starts below the initial rate",
            "At t = 0 the rate must be lr0 (drop ** 0 = 1): the exponent is t // every."),
    Mistake("multiplied", "the rate is multiplied by the number of blocks instead of raised "
                          "to it",
            "lr0 * drop ** (t // every), not lr0 * drop * (t // every)."),
    Mistake("remainder", "the exponent restarts in every block",
            "t % every is the remainder: the exponent is the number of completed blocks, "
            "t // every."),
    Mistake("never_drops", "the rate never drops",
            "Multiply lr0 by drop once for every completed block: lr0 * drop ** (t // every)."),
    Mistake("every_step", "the rate drops at every step, not once per block",
            "Divide t by every (rounding down) before using it as the exponent."),
    Mistake("subtracted", "the rate falls by a fixed amount per block instead of a factor",
            "Multiply by drop once per completed block: lr0 * drop ** (t // every)."),
)


@task_check("step_decay_lr")
def check_step_decay_lr(step_decay_lr) -> int:
    """Check ``step_decay_lr(t, lr0, drop, every)``: ``lr0 * drop ** (t // every)``."""
    task = "step_decay_lr"
    settings = [(0.1, 0.5, 4, range(0, 13)), (1, 0.1, 1, range(0, 4)),
                (0.3, 1.0, 5, (0, 7)), (0.8, 0.25, 3, (np.int64(5), np.int64(6)))]
    cases = []
    for lr0, drop, every, ts in settings:
        schedule = step_decay(lr0, drop=drop, every=every)
        for t in ts:
            args = {"t": t, "lr0": lr0, "drop": drop, "every": every}
            text = call_text(task, args)
            got = expect_number(task, call(task, step_decay_lr, args),
                                what="the learning rate", context=text)
            k = int(t) // every
            predictions = {
                "continuous": lr0 * drop ** (t / every), "early": lr0 * drop ** ((t + 1) // every),
                "ceil": lr0 * drop ** math.ceil(t / every), "starts_low": lr0 * drop ** (k + 1),
                "multiplied": lr0 * drop * k, "remainder": lr0 * drop ** (t % every),
                "never_drops": float(lr0), "every_step": lr0 * drop ** int(t),
                "subtracted": lr0 - drop * k,
            }
            cases.append(Case(text, got, schedule(int(t)), predictions))
    verdict(task, cases, MISTAKES[task], generic=GENERIC[task])
    return len(cases)
