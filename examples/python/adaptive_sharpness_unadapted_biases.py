"""A realistic bug, to be caught: adaptive sharpness (adaptive_sharpness.py) whose box adapts the weights,
|z_i| ≤ ρ|w_i|, but gives every bias the fixed half-width ρ, as code that treats biases separately often
does. Scaling a layer by α scales its biases too, while their box stays put, so the value moves: it claims
invariance under layer-scale and neuron-scale, and flatcheck must refute it.

    flatcheck check --exec "/usr/bin/python3 examples/python/adaptive_sharpness_unadapted_biases.py"
"""
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "adapters", "python"))
from adaptive_sharpness import RHO, sharpness  # noqa: E402
from flatcheck_torch import flat_parameters, functional_loss, serve_torch  # noqa: E402


def half_widths(model, theta):
    parts = []
    for name, p in model.named_parameters():  # θ's order, for v1 and v2 models alike
        if name.endswith("bias"):
            parts.append(torch.full_like(p, RHO).reshape(-1))  # the bug: not RHO * |b|
        else:
            parts.append(RHO * p.detach().abs().reshape(-1))
    return torch.cat(parts)


def adaptive_sharpness_unadapted_biases(model, loss, inputs, targets):
    theta = flat_parameters(model)
    return sharpness(functional_loss(model, loss, inputs, targets), theta, half_widths(model, theta))


if __name__ == "__main__":
    serve_torch(adaptive_sharpness_unadapted_biases, id="torch-adaptive-sharpness-unadapted-biases", claims={"invariant": ["layer-scale", "neuron-scale", "permutation"]})
