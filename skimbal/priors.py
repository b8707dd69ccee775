"""Class priors: training frequencies, the prior a network was fitted under, prior shift.

Pure, vectorised numpy (no Keras import). The classifier calls
:func:`class_prior` and :func:`training_prior` inside ``fit`` on the targets
``fit`` receives (so, like class weights, each cross-validation fold gets its
own priors), and :func:`shift_proba` at predict time:

* **logit adjustment** (Menon et al., ICLR 2021): the loss adds ``tau * log
  pi`` to the logits (:func:`log_prior` gives the offsets), or ``predict``
  subtracts it post hoc;
* **prior correction** (Saerens et al., 2002; Dal Pozzolo et al., 2015): a
  network fitted under a prior ``q`` (re-weighted or re-sampled training)
  gives probabilities ``p``; ``p_c * pi_c / q_c``, renormalised, estimates the
  class probabilities under the training frequencies ``pi``.

Two layouts, picked by ``per_label``:

* **classes** (binary, multiclass, one-hot and their per-timestep variants):
  one prior per class, summing to 1; probabilities are renormalised over the
  classes (the last axis).
* **labels** (multi-label kinds, sigmoid outputs): one prior per label, the
  share of positives; each label is shifted on its own, in log-odds.

Priors of 0 or 1 (a class or label absent from, or everywhere in, the
training targets) are clipped to ``[PRIOR_EPS, 1 - PRIOR_EPS]`` wherever their
logarithm is taken, so every offset and ratio stays finite.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["PRIOR_EPS", "class_prior", "log_prior", "shift_proba", "training_prior"]

#: Priors are clipped to ``[PRIOR_EPS, 1 - PRIOR_EPS]`` before taking logarithms.
PRIOR_EPS = 1e-6


def _valid(codes: np.ndarray, mask: np.ndarray | None) -> np.ndarray:
    return codes if mask is None else codes[mask]


def class_prior(spec: Any, codes: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
    """Training frequencies ``pi``: per class, or per label (share of positives).

    Parameters
    ----------
    spec : skimbal.targets.TargetSpec
        The kind of target (``spec.multilabel``) and ``spec.n_classes``.
    codes : ndarray
        Encoded targets: int codes ``(n,)`` / ``(n, T)``, or 0/1 indicators
        ``(n, n_labels)`` / ``(n, T, n_labels)``.
    mask : ndarray of bool of shape (n, T) or None
        Per-timestep kinds: the valid timesteps (the others are not counted).

    Returns
    -------
    ndarray of float64, shape (n_classes,) or (n_labels,)
        Sums to 1 over classes; for labels, each entry lies in [0, 1].
    """
    valid = _valid(codes, mask)
    if spec.multilabel:
        return np.asarray(valid, dtype=np.float64).mean(axis=0)
    counts = np.bincount(np.asarray(valid).ravel(), minlength=spec.n_classes)
    return counts / counts.sum()


def log_prior(prior: np.ndarray, *, per_label: bool) -> np.ndarray:
    """``log pi`` per class, or the log-odds ``log(pi / (1 - pi))`` per label.

    ``prior`` is clipped to ``[PRIOR_EPS, 1 - PRIOR_EPS]`` first. These are
    the logit offsets of logit adjustment (times ``tau``).

    Examples
    --------
    >>> log_prior(np.array([0.5, 0.5]), per_label=False).round(4).tolist()
    [-0.6931, -0.6931]
    >>> log_prior(np.array([0.5, 0.2]), per_label=True).round(4).tolist()
    [0.0, -1.3863]
    """
    p = np.clip(np.asarray(prior, dtype=np.float64), PRIOR_EPS, 1.0 - PRIOR_EPS)
    return np.log(p) - np.log1p(-p) if per_label else np.log(p)


def shift_proba(proba: np.ndarray, log_ratio: np.ndarray, *, per_label: bool) -> np.ndarray:
    """Multiply probabilities by ``exp(log_ratio)`` per class and renormalise.

    Classes (``per_label=False``): ``p'_c = p_c e^{r_c} / sum_k p_k e^{r_k}``
    over the last axis, i.e. ``softmax(log p + r)``. Labels
    (``per_label=True``): each label's odds are multiplied by ``e^{r_j}``,
    ``p'_j = sigmoid(logit(p_j) + r_j)``. Both are the one prior-shift rule:
    with ``r = log pi - log q`` (log-odds for labels) probabilities fitted
    under a prior ``q`` become probabilities under ``pi``; ``r = 0`` is the
    identity.

    Parameters
    ----------
    proba : ndarray of shape (..., n_classes) or (..., n_labels)
        Probabilities (rows summing to 1 for classes; any shape whose last axis
        is the class / label axis, e.g. per-timestep ``(n, T, k)``).
    log_ratio : ndarray of shape (n_classes,) or (n_labels,)
    per_label : bool

    Returns
    -------
    ndarray of the dtype of ``proba`` (float32 stays float32), a new array.

    Examples
    --------
    >>> p = np.array([[0.5, 0.5]])
    >>> shift_proba(p, np.log([1.0, 3.0]), per_label=False).tolist()
    [[0.25, 0.75]]
    """
    p = np.asarray(proba)
    dtype = p.dtype if p.dtype.kind == "f" else np.float64
    p64 = p.astype(np.float64)
    r = np.asarray(log_ratio, dtype=np.float64)
    if per_label:
        pc = np.clip(p64, 0.0, 1.0)
        with np.errstate(divide="ignore"):
            logit = np.log(pc) - np.log1p(-pc)  # +-inf at exactly 0 / 1, kept there
        return (0.5 * (1.0 + np.tanh(0.5 * (logit + r)))).astype(dtype)
    with np.errstate(divide="ignore"):
        scores = np.log(np.clip(p64, 0.0, None)) + r
    top = scores.max(axis=-1, keepdims=True)
    # an all-zero row (padding of per-timestep outputs) stays all zero
    e = np.exp(scores - np.where(np.isfinite(top), top, 0.0))
    total = e.sum(axis=-1, keepdims=True)
    out = np.divide(e, total, out=np.zeros_like(e), where=total > 0)
    return out.astype(dtype)


def training_prior(
    spec: Any,
    codes: np.ndarray,
    sample_weight: np.ndarray,
    loss_weights: tuple[np.ndarray, np.ndarray] | None,
    *,
    mask: np.ndarray | None = None,
    prior: np.ndarray | None = None,
    balanced_batches: bool = False,
    logit_adjustment: str | None = None,
    tau: float = 1.0,
) -> np.ndarray:
    """The prior ``q`` that the network's probabilities are fitted under.

    The weighted cross-entropy is minimised by the class probabilities of the
    re-weighted training distribution, whose prior is

    * classes: ``q_c`` proportional to ``S_c``, the sum of the weights
      applied to the targets of class ``c`` (``n_c * w_c`` for class weights
      alone, ``n_c`` unweighted: ``q = pi``); with ``balanced_batches`` every
      class is drawn equally often, so ``q_c`` is proportional to the *mean*
      weight ``S_c / n_c`` (uniform when unweighted);
    * labels: ``q_j = P_j / (P_j + N_j)`` with ``P_j`` (``N_j``) the sum of the
      element weights of the positives (negatives) of label ``j``.

    With ``logit_adjustment="loss"`` the network's output is the adjusted
    posterior divided by ``pi ** tau``, so ``q`` is further multiplied by
    ``pi ** -tau`` (log-odds for labels) and renormalised: unweighted,
    ``q`` proportional to ``pi ** (1 - tau)``.

    Deferred re-weighting (``class_weight_start``) passes the weights it
    switches on, so ``q`` is the prior of its last, weighted, epochs.

    Parameters
    ----------
    spec : skimbal.targets.TargetSpec
    codes : ndarray
        Encoded targets (see :func:`class_prior`).
    sample_weight : ndarray of shape (n,) or (n, T)
        The Keras sample weights (class, time and user weights; 0 on padding).
    loss_weights : (ndarray, ndarray) or None
        Multi-label kinds: the per-label ``(positive, negative)`` weights the loss
        applies; ``None`` for single-label kinds.
    mask : ndarray of bool of shape (n, T) or None
        Per-timestep kinds: the valid timesteps.
    prior : ndarray or None
        The training frequencies (:func:`class_prior`); computed when ``None``.
    balanced_batches : bool, default=False
    logit_adjustment : {None, "loss", "post-hoc"}, default=None
        Only ``"loss"`` changes ``q``.
    tau : float, default=1.0

    Returns
    -------
    ndarray of float64, shape (n_classes,) or (n_labels,)
    """
    valid = _valid(codes, mask)
    w = np.asarray(_valid(sample_weight, mask), dtype=np.float64)
    if spec.multilabel:
        y = np.asarray(valid, dtype=np.float64)
        pos_w, neg_w = (np.ones(spec.n_classes), np.ones(spec.n_classes)) if (
            loss_weights is None) else loss_weights
        p_sum = (w[:, None] * y).sum(axis=0) * np.asarray(pos_w, dtype=np.float64)
        n_sum = (w[:, None] * (1.0 - y)).sum(axis=0) * np.asarray(neg_w, dtype=np.float64)
        total = p_sum + n_sum
        q = np.divide(p_sum, total, out=np.zeros_like(p_sum), where=total > 0)
    else:
        flat = np.asarray(valid).ravel()
        sums = np.bincount(flat, weights=w.ravel(), minlength=spec.n_classes)
        if balanced_batches:
            counts = np.bincount(flat, minlength=spec.n_classes)
            sums = np.divide(sums, counts, out=np.zeros_like(sums), where=counts > 0)
        q = sums / sums.sum()
    if logit_adjustment == "loss":
        pi = class_prior(spec, codes, mask) if prior is None else prior
        per_label = bool(spec.multilabel)
        q = shift_proba(q, -float(tau) * log_prior(pi, per_label=per_label),
                        per_label=per_label)
    return q
