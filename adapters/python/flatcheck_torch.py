"""PyTorch for flatcheck metrics: flatcheck networks (v1 and v2) <-> torch.nn.Module, the dataset's loss, and serve_torch.

    from flatcheck_torch import serve_torch

    def weight_norm(model, loss, inputs, targets):
        return sum((p ** 2).sum() for p in model.parameters()).item()

    serve_torch(weight_norm, id="weight-norm")

to_module(network) builds a torch.nn.Sequential, float64 by default.

A flatcheck.network/v1 network (an MLP) becomes Linear layers (weights [out][in],
bias when the layer has one) each followed by its activation module (ReLU,
LeakyReLU(slope), Abs, Identity for linear, Tanh, Softplus).

A flatcheck.network/v2 network (docs/formats.md) becomes one module per layer:
dense Linear, conv2d Conv2d (stride, padding, bias or not), maxpool2d MaxPool2d,
avgpool2d AvgPool2d, flatten Flatten, the activations as above, batchnorm
BatchNorm1d on a [n] input or BatchNorm2d on [C, H, W] (momentum 0: a forward
pass in train mode leaves the running statistics as they are; with one ε per
channel that differ, BatchNorm1dPerChannel/BatchNorm2dPerChannel, whose forward
is written out), its mode the module's: eval() normalises by the running
statistics, train() by the batch's mean and biased variance, as flatcheck does.
A residual block is Residual(body, skip): body(x) + skip(x), skip None for the
identity or a Linear or 1x1 Conv2d. Over a [C, H, W] input the first module is
Unflatten(1, (C, H, W)): the model takes flatcheck's samples, flat C·H·W rows, as
tensors(dataset) gives them. (PyTorch refuses train-mode batch norm over a
single value per channel: one sample of a [n] input.)

flatcheck's parameter vector θ is model.parameters() in order, flattened: the
modules are registered in θ's order (depth first, a residual block's body
before its skip; weights row-major, then bias; batchnorm γ then β), and
running statistics are buffers. flat_parameters(model), load_parameters(model,
θ), functional_forward(model, inputs) and functional_loss(...) work in that
order. loss_for(dataset) is MSELoss() for mse (PyTorch's default reduction, the
mean over samples and outputs, which is flatcheck's definition) or
CrossEntropyLoss() for cross-entropy (the mean over samples). to_network(module)
is the inverse of to_module: v1 for an MLP, v2 otherwise.
"""
import torch

from flatcheck_metric import convert, serve

try:
    from torch.func import functional_call as _functional_call  # torch 2
except ImportError:  # torch 1.12 and 1.13 (Debian 12's python3-torch)
    from torch.nn.utils.stateless import functional_call as _functional_call

NETWORK_FORMAT = "flatcheck.network/v1"
NETWORK_FORMAT_V2 = "flatcheck.network/v2"
_NO_DATA = {"loss": "mse", "inputs": [], "targets": []}


class Abs(torch.nn.Module):
    """|x| (PyTorch has no activation module for it)."""

    def forward(self, x):
        return torch.abs(x)


class Softplus(torch.nn.Module):
    """log(1 + e^x) everywhere (torch.nn.Softplus switches to x past its threshold, which is not flatcheck's softplus)."""

    def forward(self, x):
        return torch.logaddexp(x, torch.zeros_like(x))


class Residual(torch.nn.Module):
    """x ↦ body(x) + skip(x): skip None (the identity) or a projection, a Linear or a 1x1 Conv2d.

    body is registered before skip, so model.parameters() has the body's parameters first, as θ does."""

    def __init__(self, body, skip=None):
        super().__init__()
        self.body = body
        self.skip = skip

    def forward(self, x):
        return self.body(x) + (x if self.skip is None else self.skip(x))


