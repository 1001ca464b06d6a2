"""One module per family of Caffe layers; each registers its converters with
:func:`..registry.converter` when imported (the registry imports them all)."""
