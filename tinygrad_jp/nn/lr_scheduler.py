"""Learning-rate schedules: call ``scheduler.step()`` once per epoch, after the optimizer's steps.

Each ``step()`` multiplies the rate the optimizer has now (PyTorch's chainable form), so a
rate set by hand (``optimizer.lr = 0.1``) is carried on from, not overwritten. Left alone,
the rates follow the closed formulas in the class docstrings, with e the epoch count
(``last_epoch``) and base_lr the rate the optimizer had when the schedule was made.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .optim import Optimizer


class LRScheduler:
    """Base class: subclasses define ``next_lr(lr, epoch)``, the rate of epoch ``epoch``
    given the rate ``lr`` of the epoch before."""

    def __init__(self, optimizer: Optimizer) -> None:
        self.optimizer = optimizer
        self.base_lr = optimizer.lr
        self.last_epoch = 0

    def next_lr(self, lr: float, epoch: int) -> float:
        raise NotImplementedError

    def step(self) -> None:
        """One epoch is over: set the optimizer's learning rate for the next one."""
        self.last_epoch += 1
        self.optimizer.lr = self.next_lr(self.optimizer.lr, self.last_epoch)

    def get_last_lr(self) -> list[float]:
        """The learning rate the optimizer uses now, in a list (one per group, as PyTorch)."""
        return [self.optimizer.lr]

    def state_dict(self) -> dict[str, Any]:
        return {"base_lr": self.base_lr, "last_epoch": self.last_epoch, "lr": self.optimizer.lr}

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        self.base_lr = float(state_dict["base_lr"])
        self.last_epoch = int(state_dict["last_epoch"])
        self.optimizer.lr = float(state_dict["lr"])


class StepLR(LRScheduler):
    """Step decay: lr = base_lr · γ^⌊e / step_size⌋ (divide by 10 every step_size epochs);
    each step multiplies the current rate by γ when e is a multiple of step_size."""

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1) -> None:
        if step_size < 1:
            raise ValueError(f"StepLR: step_size must be >= 1, got {step_size}")
        super().__init__(optimizer)
        self.step_size, self.gamma = step_size, gamma

    def next_lr(self, lr: float, epoch: int) -> float:
        return lr * self.gamma if epoch % self.step_size == 0 else lr


class CosineAnnealingLR(LRScheduler):
    """Cosine annealing (Loshchilov & Hutter 2017, without restarts):
    lr = η_min + (base_lr - η_min) · (1 + cos(π e / T_max)) / 2, reaching η_min at e = T_max
    and staying there. Each step scales the distance to η_min by the formula's ratio from
    e - 1 to e, (1 + cos(π e / T_max)) / (1 + cos(π (e - 1) / T_max)), as PyTorch does."""

    def __init__(self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0) -> None:
        if T_max < 1:
            raise ValueError(f"CosineAnnealingLR: T_max must be >= 1, got {T_max}")
        super().__init__(optimizer)
        self.T_max, self.eta_min = T_max, eta_min

    def next_lr(self, lr: float, epoch: int) -> float:
        if epoch > self.T_max:
            return lr  # the schedule is over: η_min, or what was set by hand since

        def rise(e: int) -> float:
            return 1 + math.cos(math.pi * e / self.T_max)

        return self.eta_min + (lr - self.eta_min) * rise(epoch) / rise(epoch - 1)
