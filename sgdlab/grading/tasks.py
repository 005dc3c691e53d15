"""Which ``sgdlab`` code implements each graded task: the task -> reference map.

A graded task is solved by the learner's own code. A function that hands the work to
``sgdlab``'s reference implementation of that same task (``LeastSquares.per_example_grads``
for ``per_example_gradients``, ``sgdlab.train.run`` for ``sgd_epoch``) scores zero, with
a message that names the reference. The grading process detects such a call while the
learner's function runs (see :mod:`sgdlab.grading._child`): it watches which functions
are entered, so an alias (``from sgdlab.train import run``), a method reached through an
instance, or a closure made by a factory (``schedules.inverse_time(...)``) is caught the
same way. Calling ``sgdlab`` for *another* task's work (a learner's ``sgd_epoch`` may use
``LeastSquares`` for its data) is allowed.

The checks' and the grader's own modules (``sgdlab.checks``, ``sgdlab.grading``) count as
references of every task: their helpers compute the expected answers.

References are written ``"module:qualified.name"``; a class stands for all its methods, a
function also for the functions defined inside it.
"""

from __future__ import annotations

#: Always forbidden inside a learner's function: the code that computes the answers.
ALWAYS = ("sgdlab.checks", "sgdlab.grading")

#: exercise -> task -> the sgdlab code that implements that task.
REFERENCES: dict[str, dict[str, tuple[str, ...]]] = {
    "01": {
        "gd_step": ("sgdlab.optim:SGD",),
        "numerical_gradient": (),
        "stability_threshold": ("sgdlab.theory:gd_stability_threshold",),
        "gradient_descent": ("sgdlab.train:run", "sgdlab.optim:SGD"),
    },
    "02": {
        "per_example_gradients": ("sgdlab.losses:LeastSquares.per_example_grads",),
        "sgd_epoch": ("sgdlab.train:run", "sgdlab.optim:SGD"),
        "run_sgd": ("sgdlab.train:run", "sgdlab.optim:SGD"),
        "inverse_time_lr": ("sgdlab.schedules:inverse_time",),
    },
    "03": {
        "minibatch_indices": ("sgdlab.batches:epoch_batches", "sgdlab.batches:minibatch_stream"),
        "minibatch_gradient": ("sgdlab.losses:LeastSquares.grad",
                               "sgdlab.losses:LeastSquares.per_example_grads"),
        "minibatch_sgd": ("sgdlab.train:run", "sgdlab.optim:SGD"),
    },
    "04": {
        "momentum_step": ("sgdlab.optim:SGD",),
        "nesterov_step": ("sgdlab.optim:SGD",),
        "torch_momentum_from_ema": (),
        "step_decay_lr": ("sgdlab.schedules:step_decay",),
    },
    "05": {
        "make_loader": (),
        "train_epoch": ("sgdlab.torch_fit:fit", "sgdlab.deep:fit"),
        "torch_sgd_trajectory": ("sgdlab.optim:SGD",),
    },
    "06": {
        "optimal_lr": ("sgdlab.sklearn_sgd:optimal", "sgdlab.sklearn_sgd:optimal_t0",
                       "sgdlab.sklearn_sgd:schedule"),
        "sgd_epoch_l2": ("sgdlab.sklearn_sgd:plain_sgd",),
        "averaged_weights": ("sgdlab.averaging:polyak_average",),
    },
    "07": {
        "warmup_lr": ("sgdlab.schedules:warmup", "sgdlab.schedules:make"),
        "cosine_lr": ("sgdlab.schedules:cosine", "sgdlab.schedules:make"),
        "polyak_average": ("sgdlab.averaging:polyak_average",),
    },
    "08": {
        "adagrad_step": ("sgdlab.optim:Adagrad",),
        "rmsprop_step": ("sgdlab.optim:RMSprop",),
        "adam_step": ("sgdlab.optim:Adam",),
    },
    "09": {
        "classify_stationary_point": (),
        "escape_steps": ("sgdlab.nonconvex:gd_escape_steps",),
        "adamw_step": ("sgdlab.optim:Adam",),
    },
}


def exercises() -> list[str]:
    """The exercise numbers, ``["01", ..., "09"]``."""
    return sorted(REFERENCES)


def normalise(exercise: str | int) -> str:
    """``2``, ``"2"``, ``"02"`` or ``"ex02"`` -> ``"02"``.

    Raises:
        ValueError: not one of the exercises 01 to 09.
    """
    text = str(exercise).strip().lower().removeprefix("ex")
    key = text.zfill(2) if text.isdigit() else text
    if key not in REFERENCES:
        raise ValueError(f"exercise must be one of {', '.join(exercises())}, got {exercise!r}")
    return key
