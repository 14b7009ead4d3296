"""Seed 001 (Raschka ch. 12 notes): activation functions, MSE, and the four learning-rate cases.

    python examples/activations_learning_rates.py                 # writes seed001.png
    python examples/activations_learning_rates.py --out lr.png --steps 30

Prints each activation's value and autodiff slope at a few points, the seed's worked MSE
(2 for (2, 4, 6) against (3, 5, 8)), and gradient descent w := w - η dJ/dw on the cost
J(w) = 1/2 Σ_i (y_i - w x_i)^2 with four learning rates: too small (barely moves), good
(converges in a few steps), too large (zig-zags around the minimum) and diverging.
Draws all of it into one picture (needs matplotlib).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from tinygrad_jp import Tensor
from tinygrad_jp.plotting import figure, save_figure

ACTIVATIONS = ("sigmoid", "relu", "tanh", "step")
# Data of the cost J(w) = 1/2 Σ (y - w x)^2: the best w is 2, and J''(w) = Σ x² = 14, so
# gradient descent converges for η < 2/14 ≈ 0.143 and zig-zags for 1/14 < η < 2/14.
X, Y = np.array([1.0, 2.0, 3.0]), np.array([2.0, 4.0, 6.0])
W0 = 0.0
LEARNING_RATES = {"too small": 0.002, "good": 0.05, "too large (zig-zag)": 0.13,
                  "diverging": 0.16}


def activation_table(points: np.ndarray) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """name -> (φ(z), dφ/dz) at ``points`` (N,), the slopes by autodiff."""
    table = {}
    for name in ACTIVATIONS:
        z = Tensor(points, requires_grad=True)
        out = getattr(z, name)()
        out.sum().backward()
        table[name] = (out.numpy(), z.grad.numpy())
    return table


def seed_mse() -> float:
    """E = 1/N Σ (t - y)^2 for t = (2, 4, 6), y = (3, 5, 8): the seed's worked value 2."""
    return Tensor([3.0, 5.0, 8.0]).mse_loss([2.0, 4.0, 6.0]).item()


def cost(w: Tensor) -> Tensor:
    """J(w) = 1/2 Σ_i (y_i - w x_i)^2 (the seed's 1/2 convention)."""
    residual = Tensor(Y) - w * Tensor(X)
    return 0.5 * (residual * residual).sum()


def descend(eta: float, steps: int) -> tuple[list[float], list[float]]:
    """w := w - η dJ/dw, ``steps`` times from W0; returns the w and J of every step."""
    w = Tensor(W0, dtype=np.float64, requires_grad=True)
    ws, costs = [], []
    for _ in range(steps + 1):
        j = cost(w)
        ws.append(w.item())
        costs.append(j.item())
        j.backward()
        w.data -= eta * w.grad.data  # Δw = -η ∇J(w)
        w.grad = None
    return ws, costs


def draw(path: Path, points: np.ndarray, table: dict, runs: dict) -> None:
    fig = figure(ncols=3, width=15.0, height=4.2)
    act_ax, cost_ax, w_ax = fig.axes
    for name, (values, _) in table.items():
        act_ax.plot(points, values, label=name)
    act_ax.set_title("activations φ(z)")
    act_ax.set_ylim(-1.2, 2.0)
    for label, (ws, costs) in runs.items():
        cost_ax.semilogy(costs, "-o", markersize=3, label=label)
        w_ax.plot(ws, "-o", markersize=3, label=label)
    cost_ax.set_title("cost J(w) per step")
    w_ax.set_title("w per step (best w = 2)")
    w_ax.set_ylim(-4, 8)
    for ax in fig.axes:
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.tight_layout()
    save_figure(fig, path, dpi=90)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("seed001.png"), help="the picture")
    parser.add_argument("--steps", type=int, default=20, help="gradient-descent steps")
    parser.add_argument("--tiny", action="store_true", help="8 steps (fast)")
    args = parser.parse_args(argv)
    steps = 8 if args.tiny else args.steps

    points = np.linspace(-3.0, 3.0, 7)
    table = activation_table(points)
    print("z        " + " ".join(f"{p:>6.1f}" for p in points))
    for name, (values, slopes) in table.items():
        print(f"{name:<8} " + " ".join(f"{v:>6.3f}" for v in values))
        print("  slope  " + " ".join(f"{s:>6.3f}" for s in slopes))
    softmax = Tensor(np.array([1.0, 2.0, 3.0])).softmax().numpy()
    print(f"softmax([1, 2, 3]) = {np.round(softmax, 4).tolist()} (sums to {softmax.sum():.4f})")
    print(f"MSE of (3, 5, 8) against (2, 4, 6) = {seed_mse():g}")

    runs = {}
    for label, eta in LEARNING_RATES.items():
        runs[label] = ws, costs = descend(eta, steps)
        print(f"eta = {eta:<6g} {label:<20} w = {ws[-1]:>10.4f}  J = {costs[-1]:.3e}")
    try:
        curve = np.linspace(-3.0, 3.0, 301)
        draw(args.out, curve, activation_table(curve), runs)
        print(f"wrote {args.out}")
    except ImportError as err:
        print(f"no picture: {err}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
