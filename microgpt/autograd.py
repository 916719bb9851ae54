"""Scalar autograd: a `Value` records how it was computed so `backward()` can apply the chain rule.

The operations are the reference's, one line each, recording the local gradient of the result with respect to each
child. Their exp, log and powers are `microgpt.libm`'s, which round exactly as the reference's platform (glibc) does,
also where the platform's own libm rounds otherwise (Pyodide's, in the browser). Another departure: `backward()`
sorts the graph with an explicit stack instead of the reference's recursive `build_topo`. It visits nodes in exactly
the same order (so every gradient is accumulated in the same order, bit for bit), but a deeper graph (more layers, a
longer block) cannot hit Python's recursion limit, and no closure refers to itself, so the graph holds no reference
cycle and is freed by reference counting as soon as the step drops it.
"""

from . import libm


class Value:
    __slots__ = ('data', 'grad', '_children', '_local_grads')  # many millions are made: no per-instance __dict__

    def __init__(self, data, children=(), local_grads=()):
        self.data = data                 # scalar value of this node calculated during forward pass
        self.grad = 0                    # derivative of the loss w.r.t. this node, calculated in backward pass
        self._children = children        # children of this node in the computation graph
        self._local_grads = local_grads  # local derivative of this node w.r.t. its children

    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        return Value(self.data + other.data, (self, other), (1, 1))

    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        return Value(self.data * other.data, (self, other), (other.data, self.data))

    def __pow__(self, other): return Value(libm.pow(self.data, other), (self,), (other * libm.pow(self.data, other-1),))
    def log(self): return Value(libm.log(self.data), (self,), (1/self.data,))
    def exp(self): return Value(libm.exp(self.data), (self,), (libm.exp(self.data),))
    def relu(self): return Value(max(0, self.data), (self,), (float(self.data > 0),))
    def __neg__(self): return self * -1
    def __radd__(self, other): return self + other
    def __sub__(self, other): return self + (-other)
    def __rsub__(self, other): return other + (-self)
    def __rmul__(self, other): return self * other
    def __truediv__(self, other): return self * (other**-1 if isinstance(other, Value) else libm.pow(other, -1))
    def __rtruediv__(self, other): return other * self**-1

    def __repr__(self):
        return f"Value(data={self.data!r}, grad={self.grad!r})"

    def backward(self):
        self.grad = 1
        for v in reversed(topological_order(self)):
            for child, local_grad in zip(v._children, v._local_grads):
                child.grad += local_grad * v.grad


def topological_order(root):
    """Every node reachable from `root`, children before parents, in the order of a recursive depth-first search."""
    topo = []
    visited = {root}
    stack = [(root, iter(root._children))]  # each entry: a node and the children it has yet to visit
    while stack:
        node, children = stack[-1]
        for child in children:
            if child not in visited:
                visited.add(child)
                stack.append((child, iter(child._children)))
                break
        else:  # all children done: the node goes after them, as the recursive version appends on return
            stack.pop()
            topo.append(node)
    return topo
