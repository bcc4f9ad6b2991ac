"""Print a rule the way dslc does, from a notebook: canonical prefix, infix, LaTeX, IR, info, and
its port (dslc --emit=torch / --emit=numpy).

Every function takes a name of nos.RULES or a dslc rule, and raises ValueError with dslc's
diagnostics (line:column) for a bad rule.

    >>> nos.dslc.infix("powersign")
    'g * exp(sign(g) * sign(m))'
"""
from . import RULES, _core, resolve

__all__ = ["canonical", "infix", "latex", "ir", "info", "state_bytes", "port"]


def canonical(rule):
    """The canonical prefix form (equal rules print equal)."""
    return _core.canonical(resolve(rule))


def infix(rule):
    return _core.infix(resolve(rule))


def latex(rule):
    return _core.latex(resolve(rule))


def ir(rule):
    """The optimized IR the JIT compiles."""
    return _core.ir(resolve(rule))


def info(rule):
    """dict: canonical, hash, state_bits, state_buffers, state_bytes_per_param, ops_per_element,
    depends_on_g, random, needs_total_steps, draws."""
    return _core.info(resolve(rule))


def state_bytes(rule, params=1):
    """Bytes of optimizer state the rule allocates for `params` float32 parameters."""
    if params < 0:
        raise ValueError(f"params must be >= 0, got {params}")
    return _core.info(resolve(rule))["state_bytes_per_param"] * int(params)


def port(rule, kind="torch"):
    """The rule as the text of a self-contained Python file, as `dslc --emit=torch|numpy` writes it:
    a torch.optim.Optimizer on torch's foreach ops (any device, CUDA included) or a numpy class,
    needing nothing but torch or numpy; a name of nos.RULES names the class (Powersign).

        >>> open("powersign_optim.py", "w").write(nos.dslc.port("powersign"))
    """
    return _core.port(resolve(rule), kind, rule if rule in RULES else "")
