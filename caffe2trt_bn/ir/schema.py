"""Caffe's messages as typed, frozen value classes: GENERATED from proto/caffe.proto and proto/caffe_forks.proto by
tools/gen_schema.py; do not edit (run ``python tools/gen_schema.py`` after editing the proto).

Attributes are the proto's field names with Caffe's defaults; an enum field holds its
value's name, a repeated field a tuple, a message field the sub-message (its default
instance when absent).  Float fields hold float32-rounded values, as Caffe stores them.
"""

from __future__ import annotations

from typing import ClassVar

from .spec import FieldSpec, Message

#: Every enum of the proto by full name (nested ones as ``Message.Enum``): name -> number.
ENUMS: dict[str, dict[str, int]] = {
    'Type': {'DOUBLE': 0, 'FLOAT': 1, 'FLOAT16': 2, 'INT': 3, 'UINT': 4, 'BOOL': 5},
    'Phase': {'TRAIN': 0, 'TEST': 1},
    'FillerParameter.VarianceNorm': {'FAN_IN': 0, 'FAN_OUT': 1, 'AVERAGE': 2},
    'ParamSpec.DimCheckMode': {'STRICT': 0, 'PERMISSIVE': 1},
    'LossParameter.NormalizationMode': {'FULL': 0, 'VALID': 1, 'BATCH_SIZE': 2, 'NONE': 3},
    'BatchNormParameter.Engine': {'DEFAULT': 0, 'CAFFE': 1, 'CUDNN': 2},
    'ConvolutionParameter.Engine': {'DEFAULT': 0, 'CAFFE': 1, 'CUDNN': 2},
    'DataParameter.DB': {'LEVELDB': 0, 'LMDB': 1},
    'EltwiseParameter.EltwiseOp': {'PROD': 0, 'SUM': 1, 'MAX': 2},
    'HingeLossParameter.Norm': {'L1': 1, 'L2': 2},
    'LRNParameter.NormRegion': {'ACROSS_CHANNELS': 0, 'WITHIN_CHANNEL': 1},
    'LRNParameter.Engine': {'DEFAULT': 0, 'CAFFE': 1, 'CUDNN': 2},
    'PoolingParameter.PoolMethod': {'MAX': 0, 'AVE': 1, 'STOCHASTIC': 2},
    'PoolingParameter.Engine': {'DEFAULT': 0, 'CAFFE': 1, 'CUDNN': 2},
    'PoolingParameter.RoundMode': {'CEIL': 0, 'FLOOR': 1},
    'ReductionParameter.ReductionOp': {'SUM': 1, 'ASUM': 2, 'SUMSQ': 3, 'MEAN': 4},
    'ReLUParameter.Engine': {'DEFAULT': 0, 'CAFFE': 1, 'CUDNN': 2},
    'SigmoidParameter.Engine': {'DEFAULT': 0, 'CAFFE': 1, 'CUDNN': 2},
    'SoftmaxParameter.Engine': {'DEFAULT': 0, 'CAFFE': 1, 'CUDNN': 2},
    'TanHParameter.Engine': {'DEFAULT': 0, 'CAFFE': 1, 'CUDNN': 2},
    'SPPParameter.PoolMethod': {'MAX': 0, 'AVE': 1, 'STOCHASTIC': 2},
    'SPPParameter.Engine': {'DEFAULT': 0, 'CAFFE': 1, 'CUDNN': 2},
    'V1LayerParameter.LayerType': {
        'NONE': 0, 'ABSVAL': 35, 'ACCURACY': 1, 'ARGMAX': 30, 'BNLL': 2, 'CONCAT': 3, 'CONTRASTIVE_LOSS': 37,
        'CONVOLUTION': 4, 'DATA': 5, 'DECONVOLUTION': 39, 'DROPOUT': 6, 'DUMMY_DATA': 32, 'EUCLIDEAN_LOSS': 7,
        'ELTWISE': 25, 'EXP': 38, 'FLATTEN': 8, 'HDF5_DATA': 9, 'HDF5_OUTPUT': 10, 'HINGE_LOSS': 28, 'IM2COL': 11,
        'IMAGE_DATA': 12, 'INFOGAIN_LOSS': 13, 'INNER_PRODUCT': 14, 'LRN': 15, 'MEMORY_DATA': 29,
        'MULTINOMIAL_LOGISTIC_LOSS': 16, 'MVN': 34, 'POOLING': 17, 'POWER': 26, 'RELU': 18, 'SIGMOID': 19,
        'SIGMOID_CROSS_ENTROPY_LOSS': 27, 'SILENCE': 36, 'SOFTMAX': 20, 'SOFTMAX_LOSS': 21, 'SPLIT': 22, 'SLICE': 33,
        'TANH': 23, 'WINDOW_DATA': 24, 'THRESHOLD': 31,
    },
    'V1LayerParameter.DimCheckMode': {'STRICT': 0, 'PERMISSIVE': 1},
    'V0LayerParameter.PoolMethod': {'MAX': 0, 'AVE': 1, 'STOCHASTIC': 2},
    'BNParameter.Engine': {'DEFAULT': 0, 'CAFFE': 1, 'CUDNN': 2},
    'BNParameter.BNMode': {'LEARN': 0, 'INFERENCE': 1},
    'PriorBoxParameter.CodeType': {'CORNER': 1, 'CENTER_SIZE': 2, 'CORNER_SIZE': 3},
    'DetectionOutputParameter.CodeType': {'CORNER': 1, 'CENTER_SIZE': 2, 'CORNER_SIZE': 3},
    'SsdResizeParameter.Resize_mode': {'WARP': 1, 'FIT_SMALL_SIZE': 2, 'FIT_LARGE_SIZE_AND_PAD': 3},
    'SsdResizeParameter.Pad_mode': {'CONSTANT': 1, 'MIRRORED': 2, 'REPEAT_NEAREST': 3},
    'SsdResizeParameter.Interp_mode': {'LINEAR': 1, 'AREA': 2, 'NEAREST': 3, 'CUBIC': 4, 'LANCZOS4': 5},
    'PadParameter.PadType': {'CONSTANT': 0, 'REPLICATE': 1, 'REFLECT': 2},
}


class BlobShape(Message):
    """``BlobShape`` (proto/caffe.proto, line 46)."""

    __slots__ = ('dim',)
    __match_args__ = ('dim',)

    dim: tuple[int, ...]

    FIELDS: ClassVar[dict[str, FieldSpec]] = {
        'dim': FieldSpec('dim', 1, 'repeated', 'int64', 'int', (), None, None, True),
    }
    ENUMS: ClassVar[dict[str, dict[str, int]]] = {}

    def __init__(
        self,
        dim: tuple[int, ...] = (),
    ) -> None:
        _set = object.__setattr__
        _set(self, 'dim', dim)


#: The default instance of BlobShape (what an absent field of that type reads as).
DEFAULT_BlobShape = BlobShape()

class BlobProto(Message):
    """``BlobProto`` (proto/caffe.proto, line 55)."""

    __slots__ = (
        'channels', 'data', 'diff', 'double_data', 'double_diff', 'height', 'num', 'raw_data', 'raw_data_type',
        'raw_diff', 'raw_diff_type', 'shape', 'width',
    )
    __match_args__ = (
        'shape', 'data', 'diff', 'double_data', 'double_diff', 'raw_data_type', 'raw_diff_type', 'raw_data', 'raw_diff',
        'num', 'channels', 'height', 'width',
    )

    shape: BlobShape
    data: tuple[float, ...]
    diff: tuple[float, ...]
    double_data: tuple[float, ...]
    double_diff: tuple[float, ...]
    raw_data_type: str
    raw_diff_type: str
    raw_data: bytes
    raw_diff: bytes
    num: int
    channels: int
    height: int
    width: int

    FIELDS: ClassVar[dict[str, FieldSpec]] = {
        'shape': FieldSpec('shape', 7, 'optional', 'BlobShape', 'message', None, None, 'BlobShape', False),
        'data': FieldSpec('data', 5, 'repeated', 'float', 'float', (), None, None, True),
        'diff': FieldSpec('diff', 6, 'repeated', 'float', 'float', (), None, None, True),
        'double_data': FieldSpec('double_data', 8, 'repeated', 'double', 'double', (), None, None, True),
        'double_diff': FieldSpec('double_diff', 9, 'repeated', 'double', 'double', (), None, None, True),
        'raw_data_type': FieldSpec(
            'raw_data_type', 10, 'optional', 'Type', 'enum', 'DOUBLE', ENUMS['Type'], None, False,
        ),
        'raw_diff_type': FieldSpec(
            'raw_diff_type', 11, 'optional', 'Type', 'enum', 'DOUBLE', ENUMS['Type'], None, False,
        ),
        'raw_data': FieldSpec('raw_data', 12, 'optional', 'bytes', 'bytes', b'', None, None, False),
        'raw_diff': FieldSpec('raw_diff', 13, 'optional', 'bytes', 'bytes', b'', None, None, False),
        'num': FieldSpec('num', 1, 'optional', 'int32', 'int', 0, None, None, False),
        'channels': FieldSpec('channels', 2, 'optional', 'int32', 'int', 0, None, None, False),
        'height': FieldSpec('height', 3, 'optional', 'int32', 'int', 0, None, None, False),
        'width': FieldSpec('width', 4, 'optional', 'int32', 'int', 0, None, None, False),
    }
    ENUMS: ClassVar[dict[str, dict[str, int]]] = {}

    def __init__(
        self,
        shape: BlobShape = DEFAULT_BlobShape,
        data: tuple[float, ...] = (),
        diff: tuple[float, ...] = (),
        double_data: tuple[float, ...] = (),
        double_diff: tuple[float, ...] = (),
        raw_data_type: str = 'DOUBLE',
        raw_diff_type: str = 'DOUBLE',
        raw_data: bytes = b'',
        raw_diff: bytes = b'',
        num: int = 0,
        channels: int = 0,
        height: int = 0,
        width: int = 0,
    ) -> None:
        _set = object.__setattr__
        _set(self, 'shape', shape)
        _set(self, 'data', data)
        _set(self, 'diff', diff)
        _set(self, 'double_data', double_data)
        _set(self, 'double_diff', double_diff)
        _set(self, 'raw_data_type', raw_data_type)
        _set(self, 'raw_diff_type', raw_diff_type)
        _set(self, 'raw_data', raw_data)
        _set(self, 'raw_diff', raw_diff)
        _set(self, 'num', num)
        _set(self, 'channels', channels)
        _set(self, 'height', height)
        _set(self, 'width', width)


#: The default instance of BlobProto (what an absent field of that type reads as).
DEFAULT_BlobProto = BlobProto()

class BlobProtoVector(Message):
    """``BlobProtoVector`` (proto/caffe.proto, line 79)."""

    __slots__ = ('blobs',)
    __match_args__ = ('blobs',)

    blobs: tuple[BlobProto, ...]

    FIELDS: ClassVar[dict[str, FieldSpec]] = {
        'blobs': FieldSpec('blobs', 1, 'repeated', 'BlobProto', 'message', (), None, 'BlobProto', False),
    }
    ENUMS: ClassVar[dict[str, dict[str, int]]] = {}

    def __init__(
        self,
        blobs: tuple[BlobProto, ...] = (),
    ) -> None:
        _set = object.__setattr__
        _set(self, 'blobs', blobs)


#: The default instance of BlobProtoVector (what an absent field of that type reads as).
DEFAULT_BlobProtoVector = BlobProtoVector()

class Datum(Message):
    """``Datum`` (proto/caffe.proto, line 84)."""

    __slots__ = ('channels', 'data', 'encoded', 'float_data', 'height', 'label', 'width')
    __match_args__ = ('channels', 'height', 'width', 'data', 'label', 'float_data', 'encoded')

    channels: int
    height: int
    width: int
    data: bytes
    label: int
    float_data: tuple[float, ...]
    encoded: bool

    FIELDS: ClassVar[dict[str, FieldSpec]] = {
        'channels': FieldSpec('channels', 1, 'optional', 'int32', 'int', 0, None, None, False),
        'height': FieldSpec('height', 2, 'optional', 'int32', 'int', 0, None, None, False),
        'width': FieldSpec('width', 3, 'optional', 'int32', 'int', 0, None, None, False),
        'data': FieldSpec('data', 4, 'optional', 'bytes', 'bytes', b'', None, None, False),
        'label': FieldSpec('label', 5, 'optional', 'int32', 'int', 0, None, None, False),
        'float_data': FieldSpec('float_data', 6, 'repeated', 'float', 'float', (), None, None, False),
        'encoded': FieldSpec('encoded', 7, 'optional', 'bool', 'bool', False, None, None, False),
    }
    ENUMS: ClassVar[dict[str, dict[str, int]]] = {}

    def __init__(
        self,
        channels: int = 0,
        height: int = 0,
        width: int = 0,
        data: bytes = b'',
        label: int = 0,
        float_data: tuple[float, ...] = (),
        encoded: bool = False,
    ) -> None:
        _set = object.__setattr__
        _set(self, 'channels', channels)
        _set(self, 'height', height)
        _set(self, 'width', width)
        _set(self, 'data', data)
        _set(self, 'label', label)
        _set(self, 'float_data', float_data)
        _set(self, 'encoded', encoded)


#: The default instance of Datum (what an absent field of that type reads as).
DEFAULT_Datum = Datum()

class FillerParameter(Message):
    """``FillerParameter`` (proto/caffe.proto, line 95)."""

    __slots__ = ('max', 'mean', 'min', 'sparse', 'std', 'type', 'value', 'variance_norm')
    __match_args__ = ('type', 'value', 'min', 'max', 'mean', 'std', 'sparse', 'variance_norm')

    type: str
    value: float
    min: float
    max: float
    mean: float
    std: float
    sparse: int
    variance_norm: str

    FIELDS: ClassVar[dict[str, FieldSpec]] = {
        'type': FieldSpec('type', 1, 'optional', 'string', 'string', 'constant', None, None, False),
        'value': FieldSpec('value', 2, 'optional', 'float', 'float', 0.0, None, None, False),
        'min': FieldSpec('min', 3, 'optional', 'float', 'float', 0.0, None, None, False),
        'max': FieldSpec('max', 4, 'optional', 'float', 'float', 1.0, None, None, False),
        'mean': FieldSpec('mean', 5, 'optional', 'float', 'float', 0.0, None, None, False),
        'std': FieldSpec('std', 6, 'optional', 'float', 'float', 1.0, None, None, False),
        'sparse': FieldSpec('sparse', 7, 'optional', 'int32', 'int', -1, None, None, False),
        'variance_norm': FieldSpec(
            'variance_norm', 8, 'optional', 'VarianceNorm', 'enum', 'FAN_IN', ENUMS['FillerParameter.VarianceNorm'],
            None, False,
        ),
    }
    ENUMS: ClassVar[dict[str, dict[str, int]]] = {'VarianceNorm': ENUMS['FillerParameter.VarianceNorm']}

    def __init__(
        self,
        type: str = 'constant',
        value: float = 0.0,
        min: float = 0.0,
        max: float = 1.0,
        mean: float = 0.0,
        std: float = 1.0,
        sparse: int = -1,
        variance_norm: str = 'FAN_IN',
    ) -> None:
        _set = object.__setattr__
        _set(self, 'type', type)
        _set(self, 'value', value)
        _set(self, 'min', min)
        _set(self, 'max', max)
        _set(self, 'mean', mean)
        _set(self, 'std', std)
        _set(self, 'sparse', sparse)
        _set(self, 'variance_norm', variance_norm)


#: The default instance of FillerParameter (what an absent field of that type reads as).
DEFAULT_FillerParameter = FillerParameter()

class NetState(Message):
    """``NetState`` (proto/caffe.proto, line 144)."""

    __slots__ = ('level', 'phase', 'stage')
    __match_args__ = ('phase', 'level', 'stage')

    phase: str
    level: int
    stage: tuple[str, ...]

    FIELDS: ClassVar[dict[str, FieldSpec]] = {
        'phase': FieldSpec('phase', 1, 'optional', 'Phase', 'enum', 'TEST', ENUMS['Phase'], None, False),
        'level': FieldSpec('level', 2, 'optional', 'int32', 'int', 0, None, None, False),
        'stage': FieldSpec('stage', 3, 'repeated', 'string', 'string', (), None, None, False),
    }
    ENUMS: ClassVar[dict[str, dict[str, int]]] = {}

    def __init__(
        self,
        phase: str = 'TEST',
        level: int = 0,
        stage: tuple[str, ...] = (),
    ) -> None:
        _set = object.__setattr__
        _set(self, 'phase', phase)
        _set(self, 'level', level)
        _set(self, 'stage', stage)


#: The default instance of NetState (what an absent field of that type reads as).
DEFAULT_NetState = NetState()

class NetParameter(Message):
    """``NetParameter`` (proto/caffe.proto, line 118)."""

    __slots__ = (
        'debug_info', 'force_backward', 'input', 'input_dim', 'input_shape', 'layer', 'layers', 'name', 'state',
    )
    __match_args__ = (
        'name', 'input', 'input_shape', 'input_dim', 'force_backward', 'state', 'debug_info', 'layer', 'layers',
    )

    name: str
    input: tuple[str, ...]
    input_shape: tuple[BlobShape, ...]
    input_dim: tuple[int, ...]
    force_backward: bool
    state: NetState
    debug_info: bool
    layer: tuple[LayerParameter, ...]
    layers: tuple[V1LayerParameter, ...]

    FIELDS: ClassVar[dict[str, FieldSpec]] = {
        'name': FieldSpec('name', 1, 'optional', 'string', 'string', '', None, None, False),
        'input': FieldSpec('input', 3, 'repeated', 'string', 'string', (), None, None, False),
        'input_shape': FieldSpec('input_shape', 8, 'repeated', 'BlobShape', 'message', (), None, 'BlobShape', False),
        'input_dim': FieldSpec('input_dim', 4, 'repeated', 'int32', 'int', (), None, None, False),
        'force_backward': FieldSpec('force_backward', 5, 'optional', 'bool', 'bool', False, None, None, False),
        'state': FieldSpec('state', 6, 'optional', 'NetState', 'message', None, None, 'NetState', False),
        'debug_info': FieldSpec('debug_info', 7, 'optional', 'bool', 'bool', False, None, None, False),
        'layer': FieldSpec('layer', 100, 'repeated', 'LayerParameter', 'message', (), None, 'LayerParameter', False),
        'layers': FieldSpec(
            'layers', 2, 'repeated', 'V1LayerParameter', 'message', (), None, 'V1LayerParameter', False,
        ),
    }
    ENUMS: ClassVar[dict[str, dict[str, int]]] = {}

    def __init__(
        self,
        name: str = '',
        input: tuple[str, ...] = (),
        input_shape: tuple[BlobShape, ...] = (),
        input_dim: tuple[int, ...] = (),
        force_backward: bool = False,
        state: NetState = DEFAULT_NetState,
        debug_info: bool = False,
        layer: tuple[LayerParameter, ...] = (),
        layers: tuple[V1LayerParameter, ...] = (),
    ) -> None:
        _set = object.__setattr__
        _set(self, 'name', name)
        _set(self, 'input', input)
        _set(self, 'input_shape', input_shape)
        _set(self, 'input_dim', input_dim)
        _set(self, 'force_backward', force_backward)
        _set(self, 'state', state)
        _set(self, 'debug_info', debug_info)
        _set(self, 'layer', layer)
        _set(self, 'layers', layers)


#: The default instance of NetParameter (what an absent field of that type reads as).
DEFAULT_NetParameter = NetParameter()

class NetStateRule(Message):
    """``NetStateRule`` (proto/caffe.proto, line 151)."""

    __slots__ = ('max_level', 'min_level', 'not_stage', 'phase', 'stage')
    __match_args__ = ('phase', 'min_level', 'max_level', 'stage', 'not_stage')

    phase: str
    min_level: int
    max_level: int
    stage: tuple[str, ...]
    not_stage: tuple[str, ...]

    FIELDS: ClassVar[dict[str, FieldSpec]] = {
        'phase': FieldSpec('phase', 1, 'optional', 'Phase', 'enum', 'TRAIN', ENUMS['Phase'], None, False),
        'min_level': FieldSpec('min_level', 2, 'optional', 'int32', 'int', 0, None, None, False),
        'max_level': FieldSpec('max_level', 3, 'optional', 'int32', 'int', 0, None, None, False),
        'stage': FieldSpec('stage', 4, 'repeated', 'string', 'string', (), None, None, False),
        'not_stage': FieldSpec('not_stage', 5, 'repeated', 'string', 'string', (), None, None, False),
    }
    ENUMS: ClassVar[dict[str, dict[str, int]]] = {}

    def __init__(
        self,
        phase: str = 'TRAIN',
        min_level: int = 0,
        max_level: int = 0,
        stage: tuple[str, ...] = (),
        not_stage: tuple[str, ...] = (),
    ) -> None:
        _set = object.__setattr__
        _set(self, 'phase', phase)
        _set(self, 'min_level', min_level)
        _set(self, 'max_level', max_level)
        _set(self, 'stage', stage)
        _set(self, 'not_stage', not_stage)


#: The default instance of NetStateRule (what an absent field of that type reads as).
DEFAULT_NetStateRule = NetStateRule()

class ParamSpec(Message):
    """``ParamSpec`` (proto/caffe.proto, line 160)."""

    __slots__ = ('decay_mult', 'lr_mult', 'name', 'share_mode')
    __match_args__ = ('name', 'share_mode', 'lr_mult', 'decay_mult')

    name: str
    share_mode: str
    lr_mult: float
    decay_mult: float

    FIELDS: ClassVar[dict[str, FieldSpec]] = {
        'name': FieldSpec('name', 1, 'optional', 'string', 'string', '', None, None, False),
        'share_mode': FieldSpec(
            'share_mode', 2, 'optional', 'DimCheckMode', 'enum', 'STRICT', ENUMS['ParamSpec.DimCheckMode'], None, False,
        ),
        'lr_mult': FieldSpec('lr_mult', 3, 'optional', 'float', 'float', 1.0, None, None, False),
        'decay_mult': FieldSpec('decay_mult', 4, 'optional', 'float', 'float', 1.0, None, None, False),
    }
    ENUMS: ClassVar[dict[str, dict[str, int]]] = {'DimCheckMode': ENUMS['ParamSpec.DimCheckMode']}

    def __init__(
        self,
        name: str = '',
        share_mode: str = 'STRICT',
        lr_mult: float = 1.0,
        decay_mult: float = 1.0,
    ) -> None:
        _set = object.__setattr__
        _set(self, 'name', name)
        _set(self, 'share_mode', share_mode)
        _set(self, 'lr_mult', lr_mult)
        _set(self, 'decay_mult', decay_mult)


#: The default instance of ParamSpec (what an absent field of that type reads as).
DEFAULT_ParamSpec = ParamSpec()

