"""What the template sandbox costs (issue 19): the site's pages rendered by the theme's
sandboxed environment and by a plain Jinja environment with the same loader, filters and
globals, on a generated repository.

    python benchmarks/sandbox.py            # 2,000 generated events
    python benchmarks/sandbox.py --events 10000

Prints the best of five renders (in turns) of every page for each environment, and the sandbox's
share. The budget is 5%; the fast paths that keep it there are in outputs/pages.py
(`_Sandbox`): plain attributes are told by two set lookups, a bound method of an object
needs no further check, and the theme's own helpers and macros are called unchecked.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bench import NOW, generate
from jinja2 import Environment

from statuspage.cyclegc import fewer_collections
from statuspage.outputs.pages import make_environment, plan_site, render_pages
from statuspage.pipeline import load_state

#: What the plain environment takes over from the sandboxed one, unchanged.
SHARED = ("filters", "globals", "tests", "policies", "newstyle_gettext")


def plain_twin(sandboxed: Environment) -> Environment:
    """An unsandboxed environment that renders the same templates with the same helpers."""
    plain = Environment(
        loader=sandboxed.loader,
        autoescape=True,
        undefined=sandboxed.undefined,
        auto_reload=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        extensions=["jinja2.ext.i18n", "jinja2.ext.do"],
    )
    for name in SHARED:
        if hasattr(sandboxed, name):
            setattr(plain, name, getattr(sandboxed, name))
    return plain


def interleaved(rounds: int, actions: dict[str, Callable[[], object]]) -> dict[str, float]:
    """The best CPU time of each action, run in turns so that a busy machine slows both."""
    best = dict.fromkeys(actions, float("inf"))
    for _ in range(rounds):
        for name, action in actions.items():
            start = time.process_time()
            action()
            best[name] = min(best[name], time.process_time() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=2_000)
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory, fewer_collections():
        root = Path(directory)
        generate(root, arguments.events)
        loaded = load_state(root / "statuspage.yaml", NOW)
        pages = plan_site(loaded.state)
        sandboxed = make_environment(root / "templates", loaded.site.language, loaded.site.zone)
        plain = plain_twin(sandboxed)
        same = render_pages(pages, sandboxed) == render_pages(pages, plain)  # and warms both
        timed = interleaved(
            5,
            {
                "sandboxed": lambda: render_pages(pages, sandboxed),
                "plain": lambda: render_pages(pages, plain),
            },
        )
    print(f"{arguments.events} events, {len(pages)} pages (identical output: {same})")
    for name, seconds in timed.items():
        print(f"  {name:10} {seconds:7.3f} s CPU")
    print(f"  sandbox cost {100 * (timed['sandboxed'] / timed['plain'] - 1):+.1f}%")


if __name__ == "__main__":
    main()
