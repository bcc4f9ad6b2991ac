"""nos.torch.Optimizer: a JIT-compiled nos rule as a torch.optim.Optimizer.

    import nos.torch
    opt = nos.torch.Optimizer(model.parameters(), rule="powersign", lr=1e-3)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=100)
    for x, y in data:
        opt.zero_grad(); loss_fn(model(x), y).backward(); opt.step(); sched.step()

How it maps onto nos: every parameter gets its own optim::Optimizer (the compiled kernel is shared
through the JIT's cache), bound to the parameter's and its gradient's memory, so a step is one
kernel call per parameter with no copy. As in torch.optim, each parameter has its own step count
(bias corrections, decays), a parameter whose .grad is None is skipped, and every group has its
own lr (read at each step, so lr_scheduler works) and may have its own rule and hyperparameters.

Memory: parameters and gradients must be dense (strided), contiguous, float32 CPU tensors;
anything else raises TypeError/ValueError naming the parameter, never a crash. The gradient is
read in place as long as p.grad stays the same tensor (zero_grad() in torch 1.13 zeroes it in
place). If backward allocates a new .grad (after zero_grad(set_to_none=True)), step copies it
into the bound buffer once and makes that buffer p.grad again.

state_dict() holds, per parameter, 'step' and 'nos_checkpoint' (bytes: the step count and every
state buffer, bit for bit), so load_state_dict() resumes training with identical bits.

Random rules (drop*, ep) are keyed by (seed + the parameter's position in the optimizer, step,
element index): reproducible, independent of the thread count.
"""
import torch as _torch

from . import _core, resolve

__all__ = ["Optimizer"]

_PARALLEL_MIN = 1 << 18  # elements from which a parameter is stepped on all threads


def _describe(t, where):
    return f"{where} (shape {list(t.shape)}, {t.dtype}, {t.device}, {t.layout})"


def _check_tensor(t, where):
    if t.layout != _torch.strided:
        raise TypeError(f"nos.torch.Optimizer: {_describe(t, where)} is not a dense tensor: nos steps dense float32 CPU tensors")
    if t.device.type != "cpu":
        raise TypeError(f"nos.torch.Optimizer: {_describe(t, where)} is not on the CPU: nos's JIT kernels run on the CPU")
    if t.dtype != _torch.float32:
        raise TypeError(f"nos.torch.Optimizer: {_describe(t, where)} is not float32: nos's kernels step float32 only")
    if not t.is_contiguous():
        raise ValueError(f"nos.torch.Optimizer: {_describe(t, where)} is not contiguous: nos steps its memory in place")


def _hyper(group):
    b1, b2 = group["betas"]
    return (group["rule"], float(b1), float(b2), float(group["beta3"]), float(group["eps"]), float(group["mu"]),
            float(group["lion_beta2"]), int(group["total_steps"]), int(group["seed"]))


class _Binding:
    """One parameter's jit optimizer and the memory it was bound to."""
    __slots__ = ("core", "w_ptr", "numel", "grad", "g_ptr", "hyper")


