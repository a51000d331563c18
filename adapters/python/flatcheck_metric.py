"""flatcheck.metric/v1 for Python (standard library only): serve(evaluate).

    from flatcheck_metric import serve

    def weight_norm(network, dataset, seed):
        return sum((layer["weights"] ** 2).sum() for layer in network["layers"]) ** 0.5

    serve(weight_norm, id="weight-norm", claims={"invariant": ["permutation"]})

`evaluate(network, dataset, seed)` gets the network (flatcheck.network/v1 or
v2: check network["format"]) and the flatcheck.dataset/v1 object as dicts, with
every weights, bias, inputs and targets (and a v2 batchnorm's gamma, beta,
runningMean, runningVariance, and epsilon when it is a list; residual blocks'
body and skip layers alike) as numpy float64 arrays when numpy is installed
(cross-entropy labels as int64), or as plain lists of floats otherwise; exact
"p/q" strings become the nearest float. It returns a finite number; an exception becomes the
evaluation's error (its traceback goes to stderr). The protocol is in
docs/protocol.md.
"""
import json
import math
import os
import sys
import traceback
from fractions import Fraction

PROTOCOL = "flatcheck.metric/v1"

try:
    import numpy
except ImportError:  # plain lists, then
    numpy = None


def _number(x):
    return float(Fraction(x)) if isinstance(x, str) else float(x)


def _numbers(x, as_arrays, dtype="float64"):
    if hasattr(x, "tolist"):  # numpy arrays, tensors
        x = x.tolist()
    if as_arrays:
        try:
            return numpy.array(x, dtype=dtype)  # JSON numbers: the fast path
        except (TypeError, ValueError):
            pass  # "p/q" strings
    if isinstance(x, list):
        plain = [_numbers(v, False, dtype) for v in x]
        return numpy.array(plain, dtype=dtype) if as_arrays else plain
    return int(x) if dtype == "int64" else _number(x)


# A layer's arrays of numbers (v1 layers have the first two; v2 dense and conv2d layers too, batchnorm the rest).
_ARRAYS = ("weights", "bias", "gamma", "beta", "runningMean", "runningVariance")


def _layer(layer, as_arrays):
    out = dict(layer)
    for key in _ARRAYS:
        if key in layer:
            out[key] = _numbers(layer[key], as_arrays)
    if "epsilon" in layer:  # one number, or one per channel
        epsilon = layer["epsilon"].tolist() if hasattr(layer["epsilon"], "tolist") else layer["epsilon"]
        out["epsilon"] = _numbers(epsilon, as_arrays) if isinstance(epsilon, list) else _number(epsilon)
    if "slope" in layer:
        out["slope"] = _number(layer["slope"])
    if "body" in layer:  # a v2 residual block
        out["body"] = [_layer(inner, as_arrays) for inner in layer["body"]]
    if "skip" in layer:
        out["skip"] = _layer(layer["skip"], as_arrays)
    return out


def convert(network, dataset, as_arrays=None):
    """The request's network (v1 or v2) and dataset with their numbers as floats: numpy arrays if `as_arrays` (default: when numpy is installed), else lists."""
    as_arrays = numpy is not None if as_arrays is None else as_arrays
    net = dict(network)
    net["layers"] = [_layer(layer, as_arrays) for layer in network["layers"]]
    data = dict(dataset)
    data["inputs"] = _numbers(dataset["inputs"], as_arrays)
    data["targets"] = _numbers(dataset["targets"], as_arrays, "float64" if dataset["loss"] == "mse" else "int64")
    return net, data


def _error_message(e):
    text = str(e)
    return f"{type(e).__name__}: {text}" if text else type(e).__name__


def serve(evaluate, id=None, claims=None, random=False, as_arrays=None):
    """Answers flatcheck on stdin/stdout until stdin closes.

    id: the metric's name (default: the function's name). claims: {"invariant": [...], "unbounded": [...]}
    over "layer-scale", "neuron-scale", "permutation". random: True for an estimator that draws random
    numbers from the seed (flatcheck then compares means over seeds). as_arrays: see convert().
    """
    # The protocol owns the real stdout; anything else written to it (print, C libraries) goes to stderr,
    # so a print without a newline cannot run into an answer.
    protocol = os.fdopen(os.dup(1), "w", encoding="utf-8", newline="\n")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    hello = {"type": "hello", "id": id or getattr(evaluate, "__name__", "metric")}
    if claims is not None:
        hello["claims"] = claims
    if random:
        hello["random"] = True

    def answer(message):
        protocol.write(json.dumps(message, allow_nan=False) + "\n")
        protocol.flush()

    for line in sys.stdin.buffer:
        try:
            request = json.loads(line)
        except ValueError:
            print(f"flatcheck_metric: ignored a line that is not JSON: {line[:200]!r}", file=sys.stderr)
            continue
        if request.get("type") == "hello":
            answer(hello)
        elif request.get("type") == "evaluate":
            try:
                network, dataset = convert(request["network"], request["dataset"], as_arrays)
                value = float(evaluate(network, dataset, request["seed"]))
                if not math.isfinite(value):
                    raise ValueError(f"the metric returned {value}, not a finite number")
                result = {"type": "result", "id": request["id"], "value": value}
            except Exception as e:  # the metric's fault: an error answer, and the traceback in the log
                traceback.print_exc(file=sys.stderr)
                result = {"type": "result", "id": request["id"], "error": _error_message(e)}
            answer(result)
        else:
            print(f"flatcheck_metric: ignored a message of type {request.get('type')!r}", file=sys.stderr)