class _PerChannelEpsilon:
    """Batch norm with one ε per channel (the `epsilon` buffer; BatchNorm's own eps is one number, NaN here).
    Train mode normalises by the batch's mean and biased variance and leaves the running statistics alone."""

    def __init__(self, epsilon, dtype=torch.float64):
        epsilon = torch.as_tensor(epsilon, dtype=dtype)
        super().__init__(epsilon.numel(), eps=float("nan"), momentum=0.0, dtype=dtype)
        self.register_buffer("epsilon", epsilon)

    def forward(self, x):
        self._check_input_dim(x)
        shape = (1, -1) + (1,) * (x.dim() - 2)
        if self.training:
            over = [0] + list(range(2, x.dim()))  # the samples and every position of a channel
            mean = x.mean(over, keepdim=True)
            variance = ((x - mean) ** 2).mean(over, keepdim=True)
        else:
            mean, variance = self.running_mean.reshape(shape), self.running_var.reshape(shape)
        return (x - mean) / torch.sqrt(variance + self.epsilon.reshape(shape)) * self.weight.reshape(shape) + self.bias.reshape(shape)


class BatchNorm1dPerChannel(_PerChannelEpsilon, torch.nn.BatchNorm1d):
    """BatchNorm1d with one ε per feature."""


class BatchNorm2dPerChannel(_PerChannelEpsilon, torch.nn.BatchNorm2d):
    """BatchNorm2d with one ε per channel."""


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


def is_v2(network):
    """Whether the network object is flatcheck.network/v2 (a v1 one has inputSize, a v2 one inputShape)."""
    return network.get("format") == NETWORK_FORMAT_V2 or ("format" not in network and "inputShape" in network)


def to_module(network, dtype=torch.float64):
    """A torch.nn.Sequential computing the network, v1 or v2 (numbers as JSON numbers, "p/q" strings, lists or numpy arrays)."""
    if is_v2(network):
        return _v2_module(network, dtype)
    network, _ = convert(network, _NO_DATA, as_arrays=False)
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


def _extent(n, k, stride, padding):
    return (n + 2 * padding - k) // stride + 1


def _spatial(shape, field, kind):
    if len(shape) != 3:
        raise ValueError(f"{field}.type: {kind} needs a [C, H, W] input, it sees {shape}")
    return shape


def _with_parameters(module, weights, bias, dtype):
    with torch.no_grad():
        module.weight.copy_(weights)
        if bias is not None:
            module.bias.copy_(torch.tensor(bias, dtype=dtype))
    return module


def _v2_layer(layer, shape, dtype, field):
    """(the layer's module, its output shape)."""
    kind = layer.get("type")
    if kind == "dense":
        if len(shape) != 1:
            raise ValueError(f"{field}.type: dense needs a [n] input, it sees {shape} (put a flatten before it)")
        weights = torch.tensor(layer["weights"], dtype=dtype).reshape(len(layer["weights"]), shape[0])
        linear = torch.nn.Linear(shape[0], weights.shape[0], bias="bias" in layer, dtype=dtype)
        return _with_parameters(linear, weights, layer.get("bias"), dtype), [weights.shape[0]]
    if kind == "conv2d":
        C, H, W = _spatial(shape, field, kind)
        weights = torch.tensor(layer["weights"], dtype=dtype)
        if weights.dim() != 4 or weights.shape[1] != C:
            raise ValueError(f"{field}.weights: expected [out][{C}][kh][kw] filters, got the shape {list(weights.shape)}")
        out, _, kh, kw = weights.shape
        stride, padding = int(layer.get("stride", 1)), int(layer.get("padding", 0))
        conv = torch.nn.Conv2d(C, out, (kh, kw), stride=stride, padding=padding, bias="bias" in layer, dtype=dtype)
        return _with_parameters(conv, weights, layer.get("bias"), dtype), [out, _extent(H, kh, stride, padding), _extent(W, kw, stride, padding)]
    if kind in ("maxpool2d", "avgpool2d"):
        C, H, W = _spatial(shape, field, kind)
        size = int(layer["size"])
        stride = int(layer.get("stride", size))
        pool = (torch.nn.MaxPool2d if kind == "maxpool2d" else torch.nn.AvgPool2d)(size, stride)
        return pool, [C, _extent(H, size, stride, 0), _extent(W, size, stride, 0)]
    if kind == "flatten":
        n = 1
        for d in shape:
            n *= d
        return torch.nn.Flatten(), [n]
    if kind == "batchnorm":
        return _batchnorm(layer, shape, dtype, field), list(shape)
    if kind == "activation":
        return _activation(layer), list(shape)
    if kind == "residual":
        body, out = _v2_sequence(layer["body"], shape, dtype, f"{field}.body")
        skip = None
        if "skip" in layer:
            if layer["skip"].get("type") not in ("dense", "conv2d"):
                raise ValueError(f"{field}.skip.type: expected dense or a 1x1 conv2d, got {layer['skip'].get('type')!r}")
            skip, _ = _v2_layer(layer["skip"], shape, dtype, f"{field}.skip")
        return Residual(torch.nn.Sequential(*body), skip), out
    raise ValueError(f"{field}.type: expected dense, conv2d, maxpool2d, avgpool2d, flatten, batchnorm, activation or residual, got {kind!r}")


