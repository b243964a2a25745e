"""`statuspage import`: bring an existing status page's history into a status repository.

Each source module (statuspage.py, cstate.py) reads its source into a `Plan` of neutral
components and events (common.py), which `apply_plan` writes: new event files under
incidents/, new components appended to statuspage.yaml, every one validated first.
"""
