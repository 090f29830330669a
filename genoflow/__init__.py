"""genoflow: M. tuberculosis reads to provable drug-resistance reports."""
__version__ = "0.1.0"
