"""Packaged defaults: the ``auto`` values of the ``mintpy.aedenoise.*`` template keys."""
