"""The same training step run eagerly and with ``tinygrad_jp.jit``: equal to the last bit.

784-128-64-10 sigmoid network, CrossEntropyLoss, Adam, batches of 64 from the bundled
MNIST sample. Both runs start from the same weights and see the same batches; the example
prints both losses after every epoch and the kernels jit replays (for speed, see
``benchmarks/step.py``: timings here would mostly measure a busy machine).

    python examples/jit_step.py              # 3 epochs of the 5,000-digit sample
    python examples/jit_step.py --tiny       # 500 digits, 1 epoch, for a quick check

``fit`` and ``tinygrad-jp train`` do this by default (``fit(..., jit=False)`` and
``tinygrad-jp train --no-jit`` turn it off).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence

import numpy as np

import tinygrad_jp as tg
from tinygrad_jp import Tensor, nn
from tinygrad_jp.datasets import DataLoader, load_mnist_sample


def make_step() -> tuple[nn.Module, Callable[[Tensor, Tensor], Tensor]]:
    """A fresh model (the same weights every time) and its whole training step."""
    tg.manual_seed(0)
    model = nn.MLP([784, 128, 64, 10], activation="sigmoid")
    loss_fn = nn.CrossEntropyLoss()
    optimizer = nn.optim.Adam(model.parameters(), lr=1e-2)

    def step(x: Tensor, t: Tensor) -> Tensor:
        loss = loss_fn(model(x), t)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss

    return model, step


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--tiny", action="store_true", help="500 digits, 1 epoch")
    args = parser.parse_args(argv)
    (x, t), _ = load_mnist_sample()
    epochs = 1 if args.tiny else args.epochs
    if args.tiny:
        x, t = x[:500], t[:500]

    eager_model, eager_step = make_step()
    jit_model, step = make_step()
    jitted = tg.jit(step)  # the only change: the same function, wrapped
    losses: dict[str, float] = {}
    for epoch in range(1, epochs + 1):
        for xb, tb in DataLoader(x, t, batch_size=64, drop_last=True, seed=epoch):
            for name, run in (("eager", eager_step), ("jit", jitted)):
                losses[name] = run(Tensor.from_numpy(xb), Tensor.from_numpy(tb)).item()
        print(f"epoch {epoch}: loss eager {losses['eager']!r}  jit {losses['jit']!r}")
    same = all(np.array_equal(a.data, b.data)
               for a, b in zip(eager_model.parameters(), jit_model.parameters()))
    print(f"weights after training: {'identical, bit for bit' if same else 'DIFFERENT'}")
    print("the kernels jit replays (in0 = the batch, in1 = the labels, p = parameters, "
          "c = constants, t = results of earlier kernels):")
    print("\n".join(jitted.kernels()))
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
