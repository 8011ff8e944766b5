"""The frontends' error constructors: every refusal says where (a layer, a module, a function),
what is refused and why, the same way in both frontends.

``where`` is how the thing is named in messages: ``layer 'conv1' (Conv2D)``, ``module
'encoder.0' (nn.Linear)``, ``operation 'add' (keras.ops Add)``; ``node`` is the spec node
(or layer) name the error is filed under.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from nnspec.spec.errors import ConversionError

if TYPE_CHECKING:
    from pydantic import ValidationError


def refusal(
    where: str,
    why: str,
    *,
    node: str | None = None,
    attr: str | None = None,
    hint: str | None = None,
    file: str | None = None,
) -> ConversionError:
    """``where: why``, the one shape of a frontend refusal."""
    return ConversionError(f"{where}: {why}", node=node, attr=attr, hint=hint, file=file)


def unsupported_setting(
    where: str,
    key: str,
    value: Any,
    why: str = "",
    *,
    node: str | None = None,
    hint: str | None = None,
) -> ConversionError:
    """``where: key=value is not supported (why)``, filed under attribute ``key``."""
    text = f"{key}={value!r} is not supported" + (f" ({why})" if why else "")
    return refusal(where, text, node=node, attr=key, hint=hint)


def inexpressible(
    where: str, tag: str, error: ValidationError, *, node: str | None = None
) -> ConversionError:
    """An attribute value the spec's ``tag`` op cannot hold (pydantic's complaint, one line)."""
    errs = "; ".join(
        f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in error.errors()
    )
    return refusal(where, f"cannot be written as a {tag!r} node ({errs})", node=node)


def unsupported_parts(
    where: str, kind: str, found: list[str], *, hint: str | None = None
) -> ConversionError:
    """Every part of a model that has no converter, in one error: ``model 'm' has 2
    unsupported layer(s): 'a' (Lambda): ...; 'b' (...): ...``."""
    return ConversionError(
        f"{where} has {len(found)} unsupported {kind}(s): " + "; ".join(found), hint=hint
    )
