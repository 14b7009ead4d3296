"""tinygrad_jp.jit: replays are bit-identical to eager; what cannot be replayed is refused.

Bit-identical here is the right test (not a tolerance): a replay runs the same NumPy calls on
the same numbers in the same order as the eager step it is compared with, on the same machine.
"""

import functools
import importlib.util
import re
from pathlib import Path

import numpy as np
import pytest

from tinygrad_jp import JitError, JitWarning, Tensor, jit, manual_seed, nn, no_grad

OPTIMIZERS = {
    "sgd": lambda ps: nn.optim.SGD(ps, lr=0.1),
    "momentum": lambda ps: nn.optim.SGD(ps, lr=0.05, momentum=0.9),
    "adam": lambda ps: nn.optim.Adam(ps, lr=1e-2),
}


def make_step(optimizer="sgd", dtype=np.float32, activation="relu", sizes=(12, 10, 8, 4)):
    """A model, its optimizer, and a whole training step (forward, backward, update)."""
    manual_seed(0)
    model = nn.MLP(list(sizes), activation=activation, dtype=dtype)
    opt = OPTIMIZERS[optimizer](model.parameters())
    loss_fn = nn.CrossEntropyLoss()

    def step(x, t):
        out = model(x)
        loss = loss_fn(out, t)
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss, out

    return model, opt, step


def batches(n, batch=6, dtype=np.float32, seed=1):
    rng = np.random.default_rng(seed)
    for _ in range(n):
        yield (Tensor.from_numpy(rng.standard_normal((batch, 12)).astype(dtype)),
               Tensor.from_numpy(rng.integers(0, 4, batch)))


def assert_same_state(model_a, model_b):
    for (name, a), b in zip(model_a.named_parameters(), model_b.parameters()):
        assert np.array_equal(a.data, b.data), name
        assert (a.grad is None) == (b.grad is None), name
        if a.grad is not None:
            assert np.array_equal(a.grad.data, b.grad.data), name


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("optimizer", sorted(OPTIMIZERS))
def test_replay_is_bit_identical_to_eager(optimizer, dtype):
    eager_model, _, eager_step = make_step(optimizer, dtype)
    jit_model, _, step = make_step(optimizer, dtype)
    step = jit(step, strict=True)
    for i, (x, t) in enumerate(batches(300, dtype=dtype)):
        loss_e, out_e = eager_step(x, t)
        loss_j, out_j = step(x, t)
        assert loss_j.item() == loss_e.item(), i
        assert np.array_equal(out_j.data, out_e.data), i
        assert loss_j.dtype == dtype
    assert step.kernels(), "the step was never compiled into a replay"
    assert_same_state(eager_model, jit_model)


def test_sigmoid_and_leaky_relu_steps_replay_exactly():
    for activation in ("sigmoid", "leaky_relu", "tanh"):
        eager_model, _, eager_step = make_step("momentum", activation=activation)
        jit_model, _, step = make_step("momentum", activation=activation)
        step = jit(step, strict=True)
        for x, t in batches(50):
            assert eager_step(x, t)[0].item() == step(x, t)[0].item()
        assert_same_state(eager_model, jit_model)


def test_a_new_shape_is_captured_again_and_both_replay():
    eager_model, _, eager_step = make_step("adam")
    jit_model, _, step = make_step("adam")
    step = jit(step, strict=True)
    data = [b for n in range(20) for b in batches(1, batch=6 if n % 3 else 4, seed=n)]
    for x, t in data:
        assert eager_step(x, t)[0].item() == step(x, t)[0].item()
    assert_same_state(eager_model, jit_model)
    assert len(step._cache) == 2
    lines = step.kernels()
    assert any("(6, 10)" in line for line in lines) and any("(4, 10)" in line for line in lines)


def test_the_schedulers_learning_rate_is_read_by_every_replay():
    eager_model, eager_opt, eager_step = make_step("momentum")
    jit_model, jit_opt, step = make_step("momentum")
    step = jit(step, strict=True)
    schedules = [nn.optim.StepLR(o, step_size=1, gamma=0.5) for o in (eager_opt, jit_opt)]
    for i, (x, t) in enumerate(batches(40)):
        assert eager_step(x, t)[0].item() == step(x, t)[0].item()
        if i % 10 == 9:
            for s in schedules:
                s.step()
    assert jit_opt.lr == 0.05 * 0.5**4
    assert_same_state(eager_model, jit_model)