def _batchnorm(layer, shape, dtype, field):
    C = shape[0]
    if layer.get("mode") not in ("eval", "train"):
        raise ValueError(f"{field}.mode: expected eval or train, got {layer.get('mode')!r}")
    epsilon = layer["epsilon"] if isinstance(layer["epsilon"], list) else [layer["epsilon"]] * C
    spatial = len(shape) == 3
    if len(set(epsilon)) <= 1:
        cls = torch.nn.BatchNorm2d if spatial else torch.nn.BatchNorm1d
        bn = cls(C, eps=epsilon[0] if epsilon else 1e-5, momentum=0.0, dtype=dtype)
    else:  # BatchNorm's eps is one number
        bn = (BatchNorm2dPerChannel if spatial else BatchNorm1dPerChannel)(epsilon, dtype=dtype)
    with torch.no_grad():
        bn.weight.copy_(torch.tensor(layer["gamma"], dtype=dtype))
        bn.bias.copy_(torch.tensor(layer["beta"], dtype=dtype))
        bn.running_mean.copy_(torch.tensor(layer.get("runningMean", [0.0] * C), dtype=dtype))
        bn.running_var.copy_(torch.tensor(layer.get("runningVariance", [1.0] * C), dtype=dtype))
    return bn.train(layer["mode"] == "train")


def _v2_sequence(layers, shape, dtype, field):
    modules = []
    for k, layer in enumerate(layers):
        module, shape = _v2_layer(layer, shape, dtype, f"{field}[{k}]")
        modules.append(module)
    return modules, shape


def _v2_module(network, dtype):
    network, _ = convert(network, _NO_DATA, as_arrays=False)
    shape = [int(n) for n in network["inputShape"]]
    if len(shape) not in (1, 3):
        raise ValueError(f"inputShape: expected [n] or [C, H, W], got {shape}")
    modules, _ = _v2_sequence(network["layers"], shape, dtype, "layers")
    if len(shape) == 3:
        modules.insert(0, torch.nn.Unflatten(1, tuple(shape)))
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


def _is_activation(m):
    return isinstance(m, (torch.nn.ReLU, torch.nn.LeakyReLU, Abs, torch.nn.Identity, torch.nn.Tanh, Softplus))


def _is_mlp(modules):
    """Linear layers, each followed by at most one activation: what v1 holds."""
    if not modules or not isinstance(modules[0], torch.nn.Linear):
        return False
    for before, m in zip(modules, modules[1:]):
        if not isinstance(m, torch.nn.Linear) and not (_is_activation(m) and isinstance(before, torch.nn.Linear)):
            return False
    return all(isinstance(m, torch.nn.Linear) or _is_activation(m) for m in modules)


