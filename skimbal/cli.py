"""Command-line entry point ``skimbal``."""

from __future__ import annotations

import sys

USAGE = """usage: skimbal <command> [options]

commands:
  demo    cross-validate weighted vs unweighted models on an embedded dataset
  cv      run the same report on your own arrays (--data FILE.npz)
"""


def main(argv: list[str] | None = None) -> int:
    """Run the ``skimbal`` command line; returns the exit status."""
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] in {"-h", "--help"}:
        print(USAGE)
        return 0
    print(f"skimbal: unknown command {argv[0]!r}\n{USAGE}", file=sys.stderr)
    return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