class TransformationParameter(Message):
    """``TransformationParameter`` (proto/caffe.proto, line 240)."""

    __slots__ = ('crop_size', 'force_color', 'force_gray', 'mean_file', 'mean_value', 'mirror', 'scale')
    __match_args__ = ('scale', 'mirror', 'crop_size', 'mean_file', 'mean_value', 'force_color', 'force_gray')

    scale: float
    mirror: bool
    crop_size: int
    mean_file: str
    mean_value: tuple[float, ...]
    force_color: bool
    force_gray: bool

    FIELDS: ClassVar[dict[str, FieldSpec]] = {
        'scale': FieldSpec('scale', 1, 'optional', 'float', 'float', 1.0, None, None, False),
        'mirror': FieldSpec('mirror', 2, 'optional', 'bool', 'bool', False, None, None, False),
        'crop_size': FieldSpec('crop_size', 3, 'optional', 'uint32', 'int', 0, None, None, False),
        'mean_file': FieldSpec('mean_file', 4, 'optional', 'string', 'string', '', None, None, False),
        'mean_value': FieldSpec('mean_value', 5, 'repeated', 'float', 'float', (), None, None, False),
        'force_color': FieldSpec('force_color', 6, 'optional', 'bool', 'bool', False, None, None, False),
        'force_gray': FieldSpec('force_gray', 7, 'optional', 'bool', 'bool', False, None, None, False),
    }
    ENUMS: ClassVar[dict[str, dict[str, int]]] = {}

    def __init__(
        self,
        scale: float = 1.0,
        mirror: bool = False,
        crop_size: int = 0,
        mean_file: str = '',
        mean_value: tuple[float, ...] = (),
        force_color: bool = False,
        force_gray: bool = False,
    ) -> None:
        _set = object.__setattr__
        _set(self, 'scale', scale)
        _set(self, 'mirror', mirror)
        _set(self, 'crop_size', crop_size)
        _set(self, 'mean_file', mean_file)
        _set(self, 'mean_value', mean_value)
        _set(self, 'force_color', force_color)
        _set(self, 'force_gray', force_gray)


#: The default instance of TransformationParameter (what an absent field of that type reads as).
DEFAULT_TransformationParameter = TransformationParameter()

class LossParameter(Message):
    """``LossParameter`` (proto/caffe.proto, line 251)."""

    __slots__ = ('ignore_label', 'normalization', 'normalize')
    __match_args__ = ('ignore_label', 'normalization', 'normalize')

    ignore_label: int
    normalization: str
    normalize: bool

    FIELDS: ClassVar[dict[str, FieldSpec]] = {
        'ignore_label': FieldSpec('ignore_label', 1, 'optional', 'int32', 'int', 0, None, None, False),
        'normalization': FieldSpec(
            'normalization', 3, 'optional', 'NormalizationMode', 'enum', 'VALID',
            ENUMS['LossParameter.NormalizationMode'], None, False,
        ),
        'normalize': FieldSpec('normalize', 2, 'optional', 'bool', 'bool', False, None, None, False),
    }
    ENUMS: ClassVar[dict[str, dict[str, int]]] = {'NormalizationMode': ENUMS['LossParameter.NormalizationMode']}

    def __init__(
        self,
        ignore_label: int = 0,
        normalization: str = 'VALID',
        normalize: bool = False,
    ) -> None:
        _set = object.__setattr__
        _set(self, 'ignore_label', ignore_label)
        _set(self, 'normalization', normalization)
        _set(self, 'normalize', normalize)


#: The default instance of LossParameter (what an absent field of that type reads as).
DEFAULT_LossParameter = LossParameter()

class AccuracyParameter(Message):
    """``AccuracyParameter`` (proto/caffe.proto, line 268)."""

    __slots__ = ('axis', 'ignore_label', 'top_k')
    __match_args__ = ('top_k', 'axis', 'ignore_label')

    top_k: int
    axis: int
    ignore_label: int

    FIELDS: ClassVar[dict[str, FieldSpec]] = {
        'top_k': FieldSpec('top_k', 1, 'optional', 'uint32', 'int', 1, None, None, False),
        'axis': FieldSpec('axis', 2, 'optional', 'int32', 'int', 1, None, None, False),
        'ignore_label': FieldSpec('ignore_label', 3, 'optional', 'int32', 'int', 0, None, None, False),
    }
    ENUMS: ClassVar[dict[str, dict[str, int]]] = {}

    def __init__(
        self,
        top_k: int = 1,
        axis: int = 1,
        ignore_label: int = 0,
    ) -> None:
        _set = object.__setattr__
        _set(self, 'top_k', top_k)
        _set(self, 'axis', axis)
        _set(self, 'ignore_label', ignore_label)


#: The default instance of AccuracyParameter (what an absent field of that type reads as).
DEFAULT_AccuracyParameter = AccuracyParameter()

class ArgMaxParameter(Message):
    """``ArgMaxParameter`` (proto/caffe.proto, line 274)."""

    __slots__ = ('axis', 'out_max_val', 'top_k')
    __match_args__ = ('out_max_val', 'top_k', 'axis')

    out_max_val: bool
    top_k: int
    axis: int

    FIELDS: ClassVar[dict[str, FieldSpec]] = {
        'out_max_val': FieldSpec('out_max_val', 1, 'optional', 'bool', 'bool', False, None, None, False),
        'top_k': FieldSpec('top_k', 2, 'optional', 'uint32', 'int', 1, None, None, False),
        'axis': FieldSpec('axis', 3, 'optional', 'int32', 'int', 0, None, None, False),
    }
    ENUMS: ClassVar[dict[str, dict[str, int]]] = {}

    def __init__(
        self,
        out_max_val: bool = False,
        top_k: int = 1,
        axis: int = 0,
    ) -> None:
        _set = object.__setattr__
        _set(self, 'out_max_val', out_max_val)
        _set(self, 'top_k', top_k)
        _set(self, 'axis', axis)


#: The default instance of ArgMaxParameter (what an absent field of that type reads as).
DEFAULT_ArgMaxParameter = ArgMaxParameter()

class ConcatParameter(Message):
    """``ConcatParameter`` (proto/caffe.proto, line 286)."""

    __slots__ = ('axis', 'concat_dim')
    __match_args__ = ('axis', 'concat_dim')

    axis: int
    concat_dim: int

    FIELDS: ClassVar[dict[str, FieldSpec]] = {
        'axis': FieldSpec('axis', 2, 'optional', 'int32', 'int', 1, None, None, False),
        'concat_dim': FieldSpec('concat_dim', 1, 'optional', 'uint32', 'int', 1, None, None, False),
    }
    ENUMS: ClassVar[dict[str, dict[str, int]]] = {}

    def __init__(
        self,
        axis: int = 1,
        concat_dim: int = 1,
    ) -> None:
        _set = object.__setattr__
        _set(self, 'axis', axis)
        _set(self, 'concat_dim', concat_dim)


#: The default instance of ConcatParameter (what an absent field of that type reads as).
DEFAULT_ConcatParameter = ConcatParameter()

class ContrastiveLossParameter(Message):
    """``ContrastiveLossParameter`` (proto/caffe.proto, line 327)."""

    __slots__ = ('legacy_version', 'margin')
    __match_args__ = ('margin', 'legacy_version')

    margin: float
    legacy_version: bool

    FIELDS: ClassVar[dict[str, FieldSpec]] = {
        'margin': FieldSpec('margin', 1, 'optional', 'float', 'float', 1.0, None, None, False),
        'legacy_version': FieldSpec('legacy_version', 2, 'optional', 'bool', 'bool', False, None, None, False),
    }
    ENUMS: ClassVar[dict[str, dict[str, int]]] = {}

    def __init__(
        self,
        margin: float = 1.0,
        legacy_version: bool = False,
    ) -> None:
        _set = object.__setattr__
        _set(self, 'margin', margin)
        _set(self, 'legacy_version', legacy_version)


#: The default instance of ContrastiveLossParameter (what an absent field of that type reads as).
DEFAULT_ContrastiveLossParameter = ContrastiveLossParameter()

class ConvolutionParameter(Message):
    """``ConvolutionParameter`` (proto/caffe.proto, line 333)."""

    __slots__ = (
        'axis', 'bias_filler', 'bias_term', 'dilation', 'engine', 'force_nd_im2col', 'group', 'kernel_h', 'kernel_size',
        'kernel_w', 'num_output', 'pad', 'pad_h', 'pad_w', 'stride', 'stride_h', 'stride_w', 'weight_filler',
    )
    __match_args__ = (
        'num_output', 'bias_term', 'pad', 'kernel_size', 'group', 'stride', 'weight_filler', 'bias_filler', 'pad_h',
        'pad_w', 'kernel_h', 'kernel_w', 'stride_h', 'stride_w', 'engine', 'axis', 'force_nd_im2col', 'dilation',
    )

    num_output: int
    bias_term: bool
    pad: tuple[int, ...]
    kernel_size: tuple[int, ...]
    group: int
    stride: tuple[int, ...]
    weight_filler: FillerParameter
    bias_filler: FillerParameter
    pad_h: int
    pad_w: int
    kernel_h: int
    kernel_w: int
    stride_h: int
    stride_w: int
    engine: str
    axis: int
    force_nd_im2col: bool
    dilation: tuple[int, ...]

    FIELDS: ClassVar[dict[str, FieldSpec]] = {
        'num_output': FieldSpec('num_output', 1, 'optional', 'uint32', 'int', 0, None, None, False),
        'bias_term': FieldSpec('bias_term', 2, 'optional', 'bool', 'bool', True, None, None, False),
        'pad': FieldSpec('pad', 3, 'repeated', 'uint32', 'int', (), None, None, False),
        'kernel_size': FieldSpec('kernel_size', 4, 'repeated', 'uint32', 'int', (), None, None, False),
        'group': FieldSpec('group', 5, 'optional', 'uint32', 'int', 1, None, None, False),
        'stride': FieldSpec('stride', 6, 'repeated', 'uint32', 'int', (), None, None, False),
        'weight_filler': FieldSpec(
            'weight_filler', 7, 'optional', 'FillerParameter', 'message', None, None, 'FillerParameter', False,
        ),
        'bias_filler': FieldSpec(
            'bias_filler', 8, 'optional', 'FillerParameter', 'message', None, None, 'FillerParameter', False,
        ),
        'pad_h': FieldSpec('pad_h', 9, 'optional', 'uint32', 'int', 0, None, None, False),
        'pad_w': FieldSpec('pad_w', 10, 'optional', 'uint32', 'int', 0, None, None, False),
        'kernel_h': FieldSpec('kernel_h', 11, 'optional', 'uint32', 'int', 0, None, None, False),
        'kernel_w': FieldSpec('kernel_w', 12, 'optional', 'uint32', 'int', 0, None, None, False),
        'stride_h': FieldSpec('stride_h', 13, 'optional', 'uint32', 'int', 0, None, None, False),
        'stride_w': FieldSpec('stride_w', 14, 'optional', 'uint32', 'int', 0, None, None, False),
        'engine': FieldSpec(
            'engine', 15, 'optional', 'Engine', 'enum', 'DEFAULT', ENUMS['ConvolutionParameter.Engine'], None, False,
        ),
        'axis': FieldSpec('axis', 16, 'optional', 'int32', 'int', 1, None, None, False),
        'force_nd_im2col': FieldSpec('force_nd_im2col', 17, 'optional', 'bool', 'bool', False, None, None, False),
        'dilation': FieldSpec('dilation', 18, 'repeated', 'uint32', 'int', (), None, None, False),
    }
    ENUMS: ClassVar[dict[str, dict[str, int]]] = {'Engine': ENUMS['ConvolutionParameter.Engine']}

    def __init__(
        self,
        num_output: int = 0,
        bias_term: bool = True,
        pad: tuple[int, ...] = (),
        kernel_size: tuple[int, ...] = (),
        group: int = 1,
        stride: tuple[int, ...] = (),
        weight_filler: FillerParameter = DEFAULT_FillerParameter,
        bias_filler: FillerParameter = DEFAULT_FillerParameter,
        pad_h: int = 0,
        pad_w: int = 0,
        kernel_h: int = 0,
        kernel_w: int = 0,
        stride_h: int = 0,
        stride_w: int = 0,
        engine: str = 'DEFAULT',
        axis: int = 1,
        force_nd_im2col: bool = False,
        dilation: tuple[int, ...] = (),
    ) -> None:
        _set = object.__setattr__
        _set(self, 'num_output', num_output)
        _set(self, 'bias_term', bias_term)
        _set(self, 'pad', pad)
        _set(self, 'kernel_size', kernel_size)
        _set(self, 'group', group)
        _set(self, 'stride', stride)
        _set(self, 'weight_filler', weight_filler)
        _set(self, 'bias_filler', bias_filler)
        _set(self, 'pad_h', pad_h)
        _set(self, 'pad_w', pad_w)
        _set(self, 'kernel_h', kernel_h)
        _set(self, 'kernel_w', kernel_w)
        _set(self, 'stride_h', stride_h)
        _set(self, 'stride_w', stride_w)
        _set(self, 'engine', engine)
        _set(self, 'axis', axis)
        _set(self, 'force_nd_im2col', force_nd_im2col)
        _set(self, 'dilation', dilation)


#: The default instance of ConvolutionParameter (what an absent field of that type reads as).
DEFAULT_ConvolutionParameter = ConvolutionParameter()

class DataParameter(Message):
    """``DataParameter`` (proto/caffe.proto, line 368)."""

    __slots__ = (
        'backend', 'batch_size', 'crop_size', 'force_encoded_color', 'mean_file', 'mirror', 'prefetch', 'rand_skip',
        'scale', 'source',
    )
    __match_args__ = (
        'source', 'scale', 'mean_file', 'batch_size', 'crop_size', 'mirror', 'rand_skip', 'backend',
        'force_encoded_color', 'prefetch',
    )

    source: str
    scale: float
    mean_file: str
    batch_size: int
    crop_size: int
    mirror: bool
    rand_skip: int
    backend: str
    force_encoded_color: bool
    prefetch: int

    FIELDS: ClassVar[dict[str, FieldSpec]] = {
        'source': FieldSpec('source', 1, 'optional', 'string', 'string', '', None, None, False),
        'scale': FieldSpec('scale', 2, 'optional', 'float', 'float', 1.0, None, None, False),
        'mean_file': FieldSpec('mean_file', 3, 'optional', 'string', 'string', '', None, None, False),
        'batch_size': FieldSpec('batch_size', 4, 'optional', 'uint32', 'int', 0, None, None, False),
        'crop_size': FieldSpec('crop_size', 5, 'optional', 'uint32', 'int', 0, None, None, False),
        'mirror': FieldSpec('mirror', 6, 'optional', 'bool', 'bool', False, None, None, False),
        'rand_skip': FieldSpec('rand_skip', 7, 'optional', 'uint32', 'int', 0, None, None, False),
        'backend': FieldSpec('backend', 8, 'optional', 'DB', 'enum', 'LEVELDB', ENUMS['DataParameter.DB'], None, False),
        'force_encoded_color': FieldSpec(
            'force_encoded_color', 9, 'optional', 'bool', 'bool', False, None, None, False,
        ),
        'prefetch': FieldSpec('prefetch', 10, 'optional', 'uint32', 'int', 4, None, None, False),
    }
    ENUMS: ClassVar[dict[str, dict[str, int]]] = {'DB': ENUMS['DataParameter.DB']}

    def __init__(
        self,
        source: str = '',
        scale: float = 1.0,
        mean_file: str = '',
        batch_size: int = 0,
        crop_size: int = 0,
        mirror: bool = False,
        rand_skip: int = 0,
        backend: str = 'LEVELDB',
        force_encoded_color: bool = False,
        prefetch: int = 4,
    ) -> None:
        _set = object.__setattr__
        _set(self, 'source', source)
        _set(self, 'scale', scale)
        _set(self, 'mean_file', mean_file)
        _set(self, 'batch_size', batch_size)
        _set(self, 'crop_size', crop_size)
        _set(self, 'mirror', mirror)
        _set(self, 'rand_skip', rand_skip)
        _set(self, 'backend', backend)
        _set(self, 'force_encoded_color', force_encoded_color)
        _set(self, 'prefetch', prefetch)


#: The default instance of DataParameter (what an absent field of that type reads as).
DEFAULT_DataParameter = DataParameter()

class DropoutParameter(Message):
    """``DropoutParameter`` (proto/caffe.proto, line 385)."""

    __slots__ = ('dropout_ratio',)
    __match_args__ = ('dropout_ratio',)

    dropout_ratio: float

    FIELDS: ClassVar[dict[str, FieldSpec]] = {
        'dropout_ratio': FieldSpec('dropout_ratio', 1, 'optional', 'float', 'float', 0.5, None, None, False),
    }
    ENUMS: ClassVar[dict[str, dict[str, int]]] = {}

    def __init__(
        self,
        dropout_ratio: float = 0.5,
    ) -> None:
        _set = object.__setattr__
        _set(self, 'dropout_ratio', dropout_ratio)


#: The default instance of DropoutParameter (what an absent field of that type reads as).
DEFAULT_DropoutParameter = DropoutParameter()

class DummyDataParameter(Message):
    """``DummyDataParameter`` (proto/caffe.proto, line 390)."""

    __slots__ = ('channels', 'data_filler', 'height', 'num', 'shape', 'width')
    __match_args__ = ('data_filler', 'num', 'channels', 'height', 'width', 'shape')

    data_filler: tuple[FillerParameter, ...]
    num: tuple[int, ...]
    channels: tuple[int, ...]
    height: tuple[int, ...]
    width: tuple[int, ...]
    shape: tuple[BlobShape, ...]

    FIELDS: ClassVar[dict[str, FieldSpec]] = {
        'data_filler': FieldSpec(
            'data_filler', 1, 'repeated', 'FillerParameter', 'message', (), None, 'FillerParameter', False,
        ),
        'num': FieldSpec('num', 2, 'repeated', 'uint32', 'int', (), None, None, False),
        'channels': FieldSpec('channels', 3, 'repeated', 'uint32', 'int', (), None, None, False),
        'height': FieldSpec('height', 4, 'repeated', 'uint32', 'int', (), None, None, False),
        'width': FieldSpec('width', 5, 'repeated', 'uint32', 'int', (), None, None, False),
        'shape': FieldSpec('shape', 6, 'repeated', 'BlobShape', 'message', (), None, 'BlobShape', False),
    }
    ENUMS: ClassVar[dict[str, dict[str, int]]] = {}

    def __init__(
        self,
        data_filler: tuple[FillerParameter, ...] = (),
        num: tuple[int, ...] = (),
        channels: tuple[int, ...] = (),
        height: tuple[int, ...] = (),
        width: tuple[int, ...] = (),
        shape: tuple[BlobShape, ...] = (),
    ) -> None:
        _set = object.__setattr__
        _set(self, 'data_filler', data_filler)
        _set(self, 'num', num)
        _set(self, 'channels', channels)
        _set(self, 'height', height)
        _set(self, 'width', width)
        _set(self, 'shape', shape)


#: The default instance of DummyDataParameter (what an absent field of that type reads as).
DEFAULT_DummyDataParameter = DummyDataParameter()

class EltwiseParameter(Message):
    """``EltwiseParameter`` (proto/caffe.proto, line 399)."""

    __slots__ = ('coeff', 'operation', 'stable_prod_grad')
    __match_args__ = ('operation', 'coeff', 'stable_prod_grad')

    operation: str
    coeff: tuple[float, ...]
    stable_prod_grad: bool

    FIELDS: ClassVar[dict[str, FieldSpec]] = {
        'operation': FieldSpec(
            'operation', 1, 'optional', 'EltwiseOp', 'enum', 'SUM', ENUMS['EltwiseParameter.EltwiseOp'], None, False,
        ),
        'coeff': FieldSpec('coeff', 2, 'repeated', 'float', 'float', (), None, None, False),
        'stable_prod_grad': FieldSpec('stable_prod_grad', 3, 'optional', 'bool', 'bool', True, None, None, False),
    }
    ENUMS: ClassVar[dict[str, dict[str, int]]] = {'EltwiseOp': ENUMS['EltwiseParameter.EltwiseOp']}

    def __init__(
        self,
        operation: str = 'SUM',
        coeff: tuple[float, ...] = (),
        stable_prod_grad: bool = True,
    ) -> None:
        _set = object.__setattr__
        _set(self, 'operation', operation)
        _set(self, 'coeff', coeff)
        _set(self, 'stable_prod_grad', stable_prod_grad)


#: The default instance of EltwiseParameter (what an absent field of that type reads as).
DEFAULT_EltwiseParameter = EltwiseParameter()

class ExpParameter(Message):
    """``ExpParameter`` (proto/caffe.proto, line 424)."""

    __slots__ = ('base', 'scale', 'shift')
    __match_args__ = ('base', 'scale', 'shift')

    base: float
    scale: float
    shift: float

    FIELDS: ClassVar[dict[str, FieldSpec]] = {
        'base': FieldSpec('base', 1, 'optional', 'float', 'float', -1.0, None, None, False),
        'scale': FieldSpec('scale', 2, 'optional', 'float', 'float', 1.0, None, None, False),
        'shift': FieldSpec('shift', 3, 'optional', 'float', 'float', 0.0, None, None, False),
    }
    ENUMS: ClassVar[dict[str, dict[str, int]]] = {}

    def __init__(
        self,
        base: float = -1.0,
        scale: float = 1.0,
        shift: float = 0.0,
    ) -> None:
        _set = object.__setattr__
        _set(self, 'base', base)
        _set(self, 'scale', scale)
        _set(self, 'shift', shift)


#: The default instance of ExpParameter (what an absent field of that type reads as).
DEFAULT_ExpParameter = ExpParameter()

class HDF5DataParameter(Message):
    """``HDF5DataParameter`` (proto/caffe.proto, line 436)."""

    __slots__ = ('batch_size', 'shuffle', 'source')
    __match_args__ = ('source', 'batch_size', 'shuffle')

    source: str
    batch_size: int
    shuffle: bool

    FIELDS: ClassVar[dict[str, FieldSpec]] = {
        'source': FieldSpec('source', 1, 'optional', 'string', 'string', '', None, None, False),
        'batch_size': FieldSpec('batch_size', 2, 'optional', 'uint32', 'int', 0, None, None, False),
        'shuffle': FieldSpec('shuffle', 3, 'optional', 'bool', 'bool', False, None, None, False),
    }
    ENUMS: ClassVar[dict[str, dict[str, int]]] = {}

    def __init__(
        self,
        source: str = '',
        batch_size: int = 0,
        shuffle: bool = False,
    ) -> None:
        _set = object.__setattr__
        _set(self, 'source', source)
        _set(self, 'batch_size', batch_size)
        _set(self, 'shuffle', shuffle)


#: The default instance of HDF5DataParameter (what an absent field of that type reads as).
DEFAULT_HDF5DataParameter = HDF5DataParameter()

class HDF5OutputParameter(Message):
    """``HDF5OutputParameter`` (proto/caffe.proto, line 442)."""

    __slots__ = ('file_name',)
    __match_args__ = ('file_name',)

    file_name: str

    FIELDS: ClassVar[dict[str, FieldSpec]] = {
        'file_name': FieldSpec('file_name', 1, 'optional', 'string', 'string', '', None, None, False),
    }
    ENUMS: ClassVar[dict[str, dict[str, int]]] = {}

    def __init__(
        self,
        file_name: str = '',
    ) -> None:
        _set = object.__setattr__
        _set(self, 'file_name', file_name)


#: The default instance of HDF5OutputParameter (what an absent field of that type reads as).
DEFAULT_HDF5OutputParameter = HDF5OutputParameter()

