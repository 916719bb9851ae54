"""Scalar autograd: a `Value` records how it was computed so `backward()` can apply the chain rule.

The operations are the reference's, one line each, recording the local gradient of the result with respect to each
child. Their exp, log and powers are `microgpt.libm`'s, which round exactly as the reference's platform (glibc) does,
also where the platform's own libm rounds otherwise (Pyodide's, in the browser).

Two departures make a step about five times faster without changing a bit of any number:
- `dot` builds a weighted sum, the model's commonest expression, as one node instead of a chain of products and sums,
  and `sum_of` a plain sum (softmax's denominator, the mean loss) as one node instead of a chain of sums. A chain is
  also as deep as it is long, and freeing a graph recurses through its depth: softmax over a vocabulary of a few
  thousand characters overflowed the browser's stack (WebAssembly's is far smaller than a native thread's);
- `backward()` sorts the graph with an explicit stack instead of the reference's recursive `build_topo`, visiting
  nodes in the same order (so every gradient is accumulated in the same order) but skipping the leaves, which have
  nothing to pass on. A deeper graph (more layers, a longer block) cannot hit Python's recursion limit, and no
  closure refers to itself, so the graph holds no reference cycle: reference counting frees it when the step ends.
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
            grad = v.grad
            for child, local_grad in zip(v._children, v._local_grads):
                child.grad += local_grad * grad


def dot(a, b):
    """The reference's `sum(ai * bi for ai, bi in zip(a, b))` as one node, not a chain of 2 * len(a) + 1 nodes.

    The same numbers, bit for bit. Forward: the same products, summed in the same order from the same 0. Backward:
    the chain's sums pass their gradient on multiplied by 1, which is exact, so each `ai * bi` node would hand `ai`
    and `bi` exactly what this node hands them. And every gradient is accumulated in the same order: a depth-first
    search meets a0, b0, a1, b1, ... from this node in the order it meets them from the chain, and this node stands
    where the chain's last sum stood. That holds when no input is computed from another input of the same call and
    none appears in two pairs (`dot(x, x)`, one node per pair, is fine), as in every use the model makes: the
    rows of a linear layer, attention's scores and weighted values, rmsnorm's sum of squares.
    """
    data, children, local_grads = 0, [], []
    for ai, bi in zip(a, b):
        x, y = ai.data, bi.data
        data += x * y
        children.append(ai); children.append(bi)
        local_grads.append(y); local_grads.append(x)
    return Value(data, tuple(children), tuple(local_grads))


def sum_of(values):
    """The reference's `sum(values)` as one node, not a chain of len(values) sums.

    The same numbers, bit for bit, by `dot`'s argument: the same sum in the same order from the same 0 (`sum` adds
    0 + v0 as v0 + 0); each input gets the gradient times 1, exactly what its link of the chain would hand it; and a
    depth-first search meets the inputs in the chain's order. The same condition holds too, as in the model's uses:
    softmax's exponentials and the positions' losses are never computed from one another.
    """
    children = tuple(values)
    data = 0
    for v in children:
        data += v.data
    return Value(data, children, (1,) * len(children))


def topological_order(root):
    """The nodes reachable from `root` that have children, children before parents, in the order of the reference's
    recursive depth-first search. Leaves (parameters, constants) are left out: backward has nothing to do for them."""
    topo = []
    visited = {root}
    stack = [(root, iter(root._children))]  # each entry: a node and the children it has yet to visit
    while stack:
        node, children = stack[-1]
        for child in children:
            if child._children and child not in visited:
                visited.add(child)
                stack.append((child, iter(child._children)))
                break
        else:  # all children done: the node goes after them, as the recursive version appends on return
            stack.pop()
            topo.append(node)
    return topo
