"""Loopback stand-ins for the vendors, for `make run` and the tests.

One server, one module per vendor, each mounted under its own prefix:
http://127.0.0.1:<port>/<vendor>/... (e.g. /r4/api/v1/machine/project). An account tag
in the prefix, /<vendor>~<tag>/..., reaches the same stand-in and tells accounts apart
in the request log, faults and calls in flight.
"""
