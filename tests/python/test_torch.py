"""nos.torch.Optimizer: a real torch.optim.Optimizer over the JIT kernels."""
import copy
import io

import numpy as np
import pytest
import torch

import nos
import nos.torch


def make_model(seed=0):
    torch.manual_seed(seed)
    return torch.nn.Sequential(torch.nn.Linear(8, 16), torch.nn.Tanh(), torch.nn.Linear(16, 3))


def batches(n, seed=1):
    g = torch.Generator().manual_seed(seed)
    return [(torch.randn(32, 8, generator=g), torch.randint(0, 3, (32,), generator=g)) for _ in range(n)]


def train(model, opt, data, scheduler=None):
    for x, y in data:
        opt.zero_grad()
        torch.nn.functional.cross_entropy(model(x), y).backward()
        opt.step()
        if scheduler is not None:
            scheduler.step()


def test_is_a_torch_optimizer():
    opt = nos.torch.Optimizer(make_model().parameters(), rule="powersign", lr=1e-3)
    assert isinstance(opt, torch.optim.Optimizer)


@pytest.mark.parametrize("rule,reference,rtol", [
    ("sgd", lambda p: torch.optim.SGD(p, lr=0.1), 1e-6),
    ("adam", lambda p: torch.optim.Adam(p, lr=0.01), 2e-5),
])
def test_baselines_follow_torch_optim(rule, reference, rtol):
    a, b = make_model(), make_model()
    data = batches(20)
    train(a, nos.torch.Optimizer(a.parameters(), rule=rule, lr=0.1 if rule == "sgd" else 0.01), data)
    train(b, reference(b.parameters()), data)
    for pa, pb in zip(a.parameters(), b.parameters()):
        torch.testing.assert_close(pa, pb, rtol=rtol, atol=1e-6)


def test_same_kernel_as_the_numpy_path():
    model = make_model()
    w0 = [p.detach().numpy().copy() for p in model.parameters()]
    opt = nos.torch.Optimizer(model.parameters(), rule="powersign", lr=0.01, seed=5)
    data = batches(5)
    grads = []
    for x, y in data:
        opt.zero_grad()
        torch.nn.functional.cross_entropy(model(x), y).backward()
        grads.append([p.grad.numpy().copy() for p in model.parameters()])
        opt.step()
    for i, p in enumerate(model.parameters()):
        w, g = w0[i].reshape(-1).copy(), np.empty(w0[i].size, np.float32)
        ref = nos.Optimizer("powersign", lr=0.01, seed=5 + i)
        ref.add(w, g)
        for step in grads:
            g[:] = step[i].reshape(-1)
            ref.step()
        assert np.array_equal(p.detach().numpy().reshape(-1), w)


def test_param_groups_have_their_own_lr_and_rule():
    model = make_model()
    first, second = list(model[0].parameters()), list(model[2].parameters())
    before = [p.detach().clone() for p in first]
    opt = nos.torch.Optimizer([{"params": first, "lr": 0.1, "rule": "sgd"},
                               {"params": second, "lr": 0.01, "rule": "adam"}], rule="powersign", lr=1.0)
    ref = make_model()
    ref_opt = torch.optim.Adam(ref[2].parameters(), lr=0.01)
    x, y = batches(1)[0]
    for m, o in ((model, opt), (ref, ref_opt)):
        o.zero_grad()
        torch.nn.functional.cross_entropy(m(x), y).backward()
    grads = [p.grad.clone() for p in first]
    opt.step()
    ref_opt.step()
    for p, b, g in zip(first, before, grads):
        assert torch.equal(p.detach(), b - torch.tensor(0.1, dtype=torch.float32) * g)
    for p, r in zip(second, ref[2].parameters()):
        torch.testing.assert_close(p, r, rtol=2e-5, atol=1e-6)