def test_parameters_are_read_live_after_load_state_dict_or_a_new_array():
    _, _, eager_step = make_step()
    jit_model, _, step = make_step()
    step = jit(step, strict=True)
    data = list(batches(6))
    for x, t in data[:3]:
        step(x, t)
    eager_model, _, eager_step = make_step()
    jit_model.load_state_dict(eager_model.state_dict())  # copies into the same arrays
    jit_model.layers[0].bias.data = eager_model.layers[0].bias.data.copy()  # a new array
    for x, t in data[3:]:
        assert eager_step(x, t)[0].item() == step(x, t)[0].item()
    assert_same_state(eager_model, jit_model)


def test_capture_waits_until_two_calls_see_different_inputs():
    eager_model, _, eager_step = make_step()
    jit_model, _, step = make_step()
    step = jit(step, strict=True)
    x, t = next(batches(1))
    for _ in range(4):  # the same batch: constants cannot be told from the input's arrays
        assert eager_step(x, t)[0].item() == step(x, t)[0].item()
    assert step.kernels() == []
    for x, t in batches(5, seed=7):
        assert eager_step(x, t)[0].item() == step(x, t)[0].item()
    assert step.kernels()
    assert_same_state(eager_model, jit_model)


def test_jit_works_as_a_decorator_and_on_ndarrays():
    model, opt, _ = make_step()

    @jit
    def step(x, t):
        loss = nn.CrossEntropyLoss()(model(x), t)
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss

    assert step.__name__ == "step"
    losses = [step(x.data, t.data).item() for x, t in batches(30)]
    assert step.kernels() and all(np.isfinite(losses))


def test_kernel_list_names_the_ops_the_update_and_the_sources():
    _, _, step = make_step("sgd", activation="relu")
    step = jit(step, strict=True)
    for x, t in batches(3):
        step(x, t)
    text = "\n".join(step.kernels())
    for name in ("Linear", "ReLU", "SoftmaxCrossEntropy", "SoftmaxMinusTarget", "ReLUSlope",
                 "MatMul", "SGD update"):
        assert name in text
    assert "(in0, p0, p1)" in text  # the batch, the first weight and bias (read live)


def test_labels_are_still_checked_by_a_replay():
    _, _, step = make_step()
    step = jit(step, strict=True)
    for x, t in batches(3):
        step(x, t)
    x, _ = next(batches(1))
    with pytest.raises(ValueError, match="label 9 is out of range for 4 classes"):
        step(x, Tensor.from_numpy(np.array([0, 1, 9, 2, 3, 0])))


# ----- what cannot be replayed ---------------------------------------------------------------
def refused(step_body, match, data=None):
    """Run a step made of ``step_body(model, opt, x, t)`` under jit; check the one warning
    and that the fallback to eager gives exactly eager's results."""
    eager_model, eager_opt, _ = make_step()
    jit_model, jit_opt, _ = make_step()
    step = jit(lambda x, t: step_body(jit_model, jit_opt, x, t))
    data = list(data or batches(5))
    with pytest.warns(JitWarning, match=match) as record:
        for i, (x, t) in enumerate(data):
            manual_seed(i)  # the same random numbers on both sides (for Dropout)
            expected = step_body(eager_model, eager_opt, x, t)
            manual_seed(i)
            assert step(x, t).item() == expected.item()
    assert len(record) == 1
    assert step.fallback is not None
    assert_same_state(eager_model, jit_model)
    with pytest.raises(JitError, match=match):
        strict = jit(lambda x, t: step_body(jit_model, jit_opt, x, t), strict=True)
        for x, t in data:
            strict(x, t)


def plain(model, opt, x, t):
    loss = nn.CrossEntropyLoss()(model(x), t)
    opt.zero_grad()
    loss.backward()
    opt.step()
    return loss


