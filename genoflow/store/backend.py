"""The store location: an fsspec filesystem + root, its commit files, writer lock, schema version and linkage key.

Layout under the root (any fsspec URL: a local directory, `memory://...`, `s3://bucket/prefix`, ...):

    _schema.json                          {"version": N}: the store schema version (see `migrate`)
    _commits/batch=<id>.json              the live files of one batch, table -> relative path
    _commits/_derived.json                the live files of the derived tables (distances, clusters)
    _secrets/linkage.key                  HMAC key for patient linkage (mode 0600 on local disks)
    <table>/batch=<id>/part-<uuid>.parquet
    <table>/part-<uuid>.parquet           derived tables

A commit file is written in one step (rename on local disks, a single PUT on object stores), so readers see
either the previous files of a batch or the new ones, never a mixture. Data files no longer named by any commit
are deleted after the commit (and by `vacuum` if a crash came in between).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import secrets
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import fsspec
import pyarrow as pa
import pyarrow.parquet as pq

from genoflow.atomic import write_atomic
from genoflow.store.schema import STORE_SCHEMA_VERSION, TABLES

DERIVED = "_derived"  # cannot clash with a batch id (those start with a letter or digit)
_BATCH_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


class StoreError(Exception):
    """A store problem the user can act on (bad location, bad batch id, old schema, concurrent writer)."""


def check_batch_id(batch_id: str) -> str:
    """Batch ids become directory names: letters, digits, '.', '_', '-' only (max 128 characters)."""
    if not isinstance(batch_id, str) or not _BATCH_ID.match(batch_id):
        raise StoreError(f"invalid batch id {batch_id!r}: use letters, digits, '.', '_' or '-' (max 128)")
    return batch_id


@dataclass(frozen=True)
class Commit:
    """The live files of one unit (a batch, or the derived tables): table name -> path relative to the root."""

    unit: str
    files: dict[str, str]
    committed_at: str
    schema_version: int

    @classmethod
    def from_json(cls, payload: dict) -> "Commit":
        return cls(payload["unit"], dict(payload["files"]), payload["committed_at"], int(payload["schema_version"]))


class Store:
    """An analytical store at `url`; created (empty, current schema) on first use unless `create=False`,
    which refuses a location holding no store (so a mistyped --store fails instead of answering nothing)."""

    def __init__(self, url: str | os.PathLike[str], create: bool = True) -> None:
        self.url = str(url)
        self.fs, root = fsspec.core.url_to_fs(self.url)
        self.root = root.rstrip("/") or "/"
        self.is_local = "file" in _protocols(self.fs)
        if not self.fs.exists(self._path("_schema.json")):
            if not create:
                raise StoreError(f"no genoflow store at {self.url} (missing _schema.json)")
            self.fs.makedirs(self._path("_commits"), exist_ok=True)
            self._write_json("_schema.json", {"version": STORE_SCHEMA_VERSION})

    def __repr__(self) -> str:
        return f"Store({self.url!r})"

    # -- paths and small files -------------------------------------------------------------------------
    def _path(self, relative: str) -> str:
        return f"{self.root}/{relative}"

    def _write_json(self, relative: str, payload: dict) -> None:
        """Replace a small JSON file in one step: temp file + rename locally, a single PUT elsewhere."""
        data = (json.dumps(payload, indent=1, sort_keys=True) + "\n").encode()
        target = self._path(relative)
        if self.is_local:
            write_atomic(Path(target), data, fsync=True)
        else:
            self.fs.pipe_file(target, data)

    def _read_json(self, relative: str) -> dict:
        path = self._path(relative)
        try:
            return json.loads(self.fs.cat_file(path))
        except json.JSONDecodeError as exc:
            raise StoreError(f"{self.url}: {relative} is not valid JSON ({exc})") from exc

    @property
    def schema_version(self) -> int:
        return int(self._read_json("_schema.json")["version"])

    def require_current_schema(self) -> None:
        version = self.schema_version
        if version != STORE_SCHEMA_VERSION:
            raise StoreError(f"{self.url}: store schema version {version}, this genoflow expects "
                             f"{STORE_SCHEMA_VERSION}; run `genoflow query migrate --store {self.url}`")

    # -- commits ---------------------------------------------------------------------------------------
    def commits(self) -> list[Commit]:
        """Every committed unit, batches sorted by id, the derived unit last."""
        out = []
        for path in sorted(self.fs.glob(self._path("_commits/*.json"))):
            name = path.rsplit("/", 1)[-1][: -len(".json")]
            out.append(Commit.from_json(self._read_json(f"_commits/{name}.json")))
        return sorted(out, key=lambda c: (c.unit == DERIVED, c.unit))

    def commit_for(self, unit: str) -> Commit | None:
        relative = f"_commits/{_commit_name(unit)}.json"
        if not self.fs.exists(self._path(relative)):
            return None
        return Commit.from_json(self._read_json(relative))

    def write_part(self, table: str, unit: str, data: pa.Table) -> str:
        """Write one new (not yet live) Parquet file for `table`; returns its path relative to the root."""
        schema = TABLES[table]
        data = data.select(schema.names).cast(schema)
        directory = table if unit == DERIVED else f"{table}/batch={unit}"
        relative = f"{directory}/part-{uuid.uuid4().hex}.parquet"
        self.fs.makedirs(self._path(directory), exist_ok=True)
        with self.fs.open(self._path(relative), "wb") as handle:
            pq.write_table(data, handle, compression="zstd", row_group_size=1_000_000)
        return relative

    def commit(self, unit: str, files: dict[str, str], committed_at: str) -> None:
        """Make `files` the live files of `unit` in one step, then delete the files they replace."""
        previous = self.commit_for(unit)
        self._write_json(f"_commits/{_commit_name(unit)}.json", {
            "unit": unit, "files": dict(sorted(files.items())), "committed_at": committed_at,
            "schema_version": STORE_SCHEMA_VERSION,
        })
        if previous is not None:
            try:
                self.delete(sorted(set(previous.files.values()) - set(files.values())))
            except OSError:
                pass  # already committed; `vacuum` removes the unreferenced files later

    def delete(self, relative_paths: list[str]) -> None:
        for relative in relative_paths:
            path = self._path(relative)
            if self.fs.exists(path):
                self.fs.rm_file(path)

    def vacuum(self) -> list[str]:
        """Delete data files named by no commit (left by a crash between write and commit); returns them."""
        live = {rel for c in self.commits() for rel in c.files.values()}
        orphans = []
        for table in TABLES:
            for path in self.fs.glob(self._path(f"{table}/**/*.parquet")):
                relative = path[len(self.root) + 1:]
                if relative not in live:
                    orphans.append(relative)
        self.delete(orphans)
        return orphans

    # -- one writer -------------------------------------------------------------------------------------
    @contextmanager
    def writer(self) -> Iterator[None]:
        """Exclusive writer lock (a lock file created with O_EXCL on local disks; object stores rely on
        the pipeline's single loader task)."""
        if not self.is_local:
            yield
            return
        lock = self._path("_writer.lock")
        try:
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            raise StoreError(f"{self.url}: another writer holds {lock} (remove it if no load is running)") from None
        try:
            os.write(fd, f"{os.getpid()}\n".encode())
            os.close(fd)
            yield
        finally:
            os.unlink(lock)

    # -- patient linkage ---------------------------------------------------------------------------------
    def linkage_hash(self, patient_id: str) -> str:
        """HMAC-SHA256 of a patient id under this store's key: links a patient's samples, never reveals the id."""
        return hmac.new(self._linkage_key(), patient_id.encode("utf-8"), hashlib.sha256).hexdigest()

    def _linkage_key(self) -> bytes:
        relative = "_secrets/linkage.key"
        path = self._path(relative)
        if not self.fs.exists(path):
            key = secrets.token_hex(32).encode()
            self.fs.makedirs(self._path("_secrets"), exist_ok=True)
            if self.is_local:
                os.chmod(self._path("_secrets"), 0o700)
                try:
                    fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
                except FileExistsError:
                    return self._linkage_key()
                with os.fdopen(fd, "wb") as handle:
                    handle.write(key)
            else:
                self.fs.pipe_file(path, key)
        key = self.fs.cat_file(path).strip()
        if len(key) < 32:
            raise StoreError(f"{self.url}: {relative} is shorter than 32 bytes; refusing a weak linkage key")
        return key


# -- schema migrations ---------------------------------------------------------------------------------
Migration = Callable[[Store], None]
#: from-version -> function upgrading a store to from-version + 1. Empty while the schema is at version 1:
#: a future change adds e.g. `1: _add_lineage_column` that rewrites the affected Parquet files and commits.
MIGRATIONS: dict[int, Migration] = {}


def migrate(store: Store, target: int = STORE_SCHEMA_VERSION,
            migrations: dict[int, Migration] | None = None) -> list[int]:
    """Upgrade `store` step by step to `target`; returns the versions passed through. Each step runs under
    the writer lock and bumps `_schema.json` only after it succeeds, so an interrupted migration resumes."""
    steps = MIGRATIONS if migrations is None else migrations
    passed = []
    with store.writer():
        version = store.schema_version
        if version > target:
            raise StoreError(f"{store.url}: store schema {version} is newer than this genoflow ({target})")
        while version < target:
            if version not in steps:
                raise StoreError(f"{store.url}: no migration from schema version {version}")
            steps[version](store)
            version += 1
            store._write_json("_schema.json", {"version": version})
            passed.append(version)
    return passed


def _commit_name(unit: str) -> str:
    return DERIVED if unit == DERIVED else f"batch={check_batch_id(unit)}"


def _protocols(fs: fsspec.AbstractFileSystem) -> tuple[str, ...]:
    protocol = fs.protocol
    return (protocol,) if isinstance(protocol, str) else tuple(protocol)