class HingeLossParameter(Message):
    """``HingeLossParameter`` (proto/caffe.proto, line 446)."""

    __slots__ = ('norm',)
    __match_args__ = ('norm',)

    norm: str

    FIELDS: ClassVar[dict[str, FieldSpec]] = {
        'norm': FieldSpec('norm', 1, 'optional', 'Norm', 'enum', 'L1', ENUMS['HingeLossParameter.Norm'], None, False),
    }
    ENUMS: ClassVar[dict[str, dict[str, int]]] = {'Norm': ENUMS['HingeLossParameter.Norm']}

    def __init__(
        self,
        norm: str = 'L1',
    ) -> None:
        _set = object.__setattr__
        _set(self, 'norm', norm)


#: The default instance of HingeLossParameter (what an absent field of that type reads as).
DEFAULT_HingeLossParameter = HingeLossParameter()

class ImageDataParameter(Message):
    """``ImageDataParameter`` (proto/caffe.proto, line 454)."""

    __slots__ = (
        'batch_size', 'crop_size', 'is_color', 'mean_file', 'mirror', 'new_height', 'new_width', 'rand_skip',
        'root_folder', 'scale', 'shuffle', 'source',
    )
    __match_args__ = (
        'source', 'scale', 'mean_file', 'batch_size', 'crop_size', 'mirror', 'rand_skip', 'shuffle', 'new_height',
        'new_width', 'is_color', 'root_folder',
    )

    source: str
    scale: float
    mean_file: str
    batch_size: int
    crop_size: int
    mirror: bool
    rand_skip: int
    shuffle: bool
    new_height: int
    new_width: int
    is_color: bool
    root_folder: str

    FIELDS: ClassVar[dict[str, FieldSpec]] = {
        'source': FieldSpec('source', 1, 'optional', 'string', 'string', '', None, None, False),
        'scale': FieldSpec('scale', 2, 'optional', 'float', 'float', 1.0, None, None, False),
        'mean_file': FieldSpec('mean_file', 3, 'optional', 'string', 'string', '', None, None, False),
        'batch_size': FieldSpec('batch_size', 4, 'optional', 'uint32', 'int', 1, None, None, False),
        'crop_size': FieldSpec('crop_size', 5, 'optional', 'uint32', 'int', 0, None, None, False),
        'mirror': FieldSpec('mirror', 6, 'optional', 'bool', 'bool', False, None, None, False),
        'rand_skip': FieldSpec('rand_skip', 7, 'optional', 'uint32', 'int', 0, None, None, False),
        'shuffle': FieldSpec('shuffle', 8, 'optional', 'bool', 'bool', False, None, None, False),
        'new_height': FieldSpec('new_height', 9, 'optional', 'uint32', 'int', 0, None, None, False),
        'new_width': FieldSpec('new_width', 10, 'optional', 'uint32', 'int', 0, None, None, False),
        'is_color': FieldSpec('is_color', 11, 'optional', 'bool', 'bool', True, None, None, False),
        'root_folder': FieldSpec('root_folder', 12, 'optional', 'string', 'string', '', None, None, False),
    }
    ENUMS: ClassVar[dict[str, dict[str, int]]] = {}

    def __init__(
        self,
        source: str = '',
        scale: float = 1.0,
        mean_file: str = '',
        batch_size: int = 1,
        crop_size: int = 0,
        mirror: bool = False,
        rand_skip: int = 0,
        shuffle: bool = False,
        new_height: int = 0,
        new_width: int = 0,
        is_color: bool = True,
        root_folder: str = '',
    ) -> None:
        _set = object.__setattr__
        _set(self, 'source', source)
        _set(self, 'scale', scale)
        _set(self, 'mean_file', mean_file)
        _set(self, 'batch_size', batch_size)
        _set(self, 'crop_size', crop_size)
        _set(self, 'mirror', mirror)
        _set(self, 'rand_skip', rand_skip)
        _set(self, 'shuffle', shuffle)
        _set(self, 'new_height', new_height)
        _set(self, 'new_width', new_width)
        _set(self, 'is_color', is_color)
        _set(self, 'root_folder', root_folder)


#: The default instance of ImageDataParameter (what an absent field of that type reads as).
DEFAULT_ImageDataParameter = ImageDataParameter()

class InfogainLossParameter(Message):
    """``InfogainLossParameter`` (proto/caffe.proto, line 469)."""

    __slots__ = ('axis', 'source')
    __match_args__ = ('source', 'axis')

    source: str
    axis: int

    FIELDS: ClassVar[dict[str, FieldSpec]] = {
        'source': FieldSpec('source', 1, 'optional', 'string', 'string', '', None, None, False),
        'axis': FieldSpec('axis', 2, 'optional', 'int32', 'int', 1, None, None, False),
    }
    ENUMS: ClassVar[dict[str, dict[str, int]]] = {}

    def __init__(
        self,
        source: str = '',
        axis: int = 1,
    ) -> None:
        _set = object.__setattr__
        _set(self, 'source', source)
        _set(self, 'axis', axis)


#: The default instance of InfogainLossParameter (what an absent field of that type reads as).
DEFAULT_InfogainLossParameter = InfogainLossParameter()

class InnerProductParameter(Message):
    """``InnerProductParameter`` (proto/caffe.proto, line 476)."""

    __slots__ = ('axis', 'bias_filler', 'bias_term', 'num_output', 'transpose', 'weight_filler')
    __match_args__ = ('num_output', 'bias_term', 'weight_filler', 'bias_filler', 'axis', 'transpose')

    num_output: int
    bias_term: bool
    weight_filler: FillerParameter
    bias_filler: FillerParameter
    axis: int
    transpose: bool

    FIELDS: ClassVar[dict[str, FieldSpec]] = {
        'num_output': FieldSpec('num_output', 1, 'optional', 'uint32', 'int', 0, None, None, False),
        'bias_term': FieldSpec('bias_term', 2, 'optional', 'bool', 'bool', True, None, None, False),
        'weight_filler': FieldSpec(
            'weight_filler', 3, 'optional', 'FillerParameter', 'message', None, None, 'FillerParameter', False,
        ),
        'bias_filler': FieldSpec(
            'bias_filler', 4, 'optional', 'FillerParameter', 'message', None, None, 'FillerParameter', False,
        ),
        'axis': FieldSpec('axis', 5, 'optional', 'int32', 'int', 1, None, None, False),
        'transpose': FieldSpec('transpose', 6, 'optional', 'bool', 'bool', False, None, None, False),
    }
    ENUMS: ClassVar[dict[str, dict[str, int]]] = {}

    def __init__(
        self,
        num_output: int = 0,
        bias_term: bool = True,
        weight_filler: FillerParameter = DEFAULT_FillerParameter,
        bias_filler: FillerParameter = DEFAULT_FillerParameter,
        axis: int = 1,
        transpose: bool = False,
    ) -> None:
        _set = object.__setattr__
        _set(self, 'num_output', num_output)
        _set(self, 'bias_term', bias_term)
        _set(self, 'weight_filler', weight_filler)
        _set(self, 'bias_filler', bias_filler)
        _set(self, 'axis', axis)
        _set(self, 'transpose', transpose)


#: The default instance of InnerProductParameter (what an absent field of that type reads as).
DEFAULT_InnerProductParameter = InnerProductParameter()

class LRNParameter(Message):
    """``LRNParameter`` (proto/caffe.proto, line 497)."""

    __slots__ = ('alpha', 'beta', 'engine', 'k', 'local_size', 'norm_region')
    __match_args__ = ('local_size', 'alpha', 'beta', 'norm_region', 'k', 'engine')

    local_size: int
    alpha: float
    beta: float
    norm_region: str
    k: float
    engine: str

    FIELDS: ClassVar[dict[str, FieldSpec]] = {
        'local_size': FieldSpec('local_size', 1, 'optional', 'uint32', 'int', 5, None, None, False),
        'alpha': FieldSpec('alpha', 2, 'optional', 'float', 'float', 1.0, None, None, False),
        'beta': FieldSpec('beta', 3, 'optional', 'float', 'float', 0.75, None, None, False),
        'norm_region': FieldSpec(
            'norm_region', 4, 'optional', 'NormRegion', 'enum', 'ACROSS_CHANNELS', ENUMS['LRNParameter.NormRegion'],
            None, False,
        ),
        'k': FieldSpec('k', 5, 'optional', 'float', 'float', 1.0, None, None, False),
        'engine': FieldSpec(
            'engine', 6, 'optional', 'Engine', 'enum', 'DEFAULT', ENUMS['LRNParameter.Engine'], None, False,
        ),
    }
    ENUMS: ClassVar[dict[str, dict[str, int]]] = {
        'NormRegion': ENUMS['LRNParameter.NormRegion'], 'Engine': ENUMS['LRNParameter.Engine'],
    }

    def __init__(
        self,
        local_size: int = 5,
        alpha: float = 1.0,
        beta: float = 0.75,
        norm_region: str = 'ACROSS_CHANNELS',
        k: float = 1.0,
        engine: str = 'DEFAULT',
    ) -> None:
        _set = object.__setattr__
        _set(self, 'local_size', local_size)
        _set(self, 'alpha', alpha)
        _set(self, 'beta', beta)
        _set(self, 'norm_region', norm_region)
        _set(self, 'k', k)
        _set(self, 'engine', engine)


#: The default instance of LRNParameter (what an absent field of that type reads as).
DEFAULT_LRNParameter = LRNParameter()

class MemoryDataParameter(Message):
    """``MemoryDataParameter`` (proto/caffe.proto, line 515)."""

    __slots__ = ('batch_size', 'channels', 'height', 'width')
    __match_args__ = ('batch_size', 'channels', 'height', 'width')

    batch_size: int
    channels: int
    height: int
    width: int

    FIELDS: ClassVar[dict[str, FieldSpec]] = {
        'batch_size': FieldSpec('batch_size', 1, 'optional', 'uint32', 'int', 0, None, None, False),
        'channels': FieldSpec('channels', 2, 'optional', 'uint32', 'int', 0, None, None, False),
        'height': FieldSpec('height', 3, 'optional', 'uint32', 'int', 0, None, None, False),
        'width': FieldSpec('width', 4, 'optional', 'uint32', 'int', 0, None, None, False),
    }
    ENUMS: ClassVar[dict[str, dict[str, int]]] = {}

    def __init__(
        self,
        batch_size: int = 0,
        channels: int = 0,
        height: int = 0,
        width: int = 0,
    ) -> None:
        _set = object.__setattr__
        _set(self, 'batch_size', batch_size)
        _set(self, 'channels', channels)
        _set(self, 'height', height)
        _set(self, 'width', width)


#: The default instance of MemoryDataParameter (what an absent field of that type reads as).
DEFAULT_MemoryDataParameter = MemoryDataParameter()

class MVNParameter(Message):
    """``MVNParameter`` (proto/caffe.proto, line 523)."""

    __slots__ = ('across_channels', 'eps', 'normalize_variance')
    __match_args__ = ('normalize_variance', 'across_channels', 'eps')

    normalize_variance: bool
    across_channels: bool
    eps: float  # 1e-9 as float32

    FIELDS: ClassVar[dict[str, FieldSpec]] = {
        'normalize_variance': FieldSpec('normalize_variance', 1, 'optional', 'bool', 'bool', True, None, None, False),
        'across_channels': FieldSpec('across_channels', 2, 'optional', 'bool', 'bool', False, None, None, False),
        'eps': FieldSpec('eps', 3, 'optional', 'float', 'float', 9.999999717180685e-10, None, None, False),
    }
    ENUMS: ClassVar[dict[str, dict[str, int]]] = {}

    def __init__(
        self,
        normalize_variance: bool = True,
        across_channels: bool = False,
        eps: float = 9.999999717180685e-10,
    ) -> None:
        _set = object.__setattr__
        _set(self, 'normalize_variance', normalize_variance)
        _set(self, 'across_channels', across_channels)
        _set(self, 'eps', eps)


#: The default instance of MVNParameter (what an absent field of that type reads as).
DEFAULT_MVNParameter = MVNParameter()

class PoolingParameter(Message):
    """``PoolingParameter`` (proto/caffe.proto, line 534)."""

    __slots__ = (
        'engine', 'global_pooling', 'kernel_h', 'kernel_size', 'kernel_w', 'pad', 'pad_h', 'pad_w', 'pool',
        'round_mode', 'stride', 'stride_h', 'stride_w',
    )
    __match_args__ = (
        'pool', 'kernel_size', 'stride', 'pad', 'kernel_h', 'kernel_w', 'stride_h', 'stride_w', 'pad_h', 'pad_w',
        'engine', 'global_pooling', 'round_mode',
    )

    pool: str
    kernel_size: int
    stride: int
    pad: int
    kernel_h: int
    kernel_w: int
    stride_h: int
    stride_w: int
    pad_h: int
    pad_w: int
    engine: str
    global_pooling: bool
    round_mode: str

    FIELDS: ClassVar[dict[str, FieldSpec]] = {
        'pool': FieldSpec(
            'pool', 1, 'optional', 'PoolMethod', 'enum', 'MAX', ENUMS['PoolingParameter.PoolMethod'], None, False,
        ),
        'kernel_size': FieldSpec('kernel_size', 2, 'optional', 'uint32', 'int', 0, None, None, False),
        'stride': FieldSpec('stride', 3, 'optional', 'uint32', 'int', 1, None, None, False),
        'pad': FieldSpec('pad', 4, 'optional', 'uint32', 'int', 0, None, None, False),
        'kernel_h': FieldSpec('kernel_h', 5, 'optional', 'uint32', 'int', 0, None, None, False),
        'kernel_w': FieldSpec('kernel_w', 6, 'optional', 'uint32', 'int', 0, None, None, False),
        'stride_h': FieldSpec('stride_h', 7, 'optional', 'uint32', 'int', 0, None, None, False),
        'stride_w': FieldSpec('stride_w', 8, 'optional', 'uint32', 'int', 0, None, None, False),
        'pad_h': FieldSpec('pad_h', 9, 'optional', 'uint32', 'int', 0, None, None, False),
        'pad_w': FieldSpec('pad_w', 10, 'optional', 'uint32', 'int', 0, None, None, False),
        'engine': FieldSpec(
            'engine', 11, 'optional', 'Engine', 'enum', 'DEFAULT', ENUMS['PoolingParameter.Engine'], None, False,
        ),
        'global_pooling': FieldSpec('global_pooling', 12, 'optional', 'bool', 'bool', False, None, None, False),
        'round_mode': FieldSpec(
            'round_mode', 13, 'optional', 'RoundMode', 'enum', 'CEIL', ENUMS['PoolingParameter.RoundMode'], None, False,
        ),
    }
    ENUMS: ClassVar[dict[str, dict[str, int]]] = {
        'PoolMethod': ENUMS['PoolingParameter.PoolMethod'], 'Engine': ENUMS['PoolingParameter.Engine'],
        'RoundMode': ENUMS['PoolingParameter.RoundMode'],
    }

    def __init__(
        self,
        pool: str = 'MAX',
        kernel_size: int = 0,
        stride: int = 1,
        pad: int = 0,
        kernel_h: int = 0,
        kernel_w: int = 0,
        stride_h: int = 0,
        stride_w: int = 0,
        pad_h: int = 0,
        pad_w: int = 0,
        engine: str = 'DEFAULT',
        global_pooling: bool = False,
        round_mode: str = 'CEIL',
    ) -> None:
        _set = object.__setattr__
        _set(self, 'pool', pool)
        _set(self, 'kernel_size', kernel_size)
        _set(self, 'stride', stride)
        _set(self, 'pad', pad)
        _set(self, 'kernel_h', kernel_h)
        _set(self, 'kernel_w', kernel_w)
        _set(self, 'stride_h', stride_h)
        _set(self, 'stride_w', stride_w)
        _set(self, 'pad_h', pad_h)
        _set(self, 'pad_w', pad_w)
        _set(self, 'engine', engine)
        _set(self, 'global_pooling', global_pooling)
        _set(self, 'round_mode', round_mode)


#: The default instance of PoolingParameter (what an absent field of that type reads as).
DEFAULT_PoolingParameter = PoolingParameter()

class PowerParameter(Message):
    """``PowerParameter`` (proto/caffe.proto, line 567)."""

    __slots__ = ('power', 'scale', 'shift')
    __match_args__ = ('power', 'scale', 'shift')

    power: float
    scale: float
    shift: float

    FIELDS: ClassVar[dict[str, FieldSpec]] = {
        'power': FieldSpec('power', 1, 'optional', 'float', 'float', 1.0, None, None, False),
        'scale': FieldSpec('scale', 2, 'optional', 'float', 'float', 1.0, None, None, False),
        'shift': FieldSpec('shift', 3, 'optional', 'float', 'float', 0.0, None, None, False),
    }
    ENUMS: ClassVar[dict[str, dict[str, int]]] = {}

    def __init__(
        self,
        power: float = 1.0,
        scale: float = 1.0,
        shift: float = 0.0,
    ) -> None:
        _set = object.__setattr__
        _set(self, 'power', power)
        _set(self, 'scale', scale)
        _set(self, 'shift', shift)


#: The default instance of PowerParameter (what an absent field of that type reads as).
DEFAULT_PowerParameter = PowerParameter()

class ReLUParameter(Message):
    """``ReLUParameter`` (proto/caffe.proto, line 608)."""

    __slots__ = ('engine', 'negative_slope')
    __match_args__ = ('negative_slope', 'engine')

    negative_slope: float
    engine: str

    FIELDS: ClassVar[dict[str, FieldSpec]] = {
        'negative_slope': FieldSpec('negative_slope', 1, 'optional', 'float', 'float', 0.0, None, None, False),
        'engine': FieldSpec(
            'engine', 2, 'optional', 'Engine', 'enum', 'DEFAULT', ENUMS['ReLUParameter.Engine'], None, False,
        ),
    }
    ENUMS: ClassVar[dict[str, dict[str, int]]] = {'Engine': ENUMS['ReLUParameter.Engine']}

    def __init__(
        self,
        negative_slope: float = 0.0,
        engine: str = 'DEFAULT',
    ) -> None:
        _set = object.__setattr__
        _set(self, 'negative_slope', negative_slope)
        _set(self, 'engine', engine)


#: The default instance of ReLUParameter (what an absent field of that type reads as).
DEFAULT_ReLUParameter = ReLUParameter()

class SigmoidParameter(Message):
    """``SigmoidParameter`` (proto/caffe.proto, line 638)."""

    __slots__ = ('engine',)
    __match_args__ = ('engine',)

    engine: str

    FIELDS: ClassVar[dict[str, FieldSpec]] = {
        'engine': FieldSpec(
            'engine', 1, 'optional', 'Engine', 'enum', 'DEFAULT', ENUMS['SigmoidParameter.Engine'], None, False,
        ),
    }
    ENUMS: ClassVar[dict[str, dict[str, int]]] = {'Engine': ENUMS['SigmoidParameter.Engine']}

    def __init__(
        self,
        engine: str = 'DEFAULT',
    ) -> None:
        _set = object.__setattr__
        _set(self, 'engine', engine)


#: The default instance of SigmoidParameter (what an absent field of that type reads as).
DEFAULT_SigmoidParameter = SigmoidParameter()

class SoftmaxParameter(Message):
    """``SoftmaxParameter`` (proto/caffe.proto, line 653)."""

    __slots__ = ('axis', 'engine')
    __match_args__ = ('engine', 'axis')

    engine: str
    axis: int

    FIELDS: ClassVar[dict[str, FieldSpec]] = {
        'engine': FieldSpec(
            'engine', 1, 'optional', 'Engine', 'enum', 'DEFAULT', ENUMS['SoftmaxParameter.Engine'], None, False,
        ),
        'axis': FieldSpec('axis', 2, 'optional', 'int32', 'int', 1, None, None, False),
    }
    ENUMS: ClassVar[dict[str, dict[str, int]]] = {'Engine': ENUMS['SoftmaxParameter.Engine']}

    def __init__(
        self,
        engine: str = 'DEFAULT',
        axis: int = 1,
    ) -> None:
        _set = object.__setattr__
        _set(self, 'engine', engine)
        _set(self, 'axis', axis)


#: The default instance of SoftmaxParameter (what an absent field of that type reads as).
DEFAULT_SoftmaxParameter = SoftmaxParameter()

class SliceParameter(Message):
    """``SliceParameter`` (proto/caffe.proto, line 647)."""

    __slots__ = ('axis', 'slice_dim', 'slice_point')
    __match_args__ = ('slice_dim', 'slice_point', 'axis')

    slice_dim: int
    slice_point: tuple[int, ...]
    axis: int

    FIELDS: ClassVar[dict[str, FieldSpec]] = {
        'slice_dim': FieldSpec('slice_dim', 1, 'optional', 'uint32', 'int', 1, None, None, False),
        'slice_point': FieldSpec('slice_point', 2, 'repeated', 'uint32', 'int', (), None, None, False),
        'axis': FieldSpec('axis', 3, 'optional', 'int32', 'int', 1, None, None, False),
    }
    ENUMS: ClassVar[dict[str, dict[str, int]]] = {}

    def __init__(
        self,
        slice_dim: int = 1,
        slice_point: tuple[int, ...] = (),
        axis: int = 1,
    ) -> None:
        _set = object.__setattr__
        _set(self, 'slice_dim', slice_dim)
        _set(self, 'slice_point', slice_point)
        _set(self, 'axis', axis)


#: The default instance of SliceParameter (what an absent field of that type reads as).
DEFAULT_SliceParameter = SliceParameter()

class TanHParameter(Message):
    """``TanHParameter`` (proto/caffe.proto, line 668)."""

    __slots__ = ('engine',)
    __match_args__ = ('engine',)

    engine: str

    FIELDS: ClassVar[dict[str, FieldSpec]] = {
        'engine': FieldSpec(
            'engine', 1, 'optional', 'Engine', 'enum', 'DEFAULT', ENUMS['TanHParameter.Engine'], None, False,
        ),
    }
    ENUMS: ClassVar[dict[str, dict[str, int]]] = {'Engine': ENUMS['TanHParameter.Engine']}

    def __init__(
        self,
        engine: str = 'DEFAULT',
    ) -> None:
        _set = object.__setattr__
        _set(self, 'engine', engine)


#: The default instance of TanHParameter (what an absent field of that type reads as).
DEFAULT_TanHParameter = TanHParameter()

class ThresholdParameter(Message):
    """``ThresholdParameter`` (proto/caffe.proto, line 682)."""

    __slots__ = ('threshold',)
    __match_args__ = ('threshold',)

    threshold: float

    FIELDS: ClassVar[dict[str, FieldSpec]] = {
        'threshold': FieldSpec('threshold', 1, 'optional', 'float', 'float', 0.0, None, None, False),
    }
    ENUMS: ClassVar[dict[str, dict[str, int]]] = {}

    def __init__(
        self,
        threshold: float = 0.0,
    ) -> None:
        _set = object.__setattr__
        _set(self, 'threshold', threshold)


#: The default instance of ThresholdParameter (what an absent field of that type reads as).
DEFAULT_ThresholdParameter = ThresholdParameter()

