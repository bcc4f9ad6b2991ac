"""nos: update rules found by Neural Optimizer Search, JIT-compiled to vector kernels by LLVM.

    import numpy as np, nos
    w = np.zeros(1000, np.float32); g = np.empty_like(w)
    opt = nos.Optimizer("powersign", lr=1e-3)   # a name from rules/paper.rules, or any dslc rule
    opt.add(w, g)                                # zero copy: float32, C-contiguous
    for ...: g[:] = grad(w); opt.step()          # w updated in place

    import nos.torch                             # a torch.optim.Optimizer: nos.torch.Optimizer
    import nos.dslc                              # canonical / infix / latex / info of a rule

`nos.torch` and `nos.dslc` load on first use, so `import nos` does not import torch.
"""
import importlib as _importlib
import os as _os

from . import _core

__all__ = ["Optimizer", "RULES", "resolve", "torch", "dslc"]


def _load_rules():
    path = _os.path.join(_os.path.dirname(__file__), "paper.rules")
    with open(path, encoding="utf-8") as f:
        return dict(_core.parse_rule_file(f.read(), path))


# The paper's rules by name (sgd, adam, powersign, addsign, t1_01 ... t1_16, ...): canonical prefix.
RULES = _load_rules()


def resolve(rule):
    """The rule text for a name of RULES, else `rule` itself (a dslc rule in prefix or controller form)."""
    if not isinstance(rule, str):
        raise TypeError(f"rule must be a str, got {type(rule).__name__}")
    return RULES.get(rule, rule)


class Optimizer(_core.Optimizer):
    """A JIT-compiled rule stepping numpy float32 arrays in place (see the module docstring).

    Keyword arguments: lr, beta1, beta2, beta3, eps, mu, lion_beta2, total_steps (T of ld/cd/rd),
    seed, threads (0: all), schedule ("constant", "step", "cosine", "linear_cosine",
    "noisy_linear_cosine"), decay_steps, decay_rate, alpha. A bad rule raises ValueError with
    dslc's diagnostics.
    """

    def __init__(self, rule, **options):
        self.rule = rule
        super().__init__(resolve(rule), **options)


def __getattr__(name):
    if name in ("torch", "dslc"):
        return _importlib.import_module("." + name, __name__)
    raise AttributeError(f"module 'nos' has no attribute '{name}'")
