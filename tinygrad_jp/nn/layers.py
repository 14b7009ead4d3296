"""Layers: Linear, ModuleList, Sequential, MLP (the seeds' ``Network(sizes)``), activations,
Flatten, Dropout.

Every layer works on row batches: x has shape (N, features), one example per row.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import numpy as np

from ..ops.elementwise import DropoutMask, mask
from ..tensor import DEFAULT_FLOAT, Tensor
from . import init as init_
from .module import Module, Parameter


def as_tensor(x: Any, dtype: np.dtype | None = None) -> Tensor:
    """Layers accept NumPy arrays as well as Tensors (a data batch needs no gradient).

    An ndarray is shared, not copied: no layer writes to its input, and copying every batch
    would cost as much as a small layer's forward pass. With ``dtype`` (a layer's parameter
    dtype), input of another dtype is cast to it: a float32 layer given float64 or integer
    data computes in float32, never silently in float64 (a Tensor that requires grad is cast
    by the Cast op, so its gradient still flows back in its own dtype).
    """
    if not isinstance(x, Tensor):
        x = Tensor.from_numpy(x) if isinstance(x, np.ndarray) else Tensor(x)
    return x if dtype is None or x.data.dtype is dtype or x.dtype == dtype else x.astype(dtype)


def check_widths(layer: str, what: str, widths: Sequence[Any]) -> None:
    """Refuse layer widths that are not positive integers (a width 0 makes empty weights)."""
    if not all(isinstance(n, numbers.Integral) and not isinstance(n, bool) and n >= 1
               for n in widths):
        raise ValueError(f"{layer}: {what} must be positive integers, got {list(widths)}")


class Linear(Module):
    """y = x Wᵀ + b for x (N, in_features) -> y (N, out_features), one fused op.

    ``weight`` has shape (out_features, in_features), the layout of Nielsen's w^l_jk (row j
    = output neuron j) and of Hansen's W1 (128, 784); ``bias`` has shape (out_features,) or
    is None. ``init`` names the initialisation (see ``nn.init.LINEAR_SCHEMES``): "default"
    (PyTorch's U(±1/√in)), "nielsen", "hansen", "xavier", "he".

    Input of another dtype (float64 or integer data for a float32 layer) is cast to the
    layer's dtype, so the model computes in the dtype it was made with (PyTorch refuses such
    input; NumPy code makes float64 by default, so refusing would make every NumPy user cast).
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True,
                 dtype: Any = DEFAULT_FLOAT, init: str = "default") -> None:
        super().__init__()
        check_widths("Linear", "in_features and out_features", (in_features, out_features))
        self.in_features, self.out_features = in_features, out_features
        self.weight = Parameter(np.empty((out_features, in_features), dtype=dtype))
        self.bias = Parameter(np.empty(out_features, dtype=dtype)) if bias else None
        self.reset_parameters(init)

    def reset_parameters(self, init: str = "default") -> None:
        """Draw the weight (and bias) again with the named scheme."""
        init_.initialise("Linear", init, self.weight, self.bias)

    def forward(self, x: Any) -> Tensor:
        """x (N, in_features), cast to the weight's dtype if it has another -> (N, out_features)."""
        return as_tensor(x, self.weight.data.dtype).linear(self.weight, self.bias)

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")


class ModuleList(Module):
    """A list of modules, registered under the names "0", "1", ... (``blocks.0.weight``).

    For networks that loop over their layers in their own ``forward``; it has no forward
    of its own (``Sequential`` is the one that chains its modules).
    """

    def __init__(self, modules: Iterable[Module] = ()) -> None:
        super().__init__()
        self._length = 0
        self.extend(modules)

    def append(self, module: Module) -> ModuleList:
        self.add_module(str(self._length), module)
        self._length += 1
        return self

    def extend(self, modules: Iterable[Module]) -> ModuleList:
        for module in modules:
            self.append(module)
        return self

    def __len__(self) -> int:
        return self._length

    def __getitem__(self, index: int | slice) -> Module:
        """The module at ``index``; a slice gives a ModuleList of those modules (not copies)."""
        if isinstance(index, slice):
            return ModuleList(self[i] for i in range(self._length)[index])
        return getattr(self, str(range(self._length)[index]))

    def __iter__(self) -> Iterator[Module]:
        return (self[i] for i in range(self._length))


class Sequential(ModuleList):
    """Modules applied one after another; they are named "0", "1", ... like in PyTorch."""

    def __init__(self, *modules: Module) -> None:
        super().__init__(modules)

    def __getitem__(self, index: int | slice) -> Module:
        """The module at ``index``; a slice gives a Sequential of those modules (not copies)."""
        item = super().__getitem__(index)
        return Sequential(*item) if isinstance(index, slice) else item

    def forward(self, x: Any) -> Any:
        for module in self:
            x = module(x)
        return x


# ----- activations ------------------------------------------------------------------------
class Identity(Module):
    def forward(self, x: Any) -> Any:
        return x


