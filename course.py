#!/usr/bin/env python3
"""Set up SGD Lab and open it, or set it up and test it.

    python3 course.py lab      # set up, then open the course in JupyterLab
    python3 course.py test     # set up, then run the whole test suite
    py course.py lab           # the same on Windows

Run `python3 course.py help` for the other commands. The work is done by
scripts/course_setup.py; this file only checks that the Python is new enough, in
syntax that even an old Python can read, so that it can say so plainly.
"""
import os
import sys

if sys.version_info < (3, 11):  # noqa: UP036 (the point: this file runs on old Pythons)
    sys.stderr.write(
        "SGD Lab needs Python 3.11 or newer; this is Python %d.%d.\n"
        "Install a newer Python (python.org, Homebrew, your package manager or the\n"
        "Microsoft Store) and run this script with it, e.g. python3.12 course.py lab\n"
        "(on Windows: py -3.12 course.py lab).\n" % tuple(sys.version_info[:2])
    )
    sys.exit(1)

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "scripts"))

from course_setup import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
