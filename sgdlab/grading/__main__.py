"""``python -m sgdlab.grading <submission.ipynb> --exercise 02 [--json]``: grade a
submitted exercise notebook with the trusted checks (see :mod:`sgdlab.grading`)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from sgdlab.grading.runner import TIMEOUT_SECONDS, grade_notebook
from sgdlab.grading.tasks import exercises, normalise


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sgdlab.grading",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("notebook", type=Path, help="the submitted .ipynb file")
    parser.add_argument("--exercise", required=True,
                        help=f"which exercise it is: {', '.join(exercises())}")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--no-hidden", action="store_true",
                        help="run only the public checks (the ones students see)")
    parser.add_argument("--timeout", type=float, default=TIMEOUT_SECONDS,
                        help="seconds the grading process may take (default %(default)s)")
    args = parser.parse_args(argv)
    try:
        exercise = normalise(args.exercise)
    except ValueError as exc:
        parser.error(f"--exercise: {exc}")
    if not args.notebook.is_file():
        parser.error(f"notebook: no file {args.notebook}")
    report = grade_notebook(args.notebook, exercise, hidden=not args.no_hidden,
                            timeout=args.timeout)
    if args.json:
        print(json.dumps(report.as_dict(), indent=1, ensure_ascii=False))
    else:
        print(report.text())
    return 0


if __name__ == "__main__":
    sys.exit(main())
