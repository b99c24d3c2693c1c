"""Shipped pretrained weights (``NAME.weights.h5``) and their JSON sidecars (``NAME.json``)."""