class WindowDataParameter(Message):
    """``WindowDataParameter`` (proto/caffe.proto, line 687)."""

    __slots__ = (
        'batch_size', 'bg_threshold', 'cache_images', 'context_pad', 'crop_mode', 'crop_size', 'fg_fraction',
        'fg_threshold', 'mean_file', 'mirror', 'root_folder', 'scale', 'source',
    )
    __match_args__ = (
        'source', 'scale', 'mean_file', 'batch_size', 'crop_size', 'mirror', 'fg_threshold', 'bg_threshold',
        'fg_fraction', 'context_pad', 'crop_mode', 'cache_images', 'root_folder',
    )

    source: str
    scale: float
    mean_file: str
    batch_size: int
    crop_size: int
    mirror: bool
    fg_threshold: float
    bg_threshold: float
    fg_fraction: float
    context_pad: int
    crop_mode: str
    cache_images: bool
    root_folder: str

    FIELDS: ClassVar[dict[str, FieldSpec]] = {
        'source': FieldSpec('source', 1, 'optional', 'string', 'string', '', None, None, False),
        'scale': FieldSpec('scale', 2, 'optional', 'float', 'float', 1.0, None, None, False),
        'mean_file': FieldSpec('mean_file', 3, 'optional', 'string', 'string', '', None, None, False),
        'batch_size': FieldSpec('batch_size', 4, 'optional', 'uint32', 'int', 0, None, None, False),
        'crop_size': FieldSpec('crop_size', 5, 'optional', 'uint32', 'int', 0, None, None, False),
        'mirror': FieldSpec('mirror', 6, 'optional', 'bool', 'bool', False, None, None, False),
        'fg_threshold': FieldSpec('fg_threshold', 7, 'optional', 'float', 'float', 0.5, None, None, False),
        'bg_threshold': FieldSpec('bg_threshold', 8, 'optional', 'float', 'float', 0.5, None, None, False),
        'fg_fraction': FieldSpec('fg_fraction', 9, 'optional', 'float', 'float', 0.25, None, None, False),
        'context_pad': FieldSpec('context_pad', 10, 'optional', 'uint32', 'int', 0, None, None, False),
        'crop_mode': FieldSpec('crop_mode', 11, 'optional', 'string', 'string', 'warp', None, None, False),
        'cache_images': FieldSpec('cache_images', 12, 'optional', 'bool', 'bool', False, None, None, False),
        'root_folder': FieldSpec('root_folder', 13, 'optional', 'string', 'string', '', None, None, False),
    }
    ENUMS: ClassVar[dict[str, dict[str, int]]] = {}

    def __init__(
        self,
        source: str = '',
        scale: float = 1.0,
        mean_file: str = '',
        batch_size: int = 0,
        crop_size: int = 0,
        mirror: bool = False,
        fg_threshold: float = 0.5,
        bg_threshold: float = 0.5,
        fg_fraction: float = 0.25,
        context_pad: int = 0,
        crop_mode: str = 'warp',
        cache_images: bool = False,
        root_folder: str = '',
    ) -> None:
        _set = object.__setattr__
        _set(self, 'source', source)
        _set(self, 'scale', scale)
        _set(self, 'mean_file', mean_file)
        _set(self, 'batch_size', batch_size)
        _set(self, 'crop_size', crop_size)
        _set(self, 'mirror', mirror)
        _set(self, 'fg_threshold', fg_threshold)
        _set(self, 'bg_threshold', bg_threshold)
        _set(self, 'fg_fraction', fg_fraction)
        _set(self, 'context_pad', context_pad)
        _set(self, 'crop_mode', crop_mode)
        _set(self, 'cache_images', cache_images)
        _set(self, 'root_folder', root_folder)


#: The default instance of WindowDataParameter (what an absent field of that type reads as).
DEFAULT_WindowDataParameter = WindowDataParameter()

class PythonParameter(Message):
    """``PythonParameter`` (proto/caffe.proto, line 579)."""

    __slots__ = ('layer', 'module', 'param_str', 'share_in_parallel')
    __match_args__ = ('module', 'layer', 'param_str', 'share_in_parallel')

    module: str
    layer: str
    param_str: str
    share_in_parallel: bool

    FIELDS: ClassVar[dict[str, FieldSpec]] = {
        'module': FieldSpec('module', 1, 'optional', 'string', 'string', '', None, None, False),
        'layer': FieldSpec('layer', 2, 'optional', 'string', 'string', '', None, None, False),
        'param_str': FieldSpec('param_str', 3, 'optional', 'string', 'string', '', None, None, False),
        'share_in_parallel': FieldSpec('share_in_parallel', 4, 'optional', 'bool', 'bool', False, None, None, False),
    }
    ENUMS: ClassVar[dict[str, dict[str, int]]] = {}

    def __init__(
        self,
        module: str = '',
        layer: str = '',
        param_str: str = '',
        share_in_parallel: bool = False,
    ) -> None:
        _set = object.__setattr__
        _set(self, 'module', module)
        _set(self, 'layer', layer)
        _set(self, 'param_str', param_str)
        _set(self, 'share_in_parallel', share_in_parallel)


#: The default instance of PythonParameter (what an absent field of that type reads as).
DEFAULT_PythonParameter = PythonParameter()

class PReLUParameter(Message):
    """``PReLUParameter`` (proto/caffe.proto, line 573)."""

    __slots__ = ('channel_shared', 'filler')
    __match_args__ = ('filler', 'channel_shared')

    filler: FillerParameter
    channel_shared: bool

    FIELDS: ClassVar[dict[str, FieldSpec]] = {
        'filler': FieldSpec(
            'filler', 1, 'optional', 'FillerParameter', 'message', None, None, 'FillerParameter', False,
        ),
        'channel_shared': FieldSpec('channel_shared', 2, 'optional', 'bool', 'bool', False, None, None, False),
    }
    ENUMS: ClassVar[dict[str, dict[str, int]]] = {}

    def __init__(
        self,
        filler: FillerParameter = DEFAULT_FillerParameter,
        channel_shared: bool = False,
    ) -> None:
        _set = object.__setattr__
        _set(self, 'filler', filler)
        _set(self, 'channel_shared', channel_shared)


#: The default instance of PReLUParameter (what an absent field of that type reads as).
DEFAULT_PReLUParameter = PReLUParameter()

class SPPParameter(Message):
    """``SPPParameter`` (proto/caffe.proto, line 704)."""

    __slots__ = ('engine', 'pool', 'pyramid_height')
    __match_args__ = ('pyramid_height', 'pool', 'engine')

    pyramid_height: int
    pool: str
    engine: str

    FIELDS: ClassVar[dict[str, FieldSpec]] = {
        'pyramid_height': FieldSpec('pyramid_height', 1, 'optional', 'uint32', 'int', 0, None, None, False),
        'pool': FieldSpec(
            'pool', 2, 'optional', 'PoolMethod', 'enum', 'MAX', ENUMS['SPPParameter.PoolMethod'], None, False,
        ),
        'engine': FieldSpec(
            'engine', 6, 'optional', 'Engine', 'enum', 'DEFAULT', ENUMS['SPPParameter.Engine'], None, False,
        ),
    }
    ENUMS: ClassVar[dict[str, dict[str, int]]] = {
        'PoolMethod': ENUMS['SPPParameter.PoolMethod'], 'Engine': ENUMS['SPPParameter.Engine'],
    }

    def __init__(
        self,
        pyramid_height: int = 0,
        pool: str = 'MAX',
        engine: str = 'DEFAULT',
    ) -> None:
        _set = object.__setattr__
        _set(self, 'pyramid_height', pyramid_height)
        _set(self, 'pool', pool)
        _set(self, 'engine', engine)


#: The default instance of SPPParameter (what an absent field of that type reads as).
DEFAULT_SPPParameter = SPPParameter()

class ReshapeParameter(Message):
    """``ReshapeParameter`` (proto/caffe.proto, line 620)."""

    __slots__ = ('axis', 'num_axes', 'shape')
    __match_args__ = ('shape', 'axis', 'num_axes')

    shape: BlobShape
    axis: int
    num_axes: int

    FIELDS: ClassVar[dict[str, FieldSpec]] = {
        'shape': FieldSpec('shape', 1, 'optional', 'BlobShape', 'message', None, None, 'BlobShape', False),
        'axis': FieldSpec('axis', 2, 'optional', 'int32', 'int', 0, None, None, False),
        'num_axes': FieldSpec('num_axes', 3, 'optional', 'int32', 'int', -1, None, None, False),
    }
    ENUMS: ClassVar[dict[str, dict[str, int]]] = {}

    def __init__(
        self,
        shape: BlobShape = DEFAULT_BlobShape,
        axis: int = 0,
        num_axes: int = -1,
    ) -> None:
        _set = object.__setattr__
        _set(self, 'shape', shape)
        _set(self, 'axis', axis)
        _set(self, 'num_axes', num_axes)


#: The default instance of ReshapeParameter (what an absent field of that type reads as).
DEFAULT_ReshapeParameter = ReshapeParameter()

class LogParameter(Message):
    """``LogParameter`` (proto/caffe.proto, line 491)."""

    __slots__ = ('base', 'scale', 'shift')
    __match_args__ = ('base', 'scale', 'shift')

    base: float
    scale: float
    shift: float

    FIELDS: ClassVar[dict[str, FieldSpec]] = {
        'base': FieldSpec('base', 1, 'optional', 'float', 'float', -1.0, None, None, False),
        'scale': FieldSpec('scale', 2, 'optional', 'float', 'float', 1.0, None, None, False),
        'shift': FieldSpec('shift', 3, 'optional', 'float', 'float', 0.0, None, None, False),
    }
    ENUMS: ClassVar[dict[str, dict[str, int]]] = {}

    def __init__(
        self,
        base: float = -1.0,
        scale: float = 1.0,
        shift: float = 0.0,
    ) -> None:
        _set = object.__setattr__
        _set(self, 'base', base)
        _set(self, 'scale', scale)
        _set(self, 'shift', shift)


#: The default instance of LogParameter (what an absent field of that type reads as).
DEFAULT_LogParameter = LogParameter()

class FlattenParameter(Message):
    """``FlattenParameter`` (proto/caffe.proto, line 431)."""

    __slots__ = ('axis', 'end_axis')
    __match_args__ = ('axis', 'end_axis')

    axis: int
    end_axis: int

    FIELDS: ClassVar[dict[str, FieldSpec]] = {
        'axis': FieldSpec('axis', 1, 'optional', 'int32', 'int', 1, None, None, False),
        'end_axis': FieldSpec('end_axis', 2, 'optional', 'int32', 'int', -1, None, None, False),
    }
    ENUMS: ClassVar[dict[str, dict[str, int]]] = {}

    def __init__(
        self,
        axis: int = 1,
        end_axis: int = -1,
    ) -> None:
        _set = object.__setattr__
        _set(self, 'axis', axis)
        _set(self, 'end_axis', end_axis)


#: The default instance of FlattenParameter (what an absent field of that type reads as).
DEFAULT_FlattenParameter = FlattenParameter()

class ReductionParameter(Message):
    """``ReductionParameter`` (proto/caffe.proto, line 596)."""

    __slots__ = ('axis', 'coeff', 'operation')
    __match_args__ = ('operation', 'axis', 'coeff')

    operation: str
    axis: int
    coeff: float

    FIELDS: ClassVar[dict[str, FieldSpec]] = {
        'operation': FieldSpec(
            'operation', 1, 'optional', 'ReductionOp', 'enum', 'SUM', ENUMS['ReductionParameter.ReductionOp'], None,
            False,
        ),
        'axis': FieldSpec('axis', 2, 'optional', 'int32', 'int', 0, None, None, False),
        'coeff': FieldSpec('coeff', 3, 'optional', 'float', 'float', 1.0, None, None, False),
    }
    ENUMS: ClassVar[dict[str, dict[str, int]]] = {'ReductionOp': ENUMS['ReductionParameter.ReductionOp']}

    def __init__(
        self,
        operation: str = 'SUM',
        axis: int = 0,
        coeff: float = 1.0,
    ) -> None:
        _set = object.__setattr__
        _set(self, 'operation', operation)
        _set(self, 'axis', axis)
        _set(self, 'coeff', coeff)


#: The default instance of ReductionParameter (what an absent field of that type reads as).
DEFAULT_ReductionParameter = ReductionParameter()

class EmbedParameter(Message):
    """``EmbedParameter`` (proto/caffe.proto, line 415)."""

    __slots__ = ('bias_filler', 'bias_term', 'input_dim', 'num_output', 'weight_filler')
    __match_args__ = ('num_output', 'input_dim', 'bias_term', 'weight_filler', 'bias_filler')

    num_output: int
    input_dim: int
    bias_term: bool
    weight_filler: FillerParameter
    bias_filler: FillerParameter

    FIELDS: ClassVar[dict[str, FieldSpec]] = {
        'num_output': FieldSpec('num_output', 1, 'optional', 'uint32', 'int', 0, None, None, False),
        'input_dim': FieldSpec('input_dim', 2, 'optional', 'uint32', 'int', 0, None, None, False),
        'bias_term': FieldSpec('bias_term', 3, 'optional', 'bool', 'bool', True, None, None, False),
        'weight_filler': FieldSpec(
            'weight_filler', 4, 'optional', 'FillerParameter', 'message', None, None, 'FillerParameter', False,
        ),
        'bias_filler': FieldSpec(
            'bias_filler', 5, 'optional', 'FillerParameter', 'message', None, None, 'FillerParameter', False,
        ),
    }
    ENUMS: ClassVar[dict[str, dict[str, int]]] = {}

    def __init__(
        self,
        num_output: int = 0,
        input_dim: int = 0,
        bias_term: bool = True,
        weight_filler: FillerParameter = DEFAULT_FillerParameter,
        bias_filler: FillerParameter = DEFAULT_FillerParameter,
    ) -> None:
        _set = object.__setattr__
        _set(self, 'num_output', num_output)
        _set(self, 'input_dim', input_dim)
        _set(self, 'bias_term', bias_term)
        _set(self, 'weight_filler', weight_filler)
        _set(self, 'bias_filler', bias_filler)


#: The default instance of EmbedParameter (what an absent field of that type reads as).
DEFAULT_EmbedParameter = EmbedParameter()

class TileParameter(Message):
    """``TileParameter`` (proto/caffe.proto, line 677)."""

    __slots__ = ('axis', 'tiles')
    __match_args__ = ('axis', 'tiles')

    axis: int
    tiles: int

    FIELDS: ClassVar[dict[str, FieldSpec]] = {
        'axis': FieldSpec('axis', 1, 'optional', 'int32', 'int', 1, None, None, False),
        'tiles': FieldSpec('tiles', 2, 'optional', 'int32', 'int', 0, None, None, False),
    }
    ENUMS: ClassVar[dict[str, dict[str, int]]] = {}

    def __init__(
        self,
        axis: int = 1,
        tiles: int = 0,
    ) -> None:
        _set = object.__setattr__
        _set(self, 'axis', axis)
        _set(self, 'tiles', tiles)


#: The default instance of TileParameter (what an absent field of that type reads as).
DEFAULT_TileParameter = TileParameter()

class BatchNormParameter(Message):
    """``BatchNormParameter`` (proto/caffe.proto, line 293)."""

    __slots__ = (
        'bias_filler', 'engine', 'eps', 'moving_average_fraction', 'scale_bias', 'scale_filler', 'use_global_stats',
    )
    __match_args__ = (
        'use_global_stats', 'moving_average_fraction', 'eps', 'scale_filler', 'bias_filler', 'scale_bias', 'engine',
    )

    use_global_stats: bool
    moving_average_fraction: float  # .999 as float32
    eps: float  # 1e-5 as float32
    scale_filler: FillerParameter
    bias_filler: FillerParameter
    scale_bias: bool
    engine: str

    FIELDS: ClassVar[dict[str, FieldSpec]] = {
        'use_global_stats': FieldSpec('use_global_stats', 1, 'optional', 'bool', 'bool', False, None, None, False),
        'moving_average_fraction': FieldSpec(
            'moving_average_fraction', 2, 'optional', 'float', 'float', 0.9990000128746033, None, None, False,
        ),
        'eps': FieldSpec('eps', 3, 'optional', 'float', 'float', 9.999999747378752e-06, None, None, False),
        'scale_filler': FieldSpec(
            'scale_filler', 5, 'optional', 'FillerParameter', 'message', None, None, 'FillerParameter', False,
        ),
        'bias_filler': FieldSpec(
            'bias_filler', 6, 'optional', 'FillerParameter', 'message', None, None, 'FillerParameter', False,
        ),
        'scale_bias': FieldSpec('scale_bias', 7, 'optional', 'bool', 'bool', False, None, None, False),
        'engine': FieldSpec(
            'engine', 15, 'optional', 'Engine', 'enum', 'DEFAULT', ENUMS['BatchNormParameter.Engine'], None, False,
        ),
    }
    ENUMS: ClassVar[dict[str, dict[str, int]]] = {'Engine': ENUMS['BatchNormParameter.Engine']}

    def __init__(
        self,
        use_global_stats: bool = False,
        moving_average_fraction: float = 0.9990000128746033,
        eps: float = 9.999999747378752e-06,
        scale_filler: FillerParameter = DEFAULT_FillerParameter,
        bias_filler: FillerParameter = DEFAULT_FillerParameter,
        scale_bias: bool = False,
        engine: str = 'DEFAULT',
    ) -> None:
        _set = object.__setattr__
        _set(self, 'use_global_stats', use_global_stats)
        _set(self, 'moving_average_fraction', moving_average_fraction)
        _set(self, 'eps', eps)
        _set(self, 'scale_filler', scale_filler)
        _set(self, 'bias_filler', bias_filler)
        _set(self, 'scale_bias', scale_bias)
        _set(self, 'engine', engine)


#: The default instance of BatchNormParameter (what an absent field of that type reads as).
DEFAULT_BatchNormParameter = BatchNormParameter()

class ELUParameter(Message):
    """``ELUParameter`` (proto/caffe.proto, line 410)."""

    __slots__ = ('alpha',)
    __match_args__ = ('alpha',)

    alpha: float

    FIELDS: ClassVar[dict[str, FieldSpec]] = {
        'alpha': FieldSpec('alpha', 1, 'optional', 'float', 'float', 1.0, None, None, False),
    }
    ENUMS: ClassVar[dict[str, dict[str, int]]] = {}

    def __init__(
        self,
        alpha: float = 1.0,
    ) -> None:
        _set = object.__setattr__
        _set(self, 'alpha', alpha)


#: The default instance of ELUParameter (what an absent field of that type reads as).
DEFAULT_ELUParameter = ELUParameter()

class BiasParameter(Message):
    """``BiasParameter`` (proto/caffe.proto, line 319)."""

    __slots__ = ('axis', 'filler', 'num_axes')
    __match_args__ = ('axis', 'num_axes', 'filler')

    axis: int
    num_axes: int
    filler: FillerParameter

    FIELDS: ClassVar[dict[str, FieldSpec]] = {
        'axis': FieldSpec('axis', 1, 'optional', 'int32', 'int', 1, None, None, False),
        'num_axes': FieldSpec('num_axes', 2, 'optional', 'int32', 'int', 1, None, None, False),
        'filler': FieldSpec(
            'filler', 3, 'optional', 'FillerParameter', 'message', None, None, 'FillerParameter', False,
        ),
    }
    ENUMS: ClassVar[dict[str, dict[str, int]]] = {}

    def __init__(
        self,
        axis: int = 1,
        num_axes: int = 1,
        filler: FillerParameter = DEFAULT_FillerParameter,
    ) -> None:
        _set = object.__setattr__
        _set(self, 'axis', axis)
        _set(self, 'num_axes', num_axes)
        _set(self, 'filler', filler)


#: The default instance of BiasParameter (what an absent field of that type reads as).
DEFAULT_BiasParameter = BiasParameter()

class ScaleParameter(Message):
    """``ScaleParameter`` (proto/caffe.proto, line 628)."""

    __slots__ = ('axis', 'bias_filler', 'bias_term', 'filler', 'num_axes')
    __match_args__ = ('axis', 'num_axes', 'filler', 'bias_term', 'bias_filler')

    axis: int
    num_axes: int
    filler: FillerParameter
    bias_term: bool
    bias_filler: FillerParameter

    FIELDS: ClassVar[dict[str, FieldSpec]] = {
        'axis': FieldSpec('axis', 1, 'optional', 'int32', 'int', 1, None, None, False),
        'num_axes': FieldSpec('num_axes', 2, 'optional', 'int32', 'int', 1, None, None, False),
        'filler': FieldSpec(
            'filler', 3, 'optional', 'FillerParameter', 'message', None, None, 'FillerParameter', False,
        ),
        'bias_term': FieldSpec('bias_term', 4, 'optional', 'bool', 'bool', False, None, None, False),
        'bias_filler': FieldSpec(
            'bias_filler', 5, 'optional', 'FillerParameter', 'message', None, None, 'FillerParameter', False,
        ),
    }
    ENUMS: ClassVar[dict[str, dict[str, int]]] = {}

    def __init__(
        self,
        axis: int = 1,
        num_axes: int = 1,
        filler: FillerParameter = DEFAULT_FillerParameter,
        bias_term: bool = False,
        bias_filler: FillerParameter = DEFAULT_FillerParameter,
    ) -> None:
        _set = object.__setattr__
        _set(self, 'axis', axis)
        _set(self, 'num_axes', num_axes)
        _set(self, 'filler', filler)
        _set(self, 'bias_term', bias_term)
        _set(self, 'bias_filler', bias_filler)


#: The default instance of ScaleParameter (what an absent field of that type reads as).
DEFAULT_ScaleParameter = ScaleParameter()

class InputParameter(Message):
    """``InputParameter`` (proto/caffe.proto, line 486)."""

    __slots__ = ('shape',)
    __match_args__ = ('shape',)

    shape: tuple[BlobShape, ...]

    FIELDS: ClassVar[dict[str, FieldSpec]] = {
        'shape': FieldSpec('shape', 1, 'repeated', 'BlobShape', 'message', (), None, 'BlobShape', False),
    }
    ENUMS: ClassVar[dict[str, dict[str, int]]] = {}

    def __init__(
        self,
        shape: tuple[BlobShape, ...] = (),
    ) -> None:
        _set = object.__setattr__
        _set(self, 'shape', shape)


#: The default instance of InputParameter (what an absent field of that type reads as).
DEFAULT_InputParameter = InputParameter()

class CropParameter(Message):
    """``CropParameter`` (proto/caffe.proto, line 363)."""

    __slots__ = ('axis', 'offset')
    __match_args__ = ('axis', 'offset')

    axis: int
    offset: tuple[int, ...]

    FIELDS: ClassVar[dict[str, FieldSpec]] = {
        'axis': FieldSpec('axis', 1, 'optional', 'int32', 'int', 2, None, None, False),
        'offset': FieldSpec('offset', 2, 'repeated', 'uint32', 'int', (), None, None, False),
    }
    ENUMS: ClassVar[dict[str, dict[str, int]]] = {}

    def __init__(
        self,
        axis: int = 2,
        offset: tuple[int, ...] = (),
    ) -> None:
        _set = object.__setattr__
        _set(self, 'axis', axis)
        _set(self, 'offset', offset)


