"""ℓ2 path norm in numpy: √(Σ over input→output paths of Π w²), a bias a path starting at its own layer:
v_0 = 1, v_k = W_k² v_{k−1} + b_k². Invariant under layer-scale, neuron-scale and permutation.

    flatcheck check --exec "python3 examples/python/path_norm.py"
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "adapters", "python"))
from flatcheck_metric import serve  # noqa: E402


def path_norm(network, dataset, seed):
    v = np.ones(network["inputSize"])
    for layer in network["layers"]:
        v = layer["weights"] ** 2 @ v + (layer["bias"] ** 2 if "bias" in layer else 0)
    return np.sqrt(v.sum())


if __name__ == "__main__":
    serve(path_norm, id="numpy-path-norm", claims={"invariant": ["layer-scale", "neuron-scale", "permutation"]})
