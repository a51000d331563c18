"""ℓ2 path norm in numpy: √(Σ over input→output paths of Π w²), a bias a path starting at its own layer:
v_0 = 1, v_k = W_k² v_{k−1} + b_k². Invariant under layer-scale, neuron-scale and permutation. It takes MLPs:
flatcheck.network/v1, or v2 of dense and activation layers only; any other network is an error answer that says so.

    flatcheck check --exec "python3 examples/python/path_norm.py"
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "adapters", "python"))
from flatcheck_metric import serve  # noqa: E402


def dense_layers(network):
    """(input size, the weighted layers) of an MLP; a ValueError naming the first layer that is not one."""
    if network.get("format") != "flatcheck.network/v2":
        return network["inputSize"], network["layers"]
    shape = network["inputShape"]
    if len(shape) != 1:
        raise ValueError(f"path_norm takes MLPs only (dense and activation layers): the input shape is {shape}, not [n]")
    for k, layer in enumerate(network["layers"]):
        if layer["type"] not in ("dense", "activation"):
            raise ValueError(f"path_norm takes MLPs only (dense and activation layers): layers[{k}] is a {layer['type']} layer")
    return shape[0], [layer for layer in network["layers"] if layer["type"] == "dense"]


def path_norm(network, dataset, seed):
    inputs, layers = dense_layers(network)
    v = np.ones(inputs)
    for layer in layers:
        v = layer["weights"] ** 2 @ v + (layer["bias"] ** 2 if "bias" in layer else 0)
    return np.sqrt(v.sum())


if __name__ == "__main__":
    serve(path_norm, id="numpy-path-norm", claims={"invariant": ["layer-scale", "neuron-scale", "permutation"]})
