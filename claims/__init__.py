"""Claim Workbench: find check-worthy claims in news, who made them, and whether they were checked before."""

__version__ = "0.1.0"
