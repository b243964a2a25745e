"""Turn a git repository of YAML incident files into a public status site."""

__version__ = "0.1.0"
#: The name pip installs it by ("statuspage" on PyPI is an unrelated project of 2016).
DISTRIBUTION = "statuspage-static"