#: The default instance of CropParameter (what an absent field of that type reads as).
DEFAULT_CropParameter = CropParameter()

class ParameterParameter(Message):
    """``ParameterParameter`` (proto/caffe.proto, line 530)."""

    __slots__ = ('shape',)
    __match_args__ = ('shape',)

    shape: BlobShape

    FIELDS: ClassVar[dict[str, FieldSpec]] = {
        'shape': FieldSpec('shape', 1, 'optional', 'BlobShape', 'message', None, None, 'BlobShape', False),
    }
    ENUMS: ClassVar[dict[str, dict[str, int]]] = {}

    def __init__(
        self,
        shape: BlobShape = DEFAULT_BlobShape,
    ) -> None:
        _set = object.__setattr__
        _set(self, 'shape', shape)


#: The default instance of ParameterParameter (what an absent field of that type reads as).
DEFAULT_ParameterParameter = ParameterParameter()

class RecurrentParameter(Message):
    """``RecurrentParameter`` (proto/caffe.proto, line 587)."""

    __slots__ = ('bias_filler', 'debug_info', 'expose_hidden', 'num_output', 'weight_filler')
    __match_args__ = ('num_output', 'weight_filler', 'bias_filler', 'debug_info', 'expose_hidden')

    num_output: int
    weight_filler: FillerParameter
    bias_filler: FillerParameter
    debug_info: bool
    expose_hidden: bool

    FIELDS: ClassVar[dict[str, FieldSpec]] = {
        'num_output': FieldSpec('num_output', 1, 'optional', 'uint32', 'int', 0, None, None, False),
        'weight_filler': FieldSpec(
            'weight_filler', 2, 'optional', 'FillerParameter', 'message', None, None, 'FillerParameter', False,
        ),
        'bias_filler': FieldSpec(
            'bias_filler', 3, 'optional', 'FillerParameter', 'message', None, None, 'FillerParameter', False,
        ),
        'debug_info': FieldSpec('debug_info', 4, 'optional', 'bool', 'bool', False, None, None, False),
        'expose_hidden': FieldSpec('expose_hidden', 5, 'optional', 'bool', 'bool', False, None, None, False),
    }
    ENUMS: ClassVar[dict[str, dict[str, int]]] = {}

    def __init__(
        self,
        num_output: int = 0,
        weight_filler: FillerParameter = DEFAULT_FillerParameter,
        bias_filler: FillerParameter = DEFAULT_FillerParameter,
        debug_info: bool = False,
        expose_hidden: bool = False,
    ) -> None:
        _set = object.__setattr__
        _set(self, 'num_output', num_output)
        _set(self, 'weight_filler', weight_filler)
        _set(self, 'bias_filler', bias_filler)
        _set(self, 'debug_info', debug_info)
        _set(self, 'expose_hidden', expose_hidden)


#: The default instance of RecurrentParameter (what an absent field of that type reads as).
DEFAULT_RecurrentParameter = RecurrentParameter()

class SwishParameter(Message):
    """``SwishParameter`` (proto/caffe.proto, line 664)."""

    __slots__ = ('beta',)
    __match_args__ = ('beta',)

    beta: float

    FIELDS: ClassVar[dict[str, FieldSpec]] = {
        'beta': FieldSpec('beta', 1, 'optional', 'float', 'float', 1.0, None, None, False),
    }
    ENUMS: ClassVar[dict[str, dict[str, int]]] = {}

    def __init__(
        self,
        beta: float = 1.0,
    ) -> None:
        _set = object.__setattr__
        _set(self, 'beta', beta)


#: The default instance of SwishParameter (what an absent field of that type reads as).
DEFAULT_SwishParameter = SwishParameter()

class ClipParameter(Message):
    """``ClipParameter`` (proto/caffe.proto, line 281)."""

    __slots__ = ('max', 'min')
    __match_args__ = ('min', 'max')

    min: float
    max: float

    FIELDS: ClassVar[dict[str, FieldSpec]] = {
        'min': FieldSpec('min', 1, 'optional', 'float', 'float', 0.0, None, None, False),
        'max': FieldSpec('max', 2, 'optional', 'float', 'float', 0.0, None, None, False),
    }
    ENUMS: ClassVar[dict[str, dict[str, int]]] = {}

    def __init__(
        self,
        min: float = 0.0,
        max: float = 0.0,
    ) -> None:
        _set = object.__setattr__
        _set(self, 'min', min)
        _set(self, 'max', max)


#: The default instance of ClipParameter (what an absent field of that type reads as).
DEFAULT_ClipParameter = ClipParameter()

class LayerParameter(Message):
    """``LayerParameter`` (proto/caffe.proto, line 174)."""

    __slots__ = (
        'accuracy_param', 'argmax_param', 'batch_norm_param', 'bias_param', 'blobs', 'bottom', 'clip_param',
        'concat_param', 'contrastive_loss_param', 'convolution_param', 'crop_param', 'data_param', 'dropout_param',
        'dummy_data_param', 'eltwise_param', 'elu_param', 'embed_param', 'exclude', 'exp_param', 'flatten_param',
        'hdf5_data_param', 'hdf5_output_param', 'hinge_loss_param', 'image_data_param', 'include',
        'infogain_loss_param', 'inner_product_param', 'input_param', 'log_param', 'loss_param', 'loss_weight',
        'lrn_param', 'memory_data_param', 'mvn_param', 'name', 'param', 'parameter_param', 'phase', 'pooling_param',
        'power_param', 'prelu_param', 'propagate_down', 'python_param', 'recurrent_param', 'reduction_param',
        'relu_param', 'reshape_param', 'scale_param', 'sigmoid_param', 'slice_param', 'softmax_param', 'spp_param',
        'swish_param', 'tanh_param', 'threshold_param', 'tile_param', 'top', 'transform_param', 'type',
        'window_data_param',
    )
    __match_args__ = (
        'name', 'type', 'bottom', 'top', 'loss_weight', 'param', 'blobs', 'include', 'exclude', 'phase',
        'propagate_down', 'transform_param', 'loss_param', 'accuracy_param', 'argmax_param', 'concat_param',
        'contrastive_loss_param', 'convolution_param', 'data_param', 'dropout_param', 'dummy_data_param',
        'eltwise_param', 'exp_param', 'hdf5_data_param', 'hdf5_output_param', 'hinge_loss_param', 'image_data_param',
        'infogain_loss_param', 'inner_product_param', 'lrn_param', 'memory_data_param', 'mvn_param', 'pooling_param',
        'power_param', 'relu_param', 'sigmoid_param', 'softmax_param', 'slice_param', 'tanh_param', 'threshold_param',
        'window_data_param', 'python_param', 'prelu_param', 'spp_param', 'reshape_param', 'log_param', 'flatten_param',
        'reduction_param', 'embed_param', 'tile_param', 'batch_norm_param', 'elu_param', 'bias_param', 'scale_param',
        'input_param', 'crop_param', 'parameter_param', 'recurrent_param', 'swish_param', 'clip_param',
    )

    name: str
    type: str
    bottom: tuple[str, ...]
    top: tuple[str, ...]
    loss_weight: tuple[float, ...]
    param: tuple[ParamSpec, ...]
    blobs: tuple[BlobProto, ...]
    include: tuple[NetStateRule, ...]
    exclude: tuple[NetStateRule, ...]
    phase: str
    propagate_down: tuple[bool, ...]
    transform_param: TransformationParameter
    loss_param: LossParameter
    accuracy_param: AccuracyParameter
    argmax_param: ArgMaxParameter
    concat_param: ConcatParameter
    contrastive_loss_param: ContrastiveLossParameter
    convolution_param: ConvolutionParameter
    data_param: DataParameter
    dropout_param: DropoutParameter
    dummy_data_param: DummyDataParameter
    eltwise_param: EltwiseParameter
    exp_param: ExpParameter
    hdf5_data_param: HDF5DataParameter
    hdf5_output_param: HDF5OutputParameter
    hinge_loss_param: HingeLossParameter
    image_data_param: ImageDataParameter
    infogain_loss_param: InfogainLossParameter
    inner_product_param: InnerProductParameter
    lrn_param: LRNParameter
    memory_data_param: MemoryDataParameter
    mvn_param: MVNParameter
    pooling_param: PoolingParameter
    power_param: PowerParameter
    relu_param: ReLUParameter
    sigmoid_param: SigmoidParameter
    softmax_param: SoftmaxParameter
    slice_param: SliceParameter
    tanh_param: TanHParameter
    threshold_param: ThresholdParameter
    window_data_param: WindowDataParameter
    python_param: PythonParameter
    prelu_param: PReLUParameter
    spp_param: SPPParameter
    reshape_param: ReshapeParameter
    log_param: LogParameter
    flatten_param: FlattenParameter
    reduction_param: ReductionParameter
    embed_param: EmbedParameter
    tile_param: TileParameter
    batch_norm_param: BatchNormParameter
    elu_param: ELUParameter
    bias_param: BiasParameter
    scale_param: ScaleParameter
    input_param: InputParameter
    crop_param: CropParameter
    parameter_param: ParameterParameter
    recurrent_param: RecurrentParameter
    swish_param: SwishParameter
    clip_param: ClipParameter

    FIELDS: ClassVar[dict[str, FieldSpec]] = {
        'name': FieldSpec('name', 1, 'optional', 'string', 'string', '', None, None, False),
        'type': FieldSpec('type', 2, 'optional', 'string', 'string', '', None, None, False),
        'bottom': FieldSpec('bottom', 3, 'repeated', 'string', 'string', (), None, None, False),
        'top': FieldSpec('top', 4, 'repeated', 'string', 'string', (), None, None, False),
        'loss_weight': FieldSpec('loss_weight', 5, 'repeated', 'float', 'float', (), None, None, False),
        'param': FieldSpec('param', 6, 'repeated', 'ParamSpec', 'message', (), None, 'ParamSpec', False),
        'blobs': FieldSpec('blobs', 7, 'repeated', 'BlobProto', 'message', (), None, 'BlobProto', False),
        'include': FieldSpec('include', 8, 'repeated', 'NetStateRule', 'message', (), None, 'NetStateRule', False),
        'exclude': FieldSpec('exclude', 9, 'repeated', 'NetStateRule', 'message', (), None, 'NetStateRule', False),
        'phase': FieldSpec('phase', 10, 'optional', 'Phase', 'enum', 'TRAIN', ENUMS['Phase'], None, False),
        'propagate_down': FieldSpec('propagate_down', 11, 'repeated', 'bool', 'bool', (), None, None, False),
        'transform_param': FieldSpec(
            'transform_param', 100, 'optional', 'TransformationParameter', 'message', None, None,
            'TransformationParameter', False,
        ),
        'loss_param': FieldSpec(
            'loss_param', 101, 'optional', 'LossParameter', 'message', None, None, 'LossParameter', False,
        ),
        'accuracy_param': FieldSpec(
            'accuracy_param', 102, 'optional', 'AccuracyParameter', 'message', None, None, 'AccuracyParameter', False,
        ),
        'argmax_param': FieldSpec(
            'argmax_param', 103, 'optional', 'ArgMaxParameter', 'message', None, None, 'ArgMaxParameter', False,
        ),
        'concat_param': FieldSpec(
            'concat_param', 104, 'optional', 'ConcatParameter', 'message', None, None, 'ConcatParameter', False,
        ),
        'contrastive_loss_param': FieldSpec(
            'contrastive_loss_param', 105, 'optional', 'ContrastiveLossParameter', 'message', None, None,
            'ContrastiveLossParameter', False,
        ),
        'convolution_param': FieldSpec(
            'convolution_param', 106, 'optional', 'ConvolutionParameter', 'message', None, None, 'ConvolutionParameter',
            False,
        ),
        'data_param': FieldSpec(
            'data_param', 107, 'optional', 'DataParameter', 'message', None, None, 'DataParameter', False,
        ),
        'dropout_param': FieldSpec(
            'dropout_param', 108, 'optional', 'DropoutParameter', 'message', None, None, 'DropoutParameter', False,
        ),
        'dummy_data_param': FieldSpec(
            'dummy_data_param', 109, 'optional', 'DummyDataParameter', 'message', None, None, 'DummyDataParameter',
            False,
        ),
        'eltwise_param': FieldSpec(
            'eltwise_param', 110, 'optional', 'EltwiseParameter', 'message', None, None, 'EltwiseParameter', False,
        ),
        'exp_param': FieldSpec(
            'exp_param', 111, 'optional', 'ExpParameter', 'message', None, None, 'ExpParameter', False,
        ),
        'hdf5_data_param': FieldSpec(
            'hdf5_data_param', 112, 'optional', 'HDF5DataParameter', 'message', None, None, 'HDF5DataParameter', False,
        ),
        'hdf5_output_param': FieldSpec(
            'hdf5_output_param', 113, 'optional', 'HDF5OutputParameter', 'message', None, None, 'HDF5OutputParameter',
            False,
        ),
        'hinge_loss_param': FieldSpec(
            'hinge_loss_param', 114, 'optional', 'HingeLossParameter', 'message', None, None, 'HingeLossParameter',
            False,
        ),
        'image_data_param': FieldSpec(
            'image_data_param', 115, 'optional', 'ImageDataParameter', 'message', None, None, 'ImageDataParameter',
            False,
        ),
        'infogain_loss_param': FieldSpec(
            'infogain_loss_param', 116, 'optional', 'InfogainLossParameter', 'message', None, None,
            'InfogainLossParameter', False,
        ),
        'inner_product_param': FieldSpec(
            'inner_product_param', 117, 'optional', 'InnerProductParameter', 'message', None, None,
            'InnerProductParameter', False,
        ),
        'lrn_param': FieldSpec(
            'lrn_param', 118, 'optional', 'LRNParameter', 'message', None, None, 'LRNParameter', False,
        ),
        'memory_data_param': FieldSpec(
            'memory_data_param', 119, 'optional', 'MemoryDataParameter', 'message', None, None, 'MemoryDataParameter',
            False,
        ),
        'mvn_param': FieldSpec(
            'mvn_param', 120, 'optional', 'MVNParameter', 'message', None, None, 'MVNParameter', False,
        ),
        'pooling_param': FieldSpec(
            'pooling_param', 121, 'optional', 'PoolingParameter', 'message', None, None, 'PoolingParameter', False,
        ),
        'power_param': FieldSpec(
            'power_param', 122, 'optional', 'PowerParameter', 'message', None, None, 'PowerParameter', False,
        ),
        'relu_param': FieldSpec(
            'relu_param', 123, 'optional', 'ReLUParameter', 'message', None, None, 'ReLUParameter', False,
        ),
        'sigmoid_param': FieldSpec(
            'sigmoid_param', 124, 'optional', 'SigmoidParameter', 'message', None, None, 'SigmoidParameter', False,
        ),
        'softmax_param': FieldSpec(
            'softmax_param', 125, 'optional', 'SoftmaxParameter', 'message', None, None, 'SoftmaxParameter', False,
        ),
        'slice_param': FieldSpec(
            'slice_param', 126, 'optional', 'SliceParameter', 'message', None, None, 'SliceParameter', False,
        ),
        'tanh_param': FieldSpec(
            'tanh_param', 127, 'optional', 'TanHParameter', 'message', None, None, 'TanHParameter', False,
        ),
        'threshold_param': FieldSpec(
            'threshold_param', 128, 'optional', 'ThresholdParameter', 'message', None, None, 'ThresholdParameter',
            False,
        ),
        'window_data_param': FieldSpec(
            'window_data_param', 129, 'optional', 'WindowDataParameter', 'message', None, None, 'WindowDataParameter',
            False,
        ),
        'python_param': FieldSpec(
            'python_param', 130, 'optional', 'PythonParameter', 'message', None, None, 'PythonParameter', False,
        ),
        'prelu_param': FieldSpec(
            'prelu_param', 131, 'optional', 'PReLUParameter', 'message', None, None, 'PReLUParameter', False,
        ),
        'spp_param': FieldSpec(
            'spp_param', 132, 'optional', 'SPPParameter', 'message', None, None, 'SPPParameter', False,
        ),
        'reshape_param': FieldSpec(
            'reshape_param', 133, 'optional', 'ReshapeParameter', 'message', None, None, 'ReshapeParameter', False,
        ),
        'log_param': FieldSpec(
            'log_param', 134, 'optional', 'LogParameter', 'message', None, None, 'LogParameter', False,
        ),
        'flatten_param': FieldSpec(
            'flatten_param', 135, 'optional', 'FlattenParameter', 'message', None, None, 'FlattenParameter', False,
        ),
        'reduction_param': FieldSpec(
            'reduction_param', 136, 'optional', 'ReductionParameter', 'message', None, None, 'ReductionParameter',
            False,
        ),
        'embed_param': FieldSpec(
            'embed_param', 137, 'optional', 'EmbedParameter', 'message', None, None, 'EmbedParameter', False,
        ),
        'tile_param': FieldSpec(
            'tile_param', 138, 'optional', 'TileParameter', 'message', None, None, 'TileParameter', False,
        ),
        'batch_norm_param': FieldSpec(
            'batch_norm_param', 139, 'optional', 'BatchNormParameter', 'message', None, None, 'BatchNormParameter',
            False,
        ),
        'elu_param': FieldSpec(
            'elu_param', 140, 'optional', 'ELUParameter', 'message', None, None, 'ELUParameter', False,
        ),
        'bias_param': FieldSpec(
            'bias_param', 141, 'optional', 'BiasParameter', 'message', None, None, 'BiasParameter', False,
        ),
        'scale_param': FieldSpec(
            'scale_param', 142, 'optional', 'ScaleParameter', 'message', None, None, 'ScaleParameter', False,
        ),
        'input_param': FieldSpec(
            'input_param', 143, 'optional', 'InputParameter', 'message', None, None, 'InputParameter', False,
        ),
        'crop_param': FieldSpec(
            'crop_param', 144, 'optional', 'CropParameter', 'message', None, None, 'CropParameter', False,
        ),
        'parameter_param': FieldSpec(
            'parameter_param', 145, 'optional', 'ParameterParameter', 'message', None, None, 'ParameterParameter',
            False,
        ),
        'recurrent_param': FieldSpec(
            'recurrent_param', 146, 'optional', 'RecurrentParameter', 'message', None, None, 'RecurrentParameter',
            False,
        ),
        'swish_param': FieldSpec(
            'swish_param', 147, 'optional', 'SwishParameter', 'message', None, None, 'SwishParameter', False,
        ),
        'clip_param': FieldSpec(
            'clip_param', 148, 'optional', 'ClipParameter', 'message', None, None, 'ClipParameter', False,
        ),
    }
    ENUMS: ClassVar[dict[str, dict[str, int]]] = {}

    def __init__(
        self,
        name: str = '',
        type: str = '',
        bottom: tuple[str, ...] = (),
        top: tuple[str, ...] = (),
        loss_weight: tuple[float, ...] = (),
        param: tuple[ParamSpec, ...] = (),
        blobs: tuple[BlobProto, ...] = (),
        include: tuple[NetStateRule, ...] = (),
        exclude: tuple[NetStateRule, ...] = (),
        phase: str = 'TRAIN',
        propagate_down: tuple[bool, ...] = (),
        transform_param: TransformationParameter = DEFAULT_TransformationParameter,
        loss_param: LossParameter = DEFAULT_LossParameter,
        accuracy_param: AccuracyParameter = DEFAULT_AccuracyParameter,
        argmax_param: ArgMaxParameter = DEFAULT_ArgMaxParameter,
        concat_param: ConcatParameter = DEFAULT_ConcatParameter,
        contrastive_loss_param: ContrastiveLossParameter = DEFAULT_ContrastiveLossParameter,
        convolution_param: ConvolutionParameter = DEFAULT_ConvolutionParameter,
        data_param: DataParameter = DEFAULT_DataParameter,
        dropout_param: DropoutParameter = DEFAULT_DropoutParameter,
        dummy_data_param: DummyDataParameter = DEFAULT_DummyDataParameter,
        eltwise_param: EltwiseParameter = DEFAULT_EltwiseParameter,
        exp_param: ExpParameter = DEFAULT_ExpParameter,
        hdf5_data_param: HDF5DataParameter = DEFAULT_HDF5DataParameter,
        hdf5_output_param: HDF5OutputParameter = DEFAULT_HDF5OutputParameter,
        hinge_loss_param: HingeLossParameter = DEFAULT_HingeLossParameter,
        image_data_param: ImageDataParameter = DEFAULT_ImageDataParameter,
        infogain_loss_param: InfogainLossParameter = DEFAULT_InfogainLossParameter,
        inner_product_param: InnerProductParameter = DEFAULT_InnerProductParameter,
        lrn_param: LRNParameter = DEFAULT_LRNParameter,
        memory_data_param: MemoryDataParameter = DEFAULT_MemoryDataParameter,
        mvn_param: MVNParameter = DEFAULT_MVNParameter,
        pooling_param: PoolingParameter = DEFAULT_PoolingParameter,
        power_param: PowerParameter = DEFAULT_PowerParameter,
        relu_param: ReLUParameter = DEFAULT_ReLUParameter,
        sigmoid_param: SigmoidParameter = DEFAULT_SigmoidParameter,
        softmax_param: SoftmaxParameter = DEFAULT_SoftmaxParameter,
        slice_param: SliceParameter = DEFAULT_SliceParameter,
        tanh_param: TanHParameter = DEFAULT_TanHParameter,
        threshold_param: ThresholdParameter = DEFAULT_ThresholdParameter,
        window_data_param: WindowDataParameter = DEFAULT_WindowDataParameter,
        python_param: PythonParameter = DEFAULT_PythonParameter,
        prelu_param: PReLUParameter = DEFAULT_PReLUParameter,
        spp_param: SPPParameter = DEFAULT_SPPParameter,
        reshape_param: ReshapeParameter = DEFAULT_ReshapeParameter,
        log_param: LogParameter = DEFAULT_LogParameter,
        flatten_param: FlattenParameter = DEFAULT_FlattenParameter,
        reduction_param: ReductionParameter = DEFAULT_ReductionParameter,
        embed_param: EmbedParameter = DEFAULT_EmbedParameter,
        tile_param: TileParameter = DEFAULT_TileParameter,
        batch_norm_param: BatchNormParameter = DEFAULT_BatchNormParameter,
        elu_param: ELUParameter = DEFAULT_ELUParameter,
        bias_param: BiasParameter = DEFAULT_BiasParameter,
        scale_param: ScaleParameter = DEFAULT_ScaleParameter,
        input_param: InputParameter = DEFAULT_InputParameter,
        crop_param: CropParameter = DEFAULT_CropParameter,
        parameter_param: ParameterParameter = DEFAULT_ParameterParameter,
        recurrent_param: RecurrentParameter = DEFAULT_RecurrentParameter,
        swish_param: SwishParameter = DEFAULT_SwishParameter,
        clip_param: ClipParameter = DEFAULT_ClipParameter,
    ) -> None:
        _set = object.__setattr__
        _set(self, 'name', name)
        _set(self, 'type', type)
        _set(self, 'bottom', bottom)
        _set(self, 'top', top)
        _set(self, 'loss_weight', loss_weight)
        _set(self, 'param', param)
        _set(self, 'blobs', blobs)
        _set(self, 'include', include)
        _set(self, 'exclude', exclude)
        _set(self, 'phase', phase)
        _set(self, 'propagate_down', propagate_down)
        _set(self, 'transform_param', transform_param)
        _set(self, 'loss_param', loss_param)
        _set(self, 'accuracy_param', accuracy_param)
        _set(self, 'argmax_param', argmax_param)
        _set(self, 'concat_param', concat_param)
        _set(self, 'contrastive_loss_param', contrastive_loss_param)
        _set(self, 'convolution_param', convolution_param)
        _set(self, 'data_param', data_param)
        _set(self, 'dropout_param', dropout_param)
        _set(self, 'dummy_data_param', dummy_data_param)
        _set(self, 'eltwise_param', eltwise_param)
        _set(self, 'exp_param', exp_param)
        _set(self, 'hdf5_data_param', hdf5_data_param)
        _set(self, 'hdf5_output_param', hdf5_output_param)
        _set(self, 'hinge_loss_param', hinge_loss_param)
        _set(self, 'image_data_param', image_data_param)
        _set(self, 'infogain_loss_param', infogain_loss_param)
        _set(self, 'inner_product_param', inner_product_param)
        _set(self, 'lrn_param', lrn_param)
        _set(self, 'memory_data_param', memory_data_param)
        _set(self, 'mvn_param', mvn_param)
        _set(self, 'pooling_param', pooling_param)
        _set(self, 'power_param', power_param)
        _set(self, 'relu_param', relu_param)
        _set(self, 'sigmoid_param', sigmoid_param)
        _set(self, 'softmax_param', softmax_param)
        _set(self, 'slice_param', slice_param)
        _set(self, 'tanh_param', tanh_param)
        _set(self, 'threshold_param', threshold_param)
        _set(self, 'window_data_param', window_data_param)
        _set(self, 'python_param', python_param)
        _set(self, 'prelu_param', prelu_param)
        _set(self, 'spp_param', spp_param)
        _set(self, 'reshape_param', reshape_param)
        _set(self, 'log_param', log_param)
        _set(self, 'flatten_param', flatten_param)
        _set(self, 'reduction_param', reduction_param)
        _set(self, 'embed_param', embed_param)
        _set(self, 'tile_param', tile_param)
        _set(self, 'batch_norm_param', batch_norm_param)
        _set(self, 'elu_param', elu_param)
        _set(self, 'bias_param', bias_param)
        _set(self, 'scale_param', scale_param)
        _set(self, 'input_param', input_param)
        _set(self, 'crop_param', crop_param)
        _set(self, 'parameter_param', parameter_param)
        _set(self, 'recurrent_param', recurrent_param)
        _set(self, 'swish_param', swish_param)
        _set(self, 'clip_param', clip_param)


