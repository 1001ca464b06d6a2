"""Runtime comparisons of exported models against a Caffe runtime (``--verify``)."""