def test_reading_a_value_inside_the_step_is_refused():
    def body(model, opt, x, t):
        loss = plain(model, opt, x, t)
        if loss.item() > 100:  # a branch on a value: a replay could not take it
            raise AssertionError
        return loss

    refused(body, r"item\(\)")


def test_random_numbers_drawn_outside_an_op_are_refused():
    def body(model, opt, x, t):
        x = x + Tensor.rand(*x.shape) * 0.1  # noise drawn outside any op: frozen by a replay
        return plain(model, opt, x, t)

    refused(body, "random numbers outside an op")


def test_dropout_draws_again_at_every_replay_as_eager_does():
    def make():
        manual_seed(0)
        model = nn.Sequential(nn.Linear(12, 10), nn.ReLU(), nn.Dropout(0.3), nn.Linear(10, 4))
        return model, nn.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)

    (eager_model, eager_opt), (jit_model, jit_opt) = make(), make()
    step = jit(functools.partial(plain, jit_model, jit_opt), strict=True)
    losses = []
    for i, (x, t) in enumerate(batches(30)):
        manual_seed(i)
        expected = plain(eager_model, eager_opt, x, t).item()
        manual_seed(i)
        losses.append(step(x, t).item())
        assert losses[-1] == expected
    assert_same_state(eager_model, jit_model)
    assert "DropoutMask" in "\n".join(step.kernels())  # so each replay drew its own mask


def test_gradient_hooks_are_refused():
    def body(model, opt, x, t):
        out = model(x)
        out.register_hook(lambda g: g * 2)
        loss = nn.CrossEntropyLoss()(out, t)
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss

    refused(body, "hook")


def test_branching_on_a_counter_is_refused():
    calls = {"eager": 0, "jit": 0}

    def body(model, opt, x, t):
        key = "jit" if model is not body.eager_model else "eager"
        calls[key] += 1
        loss = plain(model, opt, x, t)
        return loss * 2 if calls[key] % 2 else loss

    eager_model, _, _ = make_step()
    body.eager_model = eager_model
    jit_model, jit_opt, _ = make_step()
    step = jit(lambda x, t: body(jit_model, jit_opt, x, t))
    with pytest.warns(JitWarning, match="kernels"):
        results = [step(x, t).item() for x, t in batches(6)]
    assert results[0] > results[1]  # the odd calls still doubled: eager, not a stale replay


def test_a_gradient_left_from_the_previous_step_is_refused():
    def body(model, opt, x, t):  # no zero_grad: gradients pile up, through raw arrays
        loss = nn.CrossEntropyLoss()(model(x), t)
        loss.backward()
        opt.step()
        return loss

    refused(body, "zero_grad")


def test_copying_the_input_with_tensor_is_refused():
    def body(model, opt, x, t):
        return plain(model, opt, Tensor(x.data * 1.0), t)

    refused(body, "Tensor\\(x\\)")


def test_changing_a_parameter_in_place_outside_an_optimizer_is_refused():
    def body(model, opt, x, t):
        loss = nn.CrossEntropyLoss()(model(x), t)
        opt.zero_grad()
        loss.backward()
        for p in model.parameters():
            p.data -= 0.1 * p.grad.data
        return loss

    refused(body, "in place")


def test_replacing_a_parameters_array_inside_the_step_is_refused():
    def body(model, opt, x, t):
        loss = plain(model, opt, x, t)
        model.layers[0].bias.data = model.layers[0].bias.data * 0.5
        return loss

    refused(body, "replaced .data")


def test_an_argument_that_requires_grad_is_an_error():
    step = jit(lambda w: (w * 2).sum())
    with pytest.raises(JitError, match=r"argument 0 .* requires grad"):
        step(Tensor([1.0, 2.0], requires_grad=True))