#: The default instance of LayerParameter (what an absent field of that type reads as).
DEFAULT_LayerParameter = LayerParameter()

class V0LayerParameter(Message):
    """``V0LayerParameter`` (proto/caffe.proto, line 821)."""

    __slots__ = (
        'alpha', 'batchsize', 'beta', 'bias_filler', 'biasterm', 'blobs', 'blobs_lr', 'concat_dim', 'cropsize',
        'det_bg_threshold', 'det_context_pad', 'det_crop_mode', 'det_fg_fraction', 'det_fg_threshold', 'dropout_ratio',
        'group', 'hdf5_output_param', 'k', 'kernelsize', 'local_size', 'meanfile', 'mirror', 'name', 'new_channels',
        'new_height', 'new_num', 'new_width', 'num_output', 'pad', 'pool', 'rand_skip', 'scale', 'shuffle_images',
        'source', 'stride', 'type', 'weight_decay', 'weight_filler',
    )
    __match_args__ = (
        'name', 'type', 'num_output', 'biasterm', 'weight_filler', 'bias_filler', 'pad', 'kernelsize', 'group',
        'stride', 'pool', 'dropout_ratio', 'local_size', 'alpha', 'beta', 'source', 'scale', 'meanfile', 'batchsize',
        'cropsize', 'mirror', 'k', 'blobs', 'blobs_lr', 'weight_decay', 'rand_skip', 'det_fg_threshold',
        'det_bg_threshold', 'det_fg_fraction', 'det_context_pad', 'det_crop_mode', 'new_num', 'new_channels',
        'new_height', 'new_width', 'shuffle_images', 'concat_dim', 'hdf5_output_param',
    )

    name: str
    type: str
    num_output: int
    biasterm: bool
    weight_filler: FillerParameter
    bias_filler: FillerParameter
    pad: int
    kernelsize: int
    group: int
    stride: int
    pool: str
    dropout_ratio: float
    local_size: int
    alpha: float
    beta: float
    source: str
    scale: float
    meanfile: str
    batchsize: int
    cropsize: int
    mirror: bool
    k: float
    blobs: tuple[BlobProto, ...]
    blobs_lr: tuple[float, ...]
    weight_decay: tuple[float, ...]
    rand_skip: int
    det_fg_threshold: float
    det_bg_threshold: float
    det_fg_fraction: float
    det_context_pad: int
    det_crop_mode: str
    new_num: int
    new_channels: int
    new_height: int
    new_width: int
    shuffle_images: bool
    concat_dim: int
    hdf5_output_param: HDF5OutputParameter

    FIELDS: ClassVar[dict[str, FieldSpec]] = {
        'name': FieldSpec('name', 1, 'optional', 'string', 'string', '', None, None, False),
        'type': FieldSpec('type', 2, 'optional', 'string', 'string', '', None, None, False),
        'num_output': FieldSpec('num_output', 3, 'optional', 'uint32', 'int', 0, None, None, False),
        'biasterm': FieldSpec('biasterm', 4, 'optional', 'bool', 'bool', True, None, None, False),
        'weight_filler': FieldSpec(
            'weight_filler', 5, 'optional', 'FillerParameter', 'message', None, None, 'FillerParameter', False,
        ),
        'bias_filler': FieldSpec(
            'bias_filler', 6, 'optional', 'FillerParameter', 'message', None, None, 'FillerParameter', False,
        ),
        'pad': FieldSpec('pad', 7, 'optional', 'uint32', 'int', 0, None, None, False),
        'kernelsize': FieldSpec('kernelsize', 8, 'optional', 'uint32', 'int', 0, None, None, False),
        'group': FieldSpec('group', 9, 'optional', 'uint32', 'int', 1, None, None, False),
        'stride': FieldSpec('stride', 10, 'optional', 'uint32', 'int', 1, None, None, False),
        'pool': FieldSpec(
            'pool', 11, 'optional', 'PoolMethod', 'enum', 'MAX', ENUMS['V0LayerParameter.PoolMethod'], None, False,
        ),
        'dropout_ratio': FieldSpec('dropout_ratio', 12, 'optional', 'float', 'float', 0.5, None, None, False),
        'local_size': FieldSpec('local_size', 13, 'optional', 'uint32', 'int', 5, None, None, False),
        'alpha': FieldSpec('alpha', 14, 'optional', 'float', 'float', 1.0, None, None, False),
        'beta': FieldSpec('beta', 15, 'optional', 'float', 'float', 0.75, None, None, False),
        'source': FieldSpec('source', 16, 'optional', 'string', 'string', '', None, None, False),
        'scale': FieldSpec('scale', 17, 'optional', 'float', 'float', 1.0, None, None, False),
        'meanfile': FieldSpec('meanfile', 18, 'optional', 'string', 'string', '', None, None, False),
        'batchsize': FieldSpec('batchsize', 19, 'optional', 'uint32', 'int', 0, None, None, False),
        'cropsize': FieldSpec('cropsize', 20, 'optional', 'uint32', 'int', 0, None, None, False),
        'mirror': FieldSpec('mirror', 21, 'optional', 'bool', 'bool', False, None, None, False),
        'k': FieldSpec('k', 22, 'optional', 'float', 'float', 1.0, None, None, False),
        'blobs': FieldSpec('blobs', 50, 'repeated', 'BlobProto', 'message', (), None, 'BlobProto', False),
        'blobs_lr': FieldSpec('blobs_lr', 51, 'repeated', 'float', 'float', (), None, None, False),
        'weight_decay': FieldSpec('weight_decay', 52, 'repeated', 'float', 'float', (), None, None, False),
        'rand_skip': FieldSpec('rand_skip', 53, 'optional', 'uint32', 'int', 0, None, None, False),
        'det_fg_threshold': FieldSpec('det_fg_threshold', 54, 'optional', 'float', 'float', 0.5, None, None, False),
        'det_bg_threshold': FieldSpec('det_bg_threshold', 55, 'optional', 'float', 'float', 0.5, None, None, False),
        'det_fg_fraction': FieldSpec('det_fg_fraction', 56, 'optional', 'float', 'float', 0.25, None, None, False),
        'det_context_pad': FieldSpec('det_context_pad', 58, 'optional', 'uint32', 'int', 0, None, None, False),
        'det_crop_mode': FieldSpec('det_crop_mode', 59, 'optional', 'string', 'string', 'warp', None, None, False),
        'new_num': FieldSpec('new_num', 60, 'optional', 'int32', 'int', 0, None, None, False),
        'new_channels': FieldSpec('new_channels', 61, 'optional', 'int32', 'int', 0, None, None, False),
        'new_height': FieldSpec('new_height', 62, 'optional', 'int32', 'int', 0, None, None, False),
        'new_width': FieldSpec('new_width', 63, 'optional', 'int32', 'int', 0, None, None, False),
        'shuffle_images': FieldSpec('shuffle_images', 64, 'optional', 'bool', 'bool', False, None, None, False),
        'concat_dim': FieldSpec('concat_dim', 65, 'optional', 'uint32', 'int', 1, None, None, False),
        'hdf5_output_param': FieldSpec(
            'hdf5_output_param', 1001, 'optional', 'HDF5OutputParameter', 'message', None, None, 'HDF5OutputParameter',
            False,
        ),
    }
    ENUMS: ClassVar[dict[str, dict[str, int]]] = {'PoolMethod': ENUMS['V0LayerParameter.PoolMethod']}

    def __init__(
        self,
        name: str = '',
        type: str = '',
        num_output: int = 0,
        biasterm: bool = True,
        weight_filler: FillerParameter = DEFAULT_FillerParameter,
        bias_filler: FillerParameter = DEFAULT_FillerParameter,
        pad: int = 0,
        kernelsize: int = 0,
        group: int = 1,
        stride: int = 1,
        pool: str = 'MAX',
        dropout_ratio: float = 0.5,
        local_size: int = 5,
        alpha: float = 1.0,
        beta: float = 0.75,
        source: str = '',
        scale: float = 1.0,
        meanfile: str = '',
        batchsize: int = 0,
        cropsize: int = 0,
        mirror: bool = False,
        k: float = 1.0,
        blobs: tuple[BlobProto, ...] = (),
        blobs_lr: tuple[float, ...] = (),
        weight_decay: tuple[float, ...] = (),
        rand_skip: int = 0,
        det_fg_threshold: float = 0.5,
        det_bg_threshold: float = 0.5,
        det_fg_fraction: float = 0.25,
        det_context_pad: int = 0,
        det_crop_mode: str = 'warp',
        new_num: int = 0,
        new_channels: int = 0,
        new_height: int = 0,
        new_width: int = 0,
        shuffle_images: bool = False,
        concat_dim: int = 1,
        hdf5_output_param: HDF5OutputParameter = DEFAULT_HDF5OutputParameter,
    ) -> None:
        _set = object.__setattr__
        _set(self, 'name', name)
        _set(self, 'type', type)
        _set(self, 'num_output', num_output)
        _set(self, 'biasterm', biasterm)
        _set(self, 'weight_filler', weight_filler)
        _set(self, 'bias_filler', bias_filler)
        _set(self, 'pad', pad)
        _set(self, 'kernelsize', kernelsize)
        _set(self, 'group', group)
        _set(self, 'stride', stride)
        _set(self, 'pool', pool)
        _set(self, 'dropout_ratio', dropout_ratio)
        _set(self, 'local_size', local_size)
        _set(self, 'alpha', alpha)
        _set(self, 'beta', beta)
        _set(self, 'source', source)
        _set(self, 'scale', scale)
        _set(self, 'meanfile', meanfile)
        _set(self, 'batchsize', batchsize)
        _set(self, 'cropsize', cropsize)
        _set(self, 'mirror', mirror)
        _set(self, 'k', k)
        _set(self, 'blobs', blobs)
        _set(self, 'blobs_lr', blobs_lr)
        _set(self, 'weight_decay', weight_decay)
        _set(self, 'rand_skip', rand_skip)
        _set(self, 'det_fg_threshold', det_fg_threshold)
        _set(self, 'det_bg_threshold', det_bg_threshold)
        _set(self, 'det_fg_fraction', det_fg_fraction)
        _set(self, 'det_context_pad', det_context_pad)
        _set(self, 'det_crop_mode', det_crop_mode)
        _set(self, 'new_num', new_num)
        _set(self, 'new_channels', new_channels)
        _set(self, 'new_height', new_height)
        _set(self, 'new_width', new_width)
        _set(self, 'shuffle_images', shuffle_images)
        _set(self, 'concat_dim', concat_dim)
        _set(self, 'hdf5_output_param', hdf5_output_param)


#: The default instance of V0LayerParameter (what an absent field of that type reads as).
DEFAULT_V0LayerParameter = V0LayerParameter()

class V1LayerParameter(Message):
    """``V1LayerParameter`` (proto/caffe.proto, line 726)."""

    __slots__ = (
        'accuracy_param', 'argmax_param', 'blob_share_mode', 'blobs', 'blobs_lr', 'bottom', 'concat_param',
        'contrastive_loss_param', 'convolution_param', 'data_param', 'dropout_param', 'dummy_data_param',
        'eltwise_param', 'exclude', 'exp_param', 'hdf5_data_param', 'hdf5_output_param', 'hinge_loss_param',
        'image_data_param', 'include', 'infogain_loss_param', 'inner_product_param', 'layer', 'loss_param',
        'loss_weight', 'lrn_param', 'memory_data_param', 'mvn_param', 'name', 'param', 'pooling_param', 'power_param',
        'relu_param', 'sigmoid_param', 'slice_param', 'softmax_param', 'tanh_param', 'threshold_param', 'top',
        'transform_param', 'type', 'weight_decay', 'window_data_param',
    )
    __match_args__ = (
        'bottom', 'top', 'name', 'include', 'exclude', 'type', 'blobs', 'param', 'blob_share_mode', 'blobs_lr',
        'weight_decay', 'loss_weight', 'accuracy_param', 'argmax_param', 'concat_param', 'contrastive_loss_param',
        'convolution_param', 'data_param', 'dropout_param', 'dummy_data_param', 'eltwise_param', 'exp_param',
        'hdf5_data_param', 'hdf5_output_param', 'hinge_loss_param', 'image_data_param', 'infogain_loss_param',
        'inner_product_param', 'lrn_param', 'memory_data_param', 'mvn_param', 'pooling_param', 'power_param',
        'relu_param', 'sigmoid_param', 'softmax_param', 'slice_param', 'tanh_param', 'threshold_param',
        'window_data_param', 'transform_param', 'loss_param', 'layer',
    )

    bottom: tuple[str, ...]
    top: tuple[str, ...]
    name: str
    include: tuple[NetStateRule, ...]
    exclude: tuple[NetStateRule, ...]
    type: str
    blobs: tuple[BlobProto, ...]
    param: tuple[str, ...]
    blob_share_mode: tuple[str, ...]
    blobs_lr: tuple[float, ...]
    weight_decay: tuple[float, ...]
    loss_weight: tuple[float, ...]
    accuracy_param: AccuracyParameter
    argmax_param: ArgMaxParameter
    concat_param: ConcatParameter
    contrastive_loss_param: ContrastiveLossParameter
    convolution_param: ConvolutionParameter
    data_param: DataParameter
    dropout_param: DropoutParameter
    dummy_data_param: DummyDataParameter
    eltwise_param: EltwiseParameter
    exp_param: ExpParameter
    hdf5_data_param: HDF5DataParameter
    hdf5_output_param: HDF5OutputParameter
    hinge_loss_param: HingeLossParameter
    image_data_param: ImageDataParameter
    infogain_loss_param: InfogainLossParameter
    inner_product_param: InnerProductParameter
    lrn_param: LRNParameter
    memory_data_param: MemoryDataParameter
    mvn_param: MVNParameter
    pooling_param: PoolingParameter
    power_param: PowerParameter
    relu_param: ReLUParameter
    sigmoid_param: SigmoidParameter
    softmax_param: SoftmaxParameter
    slice_param: SliceParameter
    tanh_param: TanHParameter
    threshold_param: ThresholdParameter
    window_data_param: WindowDataParameter
    transform_param: TransformationParameter
    loss_param: LossParameter
    layer: V0LayerParameter

    FIELDS: ClassVar[dict[str, FieldSpec]] = {
        'bottom': FieldSpec('bottom', 2, 'repeated', 'string', 'string', (), None, None, False),
        'top': FieldSpec('top', 3, 'repeated', 'string', 'string', (), None, None, False),
        'name': FieldSpec('name', 4, 'optional', 'string', 'string', '', None, None, False),
        'include': FieldSpec('include', 32, 'repeated', 'NetStateRule', 'message', (), None, 'NetStateRule', False),
        'exclude': FieldSpec('exclude', 33, 'repeated', 'NetStateRule', 'message', (), None, 'NetStateRule', False),
        'type': FieldSpec(
            'type', 5, 'optional', 'LayerType', 'enum', 'NONE', ENUMS['V1LayerParameter.LayerType'], None, False,
        ),
        'blobs': FieldSpec('blobs', 6, 'repeated', 'BlobProto', 'message', (), None, 'BlobProto', False),
        'param': FieldSpec('param', 1001, 'repeated', 'string', 'string', (), None, None, False),
        'blob_share_mode': FieldSpec(
            'blob_share_mode', 1002, 'repeated', 'DimCheckMode', 'enum', (), ENUMS['V1LayerParameter.DimCheckMode'],
            None, False,
        ),
        'blobs_lr': FieldSpec('blobs_lr', 7, 'repeated', 'float', 'float', (), None, None, False),
        'weight_decay': FieldSpec('weight_decay', 8, 'repeated', 'float', 'float', (), None, None, False),
        'loss_weight': FieldSpec('loss_weight', 35, 'repeated', 'float', 'float', (), None, None, False),
        'accuracy_param': FieldSpec(
            'accuracy_param', 27, 'optional', 'AccuracyParameter', 'message', None, None, 'AccuracyParameter', False,
        ),
        'argmax_param': FieldSpec(
            'argmax_param', 23, 'optional', 'ArgMaxParameter', 'message', None, None, 'ArgMaxParameter', False,
        ),
        'concat_param': FieldSpec(
            'concat_param', 9, 'optional', 'ConcatParameter', 'message', None, None, 'ConcatParameter', False,
        ),
        'contrastive_loss_param': FieldSpec(
            'contrastive_loss_param', 40, 'optional', 'ContrastiveLossParameter', 'message', None, None,
            'ContrastiveLossParameter', False,
        ),
        'convolution_param': FieldSpec(
            'convolution_param', 10, 'optional', 'ConvolutionParameter', 'message', None, None, 'ConvolutionParameter',
            False,
        ),
        'data_param': FieldSpec(
            'data_param', 11, 'optional', 'DataParameter', 'message', None, None, 'DataParameter', False,
        ),
        'dropout_param': FieldSpec(
            'dropout_param', 12, 'optional', 'DropoutParameter', 'message', None, None, 'DropoutParameter', False,
        ),
        'dummy_data_param': FieldSpec(
            'dummy_data_param', 26, 'optional', 'DummyDataParameter', 'message', None, None, 'DummyDataParameter',
            False,
        ),
        'eltwise_param': FieldSpec(
            'eltwise_param', 24, 'optional', 'EltwiseParameter', 'message', None, None, 'EltwiseParameter', False,
        ),
        'exp_param': FieldSpec(
            'exp_param', 41, 'optional', 'ExpParameter', 'message', None, None, 'ExpParameter', False,
        ),
        'hdf5_data_param': FieldSpec(
            'hdf5_data_param', 13, 'optional', 'HDF5DataParameter', 'message', None, None, 'HDF5DataParameter', False,
        ),
        'hdf5_output_param': FieldSpec(
            'hdf5_output_param', 14, 'optional', 'HDF5OutputParameter', 'message', None, None, 'HDF5OutputParameter',
            False,
        ),
        'hinge_loss_param': FieldSpec(
            'hinge_loss_param', 29, 'optional', 'HingeLossParameter', 'message', None, None, 'HingeLossParameter',
            False,
        ),
        'image_data_param': FieldSpec(
            'image_data_param', 15, 'optional', 'ImageDataParameter', 'message', None, None, 'ImageDataParameter',
            False,
        ),
        'infogain_loss_param': FieldSpec(
            'infogain_loss_param', 16, 'optional', 'InfogainLossParameter', 'message', None, None,
            'InfogainLossParameter', False,
        ),
        'inner_product_param': FieldSpec(
            'inner_product_param', 17, 'optional', 'InnerProductParameter', 'message', None, None,
            'InnerProductParameter', False,
        ),
        'lrn_param': FieldSpec(
            'lrn_param', 18, 'optional', 'LRNParameter', 'message', None, None, 'LRNParameter', False,
        ),
        'memory_data_param': FieldSpec(
            'memory_data_param', 22, 'optional', 'MemoryDataParameter', 'message', None, None, 'MemoryDataParameter',
            False,
        ),
        'mvn_param': FieldSpec(
            'mvn_param', 34, 'optional', 'MVNParameter', 'message', None, None, 'MVNParameter', False,
        ),
        'pooling_param': FieldSpec(
            'pooling_param', 19, 'optional', 'PoolingParameter', 'message', None, None, 'PoolingParameter', False,
        ),
        'power_param': FieldSpec(
            'power_param', 21, 'optional', 'PowerParameter', 'message', None, None, 'PowerParameter', False,
        ),
        'relu_param': FieldSpec(
            'relu_param', 30, 'optional', 'ReLUParameter', 'message', None, None, 'ReLUParameter', False,
        ),
        'sigmoid_param': FieldSpec(
            'sigmoid_param', 38, 'optional', 'SigmoidParameter', 'message', None, None, 'SigmoidParameter', False,
        ),
        'softmax_param': FieldSpec(
            'softmax_param', 39, 'optional', 'SoftmaxParameter', 'message', None, None, 'SoftmaxParameter', False,
        ),
        'slice_param': FieldSpec(
            'slice_param', 31, 'optional', 'SliceParameter', 'message', None, None, 'SliceParameter', False,
        ),
        'tanh_param': FieldSpec(
            'tanh_param', 37, 'optional', 'TanHParameter', 'message', None, None, 'TanHParameter', False,
        ),
        'threshold_param': FieldSpec(
            'threshold_param', 25, 'optional', 'ThresholdParameter', 'message', None, None, 'ThresholdParameter', False,
        ),
        'window_data_param': FieldSpec(
            'window_data_param', 20, 'optional', 'WindowDataParameter', 'message', None, None, 'WindowDataParameter',
            False,
        ),
        'transform_param': FieldSpec(
            'transform_param', 36, 'optional', 'TransformationParameter', 'message', None, None,
            'TransformationParameter', False,
        ),
        'loss_param': FieldSpec(
            'loss_param', 42, 'optional', 'LossParameter', 'message', None, None, 'LossParameter', False,
        ),
        'layer': FieldSpec(
            'layer', 1, 'optional', 'V0LayerParameter', 'message', None, None, 'V0LayerParameter', False,
        ),
    }
    ENUMS: ClassVar[dict[str, dict[str, int]]] = {
        'LayerType': ENUMS['V1LayerParameter.LayerType'], 'DimCheckMode': ENUMS['V1LayerParameter.DimCheckMode'],
    }

    def __init__(
        self,
        bottom: tuple[str, ...] = (),
        top: tuple[str, ...] = (),
        name: str = '',
        include: tuple[NetStateRule, ...] = (),
        exclude: tuple[NetStateRule, ...] = (),
        type: str = 'NONE',
        blobs: tuple[BlobProto, ...] = (),
        param: tuple[str, ...] = (),
        blob_share_mode: tuple[str, ...] = (),
        blobs_lr: tuple[float, ...] = (),
        weight_decay: tuple[float, ...] = (),
        loss_weight: tuple[float, ...] = (),
        accuracy_param: AccuracyParameter = DEFAULT_AccuracyParameter,
        argmax_param: ArgMaxParameter = DEFAULT_ArgMaxParameter,
        concat_param: ConcatParameter = DEFAULT_ConcatParameter,
        contrastive_loss_param: ContrastiveLossParameter = DEFAULT_ContrastiveLossParameter,
        convolution_param: ConvolutionParameter = DEFAULT_ConvolutionParameter,
        data_param: DataParameter = DEFAULT_DataParameter,
        dropout_param: DropoutParameter = DEFAULT_DropoutParameter,
        dummy_data_param: DummyDataParameter = DEFAULT_DummyDataParameter,
        eltwise_param: EltwiseParameter = DEFAULT_EltwiseParameter,
        exp_param: ExpParameter = DEFAULT_ExpParameter,
        hdf5_data_param: HDF5DataParameter = DEFAULT_HDF5DataParameter,
        hdf5_output_param: HDF5OutputParameter = DEFAULT_HDF5OutputParameter,
        hinge_loss_param: HingeLossParameter = DEFAULT_HingeLossParameter,
        image_data_param: ImageDataParameter = DEFAULT_ImageDataParameter,
        infogain_loss_param: InfogainLossParameter = DEFAULT_InfogainLossParameter,
        inner_product_param: InnerProductParameter = DEFAULT_InnerProductParameter,
        lrn_param: LRNParameter = DEFAULT_LRNParameter,
        memory_data_param: MemoryDataParameter = DEFAULT_MemoryDataParameter,
        mvn_param: MVNParameter = DEFAULT_MVNParameter,
        pooling_param: PoolingParameter = DEFAULT_PoolingParameter,
        power_param: PowerParameter = DEFAULT_PowerParameter,
        relu_param: ReLUParameter = DEFAULT_ReLUParameter,
        sigmoid_param: SigmoidParameter = DEFAULT_SigmoidParameter,
        softmax_param: SoftmaxParameter = DEFAULT_SoftmaxParameter,
        slice_param: SliceParameter = DEFAULT_SliceParameter,
        tanh_param: TanHParameter = DEFAULT_TanHParameter,
        threshold_param: ThresholdParameter = DEFAULT_ThresholdParameter,
        window_data_param: WindowDataParameter = DEFAULT_WindowDataParameter,
        transform_param: TransformationParameter = DEFAULT_TransformationParameter,
        loss_param: LossParameter = DEFAULT_LossParameter,
        layer: V0LayerParameter = DEFAULT_V0LayerParameter,
    ) -> None:
        _set = object.__setattr__
        _set(self, 'bottom', bottom)
        _set(self, 'top', top)
        _set(self, 'name', name)
        _set(self, 'include', include)
        _set(self, 'exclude', exclude)
        _set(self, 'type', type)
        _set(self, 'blobs', blobs)
        _set(self, 'param', param)
        _set(self, 'blob_share_mode', blob_share_mode)
        _set(self, 'blobs_lr', blobs_lr)
        _set(self, 'weight_decay', weight_decay)
        _set(self, 'loss_weight', loss_weight)
        _set(self, 'accuracy_param', accuracy_param)
        _set(self, 'argmax_param', argmax_param)
        _set(self, 'concat_param', concat_param)
        _set(self, 'contrastive_loss_param', contrastive_loss_param)
        _set(self, 'convolution_param', convolution_param)
        _set(self, 'data_param', data_param)
        _set(self, 'dropout_param', dropout_param)
        _set(self, 'dummy_data_param', dummy_data_param)
        _set(self, 'eltwise_param', eltwise_param)
        _set(self, 'exp_param', exp_param)
        _set(self, 'hdf5_data_param', hdf5_data_param)
        _set(self, 'hdf5_output_param', hdf5_output_param)
        _set(self, 'hinge_loss_param', hinge_loss_param)
        _set(self, 'image_data_param', image_data_param)
        _set(self, 'infogain_loss_param', infogain_loss_param)
        _set(self, 'inner_product_param', inner_product_param)
        _set(self, 'lrn_param', lrn_param)
        _set(self, 'memory_data_param', memory_data_param)
        _set(self, 'mvn_param', mvn_param)
        _set(self, 'pooling_param', pooling_param)
        _set(self, 'power_param', power_param)
        _set(self, 'relu_param', relu_param)
        _set(self, 'sigmoid_param', sigmoid_param)
        _set(self, 'softmax_param', softmax_param)
        _set(self, 'slice_param', slice_param)
        _set(self, 'tanh_param', tanh_param)
        _set(self, 'threshold_param', threshold_param)
        _set(self, 'window_data_param', window_data_param)
        _set(self, 'transform_param', transform_param)
        _set(self, 'loss_param', loss_param)
        _set(self, 'layer', layer)


