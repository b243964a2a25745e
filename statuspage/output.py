"""Stage 5, write: put a rendered site in place all at once, or change nothing.

The site is written into a directory beside `output_dir`: the build before last, kept
as `.NAME.previous` (only the files that differ are written), or a new temporary one.
It then trades places with `output_dir` in one step (Linux renameat2 RENAME_EXCHANGE),
or with two renames elsewhere (between them the output directory is briefly missing);
the output directory is never half written. A directory is only ever replaced if a
previous build made it (it holds the marker file) or it is empty, so `--output .` or
`--output ~` cannot destroy anybody's files (issue 3, "Safe output").

An output that is a symbolic link stays one: the site is built beside the directory it
points to and swapped in there (issue 22). A place that cannot take a site (a path
through a file, a virtual or read-only file system, a mount point, no permission) is
refused before anything is read or written, and a write that fails all the same (a full
disk, a vanished directory) is one line naming the path and the reason; in both cases
the site that was there stays as it was.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import re
import shutil
import stat
import sys
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]

from statuspage.errors import StatusPageError
from statuspage.load.sources import display_path

#: Written into every build; its presence says "statuspage made this directory".
MARKER = ".statuspage-build"
MARKER_TEXT = b"This directory is written by `statuspage build`; it is replaced on every build.\n"


_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_BINARY = getattr(os, "O_BINARY", 0)  # Windows would turn line ends into CR LF without it
_AT_FDCWD = -100
_RENAME_EXCHANGE = 2
_LIBC = ctypes.CDLL(None, use_errno=True) if sys.platform.startswith("linux") else None


class OutputError(StatusPageError):
    """The output directory cannot be (re)placed safely."""


def check_output_dir(
    output_dir: Path, sources_root: Path, protected: tuple[Path, ...] = ()
) -> Path:
    """Where the site goes: the absolute output directory, or the directory it links to.

    Refuses a place that would endanger the sources or cannot take a site, before
    anything is read or written.
    """
    target = _real(output_dir)
    shown = _shown(output_dir, target)
    root = _real(sources_root)
    if target == root or root.is_relative_to(target):
        raise OutputError(f"refusing to build into {shown}: it contains the sources")
    for path in protected:
        if target.is_relative_to(_real(path)):
            raise OutputError(f"refusing to build into {shown}: it is inside {display_path(path)}")
    if target.is_symlink():  # realpath gave up: a loop of links
        raise OutputError(f"refusing to build into {shown}: a loop of symbolic links")
    if target.exists() and not target.is_dir():
        raise OutputError(f"refusing to build into {shown}: it is a file, not a directory")
    _check_place(target, shown)
    if target.is_dir() and not (target / MARKER).is_file() and any(target.iterdir()):
        raise OutputError(
            f"refusing to replace {shown}: it is not empty and was not made by "
            f"statuspage build (no {MARKER} file in it); choose another --output or empty it"
        )
    return target


def _real(path: Path) -> Path:
    """The absolute path with every symbolic link in it followed (as far as they lead)."""
    return Path(os.path.realpath(path))


def _shown(output_dir: Path, target: Path) -> str:
    """The output as the user gave it, and where it leads when that is elsewhere."""
    given = display_path(Path(output_dir))
    if Path(os.path.abspath(output_dir)) == target:
        return given
    how = "a link to" if Path(output_dir).is_symlink() else "that is"  # a link above it
    return f"{given} ({how} {display_path(target)})"


#: File systems that hold no files of ours (the kernel's views of itself).
_VIRTUAL = frozenset(
    "proc sysfs cgroup cgroup2 debugfs tracefs securityfs pstore bpf configfs efivarfs "
    "fusectl binfmt_misc devpts mqueue nsfs autofs".split()
)


def _check_place(target: Path, shown: str) -> None:
    """Refuse a `target` whose directory cannot hold the new tree, or that cannot be
    swapped there: what the two renames of `_swap` need, checked before they are due."""
    existing = target.parent
    while not os.path.lexists(existing):  # the build creates the missing directories
        existing = existing.parent
    place = display_path(existing)
    if not existing.is_dir():
        raise OutputError(f"refusing to build into {shown}: {place} is a file, not a directory")
    kind = _mount(existing)[1]
    if kind in _VIRTUAL:
        raise OutputError(
            f"refusing to build into {shown}: {place} is on a {kind} file system, "
            "which cannot hold a site"
        )
    statvfs = getattr(os, "statvfs", None)
    if statvfs is not None and statvfs(existing).f_flag & os.ST_RDONLY:
        raise OutputError(f"refusing to build into {shown}: {place} is on a read-only file system")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise OutputError(
            f"refusing to build into {shown}: permission denied to create files in {place}"
        )
    if not target.is_dir():
        return
    if os.path.ismount(target) or _mount(target)[0] == str(target):
        raise OutputError(
            f"refusing to build into {shown}: {display_path(target)} is a mount point, which "
            "cannot be swapped for the new site; give a directory inside it"
        )
    status, parent = target.stat(), target.parent.stat()
    owner = os.geteuid() if hasattr(os, "geteuid") else None
    if parent.st_mode & stat.S_ISVTX and owner not in (None, 0, status.st_uid, parent.st_uid):
        raise OutputError(
            f"refusing to build into {shown}: {display_path(target)} belongs to another user "
            f"and {display_path(target.parent)} is sticky, so it cannot be swapped"
        )


def _mount(path: Path) -> tuple[str | None, str | None]:
    """The mount point `path` is under and its file system's type (Linux's mount table;
    bind mounts included, which os.path.ismount does not see), or Nones."""
    try:
        with open("/proc/self/mountinfo", encoding="utf-8", errors="replace") as table:
            mounts = table.read().splitlines()
    except OSError:
        return None, None
    found: tuple[str | None, str | None] = (None, None)
    real = str(_real(path))
    for line in mounts:  # ID PARENT DEV ROOT MOUNTPOINT OPTIONS [TAGS] - TYPE SOURCE ...
        fields, _, rest = line.partition(" - ")
        parts = fields.split(" ")
        if len(parts) < 5 or not rest:
            continue
        point = _OCTAL.sub(lambda match: chr(int(match.group(1), 8)), parts[4])
        inside = real == point or real.startswith(point.rstrip("/") + "/")
        if inside and len(point) >= len(found[0] or ""):  # a later equal is mounted over
            found = (point, rest.split(" ")[0])
    return found


_OCTAL = re.compile(r"\\([0-7]{3})")


def write_site(outputs: Mapping[str, bytes], output_dir: Path) -> None:
    """Write every file into a tree beside `output_dir`, then swap it in for `output_dir`."""
    with new_site(output_dir) as site:
        site.write(outputs)


@contextmanager
def new_site(output_dir: Path) -> Iterator[SiteTree]:
    """The tree the next site is written into, swapped in for `output_dir` when the block
    ends without an error (and otherwise never seen).

    The tree is the site of the build before last when one is kept (`spare_dir`): only the
    files whose bytes differ are written, and the old site becomes the next build's spare.
    Without one, a new temporary tree is written in full. A link at `output_dir` is
    followed: the tree is made beside the directory it points to, and trades places
    with that directory.
    """
    target = _real(output_dir)
    with _plainly(target):
        target.parent.mkdir(parents=True, exist_ok=True)
    with _locked(target):
        with _plainly(target):
            _sweep(target)
            spare = spare_dir(target)
            reuse = _is_ours(spare)
            tree = spare if reuse else _new_tree(target)
        try:
            with _plainly(target):
                site = SiteTree(tree, target)
            yield site
            with _plainly(target):
                site.finish()
                _publishable(tree)
                _swap(tree, target, spare)
        except BaseException:
            if not reuse:
                shutil.rmtree(tree, ignore_errors=True)
            raise


def _new_tree(target: Path) -> Path:
    """A new, empty tree beside `target`, marked at once: if the build is killed before
    its swap, the next build knows the leftover for its own (`_sweep`)."""
    tree = Path(tempfile.mkdtemp(prefix=f".{target.name}.new-", dir=target.parent))
    try:
        _write(os.path.join(tree, MARKER), MARKER_TEXT)
    except BaseException:
        shutil.rmtree(tree, ignore_errors=True)
        raise
    return tree


def _sweep(target: Path) -> None:
    """Remove the trees killed builds left beside `target` (`.NAME.new-*`, `.NAME.old-*`):
    only those a build of this user made; under the lock, none is in use."""
    prefixes = (f".{target.name}.new-", f".{target.name}.old-")
    with os.scandir(target.parent) as entries:
        leftovers = [Path(entry.path) for entry in entries if entry.name.startswith(prefixes)]
    for leftover in leftovers:
        if _is_ours(leftover):
            shutil.rmtree(leftover, ignore_errors=True)


@contextmanager
def _plainly(target: Path) -> Iterator[None]:
    """Turn a failure of the file system (a full disk, a read-only or vanished directory, a
    permission) into one line naming the path and the reason."""
    try:
        yield
    except OSError as error:
        raise OutputError(_failure(error, target)) from None


def _failure(error: OSError, target: Path) -> str:
    reason = error.strerror or os.strerror(error.errno or errno.EIO)
    where = error.filename if isinstance(error.filename, str) else None
    detail = f" ({display_path(Path(where))})" if where and where != str(target) else ""
    shown = display_path(target)
    return f"cannot write the site into {shown}: {reason}{detail}; {shown} is as it was"


@dataclass(frozen=True)
class TreePart:
    """What one `SiteTree.write_part` did: the files it wrote, and the files and
    directories it removed to make room (for `SiteTree.take`)."""

    written: tuple[str, ...]
    removed_files: frozenset[str]
    removed_directories: frozenset[str]


class SiteTree:
    """A directory being made to hold exactly the files written to it, and no others.

    A file whose bytes are already there is left alone. Anything in the tree that is not
    a plain file or directory (a link, say) is removed first, never followed, so a
    planted link cannot send a write outside the tree.

    The files may be written by other processes, forks of this one made after the tree
    (`write_part` there, `take` here with what it returns): the rendered bytes then
    never cross between processes, only the paths do.
    """

    def __init__(self, root: Path, target: Path | None = None) -> None:
        self.root = root
        #: Where the tree goes once written (named when a write fails).
        self.target = root if target is None else target
        self._files, self._directories, strays = _scan(root)
        for path in strays:
            path.unlink()
        #: Written by this process (a worker's own view, in a worker), and their directories.
        self._written: set[str] = set()
        self._written_directories: set[str] = set()
        #: Every path taken into the tree, and the directories they are in.
        self._taken: set[str] = set()
        self._taken_directories: set[str] = set()

    @property
    def count(self) -> int:
        """How many files have been written, the marker not counted."""
        return len(self._taken - {MARKER})

    @property
    def written(self) -> frozenset[str]:
        """The paths written so far (relative, '/'-separated), and the marker's."""
        return frozenset(self._taken | {MARKER})

    def write(self, outputs: Mapping[str, bytes]) -> None:
        """Write these files into the tree."""
        self.take(self.write_part(outputs))

    def write_part(self, outputs: Mapping[str, bytes]) -> TreePart:
        """Write these files, in this process or a fork of the one that made the tree;
        what it returns is for `take` in the process that made the tree."""
        removed_files: set[str] = set()
        removed_directories: set[str] = set()
        with _plainly(self.target):
            written = tuple(
                self._write(relpath, outputs[relpath], removed_files, removed_directories)
                for relpath in sorted(outputs)
            )
        return TreePart(written, frozenset(removed_files), frozenset(removed_directories))

    def take(self, part: TreePart) -> None:
        """Count what `write_part` wrote as part of the tree, here or in a worker: two
        parts that wrote one path, or a file and a directory of one name, are an error."""
        self._files -= part.removed_files
        self._directories -= part.removed_directories
        for relpath in part.written:
            _claim(relpath, self._taken, self._taken_directories)

    def _write(
        self, relpath: str, data: bytes, removed_files: set[str], removed_directories: set[str]
    ) -> str:
        relpath = _safe_relpath(relpath)  # 'a//b' and './a' are 'a/b' and 'a'
        # Refused here before anything is written, and again in `take` across workers.
        _claim(relpath, self._written, self._written_directories)
        place = os.path.join(self.root, relpath)
        if relpath in self._files:
            _rewrite(place, data)
            return relpath
        parent = relpath.rpartition("/")[0]
        if relpath in self._directories:  # a directory where a file goes now
            shutil.rmtree(place)
            directories = {d for d in self._directories if _within(d, relpath)}
            files = {f for f in self._files if _within(f, relpath)}
            self._directories -= directories
            self._files -= files
            removed_directories |= directories
            removed_files |= files
        if parent and parent not in self._directories:
            # Each directory down from the root (never above it), in place of a file there.
            for ancestor in reversed(list(_ancestors(parent))):
                if ancestor in self._files:
                    # Another worker may have removed it, and made the directory, first.
                    with contextlib.suppress(FileNotFoundError, IsADirectoryError):
                        os.unlink(os.path.join(self.root, ancestor))
                    self._files.discard(ancestor)
                    removed_files.add(ancestor)
                if ancestor not in self._directories:
                    with contextlib.suppress(FileExistsError):  # made by another worker
                        os.mkdir(os.path.join(self.root, ancestor))
                    self._directories.add(ancestor)
        _write(place, data)
        return relpath

    def finish(self) -> None:
        """Write the marker, then remove every file and directory that was not written."""
        self.write({MARKER: MARKER_TEXT})
        for relpath in sorted(self._files - self._taken):
            Path(self.root, relpath).unlink()
        wanted = self._taken_directories
        for relpath in sorted(self._directories - wanted, key=len, reverse=True):
            os.rmdir(os.path.join(self.root, relpath))  # its files were not written


