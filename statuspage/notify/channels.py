"""Channels: where a notice goes (an Apprise URL or a webhook), with secrets kept out of sight.

`${NAME}` in a channel's url, webhook or secret reads the environment when `notify`
runs. Every value read so, and every expanded URL, is redacted from anything printed:
output, errors, the reasons a send failed.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import time
import urllib.error
import urllib.request
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from statuspage import DISTRIBUTION, __version__
from statuspage.errors import StatusPageError
from statuspage.model.models import NotifyChannel, SiteConfig

_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
HIDDEN = "***"
_HTTP = ("http://", "https://")
#: Waits between the attempts of one send, in seconds (three attempts in all).
BACKOFF = (2.0, 8.0)
TIMEOUT = 15.0
EXTRA_HINT = f"pip install '{DISTRIBUTION}[notify]'"


class SendError(Exception):
    """A send failed; its message is already redacted."""


@dataclass(frozen=True)
class Message:
    """What a channel is told: a subject, a Markdown body, and for webhooks a JSON body."""

    subject: str
    body: str
    payload: dict[str, Any] = field(default_factory=dict)
    #: More webhook bodies, each with the end of its Idempotency-Key: component updates.
    more: tuple[tuple[str, dict[str, Any]], ...] = ()


@dataclass(frozen=True)
class Channel:
    """A configured channel with its variables read; `shown` is the URL safe to print."""

    config: NotifyChannel
    target: str
    shown: str
    secret: str | None
    secrets: tuple[str, ...]
    language: str

    @property
    def name(self) -> str:
        return self.config.name

    @property
    def is_webhook(self) -> bool:
        return self.config.webhook is not None

    def wants(self, event_type: str, components: Iterable[str]) -> bool:
        """Whether notices of this type and these components are for this channel."""
        if event_type not in self.config.types:
            return False
        wanted = self.config.components
        return wanted is None or any(component in wanted for component in components)

    def redact(self, text: str) -> str:
        return redact(text, self.secrets)


def redact(text: str, secrets: Iterable[str]) -> str:
    """`text` with every secret (longest first) replaced by ***."""
    for secret in sorted(set(secrets), key=len, reverse=True):
        if secret:
            text = text.replace(secret, HIDDEN)
    return text


def expand(text: str, channel: str, environ: dict[str, str]) -> tuple[str, list[str]]:
    """`text` with each ${NAME} read from `environ`, and the values read."""
    values: list[str] = []

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in environ:
            raise StatusPageError(
                f"notify channel '{channel}': the environment variable {name} is not set"
            )
        values.append(environ[name])
        return environ[name]

    return _VARIABLE.sub(value, text), values


def variables(site: SiteConfig) -> list[str]:
    """Every ${NAME} the channels use, in order of first use."""
    names: dict[str, None] = {}
    for channel in site.notify.channels if site.notify is not None else []:
        for text in (channel.url, channel.webhook, channel.secret):
            names.update(dict.fromkeys(_VARIABLE.findall(text or "")))
    return list(names)


def resolve_channels(site: SiteConfig, environ: dict[str, str]) -> list[Channel]:
    """The site's channels with their variables read; StatusPageError names a missing one."""
    if site.notify is None:
        return []
    return [_resolve(site, channel, environ) for channel in site.notify.channels]


def _resolve(site: SiteConfig, config: NotifyChannel, environ: dict[str, str]) -> Channel:
    written = config.webhook or config.url or ""
    target, values = expand(written, config.name, environ)
    secret = None
    if config.secret is not None:
        secret, more = expand(config.secret, config.name, environ)
        values += [*more, secret]
    secrets = (*values, *_url_secrets(target), target)
    placeholder = "${" in target  # --dry-run without the secrets
    if config.webhook is not None and not placeholder and not target.startswith(_HTTP):
        raise StatusPageError(
            f"notify channel '{config.name}': webhook is not an http(s) URL: "
            f"{redact(target, secrets)}"
        )
    shown = written if values or written == target else redact(target, secrets)
    return Channel(config, target, redact(shown, secrets), secret, secrets, _language(site, config))


