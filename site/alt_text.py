"""Alt text for every figure the notebooks draw, written into the code cells' metadata
(``mystnb.image.alt``, which myst-nb puts on the figure's ``<img>``).

    python site/alt_text.py          # write the metadata (cell sources are not touched)
    python site/alt_text.py --check  # exit 1 when a cell's metadata differs from below

Only metadata changes, so this never conflicts with edits of the notebooks' text. A
cell that draws a figure and has no entry here is caught by tests/test_site.py (its
image would have no alt text on the site).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

EXPLORER = "Explorer at its default setting: "
ALT: dict[str, dict[str, str]] = {
    "00_start_here": {
        "dd4b1e4b": EXPLORER + "gradient descent steps on a parabola, with a slider "
                    "for the learning rate.",
    },
    "01_gradient_descent": {
        "b137a04a": "Contour plot of a tilted double well with red arrows of equal length "
                    "showing the gradient's direction: perpendicular to the contours and "
                    "pointing uphill, away from the two minima and the saddle.",
        "01-parabola-plot": "Four panels of gradient descent on a parabola, one per "
                            "learning rate: small steps creep to the minimum, the best "
                            "step lands on it, larger steps zig-zag across it, and a step "
                            "above 2/a climbs out.",
        "e172b976": "Four contour plots with 30 gradient descent steps each: a round bowl "
                    "reached directly, a narrow valley crossed slowly with a small step, "
                    "faster with the best step 2/(L+mu), and a red path that zig-zags "
                    "outwards at 1.05 times 2/L.",
        "84b9045e": "Contraction per step of gradient descent on the valley against the "
                    "learning rate: measured points on the theoretical curve, lowest at "
                    "the best step 2/(L+mu) and rising above 1 past 2/L.",
        "13178fd0": "Loss per step on a log scale: the run at the best step falls steadily, "
                    "the run at 1.05 times 2/L rises until it is flagged as diverged.",
        "1678f8ef": "Left: gap to the closed-form minimum on the diabetes data for "
                    "learning rates 1/L and 2/(L+mu), falling, and 1.05 times 2/L, "
                    "diverging. Right: bar chart of the weights of gradient descent beside "
                    "the closed-form weights, one pair per feature; they agree.",
        "01-cost-plot": "Log-log plot of the seconds one full gradient takes against the "
                        "number of rows, measured on this computer, with a dashed line "
                        "proportional to n for comparison.",
        "f913aa8f": EXPLORER + "gradient descent on a quadratic valley at the chosen "
                    "learning rate, with a slider for the learning rate.",
    },
    "02_stochastic_gradient_descent": {
        "c2fd9f0e": "Left: contour plot with one short orange step direction per example "
                    "and the full gradient's direction in black. Right: each example's "
                    "gradient as an orange point; their mean, the full gradient, is a "
                    "black star in the middle of the cloud.",
        "a6cf7ea5": "Contour plot of the loss with two paths over the same epochs: "
                    "gradient descent in black moves straight to the minimum in few "
                    "steps, SGD wanders noisily towards it in many small steps.",
        "a1248a23": "Left: the last two epochs of SGD near the minimum (a star) for two "
                    "learning rates; the larger rate scatters in a wider cloud. Right: "
                    "loss above the minimum per step for both rates, each levelling off "
                    "near its dashed noise-ball line eta sigma squared over 4.",
        "9dd06a6a": "Loss above the minimum over the first 400 SGD steps on a log scale, "
                    "with red dots after every step that went uphill; uphill steps occur "
                    "throughout and become about half of them near the minimum.",
        "4df1a297": "Left: learning rate per step, constant 0.2 against a rate decaying as "
                    "1/(1 + decay t). Right: loss above the minimum; the constant rate "
                    "stalls at a plateau, the decaying rate keeps falling below it.",
        "31c0063f": "Loss above the minimum at the end of each epoch for several SGD runs, "
                    "sampling with and without replacement; without replacement ends "
                    "lower.",
        "ad05efb1": "Loss above the minimum against examples read, for gradient descent "
                    "and SGD: left, the first two epochs; right, all epochs.",
        "7f0d48e5": EXPLORER + "an SGD run on the loss, with sliders for the learning "
                    "rate, its decay and the random seed.",
    },
    "03_minibatch_sgd": {
        "f2015336": "Minibatch gradient noise against the batch size on log axes: points "
                    "measured with and without replacement lie on the theory lines "
                    "sigma squared over B, and that times (n-B)/(n-1), which drops to zero "
                    "at B = n.",
        "764f7a50": "Loss above the minimum for several batch sizes: left, against "
                    "examples read, small batches ahead; right, against milliseconds of "
                    "computing on the machine that ran it.",
        "88128fe3": "Loss curves for batch sizes with the learning rate proportional to "
                    "the batch size: they fall alike until the rate passes 2/L and the "
                    "largest batch diverges.",
        "99f1140c": EXPLORER + "a minibatch SGD run, with sliders for the batch size and "
                    "the learning rate.",
    },
    "04_momentum": {
        "momentum-12": "Two contour plots of a narrow valley: gradient descent zig-zags "
                       "slowly across it, momentum runs along it to the minimum; a third "
                       "panel shows momentum's loss falling far below gradient descent's.",
        "momentum-18": "Noisy gradients as grey dots over the steps, with momentum's "
                       "averaged gradient as smooth lines for several beta; a larger beta "
                       "averages over more steps and lags more.",
        "momentum-28b": "Grid search over learning rate and momentum beta on a quadratic "
                        "with condition number 50, coloured by the steps needed, pink "
                        "where runs diverged; the theory's best pair lies in the fastest "
                        "region, and a red curve marks the stability limit 2(1+beta)/L.",
        "momentum-31a": "Animation of gradient descent, heavy ball and Nesterov paths "
                        "over the contours of the quadratic, each at its tuned setting.",
        "momentum-37": "Loss above the minimum per step on the diabetes data, one example "
                       "per step, for SGD with and without momentum.",
        "momentum-40": EXPLORER + "a run with momentum on a valley, with sliders for the "
                       "learning rate and the momentum.",
    },
    "05_pytorch": {
        "torch-31": "Left: size of the gradient reaching the last layer against the logit "
                    "on a log scale; cross-entropy keeps a large gradient where squared "
                    "error after a sigmoid vanishes. Right: histogram of the trained seed "
                    "network's outputs, bunched near 0 and 1.",
        "torch-33": "Training loss per epoch of the seed network on a log scale: the "
                    "article's learning rate 0.01 barely moves, 0.5 falls quickly.",
        "torch-43": EXPLORER + "a torch.optim.SGD training run, with controls for the "
                    "problem, learning rate, momentum, Nesterov and batch size.",
    },
    "06_scikit_learn": {
        "sklearn-16": "Learning rate against the step on log axes for scikit-learn's "
                      "schedules, with the stability limit for the diabetes data as a "
                      "horizontal line.",
        "sklearn-20": "Size of the weights against the regularisation strength alpha: "
                      "SGDRegressor's fitted points lie on the closed-form curve, which "
                      "shrinks as alpha grows.",
        "sklearn-23": "Distance to the optimum per epoch on a log scale: the SGD iterate "
                      "jitters at a plateau, while its running average from epoch 2 keeps "
                      "getting closer.",
        "sklearn-34": EXPLORER + "an SGDRegressor fit, with controls for its learning-rate "
                      "schedule, eta0, alpha and averaging.",
    },
    "07_learning_rate_schedules": {
        "nb07-ball-plot": "Left: excess loss per step for several constant learning rates, "
                          "each falling then levelling off at a plateau, higher for larger "
                          "rates. Right: plateau height against the learning rate on log "
                          "axes; the measurements lie on the theory line eta sigma squared "
                          "over 4.",
        "nb07-sched": "Learning rate against the step for the step, 1/t, cosine and "
                      "warm-up schedules.",
        "nb07-rm": "Running sums for each schedule: the sum of learning rates grows "
                   "without bound for all of them (left); the sum of squares levels off "
                   "only for the decaying ones (right).",
        "nb07-rm-run": "Excess loss per step of SGD under each schedule on a log scale; "
                       "the decaying schedules keep falling, the constant rate stalls.",
        "nb07-avg": "Excess loss per step at a constant learning rate: the last iterate "
                    "jitters around the dashed noise-ball level, the running average "
                    "falls well below it.",
        "nb07-range": "Learning-rate range test on log axes: excess loss after one step "
                      "against the learning rate, for a minibatch and for the full batch "
                      "with its exact theory curve, a dashed line at 2/L and a dotted line "
                      "at the suggested rate below it.",
        "nb07-widget": EXPLORER + "a learning-rate schedule and the SGD run it drives, "
                       "with controls for the schedule, the base rate and the warm-up.",
    },
    "08_adaptive_methods": {
        "adaptive-18": "Steps to reach 1e-8 of the start loss against the condition "
                       "number, one line per method, for a valley along the axes and one "
                       "turned by 45 degrees.",
        "adaptive-20b": "Contour plots of a valley with condition number 25, one per "
                        "method and orientation, each with 100 steps at the method's best "
                        "learning rate from a circle (start) to a square (end).",
        "adaptive-20c": "Loss per step on the valley turned by 45 degrees, one curve per "
                        "method at its best learning rate.",
        "adaptive-24": "Left: paths of each method on the Rosenbrock function's curved "
                       "valley. Right: their losses per step, each at its best learning "
                       "rate.",
        "adaptive-26": "Effective step size per step for Adagrad, RMSprop and Adam: "
                       "Adagrad's keeps shrinking, RMSprop's and Adam's level off.",
        "adaptive-29": "Loss above the minimum per epoch for logistic regression on the "
                       "breast cancer data, batches of 32, one curve per method at its "
                       "best learning rate.",
        "adaptive-31": "Loss above the minimum for Adam at a constant learning rate; it "
                       "falls, then hovers at a level set by the learning rate.",
        "adaptive-34": EXPLORER + "an adaptive optimizer's run, with controls for the "
                       "problem, the optimizer, the learning rate and beta.",
    },
    "09_beyond_convex": {
        "beyond-12": "Animation of gradient descent, SGD and momentum paths near a saddle "
                     "point: gradient descent stalls at the saddle while the others "
                     "escape.",
        "beyond-17": "Left: contour plot of a double well with paths from several starts, "
                     "ending in either minimum. Right: the loss surface of one tanh unit "
                     "over its input and output weights, with two minima (stars), a "
                     "saddle (cross) and a path.",
        "beyond-21": "Left: training cross-entropy per epoch of the digits network for "
                     "three learning rates. Right: training and validation loss for "
                     "learning rate 0.3.",
        "beyond-33": EXPLORER + "an optimizer's path near a saddle point, with controls "
                     "for the method, the learning rate, the SGD noise and the start y0.",
    },
}


def apply(check: bool = False) -> list[str]:
    """Write (or, with ``check``, compare) the metadata; returns the cells that differ."""
    stale = []
    for stem, cells in ALT.items():
        path = ROOT / "notebooks" / f"{stem}.ipynb"
        nb = json.loads(path.read_text(encoding="utf-8"))
        found = set()
        for cell in nb["cells"]:
            alt = cells.get(cell.get("id", ""))
            if alt is None or cell["cell_type"] != "code":
                continue
            found.add(cell["id"])
            mystnb = cell["metadata"].setdefault("mystnb", {})
            if mystnb.get("image", {}).get("alt") != alt:
                stale.append(f"{stem}:{cell['id']}")
                mystnb.setdefault("image", {})["alt"] = alt
        missing = set(cells) - found
        if missing:
            raise SystemExit(f"{path.name}: no code cell with id {sorted(missing)}")
        if not check:
            path.write_text(json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False)
                            + "\n", encoding="utf-8")
    return stale


if __name__ == "__main__":
    stale = apply(check="--check" in sys.argv)
    if "--check" in sys.argv and stale:
        print("alt text metadata out of date:", ", ".join(stale))
        sys.exit(1)
