"""Hand-written PyTorch versions of MobileNetV2, EfficientNetB0, DenseNet121 and two seed
models, for bench/native.py.

Each is plain NCHW PyTorch as a person writes it (``nn.Sequential`` blocks, ``ReLU6``,
padding folded into the convolutions where Keras pads symmetrically, an explicit ``F.pad``
where Keras' "same" pads one more cell at the end), with exactly the layers of the Keras
model, and takes that model's weights. ResNet50's lives in resnet_handwritten.py.
``HANDWRITTEN[name](model)`` returns the module with the Keras weights loaded, in eval mode.
The masked seed models (text_lstm, sentiment_bilstm) have none: a hand-written masked LSTM
is a packed-sequence module with as many choices as the generated one, not a baseline.
"""

from __future__ import annotations


def _conv(m, layer, depthwise: bool = False) -> None:
    """Keras (kh, kw, in, out) or depthwise (kh, kw, C, 1) kernel -> PyTorch (out, in, kh, kw)."""
    import numpy as np
    import torch

    weights = layer.get_weights()
    kernel = weights[0]
    if kernel.ndim == 3:  # conv1d (k, in, out)
        order = (2, 1, 0)
    else:
        order = (2, 3, 0, 1) if depthwise else (3, 2, 0, 1)
    m.weight.data = torch.from_numpy(np.ascontiguousarray(kernel.transpose(order)))
    if len(weights) > 1:
        m.bias.data = torch.from_numpy(weights[1])


def _bn(m, layer) -> None:
    import torch

    gamma, beta, mean, var = layer.get_weights()
    for t, v in ((m.weight, gamma), (m.bias, beta), (m.running_mean, mean), (m.running_var, var)):
        t.data = torch.from_numpy(v)


def _dense(m, layer, rows=None) -> None:
    import numpy as np
    import torch

    kernel, bias = layer.get_weights()
    if rows is not None:
        kernel = kernel[rows]
    m.weight.data = torch.from_numpy(np.ascontiguousarray(kernel.T))
    m.bias.data = torch.from_numpy(bias)