def _language(site: SiteConfig, config: NotifyChannel) -> str:
    return config.language or site.language


def _url_secrets(url: str) -> list[str]:
    """The user info of a URL written out in full (mailtos://user:password@host)."""
    match = re.match(r"^[a-z0-9+.-]+://([^/@]+)@", url, re.IGNORECASE)
    if match is None:
        return []
    password = match.group(1).partition(":")[2]
    return [part for part in (password, match.group(1)) if part]


# --- sending ------------------------------------------------------------------------------


def send(
    channel: Channel,
    message: Message,
    key: str,
    backoff: Sequence[float] = BACKOFF,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """Deliver `message`, trying again after each wait in `backoff`; SendError if it never
    gets through. `key` is the notice id (the webhook's Idempotency-Key)."""
    attempt = _post_webhook if channel.is_webhook else _notify_apprise
    for wait in (*backoff, None):
        try:
            attempt(channel, message, key)
            return
        except SendError as error:
            if wait is None or not _worth_retrying(error):
                raise
        sleep(wait)


class PermanentError(SendError):
    """A refusal that another attempt would not change (HTTP 4xx)."""


def _worth_retrying(error: SendError) -> bool:
    return not isinstance(error, PermanentError)


def _post_webhook(channel: Channel, message: Message, key: str) -> None:
    """POST the notice, then its component updates (a retry repeats them all, with the
    same keys, so a receiver that keeps the keys sees each once)."""
    _post_json(channel, message.payload, key)
    for suffix, payload in message.more:
        _post_json(channel, payload, f"{key}/{suffix}")


def _post_json(channel: Channel, payload: dict[str, Any], key: str) -> None:
    body = json.dumps(payload, ensure_ascii=False, sort_keys=True).encode("utf-8")
    headers = {
        "Content-Type": "application/json",
        "User-Agent": f"statuspage/{__version__}",
        "Idempotency-Key": key,
    }
    if channel.secret is not None:
        headers["X-Statuspage-Signature"] = "sha256=" + sign(channel.secret, body)
    request = urllib.request.Request(channel.target, body, headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            response.read()
    except urllib.error.HTTPError as error:
        kind = SendError if error.code >= 500 or error.code == 429 else PermanentError
        raise kind(f"HTTP {error.code} {error.reason}") from None
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise SendError(channel.redact(f"cannot connect: {reason}")) from None


def sign(secret: str, body: bytes) -> str:
    """The hex HMAC-SHA256 of `body` under `secret` (X-Statuspage-Signature: sha256=HEX)."""
    return hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def _notify_apprise(channel: Channel, message: Message, key: str) -> None:
    apprise = load_apprise(channel.name)
    with warnings.catch_warnings():  # its plugins import modules Python deprecates (imghdr)
        warnings.simplefilter("ignore", DeprecationWarning)
        sender = apprise.Apprise()
        if not sender.add(channel.target):
            raise PermanentError(f"Apprise does not understand the URL {channel.shown}")
        with apprise.LogCapture(level=logging.WARNING, fmt="%(message)s") as log:
            sent = sender.notify(
                title=message.subject, body=message.body, body_format=apprise.NotifyFormat.MARKDOWN
            )
    if not sent:
        raise SendError(channel.redact(_last_lines(log.getvalue())))


def _last_lines(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return "; ".join(lines[-2:]) or "Apprise could not deliver it"


def check_apprise(channels: Sequence[Channel]) -> None:
    """Fail before sending anything if a url: channel needs Apprise and it is missing."""
    needing = [channel.name for channel in channels if not channel.is_webhook]
    if not needing:
        return
    load_apprise(needing[0])


def load_apprise(channel: str) -> Any:
    """The apprise module, or StatusPageError naming the extra that installs it."""
    try:
        with warnings.catch_warnings():  # it imports modules Python deprecates (imghdr)
            warnings.simplefilter("ignore", DeprecationWarning)
            import apprise  # type: ignore[import-untyped,unused-ignore]
    except ImportError:
        raise StatusPageError(
            f"notify channel '{channel}': url: channels need Apprise: {EXTRA_HINT}"
        ) from None
    return apprise