def _claim(relpath: str, paths: set[str], directories: set[str]) -> None:
    """Add `relpath` to the `paths` written and their `directories`, unless one of them
    is that path already, or it is a file and a directory at once."""
    if relpath in paths:
        raise OutputError(f"two outputs would be written to {relpath}")
    parent = relpath.rpartition("/")[0]
    clash = next((a for a in _ancestors(parent) if a in paths), None)
    if clash is None and relpath in directories:
        clash = next(p for p in sorted(paths) if _within(p, relpath))
    if clash is not None:  # one output a file, the other a directory
        raise OutputError(f"two outputs would be written to {clash} and {relpath}")
    paths.add(relpath)
    directories.update(_ancestors(parent))


def _within(relpath: str, directory: str) -> bool:
    return relpath == directory or relpath.startswith(directory + "/")


def spare_dir(target: Path) -> Path:
    """Where the site of the build before last is kept: `.NAME.previous` beside `NAME`."""
    return target.parent / f".{target.name}.previous"


def _is_ours(directory: Path) -> bool:
    """A real directory (no link) that a build of this user made: safe to write into and to
    empty (another user's, say a build run once as root, is left alone)."""
    if directory.is_symlink() or not directory.is_dir() or not (directory / MARKER).is_file():
        return False
    owner = getattr(os, "geteuid", None)
    return (owner is None or directory.stat().st_uid == owner()) and os.access(directory, os.W_OK)


