"""The 784-128-64-10 network of seed 000 (Hansen), written with tinygrad_jp.nn, one epoch.

Sigmoid hidden layers and a softmax output as in the seed (the softmax is fused into
CrossEntropyLoss, so the model outputs logits), mini-batches and Adam (the seed's
exercises) instead of per-sample SGD. Trains on the bundled 5,000-digit MNIST sample.

    python examples/nn_784_128_64_10.py            # one epoch, prints the test accuracy
    python examples/nn_784_128_64_10.py --tiny     # 500 digits, for a quick check
"""

from __future__ import annotations

import argparse

import tinygrad_jp as tg
from tinygrad_jp import nn
from tinygrad_jp.datasets import DataLoader, load_mnist_sample


def main(tiny: bool = False) -> float:
    """Train for one epoch and return the test accuracy (a fraction)."""
    # --- the user code, as in the README -------------------------------------------------
    tg.manual_seed(0)
    (x_train, t_train), (x_test, t_test) = load_mnist_sample()
    if tiny:
        x_train, t_train, x_test, t_test = x_train[:500], t_train[:500], x_test[:200], t_test[:200]

    model = nn.MLP([784, 128, 64, 10], activation="sigmoid")
    loss_fn = nn.CrossEntropyLoss()
    optimizer = nn.optim.Adam(model.parameters(), lr=1e-2)

    for x, t in DataLoader(x_train, t_train, batch_size=32, shuffle=True, seed=0):
        loss = loss_fn(model(x), t)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    model.eval()
    with tg.no_grad():
        predicted = model(x_test).argmax(axis=1).numpy()
    accuracy = float((predicted == t_test).mean())
    print(f"test accuracy after one epoch: {accuracy:.1%}")
    # ------------------------------------------------------------------------------------
    return accuracy


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tiny", action="store_true", help="500 training digits, fast")
    main(parser.parse_args().tiny)
