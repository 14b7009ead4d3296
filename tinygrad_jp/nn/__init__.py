"""tinygrad_jp.nn: modules, layers, losses, initialisations and optimizers.

    >>> from tinygrad_jp import Tensor, nn
    >>> model = nn.MLP([784, 30, 10])          # Nielsen's Network([784, 30, 10]), rows
    >>> [name for name, _ in model.named_parameters()]
    ['layers.0.weight', 'layers.0.bias', 'layers.1.weight', 'layers.1.bias']
    >>> model.layers[0].weight.shape            # (out, in), like Nielsen's w and Hansen's W1
    (30, 784)
"""

from . import init, lr_scheduler, optim
from .conv import AvgPool2d, Conv2d, MaxPool2d, mnist_cnn
from .layers import (
    MLP,
    Dropout,
    Flatten,
    Identity,
    LeakyReLU,
    Linear,
    ModuleList,
    ReLU,
    Sequential,
    Sigmoid,
    Softmax,
    Step,
    Tanh,
)
from .losses import CrossEntropyLoss, MSELoss
from .module import IncompatibleKeys, Module, Parameter
from .optim import clip_grad_norm_

__all__ = [
    "MLP",
    "AvgPool2d",
    "Conv2d",
    "CrossEntropyLoss",
    "Dropout",
    "Flatten",
    "Identity",
    "IncompatibleKeys",
    "LeakyReLU",
    "Linear",
    "MSELoss",
    "MaxPool2d",
    "Module",
    "ModuleList",
    "Parameter",
    "ReLU",
    "Sequential",
    "Sigmoid",
    "Softmax",
    "Step",
    "Tanh",
    "clip_grad_norm_",
    "init",
    "lr_scheduler",
    "mnist_cnn",
    "optim",
]
