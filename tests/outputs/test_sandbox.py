"""Templates cannot read the machine (issue 19): theme and override templates render in
a sandbox that keeps them from the environment, the filesystem and subprocesses.

Each escape attempt is an override in templates/ of a real status repository, built
through the CLI as CI builds it: it must fail the build with `templates/NAME:line:column:
message`, print no traceback, leave the previous site as it was, and publish nothing of
the process's environment or of any file.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
from click.testing import CliRunner
from jinja2.defaults import DEFAULT_NAMESPACE
from jinja2.sandbox import SandboxedEnvironment

from statuspage.cli import cli
from statuspage.outputs.pages import THEME_FILTERS, TemplateProblemError, make_environment
from tests.conftest import HELSINKI, REPO_ROOT, copy_example

NOW = "2026-11-23T10:00"
#: In the environment of every build here: no template may publish it.
SECRET = "s3cr3t-token-5d41402abc4b2a76"
NOT_ALLOWED = "not allowed in templates"


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The example repository with a templates/ folder, built once; the working directory."""
    root = tmp_path / "repo"
    copy_example(root)
    (root / "templates").mkdir()
    monkeypatch.chdir(root)
    monkeypatch.setenv("STATUSPAGE_TEST_SECRET", SECRET)
    result = CliRunner().invoke(cli, ["build", "--now", NOW])
    assert result.exit_code == 0, result.output
    return root


def site_files(root: Path) -> dict[str, bytes]:
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted((root / "site").rglob("*"))
        if path.is_file()
    }


def build_with(root: Path, template: str, name: str = "404.html") -> tuple[int, str]:
    """Write templates/NAME and build; (exit code, everything printed)."""
    (root / "templates" / name).write_text(template, encoding="utf-8")
    result = CliRunner().invoke(cli, ["build", "--now", NOW])
    return result.exit_code, result.output


def refused(root: Path, template: str, expected: str, name: str = "404.html") -> None:
    """The build fails with exactly `expected`, and changes nothing under site/."""
    before = site_files(root)
    code, output = build_with(root, template, name)
    assert (code, output) == (1, f"Error: {expected}\n")
    assert "Traceback" not in output and SECRET not in output
    assert site_files(root) == before


def unsafe(attribute: str, kind: str) -> str:
    return f"access to attribute '{attribute}' of a '{kind}' object is {NOT_ALLOWED}"


