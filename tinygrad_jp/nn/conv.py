"""Convolution and pooling layers on NCHW batches: Conv2d, MaxPool2d, AvgPool2d, and the
small CNN that ``tinygrad-jp train --model cnn`` trains."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..ops.conv import pair
from ..tensor import DEFAULT_FLOAT, Shape, Tensor
from . import init as init_
from .layers import Flatten, Linear, ReLU, Sequential, as_tensor
from .module import Module, Parameter


class Conv2d(Module):
    """y = x ⋆ W + b for x (N, C_in, H, W) -> y (N, C_out, OH, OW), PyTorch's layer.

    ``weight`` has shape (C_out, C_in, kH, kW), ``bias`` (C_out,) or None. ``init`` names the
    initialisation as for ``Linear``: "default" is PyTorch's U(±1/√fan_in), fan_in = C_in·kH·kW.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Shape,
                 stride: Shape = 1, padding: Shape = 0, bias: bool = True,
                 dtype: Any = DEFAULT_FLOAT, init: str = "default") -> None:
        super().__init__()
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size = pair("Conv2d", "kernel_size", kernel_size, 1)
        self.stride = pair("Conv2d", "stride", stride, 1)
        self.padding = pair("Conv2d", "padding", padding, 0)
        shape = (out_channels, in_channels, *self.kernel_size)
        self.weight = Parameter(np.empty(shape, dtype=dtype))
        self.bias = Parameter(np.empty(out_channels, dtype=dtype)) if bias else None
        self.reset_parameters(init)

    def reset_parameters(self, init: str = "default") -> None:
        """Draw the weight (and bias) again with the named scheme."""
        init_.initialise("Conv2d", init, self.weight, self.bias)

    def forward(self, x: Any) -> Tensor:
        return as_tensor(x).conv2d(self.weight, self.bias, self.stride, self.padding)

    def extra_repr(self) -> str:
        return (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}, padding={self.padding}, bias={self.bias is not None}")


class _Pool2d(Module):
    def __init__(self, kernel_size: Shape, stride: Shape | None = None) -> None:
        super().__init__()
        self.kernel_size, self.stride = kernel_size, stride

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}"


class MaxPool2d(_Pool2d):
    """The maximum of each window (stride defaults to the kernel size)."""

    def forward(self, x: Any) -> Tensor:
        return as_tensor(x).max_pool2d(self.kernel_size, self.stride)


class AvgPool2d(_Pool2d):
    """The mean of each window (stride defaults to the kernel size)."""

    def forward(self, x: Any) -> Tensor:
        return as_tensor(x).avg_pool2d(self.kernel_size, self.stride)


def mnist_cnn(channels: tuple[int, int] = (16, 32), dtype: Any = DEFAULT_FLOAT) -> Sequential:
    """The CNN of ``tinygrad-jp train --model cnn``, for (N, 1, 28, 28) images -> 10 logits:
    conv 5×5 pad 2 -> ReLU -> max pool 2, twice (28 -> 14 -> 7), then Linear(C₂·7·7, 10)."""
    c1, c2 = channels
    return Sequential(
        Conv2d(1, c1, 5, padding=2, dtype=dtype), ReLU(), MaxPool2d(2),
        Conv2d(c1, c2, 5, padding=2, dtype=dtype), ReLU(), MaxPool2d(2),
        Flatten(), Linear(c2 * 7 * 7, 10, dtype=dtype),
    )
