"""Regenerate ``skimbal/data/japanese_vowels.npz`` from the UEA ``.ts`` files.

The UEA/UCR archive's JapaneseVowels problem ships inside the ``aeon`` wheel.
skimbal does not depend on aeon; this script only reads the two text files::

    pip download --no-deps aeon -d /tmp/aeon_wheel
    cd /tmp/aeon_wheel && unzip -o aeon-*.whl 'aeon/datasets/data/JapaneseVowels/*'
    python tools/make_japanese_vowels.py /tmp/aeon_wheel/aeon/datasets/data/JapaneseVowels

The ``.ts`` format (sktime/aeon): ``#`` comment lines, ``@key value`` header
lines, then after ``@data`` one case per line: the channels separated by
``:``, each a comma-separated list of values, and the class label last.

The packaged file holds, for the 270 training and 370 test cases in their
original order:

``values``   float32 (sum of lengths, 12): all timesteps, case after case
``lengths``  int16 (640,): timesteps per case (7..29)
``labels``   int8 (640,): speaker 1..9
``is_test``  bool (640,): False for the 270 training cases, True for the 370 test cases
``sha256``   str (2,): SHA-256 of the TRAIN and TEST source files
"""

from __future__ import annotations

import argparse
import hashlib
from pathlib import Path

import numpy as np

N_CHANNELS = 12
EXPECTED = {"TRAIN": 270, "TEST": 370}
OUT = Path(__file__).resolve().parents[1] / "skimbal" / "data" / "japanese_vowels.npz"


def parse_ts(path: Path) -> tuple[list[np.ndarray], list[int]]:
    """Parse a multivariate, unequal-length ``.ts`` file with integer class labels."""
    header: dict[str, str] = {}
    series: list[np.ndarray] = []
    labels: list[int] = []
    in_data = False
    for lineno, raw in enumerate(path.read_text().splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if not in_data:
            if line.lower() == "@data":
                in_data = True
            elif line.startswith("@"):
                key, _, value = line[1:].partition(" ")
                header[key.lower()] = value.strip()
            continue
        *channels, label = line.split(":")
        if len(channels) != N_CHANNELS:
            raise ValueError(f"{path}:{lineno}: {len(channels)} channels, expected {N_CHANNELS}")
        rows = [np.array(c.split(","), dtype=np.float64) for c in channels]
        if len({len(r) for r in rows}) != 1:
            raise ValueError(f"{path}:{lineno}: channels of different lengths")
        series.append(np.stack(rows, axis=1))  # (T, 12)
        labels.append(int(label))
    if header.get("dimensions") != str(N_CHANNELS) or header.get("missing") != "false":
        raise ValueError(f"{path}: unexpected header {header}")
    return series, labels


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("src", type=Path, help="folder holding JapaneseVowels_TRAIN.ts / _TEST.ts")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()

    values, lengths, labels, is_test, digests = [], [], [], [], []
    for split, n_expected in EXPECTED.items():
        path = args.src / f"JapaneseVowels_{split}.ts"
        digests.append(hashlib.sha256(path.read_bytes()).hexdigest())
        series, y = parse_ts(path)
        if len(series) != n_expected:
            raise ValueError(f"{path}: {len(series)} cases, expected {n_expected}")
        values += series
        lengths += [len(s) for s in series]
        labels += y
        is_test += [split == "TEST"] * len(series)

    args.out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        args.out,
        values=np.concatenate(values).astype(np.float32),
        lengths=np.array(lengths, dtype=np.int16),
        labels=np.array(labels, dtype=np.int8),
        is_test=np.array(is_test, dtype=bool),
        sha256=np.array(digests),
    )
    lengths_arr = np.array(lengths)
    print(
        f"wrote {args.out} ({args.out.stat().st_size / 1024:.0f} KiB): "
        f"{len(lengths)} cases, lengths {lengths_arr.min()}..{lengths_arr.max()}, "
        f"labels {sorted(set(labels))}"
    )


if __name__ == "__main__":
    main()
