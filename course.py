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

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "scripts"))

from course_setup import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
