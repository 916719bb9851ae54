"""Adam against hand-computed updates."""

import math

from microgpt.autograd import Value
from microgpt.optim import Adam


def test_two_adam_steps_by_hand():
    p = Value(1.0)
    adam = Adam([p], beta1=0.5, beta2=0.75, eps=0.0)
    # step 1, grad 2: m = 0.5*2 = 1, v = 0.25*4 = 1; m_hat = 1/0.5 = 2, v_hat = 1/0.25 = 4; p = 1 - 0.1 * 2/2 = 0.9
    p.grad = 2.0
    adam.step(0.1, 1)
    assert math.isclose(p.data, 0.9, rel_tol=1e-15) and p.grad == 0
    assert (adam.m, adam.v) == ([1.0], [1.0])
    # step 2, grad -1: m = 0.5 - 0.5 = 0, v = 0.75 + 0.25 = 1; m_hat = 0, so p stays
    p.grad = -1.0
    adam.step(0.1, 2)
    assert p.data == 0.9 and adam.m == [0.0] and adam.v == [1.0]
    # step 3, grad 4: m = 2, v = 0.75 + 4 = 4.75; m_hat = 2/0.875, v_hat = 4.75/(1-0.421875)
    p.grad = 4.0
    adam.step(0.1, 3)
    expected = 0.9 - 0.1 * (2 / 0.875) / math.sqrt(4.75 / 0.578125)
    assert math.isclose(p.data, expected, rel_tol=1e-15)


def test_eps_guards_a_zero_gradient():
    p = Value(3.0)
    adam = Adam([p], beta1=0.85, beta2=0.99, eps=1e-8)
    p.grad = 0.0
    adam.step(0.01, 1)
    assert p.data == 3.0
