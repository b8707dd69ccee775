"""Shared helpers for the benchmark scripts (not part of the package)."""

from __future__ import annotations

import os
import platform
import statistics
import time
from collections.abc import Callable

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def median_seconds(fn: Callable[[], object], repeats: int, warmup: int = 1) -> float:
    """Median wall time of ``fn()`` over ``repeats`` calls after ``warmup`` calls."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def machine() -> str:
    import keras
    import numpy
    import sklearn
    import tensorflow

    return (f"{platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}, "
            f"tensorflow {tensorflow.__version__}, keras {keras.__version__}, "
            f"scikit-learn {sklearn.__version__}, numpy {numpy.__version__}")