# ----- fit and tinygrad-jp train use jit by default ------------------------------------------
def test_fit_with_jit_is_bit_identical_to_fit_without():
    from tinygrad_jp.datasets import load_mnist_sample
    from tinygrad_jp.train import fit

    (x, t), (x_val, t_val) = load_mnist_sample()
    runs = []
    for use_jit in (True, False):
        manual_seed(0)
        model = nn.MLP([784, 16, 10], activation="relu")
        optimizer = nn.optim.Adam(model.parameters(), lr=2e-3)
        scheduler = nn.optim.CosineAnnealingLR(optimizer, T_max=3)
        history = fit(model, nn.CrossEntropyLoss(), optimizer, (x[:1000], t[:1000]), epochs=3,
                      batch_size=64, validation=(x_val[:200], t_val[:200]), seed=0,
                      scheduler=scheduler, verbose=False, jit=use_jit)
        runs.append((history, model.state_dict()))
    (h_jit, w_jit), (h_eager, w_eager) = runs
    assert h_jit == h_eager  # every loss and accuracy, exactly
    assert all(np.array_equal(w_jit[k], w_eager[k]) for k in w_eager)


def test_train_cli_no_jit_gives_the_same_run(tmp_path):
    from tinygrad_jp import cli
    from tinygrad_jp.io import load
    from tinygrad_jp.train import History

    tiny = ["--dataset", "sample", "--sizes", "784,16,10", "--epochs", "3", "--batch-size",
            "250", "--quiet"]
    for name, extra in (("jit", []), ("eager", ["--no-jit"])):
        assert cli.main(["train", *tiny, "--out", str(tmp_path / name), *extra]) == 0
    assert History.load(tmp_path / "jit" / "history.json") == History.load(
        tmp_path / "eager" / "history.json")
    w_jit, w_eager = load(tmp_path / "jit" / "weights.npz"), load(tmp_path / "eager" /
                                                                  "weights.npz")
    assert all(np.array_equal(w_jit[k], w_eager[k]) for k in w_eager)


