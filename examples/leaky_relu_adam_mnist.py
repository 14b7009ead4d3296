"""Seed 002: Leaky ReLU hidden layer, softmax + cross-entropy, Adam, on MNIST.

    python examples/leaky_relu_adam_mnist.py              # full MNIST, 10 epochs
    python examples/leaky_relu_adam_mnist.py --tiny       # 500 sample digits, 1 epoch

First checks the seed's key fact: the gradient of softmax + cross-entropy (the batch mean)
with respect to the logits is (output - teacher) / N, computed by autodiff. Then trains the
seed's kind of network (784-100-10, Leaky ReLU, Adam) and compares with the seed's ~89%.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

import numpy as np
from _data import mnist_parser, parse_and_load

from tinygrad_jp import Tensor, manual_seed, nn
from tinygrad_jp.datasets import one_hot
from tinygrad_jp.train import evaluate, fit

SEED_ACCURACY = 0.89  # what the seed reports after 10 epochs


def softmax_ce_gradient_gap(x: np.ndarray, t: np.ndarray, model: nn.Module) -> float:
    """max |∂L/∂z - (softmax(z) - T)/N| over a batch, z the logits, by autodiff."""
    z = model(Tensor(x)).detach().requires_grad_()
    nn.CrossEntropyLoss()(z, t).backward()
    by_hand = (z.softmax().numpy() - one_hot(t)) / len(x)
    return float(np.abs(z.grad.numpy() - by_hand).max())


def main(argv: Sequence[str] | None = None) -> int:
    parser = mnist_parser(__doc__.splitlines()[0], epochs=10)
    args, (x, t), (x_test, t_test), name = parse_and_load(parser, argv)

    manual_seed(0)
    model = nn.MLP([784, 100, 10], activation="leaky_relu", init="he")
    gap = softmax_ce_gradient_gap(x[:100], t[:100], model)
    print(f"dL/dz vs (softmax - teacher)/N: max difference {gap:.1e}")

    optimizer = nn.optim.Adam(model.parameters(), lr=1e-3)
    fit(model, nn.CrossEntropyLoss(), optimizer, (x, t), epochs=args.epochs, batch_size=100,
        seed=0)
    accuracy = evaluate(model, None, (x_test, t_test))["accuracy"]  # the test set, once
    print(f"test accuracy after {args.epochs} epoch(s) on {name}: {accuracy:.2%} "
          f"(the seed: about {SEED_ACCURACY:.0%})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
