"""Module and Parameter: the containers every layer, loss and network is built from.

A Module finds its parameters and sub-modules by looking at its attributes, so a layer is
written like in PyTorch or DeZero and nothing has to be registered by hand::

    class TwoLayer(Module):
        def __init__(self):
            super().__init__()
            self.hidden = Linear(784, 30)          # a sub-module
            self.blocks = [Linear(30, 10)]         # modules inside a list are found too
            self.scale = Parameter(np.ones(10))    # a parameter

        def forward(self, x):
            return self.blocks[0](self.hidden(x).sigmoid()) * self.scale

Dotted names follow the attributes: ``scale``, ``hidden.weight``, ``blocks.0.bias`` (a
module's own parameters first, then its sub-modules', in assignment order, as in PyTorch).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any, NamedTuple

import numpy as np

from .. import autograd
from ..autograd import RemovableHandle
from ..tensor import Tensor

ForwardHook = Callable[["Module", tuple, Any], Any]


class Parameter(Tensor):
    """A Tensor that a Module owns and an optimizer updates: it always requires grad.

    ``Parameter(data, dtype=None, name=None)``: ``data`` is an array, list or Tensor
    (copied); NumPy data keeps its dtype (float64 stays float64), Python floats become float32.
    """

    def __init__(self, data: Any, dtype: Any = None, name: str | None = None) -> None:
        super().__init__(data, requires_grad=True, dtype=dtype, name=name)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()


class IncompatibleKeys(NamedTuple):
    """What ``load_state_dict(strict=False)`` left out: names it lacked, names it ignored."""

    missing_keys: list[str]
    unexpected_keys: list[str]


def _members(name: str, value: Any) -> Iterator[tuple[str, Any]]:
    """(dotted name, value) for an attribute, looking one level into lists, tuples and dicts."""
    if isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            yield from _members(f"{name}.{i}", item)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _members(f"{name}.{key}", item)
    else:
        yield name, value


class Module:
    """Base class of layers and networks: subclasses define ``__init__`` and ``forward``.

    Calling the module runs ``forward`` (and any forward hooks). Parameters and sub-modules
    are found among the attributes (also inside lists, tuples and dicts), in the order
    they were assigned.
    """

    # Class-level defaults, so a subclass that forgets super().__init__() still works.
    training: bool = True
    _forward_hooks: list[ForwardHook] | None = None

    def __init__(self) -> None:
        self.training = True

    def __setattr__(self, name: str, value: Any) -> None:
        super().__setattr__(name, value)
        autograd.module_settings_changes += 1  # a jit replay checks the settings again

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__}: define forward()")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if autograd.capture is not None:  # jit: a replay checks the module's settings
            autograd.capture.module(self)
        out = self.forward(*args, **kwargs)
        if self._forward_hooks and autograd.capture is not None:
            autograd.capture.unsupported("a forward hook (register_forward_hook) runs Python "
                                         "code on a module's output inside the step")
        for hook in self._forward_hooks or ():
            replaced = hook(self, args, out)
            out = out if replaced is None else replaced
        return out

    def register_forward_hook(self, hook: ForwardHook) -> RemovableHandle:
        """Call ``hook(module, inputs, output)`` after every forward; a returned value
        replaces the output. E.g. read z^l of each Linear and call ``retain_grad()`` on it."""
        if self._forward_hooks is None:
            self._forward_hooks = []
        self._forward_hooks.append(hook)
        return RemovableHandle(self._forward_hooks, hook)

    # ----- the tree -----------------------------------------------------------------------
    def _own(self, kind: type) -> Iterator[tuple[str, Any]]:
        for attr, value in vars(self).items():
            for name, member in _members(attr, value):
                if isinstance(member, kind):
                    yield name, member

    def add_module(self, name: str, module: Module) -> None:
        """Attach ``module`` under ``name`` (any string without dots, e.g. "0")."""
        if not isinstance(module, Module):
            raise TypeError(f"add_module: {name!r} must be a Module, got {type(module).__name__}")
        if not name or "." in name:
            raise ValueError(f"add_module: invalid name {name!r} (non-empty, no dots)")
        setattr(self, name, module)

    def named_children(self) -> Iterator[tuple[str, Module]]:
        """The direct sub-modules with their attribute names (``layers.0`` inside a list)."""
        return self._own(Module)

    def children(self) -> Iterator[Module]:
        return (module for _, module in self.named_children())

    def named_modules(self, prefix: str = "") -> Iterator[tuple[str, Module]]:
        """This module (name ``prefix``) and every module below it, each once, parents first."""
        seen: set[int] = set()
        stack = [(prefix, self)]
        while stack:
            name, module = stack.pop()
            if id(module) in seen:
                continue
            seen.add(id(module))
            yield name, module
            below = [(f"{name}.{child}" if name else child, m)
                     for child, m in module.named_children()]
            stack.extend(reversed(below))

    def modules(self) -> Iterator[Module]:
        return (module for _, module in self.named_modules())

    def named_parameters(self, prefix: str = "", recurse: bool = True
                         ) -> Iterator[tuple[str, Parameter]]:
        """(dotted name, Parameter) for every parameter, each once even if shared."""
        seen: set[int] = set()
        owners = self.named_modules(prefix) if recurse else iter([(prefix, self)])
        for owner, module in owners:
            for name, param in module._own(Parameter):
                if id(param) not in seen:
                    seen.add(id(param))
                    yield (f"{owner}.{name}" if owner else name), param

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        return (param for _, param in self.named_parameters(recurse=recurse))

    def num_parameters(self) -> int:
        """How many numbers the optimizer learns (the sum of the parameters' sizes)."""
        return sum(p.size for p in self.parameters())

    def apply(self, fn: Callable[[Module], Any]) -> Module:
        """Call ``fn`` on every sub-module and then on this one (e.g. a custom init); self."""
        for module in reversed(list(self.modules())):
            fn(module)
        return self

    # ----- modes and gradients ------------------------------------------------------------
    def train(self, mode: bool = True) -> Module:
        """Training mode (Dropout active) for this module and all below it; returns self."""
        for module in self.modules():
            module.training = mode
        return self

    def eval(self) -> Module:
        """Evaluation mode (Dropout is the identity); returns self."""
        return self.train(False)

    def zero_grad(self) -> None:
        """Forget every parameter's gradient (``grad = None``; the next backward sets it)."""
        for param in self.parameters():
            param.grad = None

    def to(self, dtype: Any) -> Module:
        """Convert every parameter to ``dtype`` in place (do it before making the optimizer)."""
        for param in self.parameters():
            param.data, param.grad = param.data.astype(dtype), None
        return self

    def double(self) -> Module:
        """All parameters as float64 (for checks against hand-derived NumPy)."""
        return self.to(np.float64)

    def float(self) -> Module:
        """All parameters as float32 (the default)."""
        return self.to(np.float32)

    # ----- state dicts --------------------------------------------------------------------
    def state_dict(self) -> dict[str, np.ndarray]:
        """{dotted name: a copy of the parameter's array}, ready for ``tinygrad_jp.save``."""
        return {name: param.data.copy() for name, param in self.named_parameters()}

    def load_state_dict(self, state_dict: Mapping[str, Any], strict: bool = True
                        ) -> IncompatibleKeys:
        """Copy arrays into the parameters (in place, keeping each parameter's dtype).

        Raises RuntimeError listing wrongly shaped keys, and with ``strict`` also missing
        and unexpected ones; nothing is copied unless everything fits.
        """
        own = dict(self.named_parameters())
        missing = [k for k in own if k not in state_dict]
        unexpected = [k for k in state_dict if k not in own]
        wrong = [f"{k}: expected {own[k].shape}, got {np.shape(state_dict[k])}"
                 for k in own if k in state_dict and np.shape(state_dict[k]) != own[k].shape]
        problems = [("wrongly shaped keys", wrong)]
        if strict:
            problems += [("missing keys", missing), ("unexpected keys", unexpected)]
        report = [f"  {title}: {', '.join(keys)}" for title, keys in problems if keys]
        if report:
            raise RuntimeError(f"load_state_dict: the state dict does not fit "
                               f"{type(self).__name__}:\n" + "\n".join(report))
        for name, param in own.items():
            if name in state_dict:
                param.data[...] = np.asarray(state_dict[name])
        return IncompatibleKeys(missing, unexpected)

    # ----- printing -----------------------------------------------------------------------
    def extra_repr(self) -> str:
        """The text inside the parentheses of this module's line (e.g. the sizes)."""
        return ""

    def __repr__(self) -> str:
        children = list(self.named_children())
        if not children:
            return f"{type(self).__name__}({self.extra_repr()})"
        lines = [f"{type(self).__name__}(" + self.extra_repr()]
        for name, child in children:
            body = repr(child).replace("\n", "\n  ")
            lines.append(f"  ({name}): {body}")
        return "\n".join(lines) + "\n)"
