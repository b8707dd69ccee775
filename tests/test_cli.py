"""The ``skimbal`` command line, through its own entry point ``skimbal.cli.main``."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin

import skimbal.classifier
from skimbal import cli
from skimbal.cli import main

ROOT = Path(__file__).resolve().parents[1]


def test_usage(capsys):
    assert main([]) == 0
    out = capsys.readouterr().out
    assert "demo" in out and "cv" in out


def test_help_exits_zero(capsys):
    assert main(["cv", "--help"]) == 0
    assert "--class-weight" in capsys.readouterr().out


def test_version(capsys):
    import skimbal

    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"skimbal {skimbal.__version__}"


def test_unknown_command(capsys):
    assert main(["frobnicate"]) == 2
    assert "unknown command 'frobnicate'" in capsys.readouterr().err


# ---------------------------------------------------------------- bad input
@pytest.fixture
def no_training(monkeypatch):
    """Fail if the CLI gets as far as creating estimators."""

    def boom(*args, **kwargs):
        raise AssertionError("estimators were created although the input is bad")

    monkeypatch.setattr(cli, "_candidates", boom)


@pytest.fixture
def npz(tmp_path):
    def write(name="data.npz", **arrays):
        path = tmp_path / name
        np.savez(path, **arrays)
        return str(path)

    return write


def _fails(capsys, argv, match):
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("skimbal: error:") and "\n" not in err, err
    assert "Traceback" not in err
    assert match in err, err


X_OK = np.zeros((12, 5, 2), dtype=np.float32)
Y_OK = np.array([0] * 8 + [1] * 4)


def test_missing_file(no_training, capsys, tmp_path):
    _fails(capsys, ["cv", "--data", str(tmp_path / "nope.npz")], "no such file")


def test_directory_is_called_a_directory(no_training, capsys, tmp_path):
    _fails(capsys, ["cv", "--data", str(tmp_path)], f"--data {tmp_path}: is a directory; "
           "expected a .npz file")


def test_not_an_npz(no_training, capsys, tmp_path):
    path = tmp_path / "data.npz"
    path.write_text("X,y\n1,2\n")
    _fails(capsys, ["cv", "--data", str(path)], "not a readable .npz file")


def test_missing_array(no_training, capsys, npz):
    _fails(capsys, ["cv", "--data", npz(X=X_OK, labels=Y_OK)], "no array 'y' (found: X, labels)")


def test_object_array_not_unpickled(no_training, capsys, npz):
    ragged = np.empty(2, dtype=object)
    ragged[:] = [np.zeros((3, 2)), np.zeros((4, 2))]
    _fails(capsys, ["cv", "--data", npz(X=ragged, y=np.array([0, 1]))], "Python objects")


@pytest.mark.parametrize(
    "arrays, match",
    [
        (dict(X=np.zeros((12, 5)), y=Y_OK), "must be 3-D"),
        (dict(X=X_OK, y=Y_OK[:10]), "one label per sequence (12,)"),
        (dict(X=X_OK, y=np.zeros(12)), "single class"),
        (dict(X=X_OK, y=Y_OK, lengths=np.full(12, 6)), "lengths must be 12 integers in 1..5"),
        (dict(X=X_OK, y=Y_OK, lengths=np.full(11, 3)), "lengths must be 12 integers"),
        (dict(X=X_OK, y=Y_OK, lengths=np.full(12, 2.5)), "lengths must be 12 integers"),
    ],
)
def test_bad_arrays(no_training, capsys, npz, arrays, match):
    _fails(capsys, ["cv", "--data", npz(**arrays)], match)


@pytest.mark.parametrize(
    "options, match",
    [
        (["--cell", "transformer"], "invalid choice: 'transformer'"),
        (["--units", "0"], "expected a positive integer, got '0'"),
        (["--epochs", "ten"], "expected a positive integer, got 'ten'"),
        (["--folds", "1"], "--folds must be at least 2"),
        (["--folds", "5"], "class 1 has only 4 samples; --folds 5"),
        (["--class-weight", "heavy"], "expected 'none', 'balanced' or a JSON object"),
        (["--class-weight", '{"1": -2}'], "expected 'none', 'balanced' or a JSON object"),
        (["--class-weight", '{"7": 2}'], "unknown label(s) 7; the labels are 0, 1"),
        (["--plot", "report.xyz"], "unsupported file type '.xyz'"),
        (["--plot", "no/such/dir/report.png"], "does not exist"),
        (["--frobnicate"], "unrecognized arguments: --frobnicate"),
    ],
)
def test_bad_options(no_training, capsys, npz, options, match):
    _fails(capsys, ["cv", "--data", npz(X=X_OK, y=Y_OK), "--folds", "2", *options], match)


def test_cv_requires_data(no_training, capsys):
    _fails(capsys, ["cv"], "the following arguments are required: --data")


def test_demo_bad_imbalance(no_training, capsys):
    _fails(capsys, ["demo", "--imbalance", "2"], "expected a ratio in (0, 1]")


def test_bad_input_is_checked_without_tensorflow(tmp_path):
    code = (
        "import sys, skimbal.cli as c; "
        f"rc = c.main(['cv', '--data', {str(tmp_path / 'x.npz')!r}]); "
        "print(rc, 'tensorflow' in sys.modules, 'keras' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                         text=True, check=True)
    assert out.stdout.split() == ["2", "False", "False"]
    assert out.stderr.strip().count("\n") == 0 and "no such file" in out.stderr


# ------------------------------------------- the report, with a stub estimator
class MajorityStub(ClassifierMixin, BaseEstimator):
    """Predicts the training majority class with probability 1; records its fits."""

    fits: list = []

    def __init__(self, class_weight=None, **params):
        self.class_weight, self.params = class_weight, params

    def fit(self, X, y):
        self.classes_ = np.unique(y)
        self.majority_ = np.argmax([np.sum(y == c) for c in self.classes_])
        MajorityStub.fits.append((self.class_weight, len(X), [len(x) for x in X],
                                  np.unique(y, return_counts=True)[1].tolist(), self.params))
        return self

    def predict(self, X):
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]

    def predict_proba(self, X):
        p = np.zeros((len(X), len(self.classes_)))
        p[:, self.majority_] = 1.0
        return p


@pytest.fixture
def stub(monkeypatch):
    MajorityStub.fits = []
    monkeypatch.setattr(skimbal.classifier, "WeightedSequenceClassifier", MajorityStub)
    return MajorityStub


def test_report_metrics_hand_computed(stub, capsys, npz):
    X = np.random.default_rng(0).normal(size=(30, 4, 2)).astype(np.float32)
    y = np.array(["a"] * 20 + ["b"] * 10)
    path = npz(X=X, y=y, lengths=np.full(30, 4))
    argv = ["cv", "--data", path, "--folds", "2", "--class-weight", "none", "balanced",
            '{"b": 3}', "--no-resample", "--method", "--repeats", "1", "--json"]
    assert main(argv) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["class_counts"] == {"a": 20, "b": 10} and report["minority_class"] == "b"
    assert [r["model"] for r in report["results"]] == [
        "unweighted", 'class_weight="balanced"', 'class_weight={"b": 3}']
    # each row: 2 folds of 15 training sequences; the dict spec reaches the estimator
    assert [f[:2] for f in stub.fits] == (
        [(None, 15)] * 2 + [("balanced", 15)] * 2 + [({"b": 3.0}, 15)] * 2)
    # always "a": balanced accuracy 1/2, minority recall 0, macro F1 = F1(a) / 2 with
    # precision 10/15 and recall 1 -> F1(a) = 0.8
    m = report["results"][0]["metrics"]
    assert m["balanced_accuracy"]["folds"] == [0.5, 0.5]
    assert m["minority_recall"]["mean"] == 0.0
    assert m["macro_f1"]["mean"] == pytest.approx(0.4)
    # probability 1 on "a": squared error 0 on the 10 a's, 1 + 1 on the 5 b's of a fold
    assert m["brier"]["folds"] == pytest.approx([2 * 5 / 15] * 2)
    assert m["log_loss"]["mean"] > 10  # confident and wrong on a third of the fold
    assert len(m["fit_seconds"]["folds"]) == 2


def test_table_progress_and_plot(stub, capsys, npz, tmp_path):
    X = np.zeros((20, 3, 1), dtype=np.float32)
    y = np.array([0] * 15 + [1] * 5)
    png = tmp_path / "report.png"
    assert main(["cv", "--data", npz(X=X, y=y), "--folds", "5", "--plot", str(png),
                 "--no-resample"]) == 0
    captured = capsys.readouterr()
    assert "balanced acc" in captured.out and "minority recall" in captured.out
    assert "unweighted" in captured.out and "0.500 ± 0.000" in captured.out
    # progress over 3 rows (unweighted, "balanced", post-hoc) x 5 folds, repeated once
    assert "15/15" in captured.err and "fold 5/5" in captured.err
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_plot_recall_matrices_and_chance_line(tmp_path):
    from skimbal.cli import Dataset, _plot

    y = np.array([0] * 8 + [1] * 2)
    # row "unweighted": class 1 always predicted 0; class 0 right 6 of 8 times
    proba = np.zeros((10, 2))
    proba[:, 0] = 1.0
    proba[[0, 1], :] = [0.2, 0.8]
    data = Dataset(name="toy", X=np.zeros((10, 3, 1)), y=y, lengths=np.full(10, 3), minority=1)
    report = {"classes": np.array([0, 1]), "network": "net",
              "results": [{"model": "unweighted", "oof_proba": proba}]}
    fig = _plot(tmp_path / "p.png", data, report)
    pr_ax, cm_ax = fig.axes[:2]
    # confusion matrix normalised per true class, on a fixed 0..1 colour scale
    image = cm_ax.images[0]
    np.testing.assert_allclose(image.get_array(), [[0.75, 0.25], [1.0, 0.0]])
    assert image.get_clim() == (0.0, 1.0)
    assert len(fig.axes) == 3  # PR panel, one matrix, one colour bar
    # chance line of the precision-recall panel at the minority prevalence 2/10
    chance = [line for line in pr_ax.get_lines() if line.get_linestyle() == "--"]
    assert len(chance) == 1 and np.allclose(chance[0].get_ydata(), 0.2)
    assert (tmp_path / "p.png").read_bytes()[:4] == b"\x89PNG"


def test_table_names_the_network_and_lengths(stub, capsys, npz):
    from skimbal.architectures import describe_network

    X = np.zeros((12, 5, 1), dtype=np.float32)
    y = np.array([0] * 8 + [1] * 4)
    assert main(["cv", "--data", npz(X=X, y=y, lengths=np.arange(12) % 4 + 2), "--folds", "2",
                 "--no-resample", "--class-weight", "none"]) == 0
    out = capsys.readouterr().out
    # the stub has only default architecture parameters
    assert f"network: {describe_network(conv_norm='layer')}" in out  # list input
    assert "lengths 2-5 (passed unpadded, as a list)" in out and "end-padded" not in out


def test_method_rows_and_repeats(stub, capsys, npz):
    from skimbal.cli import DEFAULT_METHODS, METHODS

    X = np.zeros((12, 4, 1), dtype=np.float32)
    y = np.array([0] * 8 + [1] * 4)
    # default rows: unweighted, "balanced", the suite's method(s), over-sampling
    assert main(["cv", "--data", npz(X=X, y=y), "--folds", "2", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert [r["model"] for r in report["results"]] == [
        "unweighted", 'class_weight="balanced"', *(METHODS[m][1] for m in DEFAULT_METHODS),
        "RandomOverSampler + unweighted"]
    # 2 folds x 1 repeat (the default) per row
    assert len(stub.fits) == 2 * len(report["results"])
    assert len(report["results"][0]["metrics"]["brier"]["folds"]) == 2
    stub.fits.clear()
    assert main(["cv", "--data", npz(X=X, y=y), "--folds", "2", "--repeats", "3",
                 "--class-weight", "none", "--method", "post-hoc", "balanced-batches",
                 "effective", "deferred", "focal", "--no-resample", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert [r["model"] for r in report["results"]] == [
        "unweighted", 'logit_adjustment="post-hoc"', "balanced_batches=True",
        'class_weight="effective"', 'class_weight="balanced", class_weight_start=0.8',
        "focal_gamma=2.0"]
    # the method's parameters reach the estimator, 2 folds x 3 repeats each
    keys = ("logit_adjustment", "balanced_batches", "class_weight_start", "focal_gamma")
    extra = [(f[0], {k: v for k, v in f[4].items() if k in keys}) for f in stub.fits[6:]]
    assert extra == ([(None, {"logit_adjustment": "post-hoc"})] * 6
                     + [(None, {"balanced_batches": True})] * 6
                     + [("effective", {})] * 6
                     + [("balanced", {"class_weight_start": 0.8})] * 6
                     + [(None, {"focal_gamma": 2.0})] * 6)


def test_unknown_method_is_a_usage_error(capsys, npz):
    path = npz(X=np.zeros((6, 3, 1)), y=np.array([0, 1] * 3))
    assert main(["cv", "--data", path, "--method", "focus"]) == 2
    err = capsys.readouterr().err
    assert "--method" in err and "invalid choice" in err and err.count("\n") == 1


def test_model_input_is_list_with_true_lengths(stub, capsys, npz):
    X = np.zeros((10, 6, 2), dtype=np.float32)
    lengths = np.arange(1, 11) % 6 + 1
    assert main(["cv", "--data", npz(X=X, y=np.array([0, 1] * 5), lengths=lengths),
                 "--folds", "2", "--repeats", "1", "--class-weight", "none", "--method",
                 "--no-resample"]) == 0
    train_lengths = [f[2] for f in stub.fits]
    assert len(train_lengths) == 2 and sorted(sum(train_lengths, [])) == sorted(lengths)


def test_resampling_row_oversamples_training_folds_only(stub, capsys, npz):
    X = np.zeros((30, 4, 2), dtype=np.float32)
    y = np.array([0] * 24 + [1] * 6)
    assert main(["cv", "--data", npz(X=X, y=y), "--folds", "3", "--repeats", "1",
                 "--class-weight", "none", "--method", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert [r["model"] for r in report["results"]] == [
        "unweighted", "RandomOverSampler + unweighted"]
    plain, resampled = stub.fits[:3], stub.fits[3:]
    assert all(f[3] == [16, 4] for f in plain)  # 2/3 of each class
    assert all(f[3] == [16, 16] for f in resampled)  # minority over-sampled in training
    # test folds are not resampled: every test fold still has 10 sequences
    assert len(report["results"][1]["metrics"]["balanced_accuracy"]["folds"]) == 3


def test_demo_trains_with_the_library_defaults():
    # the demo shows what a user gets: its network and training settings are
    # WeightedSequenceClassifier's defaults, in the full and the quick run
    from skimbal import WeightedSequenceClassifier
    from skimbal.cli import FULL, QUICK

    defaults = WeightedSequenceClassifier().get_params()
    for settings in (FULL, QUICK):
        for key in ("cell", "units", "epochs", "batch_size", "learning_rate"):
            assert settings[key] == defaults[key], key
        assert defaults["optimizer"] == "adam"  # the header says "Adam lr ..."
    assert (QUICK["folds"], QUICK["repeats"]) == (3, 1)


# ------------------------------------------------------------- end to end
@pytest.mark.slow
def test_demo_end_to_end(capsys):
    argv = ["demo", "--quick", "--folds", "2", "--epochs", "1", "--units", "2",
            "--class-weight", "balanced", "--json"]
    assert main(argv) == 0
    # rows: the class-weight specs, then the resampling row
    report = json.loads(capsys.readouterr().out)
    assert report["dataset"] == "JapaneseVowels" and report["n_samples"] == 585
    # default imbalance 1:20: 2 of 30 training and 4 of 31 test utterances of speaker 1
    assert report["class_counts"]["1"] == 2 + 4 and report["minority_class"] == 1
    from skimbal.cli import DEFAULT_METHODS, METHODS

    assert [r["model"] for r in report["results"]] == [
        'class_weight="balanced"', *(METHODS[m][1] for m in DEFAULT_METHODS),
        "RandomOverSampler + unweighted"]
    # the header names the network really trained (the default fcn-rnn, LSTM cell; the
    # list input makes conv_norm="auto" layer normalisation)
    assert report["network"] == (
        "Conv1D(32, 64, 32; kernels 8, 5, 3), layer-normalised beside LSTM(2), last step")
    for row in report["results"]:
        ba = row["metrics"]["balanced_accuracy"]["folds"]
        assert len(ba) == 2 and all(0 <= v <= 1 for v in ba)
        brier = row["metrics"]["brier"]["folds"]
        assert len(brier) == 2 and all(0 <= v <= 2 for v in brier)


@pytest.mark.slow
def test_cli_prints_no_tensorflow_start_up_noise(tmp_path):
    # A fresh process, as a user runs it: no C++ log lines ("I0000 ...", "E0000 ...
    # failed call to cuInit") and no tf.function retracing warnings on stderr.
    env = {k: v for k, v in os.environ.items() if not k.startswith("TF_CPP")}
    out = subprocess.run(
        [sys.executable, "-m", "skimbal.cli", "demo", "--quick", "--folds", "2", "--epochs",
         "1", "--units", "2", "--class-weight", "none", "--no-resample", "--method",
         "--json"],
        cwd=ROOT, capture_output=True, text=True, env=env, check=True, timeout=600,
    )
    json.loads(out.stdout)
    noise = [line for line in out.stderr.splitlines()
             if re.match(r"^[IWEF]\d{4} ", line) or "absl::InitializeLog" in line
             or "retracing" in line or "cuInit" in line]
    assert noise == []