def _same_pad(size: int, kernel: int = 3, stride: int = 2) -> tuple[int, int]:
    """TensorFlow's "same" padding (before, after) of one spatial dimension."""
    out = -(-size // stride)
    total = max((out - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2


def mobilenet_v2(model):
    """keras.applications.MobileNetV2 (alpha 1), NCHW."""
    import torch.nn.functional as F
    from torch import nn

    eps = 1e-3

    class InvertedResidual(nn.Module):
        def __init__(self, cin: int, cout: int, stride: int, expand: int, pad: tuple):
            super().__init__()
            hidden = cin * expand
            self.expand = nn.Identity()
            if expand != 1:
                self.expand = nn.Sequential(
                    nn.Conv2d(cin, hidden, 1, bias=False),
                    nn.BatchNorm2d(hidden, eps=eps),
                    nn.ReLU6(inplace=True),
                )
            self.pad = pad  # stride 2: Keras pads (0, 1) on even sides
            self.depthwise = nn.Conv2d(
                hidden,
                hidden,
                3,
                stride,
                padding=1 if stride == 1 else 0,
                groups=hidden,
                bias=False,
            )
            self.bn_dw = nn.BatchNorm2d(hidden, eps=eps)
            self.project = nn.Conv2d(hidden, cout, 1, bias=False)
            self.bn_project = nn.BatchNorm2d(cout, eps=eps)
            self.residual = stride == 1 and cin == cout

        def forward(self, x):
            out = self.expand(x)
            if self.pad:
                out = F.pad(out, self.pad)
            out = F.relu6(self.bn_dw(self.depthwise(out)))
            out = self.bn_project(self.project(out))
            return x + out if self.residual else out

    class MobileNetV2(nn.Module):
        def __init__(self, side: int, classes: int):
            super().__init__()
            before, after = _same_pad(side)
            self.stem_pad = (before, after, before, after)
            self.stem = nn.Conv2d(3, 32, 3, stride=2, bias=False)
            self.stem_bn = nn.BatchNorm2d(32, eps=eps)
            side = -(-side // 2)
            blocks, cin = [InvertedResidual(32, 16, 1, 1, ())], 16
            for cout, n, stride in (
                (24, 2, 2),
                (32, 3, 2),
                (64, 4, 2),
                (96, 3, 1),
                (160, 3, 2),
                (320, 1, 1),
            ):
                for i in range(n):
                    s = stride if i == 0 else 1
                    pad = ()
                    if s == 2:  # imagenet_utils.correct_pad
                        pad = (1, 1, 1, 1) if side % 2 else (0, 1, 0, 1)
                        side = -(-side // 2)
                    blocks.append(InvertedResidual(cin, cout, s, 6, pad))
                    cin = cout
            self.blocks = nn.Sequential(*blocks)
            self.head = nn.Conv2d(320, 1280, 1, bias=False)
            self.head_bn = nn.BatchNorm2d(1280, eps=eps)
            self.fc = nn.Linear(1280, classes)

        def forward(self, x):
            x = F.relu6(self.stem_bn(self.stem(F.pad(x, self.stem_pad))))
            x = self.blocks(x)
            x = F.relu6(self.head_bn(self.head(x)))
            return self.fc(x.mean((2, 3)))

    net = MobileNetV2(model.input_shape[1], model.get_layer("predictions").units)
    get = model.get_layer
    _conv(net.stem, get("Conv1"))
    _bn(net.stem_bn, get("bn_Conv1"))
    for i, block in enumerate(net.blocks):
        name = f"block_{i}" if i else "expanded_conv"
        if i:
            _conv(block.expand[0], get(f"{name}_expand"))
            _bn(block.expand[1], get(f"{name}_expand_BN"))
        _conv(block.depthwise, get(f"{name}_depthwise"), depthwise=True)
        _bn(block.bn_dw, get(f"{name}_depthwise_BN"))
        _conv(block.project, get(f"{name}_project"))
        _bn(block.bn_project, get(f"{name}_project_BN"))
    _conv(net.head, get("Conv_1"))
    _bn(net.head_bn, get("Conv_1_bn"))
    _dense(net.fc, get("predictions"))
    return net.eval()


def mnist_cnn(model):
    """examples/mnist_cnn.keras: conv-BN-pool-conv(stride 2, same)-flatten-dropout-dense, NCHW."""
    import numpy as np
    import torch.nn.functional as F
    from torch import nn

    class MnistCnn(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(1, 16, 3, padding=1)
            self.bn = nn.BatchNorm2d(16, eps=1e-3)
            self.pool = nn.MaxPool2d(2)
            self.conv2 = nn.Conv2d(16, 32, 3, stride=2)
            self.dropout = nn.Dropout(0.5)  # kept: a port that goes on training needs it
            self.fc = nn.Linear(32 * 7 * 7, 10)

        def forward(self, x):
            x = self.pool(self.bn(F.relu(self.conv1(x))))
            x = F.relu(self.conv2(F.pad(x, (0, 1, 0, 1))))  # Keras "same", stride 2, even side
            return F.softmax(self.fc(self.dropout(x.flatten(1))), dim=-1)

    net = MnistCnn()
    layers = [layer for layer in model.layers if layer.weights]
    _conv(net.conv1, layers[0])
    _bn(net.bn, layers[1])
    _conv(net.conv2, layers[2])
    # Keras flattens (H, W, C); this module flattens (C, H, W): reorder the kernel rows.
    rows = np.arange(7 * 7 * 32).reshape(7, 7, 32).transpose(2, 0, 1).reshape(-1)
    _dense(net.fc, layers[3], rows)
    return net.eval()


def cnn_lstm(model):
    """examples/cnn_lstm.yaml: causal conv1d x 2 with pooling, LSTM(64), dense, reshape."""
    import numpy as np
    import torch
    import torch.nn.functional as F
    from torch import nn

    class CnnLstm(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv1d(4, 32, 3)
            self.conv2 = nn.Conv1d(32, 32, 3)
            self.pool = nn.MaxPool1d(2)
            self.lstm = nn.LSTM(32, 64, batch_first=True)
            self.fc = nn.Linear(64, 6)

        def forward(self, series):
            x = series.transpose(1, 2)  # (N, T, F) -> (N, F, T)
            x = self.pool(F.relu(self.conv1(F.pad(x, (2, 0)))))  # causal: pad the past only
            x = self.pool(F.relu(self.conv2(F.pad(x, (2, 0)))))
            _, (h, _) = self.lstm(x.transpose(1, 2))
            return self.fc(h[-1]).view(-1, 3, 2)

    net = CnnLstm()
    get = model.get_layer
    _conv(net.conv1, get("conv1"))
    _conv(net.conv2, get("conv2"))
    kernel, recurrent, bias = (np.ascontiguousarray(w) for w in get("lstm").get_weights())
    net.lstm.weight_ih_l0.data = torch.from_numpy(np.ascontiguousarray(kernel.T))
    net.lstm.weight_hh_l0.data = torch.from_numpy(np.ascontiguousarray(recurrent.T))
    net.lstm.bias_ih_l0.data = torch.from_numpy(bias)
    net.lstm.bias_hh_l0.data = torch.zeros_like(net.lstm.bias_hh_l0)
    _dense(net.fc, get("forecast"))
    return net.eval()


def efficientnet_b0(model):
    """keras.applications.EfficientNetB0, NCHW: rescaling and normalisation of the input, then
    MBConv blocks (expand, depthwise, squeeze-excite, project, residual) and the head."""
    import torch
    import torch.nn.functional as F
    from torch import nn

    eps = 1e-3  # Keras' batch-norm default

    def conv_bn(cin: int, cout: int, kernel: int = 1, stride: int = 1, groups: int = 1):
        pad = kernel // 2 if stride == 1 else 0  # stride 2: an explicit F.pad (Keras' "same")
        conv = nn.Conv2d(cin, cout, kernel, stride, pad, groups=groups, bias=False)
        return conv, nn.BatchNorm2d(cout, eps=eps)

    class MBConv(nn.Module):
        def __init__(self, cin: int, cout: int, kernel: int, stride: int, expand: int, pad):
            super().__init__()
            hidden = cin * expand
            self.expand = expand != 1
            if self.expand:
                self.expand_conv, self.expand_bn = conv_bn(cin, hidden)
            self.pad = pad  # stride 2: imagenet_utils.correct_pad
            self.dwconv, self.bn = conv_bn(hidden, hidden, kernel, stride, groups=hidden)
            squeezed = max(1, int(cin * 0.25))
            self.se_reduce = nn.Conv2d(hidden, squeezed, 1)
            self.se_expand = nn.Conv2d(squeezed, hidden, 1)
            self.project_conv, self.project_bn = conv_bn(hidden, cout)
            self.residual = stride == 1 and cin == cout

        def forward(self, x):
            out = F.silu(self.expand_bn(self.expand_conv(x))) if self.expand else x
            if self.pad:
                out = F.pad(out, self.pad)
            out = F.silu(self.bn(self.dwconv(out)))
            se = out.mean((2, 3), keepdim=True)
            se = torch.sigmoid(self.se_expand(F.silu(self.se_reduce(se))))
            out = self.project_bn(self.project_conv(out * se))
            return out + x if self.residual else out  # dropout: identity at inference

    class EfficientNetB0(nn.Module):
        def __init__(self, side: int, classes: int):
            super().__init__()
            self.register_buffer("mean", torch.zeros(1, 3, 1, 1))
            self.register_buffer("std", torch.ones(1, 3, 1, 1))
            before, after = _same_pad(side)
            self.stem_pad = (before, after, before, after)
            self.stem_conv, self.stem_bn = conv_bn(3, 32, 3, 2)
            side = -(-side // 2)
            blocks, self.names, cin = [], [], 32
            for i, (kernel, repeats, cout, expand, stride) in enumerate(
                (
                    (3, 1, 16, 1, 1),
                    (3, 2, 24, 6, 2),
                    (5, 2, 40, 6, 2),
                    (3, 3, 80, 6, 2),
                    (5, 3, 112, 6, 1),
                    (5, 4, 192, 6, 2),
                    (3, 1, 320, 6, 1),
                )
            ):
                for j in range(repeats):
                    s = stride if j == 0 else 1
                    pad = ()
                    if s == 2:  # imagenet_utils.correct_pad
                        a, b = (
                            (kernel // 2, kernel // 2)
                            if side % 2
                            else (kernel // 2 - 1, kernel // 2)
                        )
                        pad = (a, b, a, b)
                        side = -(-side // 2)
                    blocks.append(MBConv(cin, cout, kernel, s, expand, pad))
                    self.names.append(f"block{i + 1}{chr(97 + j)}")
                    cin = cout
            self.blocks = nn.Sequential(*blocks)
            self.top_conv, self.top_bn = conv_bn(320, 1280)
            self.fc = nn.Linear(1280, classes)

        def forward(self, x):
            x = (x * (1.0 / 255.0) - self.mean) / self.std
            x = F.silu(self.stem_bn(self.stem_conv(F.pad(x, self.stem_pad))))
            x = self.blocks(x)
            x = F.silu(self.top_bn(self.top_conv(x)))
            return self.fc(x.mean((2, 3)))

    net = EfficientNetB0(model.input_shape[1], model.get_layer("predictions").units)
    get = model.get_layer
    norm = next(layer for layer in model.layers if type(layer).__name__ == "Normalization")
    mean, var = norm.get_weights()[:2]  # (its name has a counter: normalization_1, ...)
    net.mean.copy_(torch.from_numpy(mean).view(1, 3, 1, 1))
    net.std.copy_(torch.from_numpy(var).sqrt().clamp(min=1e-7).view(1, 3, 1, 1))
    _conv(net.stem_conv, get("stem_conv"))
    _bn(net.stem_bn, get("stem_bn"))
    for name, block in zip(net.names, net.blocks):
        if block.expand:
            _conv(block.expand_conv, get(f"{name}_expand_conv"))
            _bn(block.expand_bn, get(f"{name}_expand_bn"))
        _conv(block.dwconv, get(f"{name}_dwconv"), depthwise=True)
        _bn(block.bn, get(f"{name}_bn"))
        _conv(block.se_reduce, get(f"{name}_se_reduce"))
        _conv(block.se_expand, get(f"{name}_se_expand"))
        _conv(block.project_conv, get(f"{name}_project_conv"))
        _bn(block.project_bn, get(f"{name}_project_bn"))
    _conv(net.top_conv, get("top_conv"))
    _bn(net.top_bn, get("top_bn"))
    _dense(net.fc, get("predictions"))
    return net.eval()


def densenet121(model):
    """keras.applications.DenseNet121, NCHW: dense blocks of BN-ReLU-conv1x1-BN-ReLU-conv3x3
    concatenated onto their input, transitions of BN-ReLU-conv1x1-avgpool."""
    import torch
    import torch.nn.functional as F
    from torch import nn

    eps, growth = 1.001e-5, 32

    class Layer(nn.Module):
        def __init__(self, cin: int):
            super().__init__()
            self.bn0 = nn.BatchNorm2d(cin, eps=eps)
            self.conv1 = nn.Conv2d(cin, 4 * growth, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(4 * growth, eps=eps)
            self.conv2 = nn.Conv2d(4 * growth, growth, 3, padding=1, bias=False)

        def forward(self, x):
            out = self.conv1(F.relu(self.bn0(x), inplace=True))
            out = self.conv2(F.relu(self.bn1(out), inplace=True))
            return torch.cat([x, out], 1)

    class Transition(nn.Module):
        def __init__(self, cin: int):
            super().__init__()
            self.bn = nn.BatchNorm2d(cin, eps=eps)
            self.conv = nn.Conv2d(cin, cin // 2, 1, bias=False)
            self.pool = nn.AvgPool2d(2)

        def forward(self, x):
            return self.pool(self.conv(F.relu(self.bn(x), inplace=True)))

    class DenseNet121(nn.Module):
        def __init__(self, classes: int):
            super().__init__()
            self.conv1 = nn.Conv2d(3, 64, 7, stride=2, padding=3, bias=False)
            self.bn1 = nn.BatchNorm2d(64, eps=eps)
            self.pool = nn.MaxPool2d(3, stride=2, padding=1)  # after ReLU: zero padding
            stages, c = [], 64
            for i, n in enumerate((6, 12, 24, 16)):
                layers = []
                for _ in range(n):
                    layers.append(Layer(c))
                    c += growth
                if i < 3:
                    layers.append(Transition(c))
                    c //= 2
                stages.append(nn.Sequential(*layers))
            self.stages = nn.Sequential(*stages)
            self.bn = nn.BatchNorm2d(c, eps=eps)
            self.fc = nn.Linear(c, classes)

        def forward(self, x):
            x = self.pool(F.relu(self.bn1(self.conv1(x)), inplace=True))
            x = self.stages(x)
            x = F.relu(self.bn(x), inplace=True)
            return self.fc(x.mean((2, 3)))

    net = DenseNet121(model.get_layer("predictions").units)
    get = model.get_layer
    _conv(net.conv1, get("conv1_conv"))
    _bn(net.bn1, get("conv1_bn"))
    for s, stage in enumerate(net.stages, start=2):
        for b, layer in enumerate(stage, start=1):
            if isinstance(layer, Transition):
                _bn(layer.bn, get(f"pool{s}_bn"))
                _conv(layer.conv, get(f"pool{s}_conv"))
                continue
            name = f"conv{s}_block{b}"
            _bn(layer.bn0, get(f"{name}_0_bn"))
            _conv(layer.conv1, get(f"{name}_1_conv"))
            _bn(layer.bn1, get(f"{name}_1_bn"))
            _conv(layer.conv2, get(f"{name}_2_conv"))
    _bn(net.bn, get("bn"))
    _dense(net.fc, get("predictions"))
    return net.eval()


HANDWRITTEN = {
    "MobileNetV2": mobilenet_v2,
    "EfficientNetB0": efficientnet_b0,
    "DenseNet121": densenet121,
    "mnist_cnn": mnist_cnn,
    "cnn_lstm": cnn_lstm,
}
