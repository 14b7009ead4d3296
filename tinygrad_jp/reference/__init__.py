"""Hand-derived backprop networks of the seed tutorials, in plain NumPy.

This package is the independent witness that autodiff is checked against:
nothing here imports the Tensor or anything else from tinygrad_jp.

Networks (one per tutorial), all with the same interface:

* :class:`NielsenNetwork` (seed 003): columns, sigmoid, quadratic cost, BP1-BP4.
* :class:`HansenNetwork` (seed 000): rows, no bias, sigmoid + softmax, per-sample SGD,
  plus the seed's exercises (ReLU, biases, any sizes, mini-batches, optimizers).
* :class:`RaschkaMLP` (seed 001): rows with bias units, sigmoid, J = 1/2 Σ (y - a)^2.
* :class:`LeakyReluAdamNetwork` (seed 002): Leaky ReLU, softmax cross-entropy (batch
  mean), Adam written out by hand.
* :class:`ConvNet` (ゼロから作る ch. 7, :mod:`.cnn`): Convolution / ReLU / Pooling / Affine
  layers with im2col, col2im and the pooling mask; ``simple_conv_net`` is the book's
  SimpleConvNet, ``mnist_cnn`` the network of ``tinygrad-jp train --model cnn``. Its
  ``trace_backprop`` has the same records (x as images (N, C, H, W)).

Uniform interface (see :mod:`.trace` for the records):

* ``params``: dict name -> live ndarray.
* ``forward(x) -> ForwardTrace`` with ``zs`` (z^1..z^L) and ``activations`` (a^0..a^L).
* ``trace_backprop(x, y) -> Backprop`` with ``trace``, ``deltas`` (δ^l = ∂C/∂z^l),
  ``grads`` (same keys/shapes as params) and ``cost``. On all but Nielsen this is
  also ``backprop``; Nielsen's ``backprop`` keeps the book's ``(nabla_b, nabla_w)``.
* ``cost(x, y)``: the exact C each backprop differentiates (documented per class).
* ``step(x, y, ...)``: one update the seed's way.
* ``to_linear(params_or_grads)`` / ``load_linear(layers)``: the arrays as
  nn.Linear ``(weight (out, in), bias (out,) or None)`` pairs, per layer.
* ``predict(x_rows)``, ``accuracy(x_rows, labels)`` and a ``fit``/``train``/``SGD`` loop.
"""

from .cnn import ConvNet
from .hansen import HansenNetwork
from .leaky_adam import LeakyReluAdamNetwork
from .nielsen import NielsenNetwork
from .optimizers import SGD, AdaGrad, Adam, Momentum, Optimizer
from .raschka import RaschkaMLP
from .trace import Backprop, ForwardTrace

__all__ = [
    "SGD",
    "AdaGrad",
    "Adam",
    "Backprop",
    "ConvNet",
    "ForwardTrace",
    "HansenNetwork",
    "LeakyReluAdamNetwork",
    "Momentum",
    "NielsenNetwork",
    "Optimizer",
    "RaschkaMLP",
]
