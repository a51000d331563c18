"""Adaptive worst-case sharpness in PyTorch, elementwise, η = 0, biases included: max over |z_i| ≤ ρ|θ_i| of
L(θ + z) − L(θ), ρ = 0.05, by projected sign-gradient ascent (a lower bound). Any positive diagonal symmetry
maps the box onto the box, and the ascent's starts move with the symmetries: 0, and ±h∘u for u the top
eigenvector of diag(h)·H·diag(h) by power iteration from the all-ones vector (a permutation permutes u; a
scaling leaves diag(h)·H·diag(h) unchanged). Seeded random starts would follow neither. Invariant under
layer-scale, neuron-scale and permutation.

    flatcheck check --exec "/usr/bin/python3 examples/python/adaptive_sharpness.py"
"""
import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "adapters", "python"))
from flatcheck_torch import flat_parameters, functional_loss, serve_torch  # noqa: E402

RHO = 0.05
ITERATIONS = 30
SAFETY = 1 - 2**-40  # projections shrink by a few ulps so the point is inside the box, not just up to rounding


def top_direction(f, theta, h, iterations=200, tolerance=1e-12):
    """u, the top eigenvector of diag(h)·H·diag(h), by power iteration from the all-ones vector."""
    H = torch.autograd.functional.hessian(f, theta)
    M = h[:, None] * H * h[None, :]
    v = torch.ones_like(theta) / theta.numel() ** 0.5
    value = 0.0
    for _ in range(iterations):
        w = M @ v
        size = torch.linalg.norm(w)
        if size == 0:
            break
        following = torch.dot(v, w).item()
        v = w / size
        if abs(following - value) <= tolerance * abs(following):
            break
        value = following
    return v


def sharpness(f, theta, h):
    """max over |z| ≤ h of f(θ + z) − f(θ), projected sign-gradient ascent from 0 and ±h∘u, step halved on failure."""
    h = h * SAFETY
    base = f(theta).item()
    d = top_direction(f, theta, h) * h
    starts = [torch.zeros_like(theta), torch.sign(d) * h, -torch.sign(d) * h]
    best = 0.0
    for z in starts:
        z = torch.clamp(z, -h, h)
        current = f(theta + z).item()
        step = 1.0
        for _ in range(ITERATIONS):
            x = (theta + z).requires_grad_()
            (g,) = torch.autograd.grad(f(x), x)
            if torch.linalg.norm(g) == 0:
                break
            candidate = torch.clamp(z + step * h * torch.sign(g), -h, h)
            value = f(theta + candidate).item()
            if value > current:
                z, current = candidate, value
            else:
                step /= 2
        best = max(best, current - base)
    return best


def half_widths(model, theta):
    return RHO * theta.abs()


def adaptive_sharpness(model, loss, inputs, targets):
    theta = flat_parameters(model)
    return sharpness(functional_loss(model, loss, inputs, targets), theta, half_widths(model, theta))


if __name__ == "__main__":
    serve_torch(adaptive_sharpness, id="torch-adaptive-sharpness", claims={"invariant": ["layer-scale", "neuron-scale", "permutation"]})
