"""A pipeline whose samplers carry ``sample_weight`` to the steps after them.

imbalanced-learn 0.14's :class:`imblearn.pipeline.Pipeline` unpacks exactly
two outputs, ``(X_res, y_res)``, from a sampler's ``fit_resample`` and routes
the caller's ``sample_weight`` unchanged to every later step. After an
over- or under-sampler that weight vector no longer matches the rows the
classifier sees: a sampler that returns its resampled weights as a third
output fails with "too many values to unpack", and one that does not leaves
the classifier with a shape mismatch (192 rows, 120 weights).

:class:`Pipeline` is imbalanced-learn's pipeline with one change in ``fit``:
when a sampler step returns ``(X_res, y_res, sample_weight_res)``, the
``sample_weight`` handed to every later step is replaced by
``sample_weight_res``, aligned with the resampled rows. Everything else
(``predict``, ``score``, routing, caching, ``transform_input``) is
imbalanced-learn's.
"""

from __future__ import annotations

from typing import Any

from imblearn import pipeline as _imblearn_pipeline
from sklearn.base import clone
from sklearn.utils import Bunch
from sklearn.utils.metadata_routing import _routing_enabled
from sklearn.utils.validation import check_memory

__all__ = ["Pipeline", "make_pipeline"]


class Pipeline(_imblearn_pipeline.Pipeline):
    """imbalanced-learn's ``Pipeline``, with samplers that resample ``sample_weight`` too.

    A drop-in replacement for :class:`imblearn.pipeline.Pipeline` (same
    parameters, methods and parameter routing). The one difference is in
    ``fit`` / ``fit_predict`` / ``fit_transform`` / ``fit_resample``: a
    sampler that receives ``sample_weight`` (such as
    :class:`~skimbal.sampling.SequenceSampler`) returns the weights of the
    rows it kept or created, and those replace the ``sample_weight`` given
    to every later step, so the final classifier trains on weights aligned
    with its (resampled) rows.

    - With metadata routing (``sklearn.set_config(enable_metadata_routing=
      True)``), pass ``sample_weight=w`` to ``fit`` (or ``params={
      "sample_weight": w}`` to ``cross_validate`` / ``GridSearchCV.fit``)
      and request it on the consumers, e.g. ``WeightedSequenceClassifier(
      ).set_fit_request(sample_weight=True)``. ``SequenceSampler`` requests
      it by default.
    - Without routing (the default), pass it to both the sampler and the
      consumer: ``fit(X, y, sequencesampler__sample_weight=w,
      weightedsequenceclassifier__sample_weight=w)``; the second one is
      replaced by the sampler's resampled weights.

    A sampler that changes the rows but returns no weights (it was given
    none, or it cannot carry them) while a later step was given a
    ``sample_weight`` raises a ``ValueError`` naming both steps, instead of
    training on misaligned weights.

    Parameters
    ----------
    steps : list of (str, estimator) tuples
        The steps, as for :class:`imblearn.pipeline.Pipeline`.
    transform_input : list of str, default=None
        See :class:`imblearn.pipeline.Pipeline`.
    memory : None, str or object with the joblib.Memory interface, default=None
        See :class:`imblearn.pipeline.Pipeline`.
    verbose : bool, default=False
        See :class:`imblearn.pipeline.Pipeline`.

    Attributes
    ----------
    named_steps : :class:`~sklearn.utils.Bunch`
        Access the steps by name.

    See Also
    --------
    make_pipeline : build a :class:`Pipeline` naming the steps automatically.
    imblearn.pipeline.Pipeline : the parent class.

    Examples
    --------
    >>> import numpy as np
    >>> import sklearn
    >>> from imblearn.over_sampling import RandomOverSampler
    >>> from skimbal import SequenceSampler
    >>> from skimbal.pipeline import make_pipeline
    >>> from sklearn.dummy import DummyClassifier
    >>> X = np.zeros((6, 4, 2), dtype=np.float32)
    >>> y = np.array([0, 0, 0, 0, 1, 1])
    >>> w = np.array([1.0, 1.0, 1.0, 1.0, 3.0, 3.0])
    >>> with sklearn.config_context(enable_metadata_routing=True):
    ...     pipe = make_pipeline(
    ...         SequenceSampler(RandomOverSampler(random_state=0)),
    ...         DummyClassifier().set_fit_request(sample_weight=True),
    ...     ).fit(X, y, sample_weight=w)
    >>> pipe[-1].class_prior_  # 4 rows of weight 1 against 4 (2 drawn) of weight 3
    array([0.25, 0.75])
    """

    def _fit(self, X: Any, y: Any = None, routed_params: Any = None,
             raw_params: Any = None) -> tuple[Any, Any]:
        # imbalanced-learn 0.13 / 0.14's Pipeline._fit, except that a sampler's third output
        # (its resampled sample_weight) replaces the sample_weight of the later steps.
        self.steps = list(self.steps)
        self._validate_steps()
        memory = check_memory(self.memory)
        fit_transform_one_cached = memory.cache(_imblearn_pipeline._fit_transform_one)
        fit_resample_one_cached = memory.cache(_fit_resample_one)

        for step_idx, name, transformer in self._iter(
            with_final=False, filter_passthrough=False, filter_resample=False
        ):
            if transformer is None or transformer == "passthrough":
                with _imblearn_pipeline._print_elapsed_time(
                    "Pipeline", self._log_message(step_idx)
                ):
                    continue
            if hasattr(memory, "location") and memory.location is None:
                cloned_transformer = transformer  # no cache: no clone, as in imblearn
            else:
                cloned_transformer = clone(transformer)
            step_params = self._get_metadata_for_step(
                step_idx=step_idx, step_params=routed_params[name], all_params=raw_params
            )
            if hasattr(cloned_transformer, "transform") or hasattr(
                cloned_transformer, "fit_transform"
            ):
                X, fitted_transformer = fit_transform_one_cached(
                    cloned_transformer, X, y, weight=None, message_clsname="Pipeline",
                    message=self._log_message(step_idx), params=step_params,
                )
            elif hasattr(cloned_transformer, "fit_resample"):
                # without routing, ``<sampler>__sample_weight`` arrives as a fit param
                method = "fit_resample" if _routing_enabled() else "fit"
                X, y, sample_weight, fitted_transformer = fit_resample_one_cached(
                    cloned_transformer, X, y, message_clsname="Pipeline",
                    message=self._log_message(step_idx),
                    params=routed_params[name].get(method, {}),
                )
                self._forward_sample_weight(step_idx, sample_weight, routed_params)
            self.steps[step_idx] = (name, fitted_transformer)
        return X, y

    def _forward_sample_weight(self, step_idx: int, sample_weight: Any,
                               routed_params: Any) -> None:
        """Give the later steps the sampler's resampled weights (or refuse stale ones)."""
        name = self.steps[step_idx][0]
        for later, _ in self.steps[step_idx + 1:]:
            for method, params in list(routed_params[later].items()):
                if "sample_weight" not in params:
                    continue
                if sample_weight is None:
                    step = self.steps[step_idx][1]
                    raise ValueError(
                        f"Pipeline step {later!r} was given a sample_weight, but the sampler "
                        f"step {name!r} ({type(step).__name__}) before it resampled the "
                        "rows without returning resampled weights, so they would no longer "
                        f"match. Give the sampler the weights too: with metadata routing, "
                        f"{type(step).__name__}.set_fit_resample_request(sample_weight=True)"
                        f"; without it, fit(..., {name}__sample_weight=w). Samplers that "
                        "cannot resample weights cannot precede a weighted step."
                    )
                routed_params[later][method] = Bunch(
                    **{**params, "sample_weight": sample_weight}
                )


