"""tinygrad_jp: a small, readable reverse-mode autodiff framework on NumPy.

    >>> from tinygrad_jp import Tensor
    >>> x = Tensor([1.0, 2.0], requires_grad=True)
    >>> (x * x).sum().backward()
    >>> x.grad
    Tensor([2., 4.], dtype=float32)
"""

from .tensor import Tensor  # noqa: I001  (Tensor first: the modules below import it)
from .autograd import enable_grad, grad, is_grad_enabled, no_grad, set_grad_enabled
from .gradcheck import GradcheckError, gradcheck, gradgradcheck, numerical_grad
from .ops.shape import concatenate, stack
from .random import manual_seed
from . import nn
from .io import load, save
from .compare import compare_gradients
from .check import check_backprop, keep
from .jit import JitError, JitWarning, jit

__all__ = [
    "GradcheckError",
    "JitError",
    "JitWarning",
    "Tensor",
    "check_backprop",
    "compare_gradients",
    "concatenate",
    "enable_grad",
    "grad",
    "gradcheck",
    "gradgradcheck",
    "is_grad_enabled",
    "jit",
    "keep",
    "load",
    "manual_seed",
    "nn",
    "no_grad",
    "numerical_grad",
    "save",
    "set_grad_enabled",
    "stack",
]
