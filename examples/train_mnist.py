"""The main job: train the seeds' 784-128-64-10 network on MNIST, as ``tinygrad-jp train``.

    python examples/train_mnist.py                    # full MNIST (downloaded once if need be)
    python examples/train_mnist.py --epochs 3 --activation sigmoid --out runs/sigmoid
    python examples/train_mnist.py --tiny             # the sample, one small epoch (for tests)
    python examples/train_mnist.py --no-jit           # every step eager: same numbers, slower

Every option of ``tinygrad-jp train --help`` works here. Without full MNIST (not on disk and
no network) it trains on the bundled 5,000-digit sample and says loudly how to get the full
set. Keeps the run in --out (default runs/latest), brought up to date after every epoch:
weights.npz, history.json, curves.png and what --resume needs; after training the test set
is scored once (confusion.png, mistakes.png).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from tinygrad_jp import cli

TINY = ["--dataset", "sample", "--sizes", "784,32,10", "--epochs", "1", "--quiet"]


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if "--tiny" in args:
        args.remove("--tiny")
        args = TINY + args  # later options win: --tiny --out DIR still chooses DIR
    return cli.main(["train", *args])


if __name__ == "__main__":
    sys.exit(main())