class Optimizer(_torch.optim.Optimizer):
    """A nos rule as a torch optimizer.

    rule: a name of nos.RULES ("powersign", "addsign", "adam", "t1_05", ...) or any dslc rule.
    lr, betas=(beta1, beta2), beta3, eps, mu (heavy ball), lion_beta2, total_steps (T of the
    ld/cd/rd decays; required by rules that read them), seed: as in dslc (dslc/README.md).
    threads: threads per kernel call (0: OpenMP's default).
    """

    def __init__(self, params, rule="powersign", lr=1e-3, betas=(0.9, 0.999), beta3=0.999, eps=1e-8, mu=0.9,
                 lion_beta2=0.99, total_steps=0, seed=0, threads=0):
        if not isinstance(threads, int) or threads < 0:
            raise ValueError(f"nos.torch.Optimizer: threads must be an int >= 0, got {threads!r}")
        self._threads = threads
        self._bound = {}    # parameter -> _Binding
        self._pending = {}  # parameter -> checkpoint bytes from load_state_dict, applied on bind
        defaults = dict(rule=rule, lr=lr, betas=tuple(betas), beta3=beta3, eps=eps, mu=mu, lion_beta2=lion_beta2,
                        total_steps=total_steps, seed=seed)
        super().__init__(params, defaults)

    def add_param_group(self, param_group):
        super().add_param_group(param_group)
        group = self.param_groups[-1]
        gi = len(self.param_groups) - 1
        for pi, p in enumerate(group["params"]):
            _check_tensor(p, f"parameter {pi} of group {gi}")
        # A bad rule or hyperparameter fails here, with dslc's message, not at the first step.
        self._make_core(group, 0)

    def _make_core(self, group, ordinal, numel=0):
        hyper = _hyper(group)
        # Small tensors on one thread: waking the team costs more than it saves (BatchNorm's 64
        # weights), and on a loaded machine a team of 2 waits for a descheduled thread. Bits do
        # not depend on the thread count.
        threads = self._threads if self._threads or numel >= _PARALLEL_MIN else 1
        lr = group["lr"]
        if isinstance(lr, _torch.Tensor):
            lr = lr.item()
        try:
            return _core.Optimizer(resolve(hyper[0]), lr=float(lr), beta1=hyper[1], beta2=hyper[2], beta3=hyper[3],
                                   eps=hyper[4], mu=hyper[5], lion_beta2=hyper[6], total_steps=hyper[7],
                                   seed=hyper[8] + ordinal, threads=threads)
        except ValueError as e:
            raise ValueError(f"nos.torch.Optimizer: {e}") from None

    def _ordinal(self, gi, pi):
        return sum(len(g["params"]) for g in self.param_groups[:gi]) + pi

    def _bind(self, p, grad, group, gi, pi, old):
        where = f"parameter {pi} of group {gi}"
        _check_tensor(p, where)
        _check_tensor(grad, f"the gradient of {where}")
        if grad.shape != p.shape:
            raise ValueError(f"nos.torch.Optimizer: the gradient of {where} has shape {list(grad.shape)}, the parameter {list(p.shape)}")
        b = _Binding()
        b.core = self._make_core(group, self._ordinal(gi, pi), p.numel())
        b.core._add_pointer(p.data_ptr(), grad.data_ptr(), p.numel(), (p, grad))
        b.w_ptr, b.numel, b.grad, b.g_ptr, b.hyper = p.data_ptr(), p.numel(), grad, grad.data_ptr(), _hyper(group)
        # State follows the parameter when only its memory or hyperparameters moved; a new rule or
        # size starts from zero state.
        blob = self._pending.pop(p, None)
        if blob is None and old is not None and old.numel == b.numel and old.core.hash == b.core.hash:
            blob = old.core.save()
        if blob is not None:
            try:
                b.core.load(blob)
            except RuntimeError as e:
                raise RuntimeError(f"nos.torch.Optimizer: cannot restore the state of {where}: {e}") from None
        self._bound[p] = b
        return b

    @_torch.no_grad()
    def step(self, closure=None):
        loss = None
        if closure is not None:
            with _torch.enable_grad():
                loss = closure()
        for gi, group in enumerate(self.param_groups):
            lr = group["lr"]
            if isinstance(lr, _torch.Tensor):
                lr = lr.item()
            lr = float(lr)
            hyper = None
            for pi, p in enumerate(group["params"]):
                grad = p.grad
                if grad is None:
                    continue
                b = self._bound.get(p)
                if hyper is None:
                    hyper = _hyper(group)
                if b is None or b.w_ptr != p.data_ptr() or b.numel != p.numel() or b.hyper != hyper:
                    b = self._bind(p, grad, group, gi, pi, b)
                elif grad.data_ptr() != b.g_ptr:
                    # backward allocated a new gradient: copy it into the bound one, which becomes p.grad.
                    _check_tensor(grad, f"the gradient of parameter {pi} of group {gi}")
                    b.grad.copy_(grad)
                    p.grad = b.grad
                try:
                    b.core.set_lr(lr)
                except ValueError as e:
                    raise ValueError(f"nos.torch.Optimizer: group {gi}: {e}") from None
                b.core.step()
                self.state[p]["step"] = b.core.steps
        return loss

    def state_dict(self):
        for p, b in self._bound.items():
            st = self.state[p]
            st["step"] = b.core.steps
            st["nos_checkpoint"] = b.core.save()
        return super().state_dict()

    def load_state_dict(self, state_dict):
        super().load_state_dict(state_dict)
        self._bound.clear()
        self._pending = {p: s["nos_checkpoint"] for p, s in self.state.items() if "nos_checkpoint" in s}

    def state_bytes(self):
        """Bytes of optimizer state allocated so far (parameters that have been stepped)."""
        return sum(b.core.state_bytes for b in self._bound.values())
