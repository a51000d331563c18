"""PyTorch for flatcheck metrics: flatcheck.network/v1 <-> torch.nn.Module, the dataset's loss, and serve_torch.

    from flatcheck_torch import serve_torch

    def weight_norm(model, loss, inputs, targets):
        return sum((p ** 2).sum() for p in model.parameters()).item()

    serve_torch(weight_norm, id="weight-norm")

to_module(network) is a torch.nn.Sequential of Linear layers (weights [out][in],
bias when the layer has one) each followed by its activation module (ReLU,
LeakyReLU(slope), Abs, Identity for linear, Tanh, Softplus), float64 by
default. loss_for(dataset) is MSELoss() for mse (PyTorch's default reduction,
the mean over samples and outputs, which is flatcheck's definition) or
CrossEntropyLoss() for cross-entropy (the mean over samples). to_network(module)
is the inverse. flatcheck's parameter vector θ is W_1 row-major, b_1, W_2, b_2, …:
flat_parameters(model) and functional_loss(...) work in that order.
"""
import torch

from flatcheck_metric import convert, serve

NETWORK_FORMAT = "flatcheck.network/v1"


class Abs(torch.nn.Module):
    """|x| (PyTorch has no activation module for it)."""

    def forward(self, x):
        return torch.abs(x)


class Softplus(torch.nn.Module):
    """log(1 + e^x) everywhere (torch.nn.Softplus switches to x past its threshold, which is not flatcheck's softplus)."""

    def forward(self, x):
        return torch.logaddexp(x, torch.zeros_like(x))


def _activation(layer):
    name = layer["activation"]
    if name == "relu":
        return torch.nn.ReLU()
    if name == "leaky-relu":
        return torch.nn.LeakyReLU(float(layer["slope"]))
    if name == "abs":
        return Abs()
    if name == "linear":
        return torch.nn.Identity()
    if name == "tanh":
        return torch.nn.Tanh()
    if name == "softplus":
        return Softplus()
    raise ValueError(f"activation: expected relu, leaky-relu, abs, linear, tanh or softplus, got {name!r}")


def to_module(network, dtype=torch.float64):
    """A torch.nn.Sequential computing the network (numbers as JSON numbers, "p/q" strings, lists or numpy arrays)."""
    network, _ = convert(network, {"loss": "mse", "inputs": [], "targets": []}, as_arrays=False)
    modules = []
    fan_in = network["inputSize"]
    for layer in network["layers"]:
        weights = torch.tensor(layer["weights"], dtype=dtype).reshape(-1, fan_in)
        linear = torch.nn.Linear(fan_in, weights.shape[0], bias="bias" in layer, dtype=dtype)
        with torch.no_grad():
            linear.weight.copy_(weights)
            if "bias" in layer:
                linear.bias.copy_(torch.tensor(layer["bias"], dtype=dtype))
        modules += [linear, _activation(layer)]
        fan_in = weights.shape[0]
    return torch.nn.Sequential(*modules)


def _activation_name(m):
    if isinstance(m, torch.nn.ReLU):
        return {"activation": "relu"}
    if isinstance(m, torch.nn.LeakyReLU):
        return {"activation": "leaky-relu", "slope": float(m.negative_slope)}
    if isinstance(m, Abs):
        return {"activation": "abs"}
    if isinstance(m, torch.nn.Identity):
        return {"activation": "linear"}
    if isinstance(m, torch.nn.Tanh):
        return {"activation": "tanh"}
    if isinstance(m, Softplus):
        return {"activation": "softplus"}
    raise ValueError(f"to_network: no flatcheck activation for {type(m).__name__}")


def to_network(module):
    """The flatcheck.network/v1 object of a Sequential of Linear layers, each optionally followed by one activation module."""
    modules = list(module)
    layers = []
    i = 0
    while i < len(modules):
        linear = modules[i]
        if not isinstance(linear, torch.nn.Linear):
            raise ValueError(f"to_network: expected a Linear layer at position {i}, got {type(linear).__name__}")
        layer = {"weights": linear.weight.detach().double().tolist()}
        if linear.bias is not None:
            layer["bias"] = linear.bias.detach().double().tolist()
        following = modules[i + 1] if i + 1 < len(modules) and not isinstance(modules[i + 1], torch.nn.Linear) else None
        layer.update(_activation_name(following) if following is not None else {"activation": "linear"})
        layers.append(layer)
        i += 2 if following is not None else 1
    if not layers:
        raise ValueError("to_network: expected at least one Linear layer")
    return {"format": NETWORK_FORMAT, "inputSize": modules[0].in_features, "layers": layers}


def loss_for(dataset):
    """MSELoss() for mse (mean over samples and outputs), CrossEntropyLoss() for cross-entropy (mean over samples)."""
    if dataset["loss"] == "mse":
        return torch.nn.MSELoss()
    if dataset["loss"] == "cross-entropy":
        return torch.nn.CrossEntropyLoss()
    raise ValueError(f"loss: expected mse or cross-entropy, got {dataset['loss']!r}")


def tensors(dataset, dtype=torch.float64):
    """(inputs, targets): float tensors, or int64 class labels for cross-entropy."""
    _, data = convert({"layers": []}, dataset, as_arrays=False)
    inputs = torch.tensor(data["inputs"], dtype=dtype)
    targets = torch.tensor(data["targets"], dtype=dtype if dataset["loss"] == "mse" else torch.int64)
    return inputs, targets


def _linears(model):
    return [m for m in model if isinstance(m, torch.nn.Linear)]


def flat_parameters(model):
    """θ in flatcheck's order (W_k row-major, then b_k, layer by layer), detached."""
    parts = []
    for linear in _linears(model):
        parts.append(linear.weight.detach().reshape(-1))
        if linear.bias is not None:
            parts.append(linear.bias.detach())
    return torch.cat(parts)


def functional_loss(model, loss, inputs, targets):
    """θ ↦ L(θ) for the Sequential built by to_module, differentiable (twice) in θ."""
    def f(theta):
        x = inputs
        at = 0
        for m in model:
            if isinstance(m, torch.nn.Linear):
                w = theta[at : at + m.weight.numel()].reshape(m.weight.shape)
                at += m.weight.numel()
                b = None
                if m.bias is not None:
                    b = theta[at : at + m.bias.numel()]
                    at += m.bias.numel()
                x = torch.nn.functional.linear(x, w, b)
            else:
                x = m(x)
        return loss(x, targets)

    return f


def serve_torch(fn, id=None, claims=None, random=False, dtype=torch.float64):
    """serve() for fn(model, loss, inputs, targets) -> number; torch's generator is seeded with the request's seed before each call."""

    def evaluate(network, dataset, seed):
        torch.manual_seed(seed)
        model = to_module(network, dtype)
        inputs, targets = tensors(dataset, dtype)
        value = fn(model, loss_for(dataset), inputs, targets)
        return value.item() if isinstance(value, torch.Tensor) else value

    serve(evaluate, id=id or getattr(fn, "__name__", "metric"), claims=claims, random=random, as_arrays=False)