@contextmanager
def _locked(target: Path) -> Iterator[None]:
    """Hold an exclusive lock on the directory of `target` (where the platform has flock):
    two builds into one place take turns instead of writing into the same spare tree."""
    if fcntl is None:
        yield
        return
    with _plainly(target):
        descriptor = os.open(target.parent, os.O_RDONLY)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)


def _ancestors(relpath: str) -> Iterator[str]:
    """'a/b/c' -> 'a/b/c', 'a/b', 'a' (nothing for '.' or '')."""
    while relpath not in ("", "."):
        yield relpath
        relpath = relpath.rpartition("/")[0]


def _scan(tree: Path) -> tuple[set[str], set[str], list[Path]]:
    """The files and directories under `tree` (relative, '/'-separated), and anything else."""
    files: set[str] = set()
    directories: set[str] = set()
    strays: list[Path] = []
    pending = [("", str(tree))]
    while pending:
        prefix, directory = pending.pop()
        with os.scandir(directory) as entries:
            for entry in entries:
                relpath = prefix + entry.name
                if entry.is_dir(follow_symlinks=False):
                    directories.add(relpath)
                    pending.append((relpath + "/", entry.path))
                elif entry.is_file(follow_symlinks=False):
                    files.add(relpath)
                else:
                    strays.append(Path(entry.path))
    return files, directories, strays


