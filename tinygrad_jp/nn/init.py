"""Weight initialisations, in place, all drawn from the generator of ``tinygrad_jp.manual_seed``.

Each function fills a Tensor's array in place (keeping its dtype) and returns the tensor.
For a weight of shape (out, in), fan_in = in and fan_out = out.

The seeds' own choices:

* Nielsen (seed 003): every weight and bias ~ N(0, 1)          -> ``normal_(t)``
* Hansen (seed 000): ``randn(m, n) * sqrt(1/m)``, m = out      -> ``scaled_normal_(t)``

and the standard ones: Xavier/Glorot (for sigmoid, tanh) and He/Kaiming (for ReLU), each
normal or uniform.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from ..random import get_rng
from ..tensor import Tensor

_GAINS = {"linear": 1.0, "identity": 1.0, "sigmoid": 1.0, "tanh": 5.0 / 3.0,
          "relu": math.sqrt(2.0)}


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The factor that keeps activations' variance steady through ``nonlinearity``
    (PyTorch's values): 1 for linear/sigmoid, 5/3 tanh, √2 relu, √(2/(1+slope²)) leaky_relu."""
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else param
        return math.sqrt(2.0 / (1 + slope**2))
    if nonlinearity not in _GAINS:
        raise ValueError(f"calculate_gain: unknown nonlinearity {nonlinearity!r}; choose from "
                         f"{sorted([*_GAINS, 'leaky_relu'])}")
    return _GAINS[nonlinearity]


def _fans(tensor: Tensor) -> tuple[int, int]:
    """(fan_in, fan_out) of a weight (out, in, ...); receptive fields multiply both."""
    if tensor.ndim < 2:
        raise ValueError(f"init: fan_in/fan_out need a weight of at least 2 axes, got shape "
                         f"{tensor.shape} (initialise biases with zeros_ or normal_)")
    receptive = int(np.prod(tensor.shape[2:]))
    return tensor.shape[1] * receptive, tensor.shape[0] * receptive


def _fan(tensor: Tensor, mode: str) -> int:
    fan_in, fan_out = _fans(tensor)
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"init: mode must be 'fan_in' or 'fan_out', got {mode!r}")
    return fan_in if mode == "fan_in" else fan_out


def _fill(tensor: Tensor, values: np.ndarray) -> Tensor:
    tensor.data[...] = values  # in place: optimizers and views keep seeing the same array
    return tensor


def uniform_(tensor: Tensor, a: float = 0.0, b: float = 1.0) -> Tensor:
    """U(a, b)."""
    return _fill(tensor, get_rng().uniform(a, b, tensor.shape))


def normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0) -> Tensor:
    """N(mean, std²); with the defaults, Nielsen's ``np.random.randn(y, x)``."""
    return _fill(tensor, mean + get_rng().standard_normal(tensor.shape) * std)


def constant_(tensor: Tensor, value: float) -> Tensor:
    return _fill(tensor, value)


def zeros_(tensor: Tensor) -> Tensor:
    return constant_(tensor, 0.0)


def ones_(tensor: Tensor) -> Tensor:
    return constant_(tensor, 1.0)


def scaled_normal_(tensor: Tensor, mode: str = "fan_out") -> Tensor:
    """N(0, 1/fan): Hansen's ``randn(m, n) * sqrt(1/m)`` with m = fan_out (the default);
    ``mode="fan_in"`` gives LeCun's normal initialisation."""
    return normal_(tensor, 0.0, np.sqrt(1.0 / _fan(tensor, mode)))


def xavier_uniform_(tensor: Tensor, gain: float = 1.0) -> Tensor:
    """Glorot & Bengio (2010): U(-a, a), a = gain √(6 / (fan_in + fan_out))."""
    fan_in, fan_out = _fans(tensor)
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return uniform_(tensor, -bound, bound)


def xavier_normal_(tensor: Tensor, gain: float = 1.0) -> Tensor:
    """Glorot & Bengio (2010): N(0, std²), std = gain √(2 / (fan_in + fan_out))."""
    fan_in, fan_out = _fans(tensor)
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)))


def kaiming_uniform_(tensor: Tensor, a: float = 0.0, mode: str = "fan_in",
                     nonlinearity: str = "leaky_relu") -> Tensor:
    """He et al. (2015): U(-b, b), b = gain √(3 / fan); gain √2 for ReLU (a = 0)."""
    bound = calculate_gain(nonlinearity, a) * math.sqrt(3.0 / _fan(tensor, mode))
    return uniform_(tensor, -bound, bound)


def kaiming_normal_(tensor: Tensor, a: float = 0.0, mode: str = "fan_in",
                    nonlinearity: str = "leaky_relu") -> Tensor:
    """He et al. (2015): N(0, std²), std = gain / √fan; gain √2 for ReLU (a = 0)."""
    std = calculate_gain(nonlinearity, a) / math.sqrt(_fan(tensor, mode))
    return normal_(tensor, 0.0, std)


def default_linear_(weight: Tensor, bias: Tensor | None) -> None:
    """PyTorch's nn.Linear and nn.Conv2d default: weight and bias ~ U(-1/√fan_in, 1/√fan_in)
    (fan_in = in for Linear, C_in·kH·kW for Conv2d)."""
    fan_in = _fans(weight)[0]
    bound = 1.0 / math.sqrt(fan_in) if fan_in else 0.0
    uniform_(weight, -bound, bound)
    if bias is not None:
        uniform_(bias, -bound, bound)


def _weights_then_zero_bias(fill: Callable[[Tensor], Any]) -> Callable[..., None]:
    def scheme(weight: Tensor, bias: Tensor | None) -> None:
        fill(weight)
        if bias is not None:
            zeros_(bias)
    return scheme


def _nielsen(weight: Tensor, bias: Tensor | None) -> None:
    """Nielsen's N(0, 1) for both. (His Network draws all biases first, then all weights;
    here each layer draws its weight, then its bias: the same distribution, other numbers.)"""
    normal_(weight)
    if bias is not None:
        normal_(bias)


# name -> fill(weight, bias), for ``Linear(init=...)`` and ``MLP(init=...)``
LINEAR_SCHEMES: dict[str, Callable[[Tensor, Tensor | None], None]] = {
    "default": default_linear_,
    "nielsen": _nielsen,
    "hansen": _weights_then_zero_bias(scaled_normal_),
    "xavier": _weights_then_zero_bias(xavier_normal_),
    "he": _weights_then_zero_bias(lambda w: kaiming_normal_(w, nonlinearity="relu")),
}


def initialise(layer: str, scheme: str, weight: Tensor, bias: Tensor | None) -> None:
    """Fill a layer's weight and bias with the scheme named ``scheme`` (LINEAR_SCHEMES)."""
    if scheme not in LINEAR_SCHEMES:
        raise ValueError(f"{layer}: unknown init {scheme!r}; choose from "
                         f"{sorted(LINEAR_SCHEMES)}")
    LINEAR_SCHEMES[scheme](weight, bias)
