"""nos.Optimizer on numpy arrays: the kernel steps the caller's float32 memory in place."""
import numpy as np
import pytest

import nos


def rand(n, seed):
    return np.random.default_rng(seed).uniform(-1, 1, n).astype(np.float32)


def test_sgd_is_w_minus_lr_g_in_float32():
    w, g = rand(37, 1), rand(37, 2)
    opt = nos.Optimizer("sgd", lr=0.1)
    opt.add(w, g)
    for _ in range(3):
        expect = w - np.float32(0.1) * g
        opt.step()
        assert np.array_equal(w, expect)
    assert opt.state_bytes == 0 and opt.steps == 3


def test_adam_matches_kingma_and_ba():
    n, lr, b1, b2, eps = 100, 0.01, 0.9, 0.999, 1e-8
    w = rand(n, 3)
    g = np.empty_like(w)
    wd, m, v = w.astype(np.float64), np.zeros(n), np.zeros(n)
    opt = nos.Optimizer("adam", lr=lr)
    opt.add(w, g)
    assert opt.state_bytes == 2 * 4 * n
    for t in range(1, 21):
        g[:] = rand(n, 100 + t)
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g.astype(np.float64) ** 2
        wd -= lr * (m / (1 - b1**t)) / (np.sqrt(v / (1 - b2**t)) + eps)
        opt.step()
    assert np.max(np.abs(w - wd) / np.maximum(np.abs(wd), 1e-3)) < 1e-5


def test_named_rules_are_the_papers():
    assert nos.RULES["powersign"] == "mul g exp mul sign_g sign_m"
    assert all(f"t1_{i:02d}" in nos.RULES for i in range(1, 17))
    assert nos.Optimizer("powersign").canonical == nos.Optimizer("mul exp mul sign_m sign_g g").canonical


def test_checkpoint_resumes_bit_for_bit():
    w, g = rand(1000, 4), np.empty(1000, np.float32)
    a = nos.Optimizer("t1_10", lr=0.01)  # Adam * e^{sign(g) sign(m)}: m and v
    a.add(w, g)
    for t in range(5):
        g[:] = rand(1000, 10 + t)
        a.step()
    blob, w5 = a.save(), w.copy()
    for t in range(5, 10):
        g[:] = rand(1000, 10 + t)
        a.step()
    b = nos.Optimizer("t1_10", lr=0.01)
    w2 = w5.copy()
    b.add(w2, g)
    b.load(blob)
    assert b.steps == 5
    for t in range(5, 10):
        g[:] = rand(1000, 10 + t)
        b.step()
    assert np.array_equal(w, w2)


def test_one_and_two_threads_give_the_same_bits():
    w1, g = rand(10001, 5), rand(10001, 6)
    w2 = w1.copy()
    a, b = nos.Optimizer("t1_05", seed=3, threads=1), nos.Optimizer("t1_05", seed=3, threads=2)
    a.add(w1, g)
    b.add(w2, g)
    for _ in range(3):
        a.step()
        b.step()
    assert np.array_equal(w1, w2)


def test_errors_name_the_problem():
    with pytest.raises(ValueError, match=r"<rule>:1:6: error: missing operand"):
        nos.Optimizer("mul g")
    with pytest.raises(ValueError, match="beta1"):
        nos.Optimizer("adam", beta1=1.5)
    with pytest.raises(ValueError, match="total_steps"):
        nos.Optimizer("powersign_ld")
    with pytest.raises(ValueError, match="unknown schedule 'cosin'"):
        nos.Optimizer("sgd", schedule="cosin", decay_steps=10)
    opt = nos.Optimizer("sgd")
    with pytest.raises(ValueError, match="float32"):
        opt.add(np.zeros(3), np.zeros(3))
    with pytest.raises(ValueError, match="C-contiguous"):
        opt.add(np.zeros(6, np.float32)[::2], np.zeros(3, np.float32))
    ro = np.zeros(3, np.float32)
    ro.setflags(write=False)
    with pytest.raises(ValueError, match="read-only"):
        opt.add(ro, np.zeros(3, np.float32))
    with pytest.raises(ValueError, match="3 elements, gradients 4"):
        opt.add(np.zeros(3, np.float32), np.zeros(4, np.float32))
    w, g = np.zeros(3, np.float32), np.zeros(3, np.float32)
    opt.add(w, g)
    opt.step()
    with pytest.raises(RuntimeError, match="after step"):
        opt.add(np.zeros(3, np.float32), np.zeros(3, np.float32))
    with pytest.raises(ValueError, match="not finite"):
        opt.set_lr(float("nan"))
    with pytest.raises(RuntimeError, match="another rule"):
        other = nos.Optimizer("adam")
        other.add(np.zeros(3, np.float32), np.zeros(3, np.float32))
        other.load(opt.save())
    with pytest.raises(RuntimeError, match="not a nos optimizer checkpoint"):
        opt.load(b"garbage" * 10)


def test_the_arrays_outlive_their_python_names():
    opt = nos.Optimizer("sgd", lr=1.0)
    opt.add(np.ones(8, np.float32), np.ones(8, np.float32))  # only the optimizer holds them
    opt.step()
    opt.step()
    assert opt.steps == 2