def test_the_example_trains_eager_and_jit_to_the_same_weights(capsys):
    path = Path(__file__).resolve().parent.parent / "examples" / "jit_step.py"
    spec = importlib.util.spec_from_file_location("example_jit_step", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.main(["--tiny"]) == 0
    out = capsys.readouterr().out
    eager, jitted = (float(v) for v in re.search(r"loss eager (\S+)  jit (\S+)", out).groups())
    assert eager == jitted
    assert "identical, bit for bit" in out and "Adam update" in out and "SigmoidSlope" in out


def test_forward_hooks_are_refused():
    seen = []

    def body(model, opt, x, t):
        if not model.layers[0]._forward_hooks:
            model.layers[0].register_forward_hook(lambda module, inputs, out: seen.append(out))
        return plain(model, opt, x, t)

    refused(body, "forward hook")
    # 5 eager steps, 5 jitted ones (refused, so eager) and the strict call: the hook ran in all
    assert len(seen) == 5 + 5 + 1


def test_other_arguments_are_part_of_the_key_and_must_be_hashable():
    calls = []

    def scaled(x, factor):
        calls.append(factor)
        return x * factor

    step = jit(scaled, strict=True)
    x = Tensor([1.0, 2.0])
    assert step(x, 2.0).tolist() == [2.0, 4.0] and step(x, 3.0).tolist() == [3.0, 6.0]
    assert calls == [2.0, 3.0]  # two keys, each captured (eagerly) once so far
    with pytest.raises(JitError, match="hashable"):
        step(x, [1.0])


def test_one_array_passed_as_two_arguments_is_a_program_of_its_own():
    step = jit(lambda a, b: a * 2 + b, strict=True)
    x, y = (Tensor.from_numpy(np.array([1.0, 2.0]) + k) for k in (0, 10))
    for k in range(3):  # captured and replayed with the same tensor twice ...
        z = Tensor.from_numpy(np.array([1.0, 2.0]) + k)
        assert step(z, z).tolist() == (z.data * 3).tolist()
    for _ in range(3):  # ... which must not stand for two different ones
        assert step(x, y).tolist() == (x.data * 2 + y.data).tolist()


def test_changing_an_input_or_an_intermediate_in_place_is_refused():
    def halve_input(model, opt, x, t):
        x.data *= 0.5  # raw NumPy on the batch: a replay would not do it
        return plain(model, opt, x, t)

    def zero_a_row(model, opt, x, t):
        out = model(x)
        out.data[0] = 0.0  # raw NumPy on a kernel's output
        loss = nn.CrossEntropyLoss()(out, t)
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss

    for body in (halve_input, zero_a_row):
        model, opt, _ = make_step()
        step = jit(functools.partial(body, model, opt))
        with pytest.warns(JitWarning, match="in place"):
            for x, t in batches(4):
                step(x, t)
        assert step.fallback is not None


def test_a_replay_is_seen_by_the_in_place_checks_like_eager():
    model, _, step = make_step()
    step = jit(step, strict=True)
    data = list(batches(4))
    for x, t in data[:3]:
        step(x, t)
    assert step.kernels()
    stale = nn.CrossEntropyLoss()(model(data[0][0]), data[0][1])  # a graph on today's weights
    step(*data[3])  # a replay: the optimizer's updates change the weights in place
    with pytest.raises(RuntimeError, match="changed in place"):
        stale.backward()
    with pytest.raises(RuntimeError, match="in-place change of a gradient"):
        model.layers[0].weight.grad *= 0.5
    with pytest.warns(JitWarning, match="in place"):  # by hand, inside a step: refused
        manual = jit(lambda x, t: manual_update(model, x, t))
        for x, t in batches(3):
            manual(x, t)


def manual_update(model, x, t):
    loss = nn.CrossEntropyLoss()(model(x), t)
    for p in model.parameters():
        p.grad = None
    loss.backward()
    with no_grad():
        for p in model.parameters():
            p -= 0.1 * p.grad
    return loss


def test_comparisons_and_numpy_functions_inside_a_step_are_kernels_too():
    def body(model, opt, x, t):
        out = model(x)
        out = np.where(out > 0, out, out * 0.1) + np.sign(out) * 0.01 + abs(out).clip(0, 1)
        loss = nn.CrossEntropyLoss()(out, t)
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss

    eager_model, eager_opt, _ = make_step("momentum")
    jit_model, jit_opt, _ = make_step("momentum")
    step = jit(functools.partial(body, jit_model, jit_opt), strict=True)
    for x, t in batches(30):
        assert body(eager_model, eager_opt, x, t).item() == step(x, t).item()
    assert_same_state(eager_model, jit_model)
    text = "\n".join(step.kernels())
    assert "NonDifferentiable" in text and "Where" in text and "Chosen" in text and "Inside" in text


def test_numpy_functions_that_read_values_are_refused():
    def body(model, opt, x, t):
        loss = plain(model, opt, x, t)
        assert not np.any(np.isnan(model(x)))  # a value read into Python: not replayed
        return loss

    refused(body, r"np\.any")


def test_a_replay_does_not_keep_the_capture_calls_graph_alive():
    import gc
    import weakref

    _, _, step = make_step()
    step = jit(step, strict=True)
    data = list(batches(3))
    step(*data[0])
    loss, out = step(*data[1])  # the second capture call: its result has a graph
    assert out.creator is not None
    seen = weakref.ref(out.creator)
    del loss, out
    gc.collect()
    assert step.kernels() and seen() is None
    assert np.isfinite(step(*data[2])[0].item())


def test_a_convolutional_step_with_max_pooling_replays_exactly():
    def make():
        manual_seed(0)
        model = nn.Sequential(nn.Conv2d(1, 3, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                              nn.Linear(3 * 3 * 3, 4))
        return model, nn.optim.Adam(model.parameters(), lr=1e-2)

    (eager_model, eager_opt), (jit_model, jit_opt) = make(), make()
    step = jit(functools.partial(plain, jit_model, jit_opt), strict=True)
    rng = np.random.default_rng(0)
    for _ in range(20):
        x = Tensor.from_numpy(rng.standard_normal((5, 1, 8, 8)).astype(np.float32))
        x.data[:, :, :2, :2] = 0.5  # tied maxima: the first one gets the gradient
        t = Tensor.from_numpy(rng.integers(0, 4, 5))
        assert plain(eager_model, eager_opt, x, t).item() == step(x, t).item()
    assert_same_state(eager_model, jit_model)
    assert "FirstMaximum" in "\n".join(step.kernels())


def _dropout_step():
    manual_seed(0)
    model = nn.Sequential(nn.Linear(12, 10), nn.ReLU(), nn.Dropout(0.5), nn.Linear(10, 4))
    opt = nn.optim.SGD(model.parameters(), lr=0.1)
    loss_fn = nn.CrossEntropyLoss()

    def step(x, t):
        loss = loss_fn(model(x), t)
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss

    return model, step


@pytest.mark.parametrize("change", ["eval", "dropout_p", "freeze", "unfreeze"])
def test_a_module_setting_or_requires_grad_changed_between_calls_is_captured_again(change):
    """model.eval(), Dropout's p, a frozen (or unfrozen) layer: the replay's kernels assumed
    the old settings, so the step is captured again and stays equal to eager."""
    runs = []
    for use_jit in (False, True):
        model, step = _dropout_step()
        if change == "unfreeze":
            model[0].weight.requires_grad_(False)
        step = jit(step, strict=True) if use_jit else step
        manual_seed(1)
        losses = []
        for i, (x, t) in enumerate(batches(12)):
            if i == 6:
                if change == "eval":
                    model.eval()
                elif change == "dropout_p":
                    model[2].p = 0.1
                else:
                    model[0].weight.requires_grad_(change == "unfreeze")
            losses.append(step(x, t).item())
        runs.append((losses, model))
    assert runs[0][0] == runs[1][0]
    assert_same_state(runs[0][1], runs[1][1])


def test_clip_grad_norm_inside_the_step_is_refused():
    """Whether it scales is decided in Python from the norm: a replay would repeat the
    capture's choice (no clipping when the first norms were small)."""
    manual_seed(0)
    model = nn.Linear(12, 4)
    opt = nn.optim.SGD(model.parameters(), lr=0.1)

    @jit(strict=True)
    def step(x, t):
        loss = nn.CrossEntropyLoss()(model(x), t)
        opt.zero_grad()
        loss.backward()
        nn.optim.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        return loss

    with pytest.raises(JitError, match="clip_grad_norm_"):
        for x, t in batches(3):
            step(x, t)


def test_a_jitted_function_called_inside_another_capture_is_an_error_even_when_compiled():
    """A replay of the inner step would run kernels the outer capture does not see."""
    _, _, inner = make_step()
    inner = jit(inner)
    data = list(batches(4))
    for x, t in data[:3]:
        inner(x, t)
    assert inner.kernels()
    outer = jit(lambda x, t: inner(x, t)[0])
    with pytest.raises(JitError, match="another is being captured"):
        outer(*data[3])


def test_a_modules_tensor_attribute_replaced_between_calls_is_captured_again():
    class Scaled(nn.Module):
        def __init__(self):
            super().__init__()
            self.lin, self.scale = nn.Linear(12, 4), Tensor(np.float32(1.0))

        def forward(self, x):
            return self.lin(x) * self.scale

    runs = []
    for use_jit in (False, True):
        manual_seed(0)
        model = Scaled()
        opt = nn.optim.SGD(model.parameters(), lr=0.1)

        def step(x, t, model=model, opt=opt):
            loss = nn.CrossEntropyLoss()(model(x), t)
            opt.zero_grad()
            loss.backward()
            opt.step()
            return loss

        step = jit(step, strict=True) if use_jit else step
        losses = []
        for i, (x, t) in enumerate(batches(10)):
            if i == 5:
                model.scale = Tensor(np.float32(3.0))
            losses.append(step(x, t).item())
        runs.append(losses)
    assert runs[0] == runs[1]


def test_a_coefficient_passed_as_a_tensor_argument_is_read_at_every_replay():
    """The documented way to change a number between calls (a global would stay a constant)."""
    runs = []
    for use_jit in (False, True):
        manual_seed(0)
        model = nn.Linear(12, 4)
        opt = nn.optim.SGD(model.parameters(), lr=0.1)

        def step(x, t, alpha, model=model, opt=opt):
            loss = nn.CrossEntropyLoss()(model(x), t) + alpha * (model.weight ** 2).sum()
            opt.zero_grad()
            loss.backward()
            opt.step()
            return loss

        step = jit(step, strict=True) if use_jit else step
        runs.append([step(x, t, Tensor(np.float32(0.05 * i))).item()
                     for i, (x, t) in enumerate(batches(10))])
        if use_jit:
            assert step.kernels()
    assert runs[0] == runs[1]