class Sigmoid(Module):
    def forward(self, x: Any) -> Tensor:
        return as_tensor(x).sigmoid()


class ReLU(Module):
    def forward(self, x: Any) -> Tensor:
        return as_tensor(x).relu()


class LeakyReLU(Module):
    """x for x > 0, negative_slope * x otherwise (seed 002; 0.01 as in its reference)."""

    def __init__(self, negative_slope: float = 0.01) -> None:
        super().__init__()
        self.negative_slope = negative_slope

    def forward(self, x: Any) -> Tensor:
        return as_tensor(x).leaky_relu(self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}"


class Tanh(Module):
    def forward(self, x: Any) -> Tensor:
        return as_tensor(x).tanh()


class Softmax(Module):
    def __init__(self, axis: int = -1) -> None:
        super().__init__()
        self.axis = axis

    def forward(self, x: Any) -> Tensor:
        return as_tensor(x).softmax(self.axis)

    def extra_repr(self) -> str:
        return f"axis={self.axis}"


class Step(Module):
    """Heaviside step (seed 004): 1 where x >= threshold else 0; its gradient is zero."""

    def __init__(self, threshold: float = 0.0) -> None:
        super().__init__()
        self.threshold = threshold

    def forward(self, x: Any) -> Tensor:
        return as_tensor(x).step(self.threshold)

    def extra_repr(self) -> str:
        return f"threshold={self.threshold}"


class Flatten(Module):
    """(N, d1, d2, ...) -> (N, d1 * d2 * ...), e.g. MNIST images (N, 28, 28) -> (N, 784)."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, x: Any) -> Tensor:
        return as_tensor(x).flatten(self.start_dim, self.end_dim)


class Dropout(Module):
    """Inverted dropout: in training, zero each element with probability p and scale the
    rest by 1/(1-p), so eval() (the identity) needs no rescaling. The mask comes from the
    generator of ``tinygrad_jp.manual_seed``."""

    def __init__(self, p: float = 0.5) -> None:
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"Dropout: p must be in [0, 1], got {p}")
        self.p = p

    def forward(self, x: Any) -> Tensor:
        x = as_tensor(x)
        if not self.training or self.p == 0.0:
            return x
        return x * mask(DropoutMask, x, p=self.p)

    def extra_repr(self) -> str:
        return f"p={self.p}"


ACTIVATIONS: dict[str, type[Module]] = {
    "identity": Identity,
    "sigmoid": Sigmoid,
    "relu": ReLU,
    "leaky_relu": LeakyReLU,
    "tanh": Tanh,
    "softmax": Softmax,
    "step": Step,
}


def make_activation(activation: str | Module | None) -> Module:
    """An activation module from its name ("sigmoid", "relu", ...), a Module, or None."""
    if activation is None:
        return Identity()
    if isinstance(activation, Module):
        return activation
    if activation not in ACTIVATIONS:
        raise ValueError(f"unknown activation {activation!r}; choose from {sorted(ACTIVATIONS)} "
                         f"or pass a Module such as LeakyReLU(0.2)")
    return ACTIVATIONS[activation]()


class MLP(Module):
    """A fully connected network, the seeds' ``Network(sizes)``: sizes = [784, 30, 10] makes
    the ModuleList ``layers`` of ``Linear(784, 30)`` and ``Linear(30, 10)`` (``layers.0``,
    ``layers.1``).

    Forward, for rows x (N, sizes[0]): z^l = a^{l-1} W_lᵀ + b_l, a^l = activation(z^l) on
    hidden layers and output_activation(z^L) (None: the logits z^L, for CrossEntropyLoss)
    on the last. ``activation`` is a name ("sigmoid", "relu", "leaky_relu", "tanh", ...)
    or a Module such as ``LeakyReLU(0.2)``; ``init`` is a Linear init scheme name.
    """

    def __init__(self, sizes: Sequence[int], activation: str | Module = "sigmoid",
                 output_activation: str | Module | None = None, bias: bool = True,
                 dtype: Any = DEFAULT_FLOAT, init: str = "default") -> None:
        super().__init__()
        if len(sizes) < 2:
            raise ValueError(f"MLP: sizes needs at least an input and an output width, got "
                             f"{list(sizes)}")
        check_widths("MLP", "the layer widths in sizes", sizes)
        self.sizes = list(sizes)
        self.layers = ModuleList(Linear(n_in, n_out, bias=bias, dtype=dtype, init=init)
                                 for n_in, n_out in zip(self.sizes[:-1], self.sizes[1:]))
        self.activation = make_activation(activation)
        self.output_activation = make_activation(output_activation)

    def forward(self, x: Any) -> Tensor:
        last = len(self.layers) - 1
        for i, layer in enumerate(self.layers):
            act = self.output_activation if i == last else self.activation
            x = act(layer(x))
        return x

    def extra_repr(self) -> str:
        return f"sizes={self.sizes}"