def to_network(module, input_shape=None):
    """The network object of a module: flatcheck.network/v1 for a Sequential of Linear layers each optionally
    followed by one activation module, flatcheck.network/v2 for a Sequential (or one module) of the modules
    to_module builds. A v2 network's input shape is read from a leading Unflatten, else from the first Linear or
    BatchNorm1d; over images without an Unflatten, pass input_shape=[C, H, W]."""
    modules = list(module) if isinstance(module, torch.nn.Sequential) else [module]
    if _is_mlp(modules) and (input_shape is None or len(input_shape) == 1):
        return _v1_network(modules)
    if modules and isinstance(modules[0], torch.nn.Unflatten):
        if modules[0].dim != 1:
            raise ValueError("to_network: a leading Unflatten must unflatten dimension 1 (a batch of flat samples)")
        input_shape = input_shape or list(modules[0].unflattened_size)
        modules = modules[1:]
    if input_shape is None:
        input_shape = _inferred_input_shape(modules)
    return {"format": NETWORK_FORMAT_V2, "inputShape": [int(n) for n in input_shape], "layers": _v2_layers_of(modules)}


def _v1_network(modules):
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


def _inferred_input_shape(modules):
    """[n] from the first Linear or BatchNorm1d, depth first (activations and identity skips keep the shape)."""
    for m in modules:
        for inner in m.modules():
            if isinstance(inner, torch.nn.Linear):
                return [inner.in_features]
            if isinstance(inner, torch.nn.BatchNorm1d):
                return [inner.num_features]
            if isinstance(inner, (torch.nn.Conv2d, torch.nn.modules.batchnorm._BatchNorm)):
                raise ValueError("to_network: the input's height and width are unknown: pass input_shape=[C, H, W]")
    raise ValueError("to_network: no layer tells the input's size: pass input_shape")


def _square(value, what, name):
    values = value if isinstance(value, tuple) else (value, value)
    if not isinstance(values[0], int) or values[0] != values[1]:
        raise ValueError(f"to_network: {name}'s {what} must be one integer for both axes, got {value!r}")
    return values[0]


def _parameters(m, layer):
    layer["weights"] = m.weight.detach().double().tolist()
    if m.bias is not None:
        layer["bias"] = m.bias.detach().double().tolist()
    return layer


def _v2_layers_of(modules):
    layers = []
    for m in modules:
        if isinstance(m, torch.nn.Sequential):
            layers += _v2_layers_of(list(m))
        else:
            layers.append(_v2_layer_of(m))
    return layers


def _v2_layer_of(m):
    name = type(m).__name__
    if isinstance(m, torch.nn.Linear):
        return _parameters(m, {"type": "dense"})
    if isinstance(m, torch.nn.Conv2d):
        if m.groups != 1 or m.dilation != (1, 1) or m.padding_mode != "zeros" or isinstance(m.padding, str):
            raise ValueError(f"to_network: {name} with groups, dilation, {m.padding_mode!r} or named padding has no flatcheck layer")
        return _parameters(m, {"type": "conv2d", "stride": _square(m.stride, "stride", name), "padding": _square(m.padding, "padding", name)})
    if isinstance(m, (torch.nn.MaxPool2d, torch.nn.AvgPool2d)):
        plain = m.padding in (0, (0, 0)) and not m.ceil_mode
        plain = plain and (m.dilation in (1, (1, 1)) and not m.return_indices if isinstance(m, torch.nn.MaxPool2d) else m.divisor_override is None)
        if not plain:
            raise ValueError(f"to_network: {name} with padding, ceil_mode, dilation or a divisor has no flatcheck layer")
        size = _square(m.kernel_size, "kernel size", name)
        stride = _square(m.stride if m.stride is not None else size, "stride", name)
        return {"type": "maxpool2d" if isinstance(m, torch.nn.MaxPool2d) else "avgpool2d", "size": size, "stride": stride}
    if isinstance(m, torch.nn.Flatten):
        if m.start_dim != 1 or m.end_dim != -1:
            raise ValueError("to_network: a Flatten must flatten each sample whole (start_dim=1, end_dim=-1)")
        return {"type": "flatten"}
    if isinstance(m, (torch.nn.BatchNorm1d, torch.nn.BatchNorm2d)):
        if not m.affine:
            raise ValueError(f"to_network: {name} without affine=True has no γ and β, which flatcheck's batchnorm has")
        C = m.num_features
        tracked = m.running_mean is not None  # without running statistics PyTorch always uses the batch's
        epsilon = m.epsilon.detach().double().tolist() if isinstance(m, _PerChannelEpsilon) else float(m.eps)
        return {
            "type": "batchnorm",
            "mode": "train" if m.training or not tracked else "eval",
            "gamma": m.weight.detach().double().tolist(),
            "beta": m.bias.detach().double().tolist(),
            "runningMean": m.running_mean.detach().double().tolist() if tracked else [0.0] * C,
            "runningVariance": m.running_var.detach().double().tolist() if tracked else [1.0] * C,
            "epsilon": epsilon,
        }
    if _is_activation(m):
        return {"type": "activation", **_activation_name(m)}
    if isinstance(m, Residual):
        layer = {"type": "residual", "body": _v2_layers_of(list(m.body) if isinstance(m.body, torch.nn.Sequential) else [m.body])}
        if m.skip is not None:
            if not isinstance(m.skip, (torch.nn.Linear, torch.nn.Conv2d)):
                raise ValueError(f"to_network: a residual skip must be a Linear or a 1x1 Conv2d, got {type(m.skip).__name__}")
            layer["skip"] = _v2_layer_of(m.skip)
        return layer
    raise ValueError(f"to_network: no flatcheck layer for {name}")