def test_lr_scheduler_sets_the_rate_of_each_step():
    p = torch.nn.Parameter(torch.ones(5))
    opt = nos.torch.Optimizer([p], rule="sgd", lr=0.5)
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
    expect = torch.ones(5)
    for t in range(6):
        lr = 0.5 * 0.5 ** (t // 2)
        assert opt.param_groups[0]["lr"] == pytest.approx(lr)
        p.grad = torch.full((5,), 1.0)
        opt.step()
        sched.step()
        expect = expect - torch.tensor(lr, dtype=torch.float32) * 1.0
        assert torch.equal(p.detach(), expect)


def test_params_without_grad_are_skipped_and_keep_their_own_step():
    used, unused = torch.nn.Parameter(torch.randn(10)), torch.nn.Parameter(torch.randn(10))
    before = unused.detach().clone()
    opt = nos.torch.Optimizer([used, unused], rule="adam", lr=0.01)
    for _ in range(3):
        opt.zero_grad()
        (used * used).sum().backward()
        opt.step()
    assert unused.grad is None and torch.equal(unused.detach(), before)
    assert opt.state[used]["step"] == 3 and "step" not in opt.state[unused]
    # Its first step is step 1 (bias corrections of step 1), as a fresh Adam's.
    twin = torch.nn.Parameter(before.clone())
    fresh = nos.torch.Optimizer([twin], rule="adam", lr=0.01, seed=1)  # same ordinal seed as `unused`
    for p, o in ((unused, opt), (twin, fresh)):
        p.grad = torch.arange(10, dtype=torch.float32)
        o.step()
    assert torch.equal(unused.detach(), twin.detach())


@pytest.mark.parametrize("rule", ["powersign", "adam", "t1_05", "addsign_cd"])
def test_state_dict_round_trip_resumes_bit_identically(rule):
    data = batches(10)
    kw = dict(rule=rule, lr=0.01, total_steps=10, seed=7)
    a = make_model()
    opt_a = nos.torch.Optimizer(a.parameters(), **kw)
    sched_a = torch.optim.lr_scheduler.CosineAnnealingLR(opt_a, T_max=10)
    train(a, opt_a, data, sched_a)

    b = make_model()
    opt_b = nos.torch.Optimizer(b.parameters(), **kw)
    sched_b = torch.optim.lr_scheduler.CosineAnnealingLR(opt_b, T_max=10)
    train(b, opt_b, data[:5], sched_b)
    buf = io.BytesIO()
    torch.save({"model": b.state_dict(), "opt": opt_b.state_dict(), "sched": sched_b.state_dict()}, buf)

    buf.seek(0)
    saved = torch.load(buf)
    c = make_model(seed=99)
    c.load_state_dict(saved["model"])
    opt_c = nos.torch.Optimizer(c.parameters(), rule="sgd", lr=1.0)  # everything comes from the state dict
    opt_c.load_state_dict(saved["opt"])
    sched_c = torch.optim.lr_scheduler.CosineAnnealingLR(opt_c, T_max=10)
    sched_c.load_state_dict(saved["sched"])
    assert opt_c.param_groups[0]["rule"] == rule
    train(c, opt_c, data[5:], sched_c)
    for pa, pc in zip(a.parameters(), c.parameters()):
        assert torch.equal(pa, pc)
    assert all(opt_c.state[p]["step"] == 10 for p in c.parameters())


def test_zero_copy_on_contiguous_float32():
    p = torch.nn.Parameter(torch.randn(1000))
    opt = nos.torch.Optimizer([p], rule="powersign", lr=0.01)
    w_ptr = p.data_ptr()
    (p * p).sum().backward()
    g_ptr = p.grad.data_ptr()
    opt.step()
    assert p.data_ptr() == w_ptr and p.grad.data_ptr() == g_ptr
    assert opt._bound[p].w_ptr == w_ptr and opt._bound[p].g_ptr == g_ptr
    assert opt.state_bytes() == 4 * 1000


def test_a_new_grad_tensor_is_followed():
    p = torch.nn.Parameter(torch.ones(4))
    opt = nos.torch.Optimizer([p], rule="sgd", lr=0.5)
    p.grad = torch.ones(4)
    opt.step()
    opt.zero_grad(set_to_none=True)
    assert p.grad is None
    p.grad = torch.full((4,), 2.0)  # what backward does after set_to_none
    opt.step()
    assert torch.equal(p.detach(), torch.full((4,), 1.0 - 0.5 - 1.0))
    assert p.grad.data_ptr() == opt._bound[p].g_ptr


def test_clear_errors_for_memory_nos_cannot_step():
    with pytest.raises(TypeError, match="not float32"):
        nos.torch.Optimizer([torch.nn.Parameter(torch.zeros(3, dtype=torch.float64))])
    with pytest.raises(ValueError, match="not contiguous"):
        nos.torch.Optimizer([torch.randn(3, 4).t().requires_grad_()])
    # No CUDA on the test machines: a 'meta' tensor takes the same not-on-the-CPU path.
    with pytest.raises(TypeError, match="not on the CPU"):
        nos.torch.Optimizer([torch.empty(3, device="meta", requires_grad=True)])
    emb = torch.nn.Embedding(10, 4, sparse=True)
    opt = nos.torch.Optimizer(emb.parameters(), rule="sgd")
    emb(torch.tensor([1, 2])).sum().backward()
    with pytest.raises(TypeError, match="gradient of parameter 0 of group 0 .* not a dense tensor"):
        opt.step()
    with pytest.raises(ValueError, match=r"<rule>:1:\d+: error"):
        nos.torch.Optimizer([torch.nn.Parameter(torch.zeros(3))], rule="mul g exq g")
    with pytest.raises(ValueError, match="beta1"):
        nos.torch.Optimizer([torch.nn.Parameter(torch.zeros(3))], rule="adam", betas=(1.5, 0.9))
    p = torch.nn.Parameter(torch.zeros(3))
    opt = nos.torch.Optimizer([p], rule="sgd")
    opt.param_groups[0]["lr"] = -1.0
    p.grad = torch.zeros(3)
    with pytest.raises(ValueError, match="group 0: .*not finite and >= 0"):
        opt.step()


def test_closure_returns_the_loss():
    p = torch.nn.Parameter(torch.ones(3))
    opt = nos.torch.Optimizer([p], rule="sgd", lr=0.1)

    def closure():
        opt.zero_grad()
        loss = (p * p).sum()
        loss.backward()
        return loss

    assert opt.step(closure).item() == pytest.approx(3.0)
    assert torch.equal(p.detach(), torch.full((3,), 1.0) - torch.tensor(0.1) * 2.0)
