"""Hutchinson's estimate of the Hessian trace in PyTorch: mean of vᵀ∇²L(θ)v over Rademacher probes v drawn
from the request's seed. Tr ∇²L is unbounded under layer- and neuron-scale (Dinh et al. 2017); the estimate
is invariant under permutation as an estimator (its mean is), so it says random: true.

    flatcheck check --exec "/usr/bin/python3 examples/python/hessian_trace.py"
"""
import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "adapters", "python"))
from flatcheck_torch import flat_parameters, functional_loss, serve_torch  # noqa: E402

PROBES = 8


def hutchinson_trace(model, loss, inputs, targets):
    theta = flat_parameters(model).requires_grad_()
    (gradient,) = torch.autograd.grad(functional_loss(model, loss, inputs, targets)(theta), theta, create_graph=True)
    total = 0.0
    for _ in range(PROBES):
        v = torch.randint(0, 2, theta.shape, dtype=theta.dtype) * 2 - 1  # torch's generator, seeded by serve_torch
        (hv,) = torch.autograd.grad(gradient, theta, v, retain_graph=True)
        total += torch.dot(v, hv).item()
    return total / PROBES


if __name__ == "__main__":
    serve_torch(hutchinson_trace, id="torch-hutchinson-trace", claims={"invariant": ["permutation"], "unbounded": ["layer-scale", "neuron-scale"]}, random=True)