#: The default instance of V1LayerParameter (what an absent field of that type reads as).
DEFAULT_V1LayerParameter = V1LayerParameter()

class BNParameter(Message):
    """``BNParameter`` (proto/caffe_forks.proto, line 18)."""

    __slots__ = (
        'bias_filler', 'bn_mode', 'engine', 'eps', 'frozen', 'momentum', 'scale_filler', 'shift_filler', 'slope_filler',
    )
    __match_args__ = (
        'slope_filler', 'bias_filler', 'momentum', 'eps', 'frozen', 'engine', 'scale_filler', 'shift_filler', 'bn_mode',
    )

    slope_filler: FillerParameter
    bias_filler: FillerParameter
    momentum: float  # 0.9 as float32
    eps: float  # 1e-5 as float32
    frozen: bool
    engine: str
    scale_filler: FillerParameter
    shift_filler: FillerParameter
    bn_mode: str

    FIELDS: ClassVar[dict[str, FieldSpec]] = {
        'slope_filler': FieldSpec(
            'slope_filler', 1, 'optional', 'FillerParameter', 'message', None, None, 'FillerParameter', False,
        ),
        'bias_filler': FieldSpec(
            'bias_filler', 2, 'optional', 'FillerParameter', 'message', None, None, 'FillerParameter', False,
        ),
        'momentum': FieldSpec('momentum', 3, 'optional', 'float', 'float', 0.8999999761581421, None, None, False),
        'eps': FieldSpec('eps', 4, 'optional', 'float', 'float', 9.999999747378752e-06, None, None, False),
        'frozen': FieldSpec('frozen', 5, 'optional', 'bool', 'bool', False, None, None, False),
        'engine': FieldSpec(
            'engine', 6, 'optional', 'Engine', 'enum', 'DEFAULT', ENUMS['BNParameter.Engine'], None, False,
        ),
        'scale_filler': FieldSpec(
            'scale_filler', 101, 'optional', 'FillerParameter', 'message', None, None, 'FillerParameter', False,
        ),
        'shift_filler': FieldSpec(
            'shift_filler', 102, 'optional', 'FillerParameter', 'message', None, None, 'FillerParameter', False,
        ),
        'bn_mode': FieldSpec(
            'bn_mode', 103, 'optional', 'BNMode', 'enum', 'LEARN', ENUMS['BNParameter.BNMode'], None, False,
        ),
    }
    ENUMS: ClassVar[dict[str, dict[str, int]]] = {
        'Engine': ENUMS['BNParameter.Engine'], 'BNMode': ENUMS['BNParameter.BNMode'],
    }

    def __init__(
        self,
        slope_filler: FillerParameter = DEFAULT_FillerParameter,
        bias_filler: FillerParameter = DEFAULT_FillerParameter,
        momentum: float = 0.8999999761581421,
        eps: float = 9.999999747378752e-06,
        frozen: bool = False,
        engine: str = 'DEFAULT',
        scale_filler: FillerParameter = DEFAULT_FillerParameter,
        shift_filler: FillerParameter = DEFAULT_FillerParameter,
        bn_mode: str = 'LEARN',
    ) -> None:
        _set = object.__setattr__
        _set(self, 'slope_filler', slope_filler)
        _set(self, 'bias_filler', bias_filler)
        _set(self, 'momentum', momentum)
        _set(self, 'eps', eps)
        _set(self, 'frozen', frozen)
        _set(self, 'engine', engine)
        _set(self, 'scale_filler', scale_filler)
        _set(self, 'shift_filler', shift_filler)
        _set(self, 'bn_mode', bn_mode)


#: The default instance of BNParameter (what an absent field of that type reads as).
DEFAULT_BNParameter = BNParameter()

class PriorBoxParameter(Message):
    """``PriorBoxParameter`` (proto/caffe_forks.proto, line 60)."""

    __slots__ = (
        'aspect_ratio', 'clip', 'flip', 'img_h', 'img_size', 'img_w', 'max_size', 'min_size', 'offset', 'step',
        'step_h', 'step_w', 'variance',
    )
    __match_args__ = (
        'min_size', 'max_size', 'aspect_ratio', 'flip', 'clip', 'variance', 'img_size', 'img_h', 'img_w', 'step',
        'step_h', 'step_w', 'offset',
    )

    min_size: tuple[float, ...]
    max_size: tuple[float, ...]
    aspect_ratio: tuple[float, ...]
    flip: bool
    clip: bool
    variance: tuple[float, ...]
    img_size: int
    img_h: int
    img_w: int
    step: float
    step_h: float
    step_w: float
    offset: float

    FIELDS: ClassVar[dict[str, FieldSpec]] = {
        'min_size': FieldSpec('min_size', 1, 'repeated', 'float', 'float', (), None, None, False),
        'max_size': FieldSpec('max_size', 2, 'repeated', 'float', 'float', (), None, None, False),
        'aspect_ratio': FieldSpec('aspect_ratio', 3, 'repeated', 'float', 'float', (), None, None, False),
        'flip': FieldSpec('flip', 4, 'optional', 'bool', 'bool', True, None, None, False),
        'clip': FieldSpec('clip', 5, 'optional', 'bool', 'bool', False, None, None, False),
        'variance': FieldSpec('variance', 6, 'repeated', 'float', 'float', (), None, None, False),
        'img_size': FieldSpec('img_size', 7, 'optional', 'uint32', 'int', 0, None, None, False),
        'img_h': FieldSpec('img_h', 8, 'optional', 'uint32', 'int', 0, None, None, False),
        'img_w': FieldSpec('img_w', 9, 'optional', 'uint32', 'int', 0, None, None, False),
        'step': FieldSpec('step', 10, 'optional', 'float', 'float', 0.0, None, None, False),
        'step_h': FieldSpec('step_h', 11, 'optional', 'float', 'float', 0.0, None, None, False),
        'step_w': FieldSpec('step_w', 12, 'optional', 'float', 'float', 0.0, None, None, False),
        'offset': FieldSpec('offset', 13, 'optional', 'float', 'float', 0.5, None, None, False),
    }
    ENUMS: ClassVar[dict[str, dict[str, int]]] = {'CodeType': ENUMS['PriorBoxParameter.CodeType']}

    def __init__(
        self,
        min_size: tuple[float, ...] = (),
        max_size: tuple[float, ...] = (),
        aspect_ratio: tuple[float, ...] = (),
        flip: bool = True,
        clip: bool = False,
        variance: tuple[float, ...] = (),
        img_size: int = 0,
        img_h: int = 0,
        img_w: int = 0,
        step: float = 0.0,
        step_h: float = 0.0,
        step_w: float = 0.0,
        offset: float = 0.5,
    ) -> None:
        _set = object.__setattr__
        _set(self, 'min_size', min_size)
        _set(self, 'max_size', max_size)
        _set(self, 'aspect_ratio', aspect_ratio)
        _set(self, 'flip', flip)
        _set(self, 'clip', clip)
        _set(self, 'variance', variance)
        _set(self, 'img_size', img_size)
        _set(self, 'img_h', img_h)
        _set(self, 'img_w', img_w)
        _set(self, 'step', step)
        _set(self, 'step_h', step_h)
        _set(self, 'step_w', step_w)
        _set(self, 'offset', offset)


#: The default instance of PriorBoxParameter (what an absent field of that type reads as).
DEFAULT_PriorBoxParameter = PriorBoxParameter()

class NonMaximumSuppressionParameter(Message):
    """``NonMaximumSuppressionParameter`` (proto/caffe_forks.proto, line 106)."""

    __slots__ = ('eta', 'nms_threshold', 'top_k')
    __match_args__ = ('nms_threshold', 'top_k', 'eta')

    nms_threshold: float  # 0.3 as float32
    top_k: int
    eta: float

    FIELDS: ClassVar[dict[str, FieldSpec]] = {
        'nms_threshold': FieldSpec(
            'nms_threshold', 1, 'optional', 'float', 'float', 0.30000001192092896, None, None, False,
        ),
        'top_k': FieldSpec('top_k', 2, 'optional', 'int32', 'int', 0, None, None, False),
        'eta': FieldSpec('eta', 3, 'optional', 'float', 'float', 1.0, None, None, False),
    }
    ENUMS: ClassVar[dict[str, dict[str, int]]] = {}

    def __init__(
        self,
        nms_threshold: float = 0.30000001192092896,
        top_k: int = 0,
        eta: float = 1.0,
    ) -> None:
        _set = object.__setattr__
        _set(self, 'nms_threshold', nms_threshold)
        _set(self, 'top_k', top_k)
        _set(self, 'eta', eta)


#: The default instance of NonMaximumSuppressionParameter (what an absent field of that type reads as).
DEFAULT_NonMaximumSuppressionParameter = NonMaximumSuppressionParameter()

class SsdResizeParameter(Message):
    """``SsdResizeParameter`` (proto/caffe_forks.proto, line 124)."""

    __slots__ = (
        'height', 'height_scale', 'interp_mode', 'pad_mode', 'pad_value', 'prob', 'resize_mode', 'width', 'width_scale',
    )
    __match_args__ = (
        'prob', 'resize_mode', 'height', 'width', 'height_scale', 'width_scale', 'pad_mode', 'pad_value', 'interp_mode',
    )

    prob: float
    resize_mode: str
    height: int
    width: int
    height_scale: int
    width_scale: int
    pad_mode: str
    pad_value: tuple[float, ...]
    interp_mode: tuple[str, ...]

    FIELDS: ClassVar[dict[str, FieldSpec]] = {
        'prob': FieldSpec('prob', 1, 'optional', 'float', 'float', 1.0, None, None, False),
        'resize_mode': FieldSpec(
            'resize_mode', 2, 'optional', 'Resize_mode', 'enum', 'WARP', ENUMS['SsdResizeParameter.Resize_mode'], None,
            False,
        ),
        'height': FieldSpec('height', 3, 'optional', 'uint32', 'int', 0, None, None, False),
        'width': FieldSpec('width', 4, 'optional', 'uint32', 'int', 0, None, None, False),
        'height_scale': FieldSpec('height_scale', 8, 'optional', 'uint32', 'int', 0, None, None, False),
        'width_scale': FieldSpec('width_scale', 9, 'optional', 'uint32', 'int', 0, None, None, False),
        'pad_mode': FieldSpec(
            'pad_mode', 5, 'optional', 'Pad_mode', 'enum', 'CONSTANT', ENUMS['SsdResizeParameter.Pad_mode'], None,
            False,
        ),
        'pad_value': FieldSpec('pad_value', 6, 'repeated', 'float', 'float', (), None, None, False),
        'interp_mode': FieldSpec(
            'interp_mode', 7, 'repeated', 'Interp_mode', 'enum', (), ENUMS['SsdResizeParameter.Interp_mode'], None,
            False,
        ),
    }
    ENUMS: ClassVar[dict[str, dict[str, int]]] = {
        'Resize_mode': ENUMS['SsdResizeParameter.Resize_mode'], 'Pad_mode': ENUMS['SsdResizeParameter.Pad_mode'],
        'Interp_mode': ENUMS['SsdResizeParameter.Interp_mode'],
    }

    def __init__(
        self,
        prob: float = 1.0,
        resize_mode: str = 'WARP',
        height: int = 0,
        width: int = 0,
        height_scale: int = 0,
        width_scale: int = 0,
        pad_mode: str = 'CONSTANT',
        pad_value: tuple[float, ...] = (),
        interp_mode: tuple[str, ...] = (),
    ) -> None:
        _set = object.__setattr__
        _set(self, 'prob', prob)
        _set(self, 'resize_mode', resize_mode)
        _set(self, 'height', height)
        _set(self, 'width', width)
        _set(self, 'height_scale', height_scale)
        _set(self, 'width_scale', width_scale)
        _set(self, 'pad_mode', pad_mode)
        _set(self, 'pad_value', pad_value)
        _set(self, 'interp_mode', interp_mode)


#: The default instance of SsdResizeParameter (what an absent field of that type reads as).
DEFAULT_SsdResizeParameter = SsdResizeParameter()

class SaveOutputParameter(Message):
    """``SaveOutputParameter`` (proto/caffe_forks.proto, line 113)."""

    __slots__ = (
        'label_map_file', 'name_size_file', 'num_test_image', 'output_directory', 'output_format', 'output_name_prefix',
        'resize_param',
    )
    __match_args__ = (
        'output_directory', 'output_name_prefix', 'output_format', 'label_map_file', 'name_size_file', 'num_test_image',
        'resize_param',
    )

    output_directory: str
    output_name_prefix: str
    output_format: str
    label_map_file: str
    name_size_file: str
    num_test_image: int
    resize_param: SsdResizeParameter

    FIELDS: ClassVar[dict[str, FieldSpec]] = {
        'output_directory': FieldSpec('output_directory', 1, 'optional', 'string', 'string', '', None, None, False),
        'output_name_prefix': FieldSpec('output_name_prefix', 2, 'optional', 'string', 'string', '', None, None, False),
        'output_format': FieldSpec('output_format', 3, 'optional', 'string', 'string', '', None, None, False),
        'label_map_file': FieldSpec('label_map_file', 4, 'optional', 'string', 'string', '', None, None, False),
        'name_size_file': FieldSpec('name_size_file', 5, 'optional', 'string', 'string', '', None, None, False),
        'num_test_image': FieldSpec('num_test_image', 6, 'optional', 'uint32', 'int', 0, None, None, False),
        'resize_param': FieldSpec(
            'resize_param', 7, 'optional', 'SsdResizeParameter', 'message', None, None, 'SsdResizeParameter', False,
        ),
    }
    ENUMS: ClassVar[dict[str, dict[str, int]]] = {}

    def __init__(
        self,
        output_directory: str = '',
        output_name_prefix: str = '',
        output_format: str = '',
        label_map_file: str = '',
        name_size_file: str = '',
        num_test_image: int = 0,
        resize_param: SsdResizeParameter = DEFAULT_SsdResizeParameter,
    ) -> None:
        _set = object.__setattr__
        _set(self, 'output_directory', output_directory)
        _set(self, 'output_name_prefix', output_name_prefix)
        _set(self, 'output_format', output_format)
        _set(self, 'label_map_file', label_map_file)
        _set(self, 'name_size_file', name_size_file)
        _set(self, 'num_test_image', num_test_image)
        _set(self, 'resize_param', resize_param)


#: The default instance of SaveOutputParameter (what an absent field of that type reads as).
DEFAULT_SaveOutputParameter = SaveOutputParameter()

class DetectionOutputParameter(Message):
    """``DetectionOutputParameter`` (proto/caffe_forks.proto, line 84)."""

    __slots__ = (
        'background_label_id', 'code_type', 'confidence_threshold', 'keep_top_k', 'nms_param', 'num_classes',
        'save_file', 'save_output_param', 'share_location', 'thresholds', 'variance_encoded_in_target', 'visualize',
        'visualize_threshold',
    )
    __match_args__ = (
        'num_classes', 'share_location', 'background_label_id', 'nms_param', 'save_output_param', 'code_type',
        'variance_encoded_in_target', 'keep_top_k', 'confidence_threshold', 'visualize', 'visualize_threshold',
        'save_file', 'thresholds',
    )

    num_classes: int
    share_location: bool
    background_label_id: int
    nms_param: NonMaximumSuppressionParameter
    save_output_param: SaveOutputParameter
    code_type: str
    variance_encoded_in_target: bool
    keep_top_k: int
    confidence_threshold: float
    visualize: bool
    visualize_threshold: float
    save_file: str
    thresholds: tuple[float, ...]

    FIELDS: ClassVar[dict[str, FieldSpec]] = {
        'num_classes': FieldSpec('num_classes', 1, 'optional', 'uint32', 'int', 0, None, None, False),
        'share_location': FieldSpec('share_location', 2, 'optional', 'bool', 'bool', True, None, None, False),
        'background_label_id': FieldSpec('background_label_id', 3, 'optional', 'int32', 'int', 0, None, None, False),
        'nms_param': FieldSpec(
            'nms_param', 4, 'optional', 'NonMaximumSuppressionParameter', 'message', None, None,
            'NonMaximumSuppressionParameter', False,
        ),
        'save_output_param': FieldSpec(
            'save_output_param', 5, 'optional', 'SaveOutputParameter', 'message', None, None, 'SaveOutputParameter',
            False,
        ),
        'code_type': FieldSpec(
            'code_type', 6, 'optional', 'CodeType', 'enum', 'CORNER', ENUMS['DetectionOutputParameter.CodeType'], None,
            False,
        ),
        'variance_encoded_in_target': FieldSpec(
            'variance_encoded_in_target', 8, 'optional', 'bool', 'bool', False, None, None, False,
        ),
        'keep_top_k': FieldSpec('keep_top_k', 7, 'optional', 'int32', 'int', -1, None, None, False),
        'confidence_threshold': FieldSpec(
            'confidence_threshold', 9, 'optional', 'float', 'float', 0.0, None, None, False,
        ),
        'visualize': FieldSpec('visualize', 10, 'optional', 'bool', 'bool', False, None, None, False),
        'visualize_threshold': FieldSpec(
            'visualize_threshold', 11, 'optional', 'float', 'float', 0.0, None, None, False,
        ),
        'save_file': FieldSpec('save_file', 12, 'optional', 'string', 'string', '', None, None, False),
        'thresholds': FieldSpec('thresholds', 112, 'repeated', 'float', 'float', (), None, None, False),
    }
    ENUMS: ClassVar[dict[str, dict[str, int]]] = {'CodeType': ENUMS['DetectionOutputParameter.CodeType']}

    def __init__(
        self,
        num_classes: int = 0,
        share_location: bool = True,
        background_label_id: int = 0,
        nms_param: NonMaximumSuppressionParameter = DEFAULT_NonMaximumSuppressionParameter,
        save_output_param: SaveOutputParameter = DEFAULT_SaveOutputParameter,
        code_type: str = 'CORNER',
        variance_encoded_in_target: bool = False,
        keep_top_k: int = -1,
        confidence_threshold: float = 0.0,
        visualize: bool = False,
        visualize_threshold: float = 0.0,
        save_file: str = '',
        thresholds: tuple[float, ...] = (),
    ) -> None:
        _set = object.__setattr__
        _set(self, 'num_classes', num_classes)
        _set(self, 'share_location', share_location)
        _set(self, 'background_label_id', background_label_id)
        _set(self, 'nms_param', nms_param)
        _set(self, 'save_output_param', save_output_param)
        _set(self, 'code_type', code_type)
        _set(self, 'variance_encoded_in_target', variance_encoded_in_target)
        _set(self, 'keep_top_k', keep_top_k)
        _set(self, 'confidence_threshold', confidence_threshold)
        _set(self, 'visualize', visualize)
        _set(self, 'visualize_threshold', visualize_threshold)
        _set(self, 'save_file', save_file)
        _set(self, 'thresholds', thresholds)