def _rewrite(path: str, data: bytes) -> None:
    """Give an existing file these bytes, writing only if they differ.

    Written over in place and cut to length, not truncated first: on a file system that
    discards freed blocks, emptying a file costs far more than overwriting it.
    """
    descriptor = os.open(path, os.O_RDWR | _NOFOLLOW | _BINARY)
    try:
        status = os.fstat(descriptor)
        size = status.st_size
        if size == len(data) and _read_all(descriptor, size) == data:
            return
        if status.st_nlink > 1:  # also reachable elsewhere (cp -al, rsync --link-dest)
            os.unlink(path)
            _write(path, data)
            return
        os.lseek(descriptor, 0, os.SEEK_SET)
        view = memoryview(data)
        with _naming(path):
            while view:
                view = view[os.write(descriptor, view) :]
            if size > len(data):
                os.ftruncate(descriptor, len(data))
    finally:
        os.close(descriptor)


def _read_all(descriptor: int, size: int) -> bytes:
    chunks = []
    while size > 0:
        chunk = os.read(descriptor, size)
        if not chunk:
            break
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def _write(path: str, data: bytes) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | _NOFOLLOW | _BINARY, 0o666)
    with _naming(path), open(descriptor, "wb") as handle:
        handle.write(data)


@contextmanager
def _naming(path: str) -> Iterator[None]:
    """A failed write names no file (`[Errno 28] No space left on device`): give it `path`."""
    try:
        yield
    except OSError as error:
        if error.filename is not None:
            raise
        raise OSError(error.errno, error.strerror, path) from None


