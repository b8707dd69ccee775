"""Weight computation for 10^6 labels: skimbal (vectorised numpy) vs Keras' conversion.

Keras turns ``Model.fit(class_weight=...)`` into per-sample weights with
``data_adapter_utils.class_weight_to_sample_weights`` (a Python loop over
samples). skimbal computes the same per-sample weights with
``resolve_class_weight`` + ``class_sample_weight``; per-label (multi-label) and
per-timestep weights are timed too. Medians over ``--repeats`` runs.

Run: ``python benchmarks/weights_speed.py [--n 1000000] [--repeats 5]``
"""

from __future__ import annotations

import argparse

import numpy as np  # noqa: E402
from _timing import machine, median_seconds
from keras.src.trainers.data_adapters.data_adapter_utils import (  # noqa: E402
    class_weight_to_sample_weights,
)

from skimbal.weights import (  # noqa: E402
    class_sample_weight,
    normalization_factor,
    resolve_class_weight,
    resolve_label_weights,
    time_weight_profile,
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    n = args.n
    y = (rng.random(n) < 0.05).astype(np.int64)
    classes = np.array([0, 1])

    def skimbal_class():
        counts = np.bincount(y, minlength=2)
        cw = resolve_class_weight("balanced", classes, counts)
        return class_sample_weight(cw * normalization_factor(cw, counts), y)

    cw_dict = dict(enumerate(resolve_class_weight("balanced", classes, np.bincount(y))))
    np.testing.assert_allclose(
        class_sample_weight(np.array([cw_dict[0], cw_dict[1]]), y),
        class_weight_to_sample_weights(y, cw_dict), rtol=1e-6)

    Y = (rng.random((n // 10, 10)) < 0.05).astype(np.int8)  # 10^6 labels
    Yt = (rng.random((n // 100, 100)) < 0.02).astype(np.int64)  # 10^6 timesteps

    def skimbal_label():
        pos, neg = resolve_label_weights("balanced", np.arange(10), Y)
        return np.where(Y == 1, pos, neg)

    def skimbal_timestep():
        counts = np.bincount(Yt.ravel(), minlength=2)
        cw = resolve_class_weight("balanced", classes, counts)
        return class_sample_weight(cw, Yt) * time_weight_profile(
            "linear", Yt.shape[1], weight_range=(1.0, 2.0), half_life=10.0)

    t_keras = median_seconds(lambda: class_weight_to_sample_weights(y, cw_dict),
                             max(1, args.repeats // 2))
    t_class = median_seconds(skimbal_class, args.repeats)
    t_label = median_seconds(skimbal_label, args.repeats)
    t_step = median_seconds(skimbal_timestep, args.repeats)
    print(machine())
    print(f"\n| computation ({n:,} labels) | median ms | vs Keras |")
    print("|---|---|---|")
    print(f"| Keras class_weight_to_sample_weights (1-D) | {t_keras * 1e3:.1f} | 1.0x |")
    print(f"| skimbal class weights (1-D, balanced, normalised) | {t_class * 1e3:.1f} | "
          f"{t_keras / t_class:.0f}x faster |")
    print(f"| skimbal per-label pos/neg weights ({Y.shape[0]:,} x 10) | {t_label * 1e3:.1f} | "
          "Keras: no equivalent |")
    print(f"| skimbal per-timestep class x linear time weights ({Yt.shape[0]:,} x 100) | "
          f"{t_step * 1e3:.1f} | Keras: raises for 3-D targets |")


if __name__ == "__main__":
    main()
