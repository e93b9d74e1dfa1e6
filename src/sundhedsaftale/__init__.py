"""Sundhedsaftale: a platform for Danish cross-sectoral health agreements.

Importing this package must not import Django: the console entry point dispatches
`sundhedsaftale indicators ...` to the Django-free indicator engine.
"""