def _fit_resample_one(sampler: Any, X: Any, y: Any, message_clsname: str = "",
                      message: str | None = None,
                      params: dict | None = None) -> tuple[Any, Any, Any, Any]:
    """``fit_resample`` one sampler: ``(X_res, y_res, sample_weight_res or None, sampler)``."""
    with _imblearn_pipeline._print_elapsed_time(message_clsname, message):
        out = sampler.fit_resample(X, y, **(params or {}))
    sample_weight = out[2] if len(out) > 2 else None
    return out[0], out[1], sample_weight, sampler


def make_pipeline(*steps: Any, memory: Any = None, transform_input: list[str] | None = None,
                  verbose: bool = False) -> Pipeline:
    """Build a :class:`Pipeline`, naming each step after its lower-cased class.

    Parameters
    ----------
    *steps : list of estimators
        Transformers, samplers and a final estimator.
    memory : None, str or object with the joblib.Memory interface, default=None
        Caches the fitted transformers (see :class:`imblearn.pipeline.Pipeline`).
    transform_input : list of str, default=None
        See :class:`imblearn.pipeline.Pipeline`.
    verbose : bool, default=False
        Print the time each step takes to fit.

    Returns
    -------
    Pipeline

    Examples
    --------
    >>> from imblearn.over_sampling import RandomOverSampler
    >>> from skimbal import SequenceSampler, SequenceScaler
    >>> from skimbal.pipeline import make_pipeline
    >>> make_pipeline(SequenceScaler(), SequenceSampler(RandomOverSampler())).steps[1][0]
    'sequencesampler'
    """
    named = _imblearn_pipeline.make_pipeline(*steps)
    return Pipeline(named.steps, memory=memory, transform_input=transform_input,
                    verbose=verbose)