# Known escapes from Jinja templates (SSTI payloads and the sandbox's own CVEs), each with
# the line the build prints. {{ }} are at column 4 of the line "<p>{{ ... }}".
ESCAPES = [
    # The one in the issue: a template's `self` to the builtins.
    (
        "{{ self.__init__.__globals__.__builtins__.open('/etc/hostname').read() }}",
        f"1:12: template error: {unsafe('__init__', 'TemplateReference')}",
    ),
    (
        "{{ self._TemplateReference__context }}",
        f"1:12: template error: {unsafe('_TemplateReference__context', 'TemplateReference')}",
    ),
    # The classic: from any object to every class in the process.
    (
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        f"1:10: template error: {unsafe('__class__', 'str')}",
    ),
    (
        "{{ [].__class__.__base__.__subclasses__() }}",
        f"1:10: template error: {unsafe('__class__', 'list')}",
    ),
    ("{{ now.__class__.mro() }}", f"1:11: template error: {unsafe('__class__', 'datetime')}"),
    (
        "{% for c in ().__class__.__bases__[0].__subclasses__() %}{{ c }}{% endfor %}",
        f"1:19: template error: {unsafe('__class__', 'tuple')}",
    ),
    # Jinja's own globals, the usual way in: none of them is there.
    (
        "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
        "1:7: template error: 'cycler' is undefined",
    ),
    ("{{ joiner.__init__.__globals__.os.environ }}", "1:7: template error: 'joiner' is undefined"),
    (
        "{{ namespace.__init__.__globals__.os.system('id') }}",
        "1:7: template error: 'namespace' is undefined",
    ),
    (
        "{{ lipsum.__globals__['os'].popen('id').read() }}",
        "1:7: template error: 'lipsum' is undefined",
    ),
    ("{{ range.__self__ }}", "1:7: template error: 'range' is undefined"),
    ("{{ dict.__init__ }}", "1:7: template error: 'dict' is undefined"),
    # Flask's and Django's names mean nothing here.
    ("{{ config.items() }}", "1:7: template error: 'config' is undefined"),
    ("{{ request.application.__globals__ }}", "1:7: template error: 'request' is undefined"),
    # Our own globals and filters: functions and bound methods, closed.
    ("{{ _.__globals__ }}", f"1:9: template error: {unsafe('__globals__', 'function')}"),
    ("{{ gettext.__closure__ }}", f"1:15: template error: {unsafe('__closure__', 'function')}"),
    (
        "{{ text_width.__code__.co_consts }}",
        f"1:18: template error: {unsafe('__code__', 'function')}",
    ),
    (
        "{{ status_html.__self__.formatter }}",
        f"1:19: template error: {unsafe('__self__', 'method')}",
    ),
    (
        "{{ status_html.__func__.__globals__ }}",
        f"1:19: template error: {unsafe('__func__', 'method')}",
    ),
    # By item, by filters that take an attribute's name, and by |attr.
    ("{{ now['__class__'] }}", f"1:12: template error: {unsafe('__class__', 'datetime')}"),
    (
        "{{ [now]|map(attribute='__class__')|list }}",
        f"1:28: template error: {unsafe('__class__', 'datetime')}",
    ),
    (
        "{{ [now]|sort(attribute='__class__') }}",
        f"1:29: template error: {unsafe('__class__', 'datetime')}",
    ),
    (
        "{{ [now]|groupby('__class__') }}",
        f"1:22: template error: {unsafe('__class__', 'datetime')}",
    ),
    (
        "{{ [now]|selectattr('__class__')|list }}",
        f"1:25: template error: {unsafe('__class__', 'datetime')}",
    ),
    (
        "{{ [now]|unique(attribute='__class__')|list }}",
        f"1:31: template error: {unsafe('__class__', 'datetime')}",
    ),
    ("{{ now|attr('__class__') }}", "1:11: template error: No filter named 'attr'."),
    ("{{ [now]|map('attr', '__class__')|list }}", "1:18: template error: No filter named 'attr'."),
    # Format strings: str.format and format_map (CVE-2016-10745, CVE-2019-10906), held as
    # a value first (CVE-2024-56326), on Markup; printf through |format.
    (
        "{{ '{0.__class__}'.format(now) }}",
        f"1:11: template error: {unsafe('__class__', 'datetime')}",
    ),
    (
        "{{ '{0.__globals__}'.format(_) }}",
        f"1:11: template error: {unsafe('__globals__', 'function')}",
    ),
    (
        "{{ '{x.__class__.__init__.__globals__}'.format_map({'x': now}) }}",
        f"1:11: template error: {unsafe('__class__', 'datetime')}",
    ),
    (
        "{% set f = '{0.__class__}'.format %}{{ f(now) }}",
        f"1:19: template error: {unsafe('__class__', 'datetime')}",
    ),
    (
        "{{ ('{0.__class__}'|e).format(now) }}",
        f"1:12: template error: {unsafe('__class__', 'datetime')}",
    ),
    (
        "{{ '{0:%s}'.format(now) }}{{ '%s'|format(now) }}",
        "1:38: template error: No filter named 'format'.",
    ),
    # What the sandbox of Jinja alone lets through: a class method through an instance
    # (the clock, a time zone file), a class from a model's field, a module.
    ("{{ now.now() }}", f"1:11: template error: {unsafe('now', 'datetime')}"),
    ("{{ now.fromtimestamp(0) }}", f"1:11: template error: {unsafe('fromtimestamp', 'datetime')}"),
    ("{{ site.zone.no_cache('UTC') }}", f"1:17: template error: {unsafe('no_cache', 'ZoneInfo')}"),
    (
        "{{ site.model_validate }}",
        f"1:12: template error: {unsafe('model_validate', 'SiteConfig')}",
    ),
    # Jinja's machinery: loops, macros, imported modules.
    (
        "{% for x in [1] %}{{ loop.cycle.__func__ }}{% endfor %}",
        f"1:36: template error: {unsafe('__func__', 'method')}",
    ),
    (
        '{% import "macros.html" as m %}{{ m.status.__self__ }}',
        f"1:47: template error: {unsafe('__self__', 'method')}",
    ),
    (
        '{% import "macros.html" as m %}{{ m.__dict__ }}',
        f"1:40: template error: {unsafe('__dict__', 'TemplateModule')}",
    ),
    (
        "{% macro f() %}{% endmacro %}{{ f._environment }}",
        f"1:38: template error: {unsafe('_environment', 'Macro')}",
    ),
    ("{{ state.__dict__ }}", f"1:13: template error: {unsafe('__dict__', 'SiteState')}"),
    # Filters that mark or format text as markup, or depend on chance, are not there.
    ("{{ site.title|safe }}", "1:18: template error: No filter named 'safe'."),
    ("{{ state|pprint }}", "1:13: template error: No filter named 'pprint'."),
    ("{{ {'onclick': 'x'}|xmlattr }}", "1:24: template error: No filter named 'xmlattr'."),
    ("{{ [1, 2]|random }}", "1:14: template error: No filter named 'random'."),
]


