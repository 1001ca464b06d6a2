"""The net as the project understands it: typed layer parameters read from prototxts.

:mod:`.schema` is generated from ``proto/caffe.proto`` (``tools/gen_schema.py``);
:mod:`.params` reads prototxt messages into it, as Caffe's text parser would.
"""