def loss_for(dataset):
    """MSELoss() for mse (mean over samples and outputs), CrossEntropyLoss() for cross-entropy (mean over samples)."""
    if dataset["loss"] == "mse":
        return torch.nn.MSELoss()
    if dataset["loss"] == "cross-entropy":
        return torch.nn.CrossEntropyLoss()
    raise ValueError(f"loss: expected mse or cross-entropy, got {dataset['loss']!r}")


def tensors(dataset, dtype=torch.float64):
    """(inputs, targets): float tensors (a sample per row, flat C·H·W for images), or int64 class labels for cross-entropy."""
    _, data = convert({"layers": []}, dataset, as_arrays=False)
    inputs = torch.tensor(data["inputs"], dtype=dtype)
    targets = torch.tensor(data["targets"], dtype=dtype if dataset["loss"] == "mse" else torch.int64)
    return inputs, targets


def flat_parameters(model):
    """θ in flatcheck's order (model.parameters() in order, each flattened row-major), detached."""
    parts = [p.detach().reshape(-1) for p in model.parameters()]
    return torch.cat(parts) if parts else torch.zeros(0, dtype=torch.float64)


def load_parameters(model, theta):
    """Sets the model's parameters from θ (flatcheck's order); returns the model."""
    count = sum(p.numel() for p in model.parameters())
    if theta.numel() != count:
        raise ValueError(f"theta: expected {count} numbers, one per parameter, got {theta.numel()}")
    with torch.no_grad():
        torch.nn.utils.vector_to_parameters(theta.reshape(-1), model.parameters())
    return model


def functional_forward(model, inputs):
    """θ ↦ the model's outputs on inputs with parameters θ, differentiable (twice) in θ; θ ↦ model(inputs) is the model's own."""
    named = [(name, p.shape, p.numel()) for name, p in model.named_parameters()]
    count = sum(n for _, _, n in named)

    def f(theta):
        if theta.numel() != count:
            raise ValueError(f"theta: expected {count} numbers, one per parameter, got {theta.numel()}")
        parameters = {}
        at = 0
        for name, shape, n in named:
            parameters[name] = theta[at : at + n].reshape(shape)
            at += n
        return _functional_call(model, parameters, (inputs,))

    return f


def functional_loss(model, loss, inputs, targets):
    """θ ↦ L(θ) for a model built by to_module (v1 or v2), differentiable (twice) in θ: for gradients and Hessians."""
    outputs = functional_forward(model, inputs)

    def f(theta):
        return loss(outputs(theta), targets)

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
