"""Optimizers: SGD (momentum, Nesterov), AdaGrad, RMSProp, Adam, AdamW; clip_grad_norm_.

Every optimizer reads ``p.grad`` and changes ``p.data`` in place with NumPy (never through
Tensor ops, so no graph is built and a step costs what hand-written NumPy costs). Gradients
are never modified: they may be shared between tensors. Each update is the published
formula, written in the class docstring with g = ∂C/∂θ (plus λθ when weight_decay = λ).

    optimizer = Adam(model.parameters(), lr=1e-3)
    optimizer.zero_grad(); loss.backward(); optimizer.step()
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np

from .. import autograd
from ..autograd import no_grad, note_inplace_write
from ..tensor import Tensor
from .lr_scheduler import CosineAnnealingLR, LRScheduler, StepLR

State = dict[str, Any]

# The values each hyperparameter may take, checked by every optimizer (`_check_hyperparameter`).
_AT_LEAST_0 = ("a finite number >= 0", lambda v: 0 <= v < math.inf)
_IN_0_1 = ("in [0, 1)", lambda v: 0 <= v < 1)
RANGES: dict[str, tuple[str, Callable[[float], bool]]] = {
    "lr": _AT_LEAST_0,
    "weight_decay": _AT_LEAST_0,
    "momentum": _AT_LEAST_0,
    "eps": ("a finite number > 0", lambda v: 0 < v < math.inf),
    "alpha": _IN_0_1,
    "betas": _IN_0_1,  # each of the two
}


class Optimizer:
    """Base class. Subclasses list their hyperparameter names in ``HYPERPARAMETERS`` and
    define ``_update(param, grad, state)`` on NumPy arrays (``param`` changed in place)."""

    HYPERPARAMETERS: tuple[str, ...] = ("lr", "weight_decay")

    def __init__(self, params: Iterable[Tensor], lr: float, weight_decay: float = 0.0) -> None:
        self.params = _unique(params)
        if not self.params:
            raise ValueError(f"{type(self).__name__}: got an empty parameter list "
                             f"(did you pass model.parameters() of a model without layers?)")
        for i, p in enumerate(self.params):
            if not isinstance(p, Tensor) or not p.requires_grad or not p.is_leaf:
                raise TypeError(f"{type(self).__name__}: parameter {i} must be a leaf Tensor "
                                f"that requires grad (a Parameter)")
        self._set_hyperparameters(lr=lr, weight_decay=weight_decay)
        self.state: list[State] = [{} for _ in self.params]

    def _set_hyperparameters(self, **values: Any) -> None:
        """Check every value against its range in ``RANGES``, then set them as attributes."""
        for name, value in values.items():
            _check_hyperparameter(type(self).__name__, name, value)
        for name, value in values.items():
            setattr(self, name, tuple(value) if name == "betas" else value)

    def zero_grad(self) -> None:
        """Forget the gradients (``grad = None``); call it before each ``backward``."""
        for p in self.params:
            p.grad = None

    @no_grad()
    def step(self) -> None:
        """One update of every parameter that has a gradient."""
        for i, (p, state) in enumerate(zip(self.params, self.state)):
            if p.grad is None:
                continue
            if autograd.capture is None:
                self._update(p.data, p.grad.data, state)
            else:  # tinygrad_jp.jit is capturing this step: the update is one of its kernels
                autograd.capture.update(self, i)
            note_inplace_write(p.data)  # a backward through an older graph must refuse

    def _update(self, param: np.ndarray, grad: np.ndarray, state: State) -> None:
        raise NotImplementedError

    def _with_weight_decay(self, param: np.ndarray, grad: np.ndarray) -> np.ndarray:
        """The g the update uses: g + λθ (L2 regularisation), as a new array (the gradient
        itself stays untouched); g as is when λ = 0."""
        return grad + self.weight_decay * param if self.weight_decay else grad

    # ----- state dicts --------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """{"hyperparameters": {...}, "state": {"0": {...}, ...}} with copied arrays;
        ``tinygrad_jp.save`` can write it."""
        return {
            "hyperparameters": {name: getattr(self, name) for name in self.HYPERPARAMETERS},
            "state": {str(i): {k: np.copy(v) if isinstance(v, np.ndarray) else v
                               for k, v in s.items()} for i, s in enumerate(self.state)},
        }

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """Restore what ``state_dict`` returned (for the same parameters, in the same order)."""
        states = state_dict["state"]
        if len(states) != len(self.params):
            raise ValueError(f"{type(self).__name__}.load_state_dict: the state dict has "
                             f"state for {len(states)} parameters, this optimizer has "
                             f"{len(self.params)}")
        for i, p in enumerate(self.params):
            for key, value in states[str(i)].items():
                if isinstance(value, np.ndarray) and value.shape != p.shape:
                    raise ValueError(f"{type(self).__name__}.load_state_dict: state {key!r} "
                                     f"of parameter {i} has shape {value.shape}, the "
                                     f"parameter {p.shape}")
        self._set_hyperparameters(**state_dict["hyperparameters"])
        self.state = [{k: np.array(v) if isinstance(v, np.ndarray) else v
                       for k, v in states[str(i)].items()} for i in range(len(self.params))]

    def __repr__(self) -> str:
        hyper = ", ".join(f"{name}={getattr(self, name)}" for name in self.HYPERPARAMETERS)
        return f"{type(self).__name__}({hyper})"


def _check_hyperparameter(optimizer: str, name: str, value: Any) -> None:
    """Refuse a value outside its range in ``RANGES`` (NaN is outside every range)."""
    if name not in RANGES:
        return
    allowed, inside = RANGES[name]
    if name == "betas":
        ok = isinstance(value, (tuple, list)) and len(value) == 2 and all(
            isinstance(b, numbers.Real) and inside(b) for b in value)
        allowed = "a pair (beta1, beta2), each " + allowed
    else:
        ok = isinstance(value, numbers.Real) and not isinstance(value, bool) and inside(value)
    if not ok:
        what = "the learning rate lr" if name == "lr" else name
        raise ValueError(f"{optimizer}: {what} must be {allowed}, got {value!r}")


def _unique(params: Iterable[Tensor]) -> list[Tensor]:
    if isinstance(params, Tensor):
        raise TypeError("optimizer: give an iterable of parameters, e.g. model.parameters(), "
                        "not a single Tensor (wrap it in a list)")
    seen: dict[int, Tensor] = {}
    for p in params:
        seen.setdefault(id(p), p)
    return list(seen.values())


class SGD(Optimizer):
    """θ <- θ - η g. With momentum μ: v <- μ v + g (v = g at the first step), θ <- θ - η v;
    Nesterov uses g + μ v instead of v (PyTorch's formulation; Hansen's "Momentum"
    v' = μ v' + η g is the same with v' = η v)."""

    HYPERPARAMETERS = ("lr", "momentum", "nesterov", "weight_decay")

    def __init__(self, params: Iterable[Tensor], lr: float, momentum: float = 0.0,
                 nesterov: bool = False, weight_decay: float = 0.0) -> None:
        super().__init__(params, lr, weight_decay)
        self._set_hyperparameters(momentum=momentum, nesterov=nesterov)
        if nesterov and momentum <= 0:
            raise ValueError("SGD: nesterov=True needs momentum > 0")

    def _update(self, param: np.ndarray, grad: np.ndarray, state: State) -> None:
        g = self._with_weight_decay(param, grad)
        if self.momentum:
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = state["momentum_buffer"] = np.array(g)  # a copy: it is updated in place
            else:
                buf *= self.momentum
                buf += g
            g = g + self.momentum * buf if self.nesterov else buf
        param -= self.lr * g


class AdaGrad(Optimizer):
    """Duchi et al. (2011): G <- G + g², θ <- θ - η g / (√G + ε) (PyTorch's ε placement)."""

    HYPERPARAMETERS = ("lr", "eps", "weight_decay")

    def __init__(self, params: Iterable[Tensor], lr: float = 1e-2, eps: float = 1e-10,
                 weight_decay: float = 0.0) -> None:
        super().__init__(params, lr, weight_decay)
        self._set_hyperparameters(eps=eps)

    def _update(self, param: np.ndarray, grad: np.ndarray, state: State) -> None:
        g = self._with_weight_decay(param, grad)
        total = state.setdefault("sum", np.zeros_like(param))
        scratch = np.multiply(g, g)
        total += scratch  # G = G + g²
        denominator = np.sqrt(total, out=scratch, casting="unsafe")
        denominator += self.eps
        step = np.multiply(g, self.lr)
        step /= denominator
        param -= step


class RMSProp(Optimizer):
    """Hinton (2012): s <- α s + (1 - α) g², θ <- θ - η g / (√s + ε).
    With momentum μ: b <- μ b + g / (√s + ε), θ <- θ - η b."""

    HYPERPARAMETERS = ("lr", "alpha", "eps", "momentum", "weight_decay")

    def __init__(self, params: Iterable[Tensor], lr: float = 1e-2, alpha: float = 0.99,
                 eps: float = 1e-8, momentum: float = 0.0, weight_decay: float = 0.0) -> None:
        super().__init__(params, lr, weight_decay)
        self._set_hyperparameters(alpha=alpha, eps=eps, momentum=momentum)

    def _update(self, param: np.ndarray, grad: np.ndarray, state: State) -> None:
        g = self._with_weight_decay(param, grad)
        square_avg = state.setdefault("square_avg", np.zeros_like(param))
        scratch = np.multiply(g, 1 - self.alpha)
        scratch *= g
        square_avg *= self.alpha
        square_avg += scratch  # s = α s + (1 - α) g²
        denominator = np.sqrt(square_avg, out=scratch, casting="unsafe")
        denominator += self.eps
        step = np.divide(g, denominator)
        if self.momentum:
            buf = state.setdefault("momentum_buffer", np.zeros_like(param))
            buf *= self.momentum
            buf += step
            step = buf
        param -= self.lr * step


class Adam(Optimizer):
    """Kingma & Ba (2015), Algorithm 1, with t counted per parameter:

        m <- β1 m + (1 - β1) g,   v <- β2 v + (1 - β2) g²
        m̂ = m / (1 - β1^t),       v̂ = v / (1 - β2^t)
        θ <- θ - η m̂ / (√v̂ + ε)

    ``weight_decay`` adds λθ to g (L2); for decoupled decay use AdamW.
    """

    HYPERPARAMETERS = ("lr", "betas", "eps", "weight_decay")

    def __init__(self, params: Iterable[Tensor], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0) -> None:
        super().__init__(params, lr, weight_decay)
        self._set_hyperparameters(betas=betas, eps=eps)

    def _update(self, param: np.ndarray, grad: np.ndarray, state: State) -> None:
        g = self._with_weight_decay(param, grad)
        beta1, beta2 = self.betas
        t = state["step"] = state.get("step", 0) + 1
        m = state.setdefault("exp_avg", np.zeros_like(param))
        v = state.setdefault("exp_avg_sq", np.zeros_like(param))
        # The formula above, one operation at a time into two scratch arrays: the same
        # roundings as written out, without a dozen temporaries (about 5x faster).
        scratch = np.multiply(g, 1 - beta1)
        m *= beta1
        m += scratch  # m = β1 m + (1 - β1) g
        np.multiply(g, 1 - beta2, out=scratch, casting="unsafe")
        scratch *= g
        v *= beta2
        v += scratch  # v = β2 v + (1 - β2) g²
        denominator = np.divide(v, 1 - beta2**t, out=scratch, casting="unsafe")
        np.sqrt(denominator, out=denominator)
        denominator += self.eps  # √v̂ + ε
        step = np.divide(m, 1 - beta1**t)  # m̂
        step *= self.lr
        step /= denominator
        param -= step


class AdamW(Adam):
    """Loshchilov & Hutter (2019): Adam with decoupled weight decay,
    θ <- θ (1 - η λ) before the Adam step (the decay does not pass through m and v)."""

    def __init__(self, params: Iterable[Tensor], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2) -> None:
        super().__init__(params, lr, betas, eps, weight_decay)

    def _with_weight_decay(self, param: np.ndarray, grad: np.ndarray) -> np.ndarray:
        """Decoupled: θ <- θ (1 - η λ) in place, and g as is for the Adam step."""
        param *= 1 - self.lr * self.weight_decay
        return grad


@no_grad()
def clip_grad_norm_(parameters: Iterable[Tensor], max_norm: float) -> float:
    """Scale all gradients together so their global L2 norm is at most ``max_norm``.

    Returns the norm before clipping. Each ``grad`` is replaced by a scaled copy (never
    scaled in place: two tensors may share one gradient array).
    """
    if autograd.capture is not None:  # the norm decides in Python whether to scale
        autograd.capture.unsupported("clip_grad_norm_ reads the gradients' values (its norm) "
                                     "in Python; a replay would clip or not as the capture did")
    params = [p for p in _unique(parameters) if p.grad is not None]
    total = math.sqrt(sum(float(np.sum(np.square(p.grad.data))) for p in params))
    if total > max_norm:
        scale = max_norm / (total + 1e-6)
        for p in params:
            p.grad = Tensor._wrap(p.grad.data * scale)
    return total


__all__ = ["SGD", "AdaGrad", "Adam", "AdamW", "CosineAnnealingLR", "LRScheduler",
           "Optimizer", "RMSProp", "StepLR", "clip_grad_norm_"]
