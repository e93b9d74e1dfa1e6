"""Indicator engine for the national health agreement indicators.

A plain Python library: nothing in this package may import Django.
"""
