"""Seed 000 (Casper Hansen): the 784-128-64-10 network, then each exercise it leaves open.

    python examples/hansen_exercises.py                   # full MNIST, 3 epochs each
    python examples/hansen_exercises.py --only adam relu --epochs 10
    python examples/hansen_exercises.py --tiny            # 200 sample digits, 1 epoch each

The seed's network: no biases, sigmoid hidden layers, softmax output with cross-entropy,
weights randn(m, n) * sqrt(1/m), SGD one digit at a time with l_rate = 0.001. Its exercises,
one change at a time: ReLU, biases, layers built in a loop for any sizes, mini-batches, then
Momentum, AdaGrad and Adam. Each is trained with nn and ``fit`` and its test accuracy printed
in a table; the seed reports anything from 0% to 95%.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from _data import mnist_parser, parse_and_load

from tinygrad_jp import manual_seed, nn
from tinygrad_jp.train import evaluate, fit


@dataclass(frozen=True)
class Exercise:
    """One variant of the seed's network: what changes, and how it is trained."""

    title: str
    sizes: tuple[int, ...] = (784, 128, 64, 10)
    activation: str = "sigmoid"
    bias: bool = False
    batch_size: int = 1
    optimizer: Callable[..., Any] = nn.optim.SGD
    options: dict[str, float] = field(default_factory=lambda: {"lr": 0.001})


TINY_DIGITS = 200  # --tiny: eight trainings, four of them one digit per step: fewer digits

EXERCISES = {
    "seed": Exercise("the seed: sigmoid, no bias, one digit per step, SGD 0.001"),
    "relu": Exercise("1. ReLU hidden layers", activation="relu"),
    "bias": Exercise("2. biases", bias=True),
    "loop": Exercise("3. layers in a loop: 784-256-128-64-10", sizes=(784, 256, 128, 64, 10)),
    "minibatch": Exercise("4. mini-batches of 64, SGD 0.5", bias=True, batch_size=64,
                          options={"lr": 0.5}),
    "momentum": Exercise("5. Momentum 0.9, lr 0.05", bias=True, batch_size=64,
                         options={"lr": 0.05, "momentum": 0.9}),
    "adagrad": Exercise("6. AdaGrad, lr 0.01", bias=True, batch_size=64,
                        optimizer=nn.optim.AdaGrad, options={"lr": 0.01}),
    "adam": Exercise("7. Adam, lr 0.001", bias=True, batch_size=64,
                     optimizer=nn.optim.Adam, options={"lr": 0.001}),
}


def run(exercise: Exercise, data: tuple, epochs: int) -> tuple[float, float]:
    """Train one variant from seed 0; returns (test accuracy, seconds)."""
    (x, t), test = data
    manual_seed(0)
    model = nn.MLP(list(exercise.sizes), activation=exercise.activation, bias=exercise.bias,
                   init="hansen")
    optimizer = exercise.optimizer(model.parameters(), **exercise.options)
    began = time.perf_counter()
    fit(model, nn.CrossEntropyLoss(), optimizer, (x, t), epochs=epochs,
        batch_size=exercise.batch_size, seed=0, verbose=False)
    seconds = time.perf_counter() - began
    return evaluate(model, None, test)["accuracy"], seconds  # the test set, once, at the end


def main(argv: Sequence[str] | None = None) -> int:
    parser = mnist_parser(__doc__.splitlines()[0], epochs=3, tiny=TINY_DIGITS)  # per exercise
    parser.add_argument("--only", nargs="+", choices=list(EXERCISES), default=list(EXERCISES),
                        help="run only these exercises")
    args, train, test, name = parse_and_load(parser, argv)
    print(f"{args.epochs} epoch(s) each on {name}")
    print(f"{'exercise':<58} {'test acc':>8} {'seconds':>8}")
    for key in args.only:
        accuracy, seconds = run(EXERCISES[key], (train, test), args.epochs)
        print(f"{EXERCISES[key].title:<58} {accuracy:>8.2%} {seconds:>8.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
