"""Adam, the blessed optimizer, and its buffers.

The update is the reference's, term for term, its powers computed by `microgpt.libm` (glibc's rounding everywhere).
The bias corrections depend only on the step, so they are computed once per step instead of once per parameter: the
same floating-point operations on the same operands, fewer of them.
"""

from . import libm


class Adam:
    def __init__(self, params, beta1, beta2, eps):
        self.params = params
        self.beta1, self.beta2, self.eps = beta1, beta2, eps
        self.m = [0.0] * len(params)  # first moment buffer
        self.v = [0.0] * len(params)  # second moment buffer

    def step(self, lr, t):
        """Update every parameter from its gradient, then zero the gradient; `t` counts updates from 1."""
        m, v, beta1, beta2 = self.m, self.v, self.beta1, self.beta2
        bias1 = 1 - libm.pow(beta1, t)
        bias2 = 1 - libm.pow(beta2, t)
        for i, p in enumerate(self.params):
            m[i] = beta1 * m[i] + (1 - beta1) * p.grad
            v[i] = beta2 * v[i] + (1 - beta2) * libm.pow(p.grad, 2)
            m_hat = m[i] / bias1
            v_hat = v[i] / bias2
            p.data -= lr * m_hat / (libm.pow(v_hat, 0.5) + self.eps)
            p.grad = 0
