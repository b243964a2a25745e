"""Turn a git repository of YAML incident files into a public status site."""

__version__ = "0.1.0"
