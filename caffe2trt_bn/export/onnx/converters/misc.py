"""Input, Dropout, Silence, Parameter."""

from __future__ import annotations

from ....ir import schema
from ....ir.graph import Layer
from ..context import Context, input_shapes
from ..params import layer_params
from ..registry import converter


@converter("Input")
def input_layer(ctx: Context, layer: Layer) -> None:
    """Every top is a graph input, shaped by ``input_param`` (or ``--input-shape``)."""
    shapes = input_shapes(ctx)
    for value in layer.outputs:
        ctx.graph_input(value, shapes[value.blob])


@converter("Dropout")
def dropout(ctx: Context, layer: Layer) -> None:
    """An identity at inference (Caffe scales at training time)."""
    if len(layer.bottoms) != 1 or len(layer.tops) != 1:
        raise ctx.refuse(layer, None, "Dropout takes one bottom and one top")
    layer_params(layer, schema.DropoutParameter)  # read (and checked) like every layer's parameters
    ctx.node("Identity", [ctx.input(layer, 0)], [ctx.output(layer, 0, ctx.shape(layer, 0))])


@converter("Silence")
def silence(ctx: Context, layer: Layer) -> None:
    """Consumes its bottoms: nothing to compute, and they are not net outputs."""
    if layer.tops:
        raise ctx.refuse(layer, "top", "Silence has no tops")


@converter("Parameter")
def parameter(ctx: Context, layer: Layer) -> None:
    """A learned blob as a top: the blob itself, shaped as ``parameter_param.shape``."""
    p = layer_params(layer, schema.ParameterParameter)
    shape = tuple(p.shape.dim)
    if len(layer.tops) != 1:
        raise ctx.refuse(layer, "top", "Parameter has one top")
    weight = ctx.weight(layer, 0, shape)
    ctx.node("Identity", [weight], [ctx.output(layer, 0, shape)])