@pytest.mark.parametrize(("template", "expected"), ESCAPES, ids=[e[0][:60] for e in ESCAPES])
def test_escape_attempts_fail_the_build_at_their_place(
    repo: Path, template: str, expected: str
) -> None:
    refused(repo, f"<p>{template}</p>\n", f"templates/404.html:{expected}")


def test_an_escape_on_a_later_line_is_placed_there(repo: Path) -> None:
    refused(
        repo,
        '{% extends "!builtin/404.html" %}\n{% block content %}\n'
        "  <p>{{ self.__init__.__globals__.__builtins__ }}</p>\n{% endblock %}\n",
        f"templates/404.html:3:14: template error: {unsafe('__init__', 'TemplateReference')}",
    )


def test_an_escape_in_an_included_template_is_placed_in_it(repo: Path) -> None:
    (repo / "templates" / "part.html").write_text(
        "<p>fine</p>\n<p>{{ now.__class__ }}</p>\n", encoding="utf-8"
    )
    refused(
        repo,
        '{% extends "!builtin/404.html" %}{% block content %}{% include "part.html" %}'
        "{% endblock %}\n",
        f"templates/part.html:2:11: template error: {unsafe('__class__', 'datetime')}",
    )


def test_an_escape_tested_with_is_defined_still_fails(repo: Path) -> None:
    """Jinja's sandbox gives an undefined value for a refused attribute; here it fails,
    so that a template cannot probe quietly for what it may reach."""
    refused(
        repo,
        "<p>{% if self.__init__ is defined %}yes{% endif %}</p>\n",
        f"templates/404.html:1:15: template error: {unsafe('__init__', 'TemplateReference')}",
    )


def test_no_template_publishes_the_environment_or_a_file(repo: Path) -> None:
    """Every way we know to read os.environ or a file, each in its own build: none
    builds, and nothing published or printed holds the secret or the file."""
    outside = repo.parent / "outside.txt"
    outside.write_text(f"file-{SECRET}\n", encoding="utf-8")
    payloads = [
        "{{ self.__init__.__globals__.__builtins__.__import__('os').environ }}",
        "{{ cycler.__init__.__globals__.os.environ }}",
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ '{0.__init__.__globals__[os].environ}'.format(self) }}",
        "{{ now.__class__.__module__ }}",
        "{% include '../outside.txt' %}",
        f"{{% include '{outside}' %}}",
        "{{ now.now() }}",
        "{{ _.__globals__['os'].environ }}",
    ]
    for payload in payloads:
        code, output = build_with(repo, f"<p>{payload}</p>\n")
        assert code == 1, (payload, output)
        assert "Traceback" not in output and SECRET not in output, payload
    published = b"".join(site_files(repo).values())
    assert SECRET.encode() not in published