def _safe_relpath(relpath: str) -> str:
    """`relpath` as one path inside the tree ('a/b/c'), or an error if it leads outside."""
    parts = relpath.split("/")
    if "" in parts or "." in parts or ".." in parts or "\\" in relpath:  # rare: look closer
        path = PurePosixPath(relpath)
        if path.is_absolute() or ".." in path.parts or not path.parts or "\\" in relpath:
            raise OutputError(f"refusing to write outside the output directory: {relpath!r}")
        return path.as_posix()
    return relpath


def _publishable(directory: Path) -> None:
    """mkdtemp makes a private directory; a web server needs to read the site.

    The directories under it were made with the usual mode (0777 less the umask).
    """
    umask = os.umask(0)
    os.umask(umask)
    directory.chmod(0o777 & ~umask)


def _swap(tree: Path, target: Path, spare: Path) -> None:
    """Put `tree` at `target`; keep the site it replaces at `spare` when that place is free
    or holds an earlier spare (it is deleted otherwise)."""
    if not target.exists():
        os.replace(tree, target)
        return
    if _exchange(tree, target):  # atomic: `target` is never missing
        old = tree
    else:
        old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
        old.rmdir()
        os.replace(target, old)
        try:
            os.replace(tree, target)
        except BaseException:
            os.replace(old, target)
            raise
    if not _is_ours(old):
        # What `target` was before any build: an empty directory (check_output_dir);
        # nothing of anyone's is deleted.
        with contextlib.suppress(OSError):
            old.rmdir()
        return
    if old == spare:
        return
    if not spare.exists() and not spare.is_symlink():
        os.replace(old, spare)
    else:
        shutil.rmtree(old, ignore_errors=True)


def _exchange(first: Path, second: Path) -> bool:
    """Swap two directories in one step (Linux renameat2 RENAME_EXCHANGE); False when that
    cannot be done here (an old kernel or C library, a file system without it, …): the two
    renames that follow then succeed, or fail with the real reason."""
    renameat2 = getattr(_LIBC, "renameat2", None) if _LIBC is not None else None
    if renameat2 is None:
        return False
    result = renameat2(
        _AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second), _RENAME_EXCHANGE
    )
    return bool(result == 0)
