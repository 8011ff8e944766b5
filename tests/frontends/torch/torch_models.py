"""Hand-written PyTorch models for the frontend tests (small widths, to stay fast)."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class BasicBlock(nn.Module):
    def __init__(self, cin: int, cout: int, stride: int = 1):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = None
        if stride != 1 or cin != cout:
            self.downsample = nn.Sequential(
                nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout)
            )

    def forward(self, x):
        identity = x
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        if self.downsample is not None:
            identity = self.downsample(x)
        out += identity
        return self.relu(out)


class ResNet18(nn.Module):
    """torchvision's ResNet-18 layout (stem, 4 stages of 2 basic blocks, global pooling)."""

    def __init__(self, widths=(8, 16, 24, 32), num_classes: int = 10):
        super().__init__()
        self.conv1 = nn.Conv2d(3, widths[0], 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(widths[0])
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        layers, cin = [], widths[0]
        for i, w in enumerate(widths):
            stride = 1 if i == 0 else 2
            layers.append(nn.Sequential(BasicBlock(cin, w, stride), BasicBlock(w, w)))
            cin = w
        self.layer1, self.layer2, self.layer3, self.layer4 = layers
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(cin, num_classes)

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        x = torch.flatten(self.avgpool(x), 1)
        return self.fc(x)


def conv_bn_relu6(cin, cout, kernel=3, stride=1, groups=1):
    return nn.Sequential(
        nn.Conv2d(cin, cout, kernel, stride, (kernel - 1) // 2, groups=groups, bias=False),
        nn.BatchNorm2d(cout),
        nn.ReLU6(inplace=True),
    )


class InvertedResidual(nn.Module):
    def __init__(self, cin, cout, stride, expand):
        super().__init__()
        hidden = cin * expand
        self.use_res = stride == 1 and cin == cout
        layers = [] if expand == 1 else [conv_bn_relu6(cin, hidden, 1)]
        layers += [
            conv_bn_relu6(hidden, hidden, 3, stride, groups=hidden),  # depthwise
            nn.Conv2d(hidden, cout, 1, bias=False),
            nn.BatchNorm2d(cout),
        ]
        self.conv = nn.Sequential(*layers)

    def forward(self, x):
        return x + self.conv(x) if self.use_res else self.conv(x)


class MobileNetV2(nn.Module):
    """torchvision's MobileNetV2 structure with small widths; global pooling as x.mean."""

    def __init__(self, num_classes: int = 7):
        super().__init__()
        # (expand, channels, repeats, stride)
        settings = [(1, 8, 1, 1), (6, 12, 2, 2), (6, 16, 2, 2), (6, 24, 1, 1)]
        features, cin = [conv_bn_relu6(3, 8, stride=2)], 8
        for t, c, n, s in settings:
            for i in range(n):
                features.append(InvertedResidual(cin, c, s if i == 0 else 1, t))
                cin = c
        features.append(conv_bn_relu6(cin, 64, 1))
        self.features = nn.Sequential(*features)
        self.classifier = nn.Sequential(nn.Dropout(0.2), nn.Linear(64, num_classes))

    def forward(self, x):
        x = self.features(x)
        x = x.mean([2, 3])
        return self.classifier(x)


class BiLSTMClassifier(nn.Module):
    """Embedding -> 2-layer bidirectional LSTM -> final states of both directions -> Linear."""

    def __init__(self, vocab=50, emb=16, hidden=12, classes=3):
        super().__init__()
        self.embedding = nn.Embedding(vocab, emb, padding_idx=0)
        self.lstm = nn.LSTM(
            emb, hidden, num_layers=2, bidirectional=True, batch_first=True, dropout=0.1
        )
        self.dropout = nn.Dropout(0.3)
        self.fc = nn.Linear(2 * hidden, classes)

    def forward(self, ids):
        _, (h_n, _) = self.lstm(self.embedding(ids))
        h = torch.cat((h_n[-2], h_n[-1]), dim=1)
        return F.log_softmax(self.fc(self.dropout(h)), dim=1)


class BiLSTMTagger(nn.Module):
    """Time-major BiLSTM over every step, reading the last step's output and the sequence."""

    def __init__(self, vocab=40, emb=8, hidden=6, tags=5):
        super().__init__()
        self.embedding = nn.Embedding(vocab, emb)
        self.lstm = nn.LSTM(emb, hidden, bidirectional=True)  # batch_first=False
        self.tag = nn.Linear(2 * hidden, tags)

    def forward(self, ids):
        x = self.embedding(ids).transpose(0, 1)  # (T, N, E)
        out, _ = self.lstm(x)
        tags = self.tag(out).transpose(0, 1)  # (N, T, tags)
        return tags, out[-1]


def randomize_batch_norm(model: nn.Module, seed: int = 0) -> nn.Module:
    """Non-trivial running statistics and affine parameters, so BatchNorm errors show."""
    g = torch.Generator().manual_seed(seed)
    for m in model.modules():
        if isinstance(m, nn.modules.batchnorm._BatchNorm):
            with torch.no_grad():
                m.running_mean.copy_(torch.rand(m.num_features, generator=g) - 0.5)
                m.running_var.copy_(torch.rand(m.num_features, generator=g) + 0.5)
                if m.affine:
                    m.weight.copy_(torch.rand(m.num_features, generator=g) + 0.5)
                    m.bias.copy_(torch.rand(m.num_features, generator=g) - 0.5)
    return model.eval()


class KimCNN(nn.Module):
    """Kim (2014) text CNN: embedding as a 1-channel image, convolutions over windows of
    words, max over time, concatenation."""

    def __init__(self, vocab=50, emb=8, filters=4, windows=(2, 3, 4), classes=2):
        super().__init__()
        self.embedding = nn.Embedding(vocab, emb)
        self.convs = nn.ModuleList([nn.Conv2d(1, filters, (k, emb)) for k in windows])
        self.fc = nn.Linear(filters * len(windows), classes)

    def forward(self, ids):
        x = self.embedding(ids).unsqueeze(1)  # (N, 1, T, E)
        xs = [F.relu(conv(x)).squeeze(3) for conv in self.convs]  # (N, F, T')
        xs = [F.max_pool1d(x, x.size(2)).squeeze(2) for x in xs]  # (N, F)
        return self.fc(torch.cat(xs, 1))


class TinyUNet(nn.Module):
    """One down and one up level: a skip connection concatenated with a ConvTranspose2d."""

    def __init__(self):
        super().__init__()
        self.down = nn.Conv2d(3, 8, 3, padding=1)
        self.pool = nn.MaxPool2d(2)
        self.middle = nn.Conv2d(8, 16, 3, padding=1)
        self.up = nn.ConvTranspose2d(16, 8, 2, stride=2)
        self.out = nn.Conv2d(16, 2, 1)

    def forward(self, x):
        skip = F.relu(self.down(x))
        x = F.relu(self.middle(self.pool(skip)))
        return self.out(torch.cat([skip, self.up(x)], dim=1))