def test_what_an_override_may_do_still_works(repo: Path) -> None:
    """The ordinary tools of a template: extends, blocks, macros, imports, includes,
    loops with loop.cycle, lists built with `do`, the theme's filters and gettext."""
    (repo / "templates" / "part.html").write_text("<p>part {{ n }}</p>\n", encoding="utf-8")
    template = (
        '{% extends "!builtin/404.html" %}\n'
        '{% import "macros.html" as m with context %}\n'
        "{% macro twice(x) %}{{ x }}{{ x }}{% endmacro %}\n"
        "{% block content %}{{ super() }}\n"
        "{% set seen = [] %}{% for c in state.components %}{% do seen.append(c.component.id) %}"
        "<i class=\"{{ loop.cycle('odd', 'even') }}\">{{ c.component.name|upper }}</i>"
        "{% endfor %}\n"
        "<p>{{ seen|join(',') }} {{ seen|length }} {{ twice('ab') }} {{ now|iso }}</p>\n"
        "<p>{{ m.status('operational') }} {{ _('History') }} "
        "{{ ngettext('%(num)d event', '%(num)d events', 2) }}</p>\n"
        "<p>{{ site.title|truncate(9) }} {{ site.base_url.split('://')[1] }} "
        "{{ now.strftime('%Y') }} {{ {'a': 1}|tojson }} {{ '{0}-{1}'.format(1, 'x') }}</p>\n"
        "{% with n = 3 %}{% include 'part.html' %}{% endwith %}\n"
        "{% endblock %}\n"
    )
    code, output = build_with(repo, template)
    assert code == 0, output
    page = (repo / "site" / "404.html").read_text(encoding="utf-8")
    assert '<i class="odd">SHARED WEB HOSTING</i><i class="even">' in page
    assert "shared-hosting,vps" in page and "abab" in page and "2026-11-23T10:00:00+02:00" in page
    assert 'class="status s-operational"' in page and "2 events" in page
    assert "{&#34;a&#34;: 1}" in page or '{"a": 1}' in page
    assert "status.kettu-hosting.example/ 2026" in page and "1-x" in page
    assert "<p>part 3</p>" in page


def test_the_environment_is_a_sandbox_with_only_what_the_theme_needs(tmp_path: Path) -> None:
    env = make_environment(tmp_path / "templates", "en", HELSINKI)
    assert isinstance(env, SandboxedEnvironment)
    # None of Jinja's own globals; the gettext functions; the rest are the theme's: plain
    # data, or functions and methods of its own (never a class or a module).
    assert not set(DEFAULT_NAMESPACE) & set(env.globals)
    assert {"_", "gettext", "ngettext", "pgettext", "npgettext"} <= set(env.globals)
    for name, value in env.globals.items():
        assert not isinstance(value, type | ModuleType), name
        module = getattr(value, "__module__", None) or ""
        assert callable(value) <= module.startswith(("statuspage.", "jinja2.ext")), name
    own = {
        "markdown", "datetime", "time", "date", "long_date", "month", "duration",
        "percent", "rule", "iso", "label",
    }  # fmt: skip
    assert own | set(THEME_FILTERS) <= set(env.filters)
    assert not {"attr", "format", "pprint", "safe", "forceescape", "random", "xmlattr"} & set(
        env.filters
    )


class _Holder:
    """An object a template is given, with public attributes that lead out."""

    def __init__(self) -> None:
        self.path_class = Path
        self.a_path = Path("/etc/passwd")
        self.module = os
        self.file = io.StringIO("a file object")
        self.environment = make_environment(None, "en", HELSINKI)
        self.text = "fine"