#: The default instance of DetectionOutputParameter (what an absent field of that type reads as).
DEFAULT_DetectionOutputParameter = DetectionOutputParameter()

class NormalizeParameter(Message):
    """``NormalizeParameter`` (proto/caffe_forks.proto, line 154)."""

    __slots__ = ('across_spatial', 'channel_shared', 'eps', 'scale_filler')
    __match_args__ = ('across_spatial', 'scale_filler', 'channel_shared', 'eps')

    across_spatial: bool
    scale_filler: FillerParameter
    channel_shared: bool
    eps: float  # 1e-10 as float32

    FIELDS: ClassVar[dict[str, FieldSpec]] = {
        'across_spatial': FieldSpec('across_spatial', 1, 'optional', 'bool', 'bool', True, None, None, False),
        'scale_filler': FieldSpec(
            'scale_filler', 2, 'optional', 'FillerParameter', 'message', None, None, 'FillerParameter', False,
        ),
        'channel_shared': FieldSpec('channel_shared', 3, 'optional', 'bool', 'bool', True, None, None, False),
        'eps': FieldSpec('eps', 4, 'optional', 'float', 'float', 1.000000013351432e-10, None, None, False),
    }
    ENUMS: ClassVar[dict[str, dict[str, int]]] = {}

    def __init__(
        self,
        across_spatial: bool = True,
        scale_filler: FillerParameter = DEFAULT_FillerParameter,
        channel_shared: bool = True,
        eps: float = 1.000000013351432e-10,
    ) -> None:
        _set = object.__setattr__
        _set(self, 'across_spatial', across_spatial)
        _set(self, 'scale_filler', scale_filler)
        _set(self, 'channel_shared', channel_shared)
        _set(self, 'eps', eps)


#: The default instance of NormalizeParameter (what an absent field of that type reads as).
DEFAULT_NormalizeParameter = NormalizeParameter()

class PermuteParameter(Message):
    """``PermuteParameter`` (proto/caffe_forks.proto, line 162)."""

    __slots__ = ('order',)
    __match_args__ = ('order',)

    order: tuple[int, ...]

    FIELDS: ClassVar[dict[str, FieldSpec]] = {
        'order': FieldSpec('order', 1, 'repeated', 'uint32', 'int', (), None, None, False),
    }
    ENUMS: ClassVar[dict[str, dict[str, int]]] = {}

    def __init__(
        self,
        order: tuple[int, ...] = (),
    ) -> None:
        _set = object.__setattr__
        _set(self, 'order', order)


#: The default instance of PermuteParameter (what an absent field of that type reads as).
DEFAULT_PermuteParameter = PermuteParameter()

class UpsampleParameter(Message):
    """``UpsampleParameter`` (proto/caffe_forks.proto, line 173)."""

    __slots__ = ('dims_num', 'pad_out_h', 'pad_out_w', 'scale', 'scale_h', 'scale_w', 'upsample_h', 'upsample_w')
    __match_args__ = ('scale', 'dims_num', 'scale_h', 'scale_w', 'pad_out_h', 'pad_out_w', 'upsample_h', 'upsample_w')

    scale: int
    dims_num: int
    scale_h: int
    scale_w: int
    pad_out_h: bool
    pad_out_w: bool
    upsample_h: int
    upsample_w: int

    FIELDS: ClassVar[dict[str, FieldSpec]] = {
        'scale': FieldSpec('scale', 1, 'optional', 'int32', 'int', 0, None, None, False),
        'dims_num': FieldSpec('dims_num', 2, 'optional', 'int32', 'int', 4, None, None, False),
        'scale_h': FieldSpec('scale_h', 102, 'optional', 'uint32', 'int', 0, None, None, False),
        'scale_w': FieldSpec('scale_w', 103, 'optional', 'uint32', 'int', 0, None, None, False),
        'pad_out_h': FieldSpec('pad_out_h', 104, 'optional', 'bool', 'bool', False, None, None, False),
        'pad_out_w': FieldSpec('pad_out_w', 105, 'optional', 'bool', 'bool', False, None, None, False),
        'upsample_h': FieldSpec('upsample_h', 106, 'optional', 'uint32', 'int', 0, None, None, False),
        'upsample_w': FieldSpec('upsample_w', 107, 'optional', 'uint32', 'int', 0, None, None, False),
    }
    ENUMS: ClassVar[dict[str, dict[str, int]]] = {}

    def __init__(
        self,
        scale: int = 0,
        dims_num: int = 4,
        scale_h: int = 0,
        scale_w: int = 0,
        pad_out_h: bool = False,
        pad_out_w: bool = False,
        upsample_h: int = 0,
        upsample_w: int = 0,
    ) -> None:
        _set = object.__setattr__
        _set(self, 'scale', scale)
        _set(self, 'dims_num', dims_num)
        _set(self, 'scale_h', scale_h)
        _set(self, 'scale_w', scale_w)
        _set(self, 'pad_out_h', pad_out_h)
        _set(self, 'pad_out_w', pad_out_w)
        _set(self, 'upsample_h', upsample_h)
        _set(self, 'upsample_w', upsample_w)


#: The default instance of UpsampleParameter (what an absent field of that type reads as).
DEFAULT_UpsampleParameter = UpsampleParameter()

class InterpParameter(Message):
    """``InterpParameter`` (proto/caffe_forks.proto, line 185)."""

    __slots__ = ('height', 'pad_beg', 'pad_end', 'shrink_factor', 'width', 'zoom_factor')
    __match_args__ = ('height', 'width', 'zoom_factor', 'shrink_factor', 'pad_beg', 'pad_end')

    height: int
    width: int
    zoom_factor: int
    shrink_factor: int
    pad_beg: int
    pad_end: int

    FIELDS: ClassVar[dict[str, FieldSpec]] = {
        'height': FieldSpec('height', 1, 'optional', 'int32', 'int', 0, None, None, False),
        'width': FieldSpec('width', 2, 'optional', 'int32', 'int', 0, None, None, False),
        'zoom_factor': FieldSpec('zoom_factor', 3, 'optional', 'int32', 'int', 1, None, None, False),
        'shrink_factor': FieldSpec('shrink_factor', 4, 'optional', 'int32', 'int', 1, None, None, False),
        'pad_beg': FieldSpec('pad_beg', 5, 'optional', 'int32', 'int', 0, None, None, False),
        'pad_end': FieldSpec('pad_end', 6, 'optional', 'int32', 'int', 0, None, None, False),
    }
    ENUMS: ClassVar[dict[str, dict[str, int]]] = {}

    def __init__(
        self,
        height: int = 0,
        width: int = 0,
        zoom_factor: int = 1,
        shrink_factor: int = 1,
        pad_beg: int = 0,
        pad_end: int = 0,
    ) -> None:
        _set = object.__setattr__
        _set(self, 'height', height)
        _set(self, 'width', width)
        _set(self, 'zoom_factor', zoom_factor)
        _set(self, 'shrink_factor', shrink_factor)
        _set(self, 'pad_beg', pad_beg)
        _set(self, 'pad_end', pad_end)


#: The default instance of InterpParameter (what an absent field of that type reads as).
DEFAULT_InterpParameter = InterpParameter()

class ShuffleChannelParameter(Message):
    """``ShuffleChannelParameter`` (proto/caffe_forks.proto, line 195)."""

    __slots__ = ('group',)
    __match_args__ = ('group',)

    group: int

    FIELDS: ClassVar[dict[str, FieldSpec]] = {
        'group': FieldSpec('group', 1, 'optional', 'uint32', 'int', 1, None, None, False),
    }
    ENUMS: ClassVar[dict[str, dict[str, int]]] = {}

    def __init__(
        self,
        group: int = 1,
    ) -> None:
        _set = object.__setattr__
        _set(self, 'group', group)


#: The default instance of ShuffleChannelParameter (what an absent field of that type reads as).
DEFAULT_ShuffleChannelParameter = ShuffleChannelParameter()

class ResizeParameter(Message):
    """``ResizeParameter`` (proto/caffe_forks.proto, line 200)."""

    __slots__ = ('height', 'is_pyramid_test', 'out_height_scale', 'out_width_scale', 'width')
    __match_args__ = ('height', 'width', 'is_pyramid_test', 'out_height_scale', 'out_width_scale')

    height: int
    width: int
    is_pyramid_test: bool
    out_height_scale: float
    out_width_scale: float

    FIELDS: ClassVar[dict[str, FieldSpec]] = {
        'height': FieldSpec('height', 1, 'optional', 'uint32', 'int', 0, None, None, False),
        'width': FieldSpec('width', 2, 'optional', 'uint32', 'int', 0, None, None, False),
        'is_pyramid_test': FieldSpec('is_pyramid_test', 3, 'optional', 'bool', 'bool', False, None, None, False),
        'out_height_scale': FieldSpec('out_height_scale', 4, 'optional', 'float', 'float', 0.0, None, None, False),
        'out_width_scale': FieldSpec('out_width_scale', 5, 'optional', 'float', 'float', 0.0, None, None, False),
    }
    ENUMS: ClassVar[dict[str, dict[str, int]]] = {}

    def __init__(
        self,
        height: int = 0,
        width: int = 0,
        is_pyramid_test: bool = False,
        out_height_scale: float = 0.0,
        out_width_scale: float = 0.0,
    ) -> None:
        _set = object.__setattr__
        _set(self, 'height', height)
        _set(self, 'width', width)
        _set(self, 'is_pyramid_test', is_pyramid_test)
        _set(self, 'out_height_scale', out_height_scale)
        _set(self, 'out_width_scale', out_width_scale)


#: The default instance of ResizeParameter (what an absent field of that type reads as).
DEFAULT_ResizeParameter = ResizeParameter()

class HardSigmoidParameter(Message):
    """``HardSigmoidParameter`` (proto/caffe_forks.proto, line 209)."""

    __slots__ = ('alpha', 'beta')
    __match_args__ = ('alpha', 'beta')

    alpha: float  # 0.2 as float32
    beta: float

    FIELDS: ClassVar[dict[str, FieldSpec]] = {
        'alpha': FieldSpec('alpha', 1, 'optional', 'float', 'float', 0.20000000298023224, None, None, False),
        'beta': FieldSpec('beta', 2, 'optional', 'float', 'float', 0.5, None, None, False),
    }
    ENUMS: ClassVar[dict[str, dict[str, int]]] = {}

    def __init__(
        self,
        alpha: float = 0.20000000298023224,
        beta: float = 0.5,
    ) -> None:
        _set = object.__setattr__
        _set(self, 'alpha', alpha)
        _set(self, 'beta', beta)


#: The default instance of HardSigmoidParameter (what an absent field of that type reads as).
DEFAULT_HardSigmoidParameter = HardSigmoidParameter()

class UnsqueezeParameter(Message):
    """``UnsqueezeParameter`` (proto/caffe_forks.proto, line 215)."""

    __slots__ = ('dim',)
    __match_args__ = ('dim',)

    dim: int

    FIELDS: ClassVar[dict[str, FieldSpec]] = {
        'dim': FieldSpec('dim', 1, 'optional', 'int32', 'int', 0, None, None, False),
    }
    ENUMS: ClassVar[dict[str, dict[str, int]]] = {}

    def __init__(
        self,
        dim: int = 0,
    ) -> None:
        _set = object.__setattr__
        _set(self, 'dim', dim)


#: The default instance of UnsqueezeParameter (what an absent field of that type reads as).
DEFAULT_UnsqueezeParameter = UnsqueezeParameter()

class ReLU6Parameter(Message):
    """``ReLU6Parameter`` (proto/caffe_forks.proto, line 220)."""

    __slots__ = ('negative_slope', 'threshold')
    __match_args__ = ('negative_slope', 'threshold')

    negative_slope: float
    threshold: float

    FIELDS: ClassVar[dict[str, FieldSpec]] = {
        'negative_slope': FieldSpec('negative_slope', 1, 'optional', 'float', 'float', 0.0, None, None, False),
        'threshold': FieldSpec('threshold', 2, 'optional', 'float', 'float', 6.0, None, None, False),
    }
    ENUMS: ClassVar[dict[str, dict[str, int]]] = {}

    def __init__(
        self,
        negative_slope: float = 0.0,
        threshold: float = 6.0,
    ) -> None:
        _set = object.__setattr__
        _set(self, 'negative_slope', negative_slope)
        _set(self, 'threshold', threshold)


#: The default instance of ReLU6Parameter (what an absent field of that type reads as).
DEFAULT_ReLU6Parameter = ReLU6Parameter()

class PadParameter(Message):
    """``PadParameter`` (proto/caffe_forks.proto, line 226)."""

    __slots__ = ('pad_d', 'pad_l', 'pad_r', 'pad_type', 'pad_u', 'pad_value')
    __match_args__ = ('pad_type', 'pad_u', 'pad_d', 'pad_l', 'pad_r', 'pad_value')

    pad_type: str
    pad_u: int
    pad_d: int
    pad_l: int
    pad_r: int
    pad_value: float

    FIELDS: ClassVar[dict[str, FieldSpec]] = {
        'pad_type': FieldSpec(
            'pad_type', 1, 'optional', 'PadType', 'enum', 'CONSTANT', ENUMS['PadParameter.PadType'], None, False,
        ),
        'pad_u': FieldSpec('pad_u', 2, 'optional', 'int32', 'int', 0, None, None, False),
        'pad_d': FieldSpec('pad_d', 3, 'optional', 'int32', 'int', 0, None, None, False),
        'pad_l': FieldSpec('pad_l', 4, 'optional', 'int32', 'int', 0, None, None, False),
        'pad_r': FieldSpec('pad_r', 5, 'optional', 'int32', 'int', 0, None, None, False),
        'pad_value': FieldSpec('pad_value', 6, 'optional', 'float', 'float', 0.0, None, None, False),
    }
    ENUMS: ClassVar[dict[str, dict[str, int]]] = {'PadType': ENUMS['PadParameter.PadType']}

    def __init__(
        self,
        pad_type: str = 'CONSTANT',
        pad_u: int = 0,
        pad_d: int = 0,
        pad_l: int = 0,
        pad_r: int = 0,
        pad_value: float = 0.0,
    ) -> None:
        _set = object.__setattr__
        _set(self, 'pad_type', pad_type)
        _set(self, 'pad_u', pad_u)
        _set(self, 'pad_d', pad_d)
        _set(self, 'pad_l', pad_l)
        _set(self, 'pad_r', pad_r)
        _set(self, 'pad_value', pad_value)


#: The default instance of PadParameter (what an absent field of that type reads as).
DEFAULT_PadParameter = PadParameter()

class BilinearInterpolateParameter(Message):
    """``BilinearInterpolateParameter`` (proto/caffe_forks.proto, line 241)."""

    __slots__ = ('align_corners', 'dst_h', 'dst_w', 'scale_factor')
    __match_args__ = ('dst_h', 'dst_w', 'scale_factor', 'align_corners')

    dst_h: int
    dst_w: int
    scale_factor: float
    align_corners: bool

    FIELDS: ClassVar[dict[str, FieldSpec]] = {
        'dst_h': FieldSpec('dst_h', 1, 'optional', 'int32', 'int', 0, None, None, False),
        'dst_w': FieldSpec('dst_w', 2, 'optional', 'int32', 'int', 0, None, None, False),
        'scale_factor': FieldSpec('scale_factor', 3, 'optional', 'float', 'float', 1.0, None, None, False),
        'align_corners': FieldSpec('align_corners', 4, 'optional', 'bool', 'bool', True, None, None, False),
    }
    ENUMS: ClassVar[dict[str, dict[str, int]]] = {}

    def __init__(
        self,
        dst_h: int = 0,
        dst_w: int = 0,
        scale_factor: float = 1.0,
        align_corners: bool = True,
    ) -> None:
        _set = object.__setattr__
        _set(self, 'dst_h', dst_h)
        _set(self, 'dst_w', dst_w)
        _set(self, 'scale_factor', scale_factor)
        _set(self, 'align_corners', align_corners)


#: The default instance of BilinearInterpolateParameter (what an absent field of that type reads as).
DEFAULT_BilinearInterpolateParameter = BilinearInterpolateParameter()

class MaxUnPoolParameter(Message):
    """``MaxUnPoolParameter`` (proto/caffe_forks.proto, line 249)."""

    __slots__ = ('dst_h', 'dst_w')
    __match_args__ = ('dst_h', 'dst_w')

    dst_h: int
    dst_w: int

    FIELDS: ClassVar[dict[str, FieldSpec]] = {
        'dst_h': FieldSpec('dst_h', 1, 'optional', 'uint32', 'int', 0, None, None, False),
        'dst_w': FieldSpec('dst_w', 2, 'optional', 'uint32', 'int', 0, None, None, False),
    }
    ENUMS: ClassVar[dict[str, dict[str, int]]] = {}

    def __init__(
        self,
        dst_h: int = 0,
        dst_w: int = 0,
    ) -> None:
        _set = object.__setattr__
        _set(self, 'dst_h', dst_h)
        _set(self, 'dst_w', dst_w)


#: The default instance of MaxUnPoolParameter (what an absent field of that type reads as).
DEFAULT_MaxUnPoolParameter = MaxUnPoolParameter()

class PixelShuffleParameter(Message):
    """``PixelShuffleParameter`` (proto/caffe_forks.proto, line 255)."""

    __slots__ = ('upscale_factor',)
    __match_args__ = ('upscale_factor',)

    upscale_factor: int

    FIELDS: ClassVar[dict[str, FieldSpec]] = {
        'upscale_factor': FieldSpec('upscale_factor', 1, 'optional', 'int32', 'int', 0, None, None, False),
    }
    ENUMS: ClassVar[dict[str, dict[str, int]]] = {}

    def __init__(
        self,
        upscale_factor: int = 0,
    ) -> None:
        _set = object.__setattr__
        _set(self, 'upscale_factor', upscale_factor)


#: The default instance of PixelShuffleParameter (what an absent field of that type reads as).
DEFAULT_PixelShuffleParameter = PixelShuffleParameter()

#: Every message class by its proto name.
MESSAGES: dict[str, type[Message]] = {
    'BlobShape': BlobShape,
    'BlobProto': BlobProto,
    'BlobProtoVector': BlobProtoVector,
    'Datum': Datum,
    'FillerParameter': FillerParameter,
    'NetParameter': NetParameter,
    'NetState': NetState,
    'NetStateRule': NetStateRule,
    'ParamSpec': ParamSpec,
    'LayerParameter': LayerParameter,
    'TransformationParameter': TransformationParameter,
    'LossParameter': LossParameter,
    'AccuracyParameter': AccuracyParameter,
    'ArgMaxParameter': ArgMaxParameter,
    'ClipParameter': ClipParameter,
    'ConcatParameter': ConcatParameter,
    'BatchNormParameter': BatchNormParameter,
    'BiasParameter': BiasParameter,
    'ContrastiveLossParameter': ContrastiveLossParameter,
    'ConvolutionParameter': ConvolutionParameter,
    'CropParameter': CropParameter,
    'DataParameter': DataParameter,
    'DropoutParameter': DropoutParameter,
    'DummyDataParameter': DummyDataParameter,
    'EltwiseParameter': EltwiseParameter,
    'ELUParameter': ELUParameter,
    'EmbedParameter': EmbedParameter,
    'ExpParameter': ExpParameter,
    'FlattenParameter': FlattenParameter,
    'HDF5DataParameter': HDF5DataParameter,
    'HDF5OutputParameter': HDF5OutputParameter,
    'HingeLossParameter': HingeLossParameter,
    'ImageDataParameter': ImageDataParameter,
    'InfogainLossParameter': InfogainLossParameter,
    'InnerProductParameter': InnerProductParameter,
    'InputParameter': InputParameter,
    'LogParameter': LogParameter,
    'LRNParameter': LRNParameter,
    'MemoryDataParameter': MemoryDataParameter,
    'MVNParameter': MVNParameter,
    'ParameterParameter': ParameterParameter,
    'PoolingParameter': PoolingParameter,
    'PowerParameter': PowerParameter,
    'PReLUParameter': PReLUParameter,
    'PythonParameter': PythonParameter,
    'RecurrentParameter': RecurrentParameter,
    'ReductionParameter': ReductionParameter,
    'ReLUParameter': ReLUParameter,
    'ReshapeParameter': ReshapeParameter,
    'ScaleParameter': ScaleParameter,
    'SigmoidParameter': SigmoidParameter,
    'SliceParameter': SliceParameter,
    'SoftmaxParameter': SoftmaxParameter,
    'SwishParameter': SwishParameter,
    'TanHParameter': TanHParameter,
    'TileParameter': TileParameter,
    'ThresholdParameter': ThresholdParameter,
    'WindowDataParameter': WindowDataParameter,
    'SPPParameter': SPPParameter,
    'V1LayerParameter': V1LayerParameter,
    'V0LayerParameter': V0LayerParameter,
    'BNParameter': BNParameter,
    'PriorBoxParameter': PriorBoxParameter,
    'DetectionOutputParameter': DetectionOutputParameter,
    'NonMaximumSuppressionParameter': NonMaximumSuppressionParameter,
    'SaveOutputParameter': SaveOutputParameter,
    'SsdResizeParameter': SsdResizeParameter,
    'NormalizeParameter': NormalizeParameter,
    'PermuteParameter': PermuteParameter,
    'UpsampleParameter': UpsampleParameter,
    'InterpParameter': InterpParameter,
    'ShuffleChannelParameter': ShuffleChannelParameter,
    'ResizeParameter': ResizeParameter,
    'HardSigmoidParameter': HardSigmoidParameter,
    'UnsqueezeParameter': UnsqueezeParameter,
    'ReLU6Parameter': ReLU6Parameter,
    'PadParameter': PadParameter,
    'BilinearInterpolateParameter': BilinearInterpolateParameter,
    'MaxUnPoolParameter': MaxUnPoolParameter,
    'PixelShuffleParameter': PixelShuffleParameter,
}
