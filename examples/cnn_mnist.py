"""A small CNN on MNIST: two 5×5 convolutions with max pooling, then one Linear layer.

    python examples/cnn_mnist.py              # full MNIST, 5 epochs (about 99% on the test set)
    python examples/cnn_mnist.py --tiny       # 500 sample digits, 1 epoch

The network is ``nn.mnist_cnn()``, the one ``tinygrad-jp train --model cnn`` trains:
(N, 1, 28, 28) -> conv 1→16 -> ReLU -> pool -> (N, 16, 14, 14) -> conv 16→32 -> ReLU -> pool
-> (N, 32, 7, 7) -> flatten (N, 1568) -> Linear -> 10 logits.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from _data import mnist_parser, parse_and_load

from tinygrad_jp import manual_seed, nn
from tinygrad_jp.train import fit


def main(argv: Sequence[str] | None = None) -> int:
    parser = mnist_parser(__doc__.splitlines()[0], epochs=5)
    args, (x, t), (x_test, t_test), name = parse_and_load(parser, argv)
    images, test_images = x.reshape(-1, 1, 28, 28), x_test.reshape(-1, 1, 28, 28)  # NCHW views

    manual_seed(0)
    model = nn.mnist_cnn()
    print(model)
    optimizer = nn.optim.Adam(model.parameters(), lr=0.002)
    schedule = nn.lr_scheduler.CosineAnnealingLR(optimizer, T_max=args.epochs)
    history = fit(model, nn.CrossEntropyLoss(), optimizer, (images, t), epochs=args.epochs,
                  batch_size=64, validation=(test_images, t_test), seed=0, scheduler=schedule,
                  verbose=not args.tiny)

    print(f"test accuracy after {args.epochs} epoch(s) on {name}: "
          f"{history['val_accuracy'][-1]:.2%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
