"""Seed 003: Nielsen's Network([784, 30, 10]), sigmoid, quadratic cost, SGD with eta = 3.0.

    python examples/nielsen_network.py                # full MNIST, 30 epochs, batches of 10
    python examples/nielsen_network.py --epochs 5
    python examples/nielsen_network.py --tiny         # 500 sample digits, 1 epoch

The book's network with nn: weights and biases drawn from N(0, 1), sigmoid on every layer,
the cost C = 1/2 ||y - a||^2 per digit averaged over the mini-batch, and w <- w - eta dC/dw
(``update_mini_batch``). As the book's chapter 3 does, 10,000 training images are held out
as ``validation_data`` (100 with ``--tiny``): "Epoch j: correct / total" is printed on them
after every epoch, and the test set is scored once, after the last epoch. The book reaches
about 95%.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from _data import mnist_parser, parse_and_load

from tinygrad_jp import Tensor, manual_seed, nn
from tinygrad_jp.datasets import one_hot
from tinygrad_jp.train import evaluate, fit

VALIDATION, TINY_VALIDATION = 10_000, 100  # training images held out, as the book does
_half_squares = nn.MSELoss("sum", half=True)  # 1/2 Σ ||y - a||^2 over the batch


def quadratic_cost(a: Tensor, y: Tensor) -> Tensor:
    """Nielsen's C = 1/(2n) Σ_x ||y(x) - a^L(x)||^2 over a mini-batch of n digits."""
    return _half_squares(a, y) / len(a)


def main(argv: Sequence[str] | None = None) -> int:
    parser = mnist_parser(__doc__.splitlines()[0], epochs=30)
    parser.add_argument("--eta", type=float, default=3.0)
    args, (x, t), (x_test, t_test), name = parse_and_load(parser, argv)

    manual_seed(0)
    net = nn.MLP([784, 30, 10], activation="sigmoid", output_activation="sigmoid",
                 init="nielsen")
    optimizer = nn.optim.SGD(net.parameters(), lr=args.eta)
    held_out = TINY_VALIDATION if args.tiny else VALIDATION
    history = fit(net, quadratic_cost, optimizer, (x, one_hot(t)), epochs=args.epochs,
                  batch_size=10, validation_split=held_out, seed=0)
    for j, accuracy in enumerate(history["val_accuracy"]):
        print(f"Epoch {j}: {round(accuracy * held_out)} / {held_out}")
    accuracy = evaluate(net, None, (x_test, t_test))["accuracy"]  # the test set, once
    print(f"test accuracy on {name} after the last epoch: {accuracy:.2%} "
          f"(the book: about 95%)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
