"""nos.dslc: a rule printed the way dslc prints it."""
import pytest

import nos
import nos.dslc


def test_printers():
    assert nos.dslc.canonical("mul exp mul sign_m sign_g g") == "mul g exp mul sign_g sign_m"
    assert nos.dslc.infix("powersign") == "g * exp(sign(g) * sign(m))"
    assert r"\operatorname{sign}" in nos.dslc.latex("addsign")
    assert "ret" in nos.dslc.ir("adam") or "w" in nos.dslc.ir("adam")


def test_info_and_state_bytes():
    info = nos.dslc.info("t1_05")
    assert info["canonical"] == "mul drop3 g exp mul sign_g sign_m"
    assert info["random"] and info["draws"] == 1 and info["depends_on_g"]
    assert nos.dslc.state_bytes("sgd", 1000) == 0
    assert nos.dslc.state_bytes("powersign", 1000) == 4000
    assert nos.dslc.state_bytes("adam", 1000) == 8000
    assert nos.dslc.info("powersign_ld")["needs_total_steps"]


def test_bad_rule_gives_the_diagnostic():
    with pytest.raises(ValueError, match=r"<rule>:1:\d+: error"):
        nos.dslc.infix("mul g exq g")
    with pytest.raises(TypeError, match="rule must be a str"):
        nos.dslc.canonical(3)


def test_port_of_a_named_rule_runs_as_nos_does():
    import torch

    text = nos.dslc.port("powersign")
    assert "class Powersign(" in text and "class Powersign(" not in nos.dslc.port(nos.RULES["powersign"])
    namespace = {}
    exec(compile(text, "powersign_optim.py", "exec"), namespace)
    g = torch.Generator().manual_seed(0)
    w0 = torch.randn(33, generator=g)
    grads = [torch.randn(33, generator=g) for _ in range(5)]
    trajectories = []
    ports = (lambda ps: namespace["Powersign"](ps, lr=0.01), lambda ps: nos.torch.Optimizer(ps, rule="powersign", lr=0.01))
    for make in ports:
        p = torch.nn.Parameter(w0.clone())
        opt = make([p])
        for gr in grads:
            p.grad = gr.clone()
            opt.step()
        trajectories.append(p.detach().clone())
    torch.testing.assert_close(trajectories[0], trajectories[1], rtol=1e-6, atol=1e-7)
    assert "import numpy" in nos.dslc.port("adam", "numpy")
    with pytest.raises(ValueError, match="kind must be 'torch' or 'numpy'"):
        nos.dslc.port("adam", "jax")
    with pytest.raises(ValueError, match=r"<rule>:1:\d+: error"):
        nos.dslc.port("mul g exq g")
