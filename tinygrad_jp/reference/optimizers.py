"""Hand-written optimizers for the reference networks: SGD, Momentum, AdaGrad, Adam.

These are the update rules of Hansen's exercise list (seed 000: Momentum,
then AdaGrad, then both combined into Adam) and of seed 002 (Adam, Kingma &
Ba 2015). Each one updates a dict of parameter arrays *in place*, so a
network's ``params`` dict stays the live storage:

    opt.update(params, grads)   # params[k] <- params[k] - (step computed from grads[k])

State (velocities, moment estimates) is kept per parameter name and created
lazily at the first update, with the parameter's shape. Everything is plain
NumPy; nothing here knows about Tensor.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping

import numpy as np

__all__ = ["SGD", "AdaGrad", "Adam", "Momentum", "Optimizer", "make_optimizer"]

Params = MutableMapping[str, np.ndarray]
Grads = Mapping[str, np.ndarray]


class Optimizer:
    """Base class: ``update(params, grads)`` changes every params[k] with grads[k] in place."""

    def __init__(self, lr: float) -> None:
        self.lr = float(lr)

    def update(self, params: Params, grads: Grads) -> None:
        for key, grad in grads.items():
            # In place so that callers holding the array (params dicts, lists) see the change.
            params[key] -= self._delta(key, grad)

    def _delta(self, key: str, grad: np.ndarray) -> np.ndarray:
        raise NotImplementedError


class SGD(Optimizer):
    """θ <- θ - η g (Hansen's ``update_network_parameters``)."""

    def _delta(self, key: str, grad: np.ndarray) -> np.ndarray:
        return self.lr * grad


class Momentum(Optimizer):
    """Classical momentum: v <- γ v + η g ;  θ <- θ - v.

    v starts at zero, so the first step equals plain SGD.
    """

    def __init__(self, lr: float = 0.01, gamma: float = 0.9) -> None:
        super().__init__(lr)
        self.gamma = float(gamma)
        self.velocity: dict[str, np.ndarray] = {}

    def _delta(self, key: str, grad: np.ndarray) -> np.ndarray:
        v = self.velocity.get(key, np.zeros_like(grad))
        v = self.gamma * v + self.lr * grad
        self.velocity[key] = v
        return v


class AdaGrad(Optimizer):
    """AdaGrad: G <- G + g² ;  θ <- θ - η g / sqrt(G + ε).

    Each coordinate's step shrinks with the sum of its past squared gradients.
    """

    def __init__(self, lr: float = 0.01, eps: float = 1e-8) -> None:
        super().__init__(lr)
        self.eps = float(eps)
        self.sum_sq: dict[str, np.ndarray] = {}

    def _delta(self, key: str, grad: np.ndarray) -> np.ndarray:
        g2 = self.sum_sq.get(key, np.zeros_like(grad)) + grad * grad
        self.sum_sq[key] = g2
        return self.lr * grad / np.sqrt(g2 + self.eps)


class Adam(Optimizer):
    """Adam, Algorithm 1 of Kingma & Ba (2015), one shared step counter t.

    At every ``update`` call (t <- t + 1), for each parameter θ with gradient g:

        m <- β1 m + (1 - β1) g            first moment (momentum-like mean)
        v <- β2 v + (1 - β2) g²           second moment (RMSProp-like)
        m̂ = m / (1 - β1^t)                bias corrections: m and v start at 0
        v̂ = v / (1 - β2^t)
        θ <- θ - α m̂ / (sqrt(v̂) + ε)

    In seed 002's own names: its first and second "gradients" x, y are m and v,
    s and t are the previous m and v, d is g, ``rate`` is α and n is t.
    """

    def __init__(
        self, lr: float = 0.001, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8
    ) -> None:
        super().__init__(lr)
        self.beta1 = float(beta1)
        self.beta2 = float(beta2)
        self.eps = float(eps)
        self.t = 0
        self.m: dict[str, np.ndarray] = {}
        self.v: dict[str, np.ndarray] = {}

    def update(self, params: Params, grads: Grads) -> None:
        # One time step per call, shared by all parameters, as in the paper.
        self.t += 1
        super().update(params, grads)

    def _delta(self, key: str, grad: np.ndarray) -> np.ndarray:
        m = self.beta1 * self.m.get(key, np.zeros_like(grad)) + (1.0 - self.beta1) * grad
        v = self.beta2 * self.v.get(key, np.zeros_like(grad)) + (1.0 - self.beta2) * grad * grad
        self.m[key], self.v[key] = m, v
        m_hat = m / (1.0 - self.beta1**self.t)
        v_hat = v / (1.0 - self.beta2**self.t)
        return self.lr * m_hat / (np.sqrt(v_hat) + self.eps)


def make_optimizer(name: str | Optimizer, lr: float) -> Optimizer:
    """An optimizer by name ("sgd", "momentum", "adagrad", "adam"), or the given instance."""
    if isinstance(name, Optimizer):
        return name
    table: dict[str, type[Optimizer]] = {
        "sgd": SGD,
        "momentum": Momentum,
        "adagrad": AdaGrad,
        "adam": Adam,
    }
    try:
        return table[name.lower()](lr)
    except KeyError:
        raise ValueError(f"unknown optimizer {name!r}; choose from {sorted(table)}") from None
