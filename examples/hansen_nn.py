"""Seed 000's 784-128-64-10 network in the fewest lines, like its PyTorch and Keras versions.

    python examples/hansen_nn.py              # full MNIST, 10 epochs
    python examples/hansen_nn.py --tiny       # 500 sample digits, 1 epoch
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from _data import mnist_parser, parse_and_load

from tinygrad_jp import manual_seed, nn
from tinygrad_jp.train import evaluate, fit


def main(argv: Sequence[str] | None = None) -> int:
    parser = mnist_parser(__doc__.splitlines()[0], epochs=10)
    args, (x, t), (x_test, t_test), name = parse_and_load(parser, argv)

    # The whole network, its training and its test, as in Keras: Dense, compile, fit.
    manual_seed(0)
    model = nn.MLP([784, 128, 64, 10], activation="sigmoid")
    optimizer = nn.optim.Adam(model.parameters(), lr=1e-3)
    fit(model, nn.CrossEntropyLoss(), optimizer, (x, t), epochs=args.epochs, batch_size=64,
        seed=0)
    accuracy = evaluate(model, None, (x_test, t_test))["accuracy"]  # the test set, once
    print(f"test accuracy on {name}: {accuracy:.2%} (after the last epoch)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