@pytest.mark.parametrize(
    ("expression", "attribute", "kind"),
    [
        ("x.path_class('/etc/passwd').read_text()", "path_class", "_Holder"),
        ("x.a_path.read_text()", "a_path", "_Holder"),
        ("x.module.environ", "module", "_Holder"),
        ("x.file.read()", "file", "_Holder"),
        ("x.environment.loader", "environment", "_Holder"),
    ],
)
def test_no_attribute_gives_a_class_module_path_file_or_environment(
    tmp_path: Path, expression: str, attribute: str, kind: str
) -> None:
    """Whatever public attribute holds them: the sandbox's own rules look at names only."""
    from statuspage.outputs.pages import Page, render_pages

    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "x.html").write_text(f"{{{{ x.text }}}} {{{{ {expression} }}}}", encoding="utf-8")
    env = make_environment(templates, "en", HELSINKI)
    with pytest.raises(TemplateProblemError) as raised:
        render_pages([Page("x", "x.html", {"x": _Holder()})], env)
    column = len("{{ x.text }} {{ x.") + 1
    shown = os.path.relpath(templates / "x.html")
    assert str(raised.value) == f"{shown}:1:{column}: template error: {unsafe(attribute, kind)}"


def test_every_filter_the_theme_uses_is_there() -> None:
    """Each `|name` in statuspage/theme/ is a filter of the environment."""
    import re

    env = make_environment(None, "en", HELSINKI)
    used = set()
    for path in (REPO_ROOT / "statuspage" / "theme").rglob("*"):
        if path.is_file():
            text = path.read_text(encoding="utf-8")
            for expression in re.findall(r"\{\{.*?\}\}|\{%.*?%\}", text, re.S):
                used |= set(re.findall(r"\|\s*([a-z_]+)", expression))
    assert used and used <= set(env.filters)


def test_a_refused_attribute_raises_through_the_api_too(tmp_path: Path) -> None:
    from statuspage.outputs.pages import Page, compile_templates, render_pages

    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "x.html").write_text("{{ x.__class__ }}", encoding="utf-8")
    env = make_environment(templates, "en", HELSINKI)
    compile_templates([Page("x", "x.html", {})], env)
    with pytest.raises(TemplateProblemError) as raised:
        render_pages([Page("x", "x.html", {"x": 1})], env)
    shown = os.path.relpath(templates / "x.html")
    assert str(raised.value) == f"{shown}:1:6: template error: {unsafe('__class__', 'int')}"


def test_an_escape_fails_a_real_build_process(repo: Path) -> None:
    """The CLI as CI runs it: one line on stderr, exit 1, no traceback, the site kept."""
    before = site_files(repo)
    (repo / "templates" / "404.html").write_text(
        "<p>{{ self.__init__.__globals__.__builtins__.open('/etc/hostname').read() }}</p>\n",
        encoding="utf-8",
    )
    result = subprocess.run(
        [sys.executable, "-m", "statuspage", "build", "--now", NOW],
        cwd=repo,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "STATUSPAGE_TEST_SECRET": SECRET},
    )
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr == (
        f"Error: templates/404.html:1:12: template error: "
        f"{unsafe('__init__', 'TemplateReference')}\n"
    )
    assert site_files(repo) == before


def test_no_class_given_to_a_template_can_be_called(tmp_path: Path) -> None:
    from statuspage.outputs.pages import Page, render_pages

    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "x.html").write_text("{{ C('/etc/passwd').read_text() }}", encoding="utf-8")
    env = make_environment(templates, "en", HELSINKI)
    with pytest.raises(TemplateProblemError) as raised:
        render_pages([Page("x", "x.html", {"C": Path})], env)
    shown = os.path.relpath(templates / "x.html")
    assert str(raised.value) == (
        f"{shown}:1:1: template error: <class 'pathlib.Path'> is not safely callable"
    )
