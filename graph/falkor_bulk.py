"""FalkorDB's binary bulk-insert format (``GRAPH.BULK``), for the first load into an empty graph.

Why: a MERGE load runs at ~5-10k rows/s; ``GRAPH.BULK`` creates nodes and edges from a packed binary
blob without parsing Cypher or looking anything up. The layout is the one the falkordb-bulk-loader
project sends (not a dependency: it reads CSV files and is a CLI):

* command: ``GRAPH.BULK key [BEGIN] node_count edge_count label_count type_count blob...``
* blob: entity name ``\\0`` + uint32 property count + each property name ``\\0``, then per entity
  (edges first carry uint64 src and dest node ids, the nodes' insertion order in the graph) one typed
  value per property: a type byte, then the value (NULL: nothing, BOOL: 1 byte, DOUBLE: float64,
  STRING: UTF-8 + ``\\0``, LONG: int64, ARRAY: int64 length + typed values).

Values are encoded exactly as the MERGE path's parameter encoder sends them (dates as ISO strings,
control characters dropped, non-finite floats as null), so both paths store the same graph. Encoding is
column-wise: one pass per property over a chunk of entities, then one join, which is several times
faster than packing entity by entity.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import struct
from collections.abc import Iterable, Iterator, Sequence
from itertools import chain, repeat
from types import NoneType
from typing import Any

BI_NULL, BI_BOOL, BI_DOUBLE, BI_STRING, BI_LONG, BI_ARRAY = range(6)
CHUNK = 100_000  # entities per blob
MAX_COMMAND_BYTES = 64 * 1024 * 1024  # well under Redis' 512 MB argument limit

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_NULL = bytes([BI_NULL])
_TRUE = bytes([BI_BOOL, 1])
_FALSE = bytes([BI_BOOL, 0])
_STR = bytes([BI_STRING])
_LONG = struct.Struct("=Bq").pack
_DOUBLE = struct.Struct("=Bd").pack
_ARRAY = struct.Struct("=Bq").pack
_ENDS = struct.Struct("=QQ").pack
_INT64 = (-(2**63), 2**63 - 1)


class BulkEncodeError(TypeError):
    """A value the bulk format (and the MERGE path's parameters) cannot carry."""


def _string(s: str) -> bytes:
    if _CONTROL.search(s):
        s = _CONTROL.sub("", s)
    return _STR + s.encode("utf-8") + b"\x00"


def encode_value(v: Any) -> bytes:
    """One typed value, the same conversions as graph.falkor.params_header applies to parameters."""
    t = type(v)
    if t is str:
        return _string(v)
    if v is None:
        return _NULL
    if t is bool:
        return _TRUE if v else _FALSE
    if t is int:
        if not _INT64[0] <= v <= _INT64[1]:
            raise BulkEncodeError(f"integer out of 64-bit range: {v}")
        return _LONG(BI_LONG, v)
    if t is float:
        return _DOUBLE(BI_DOUBLE, v) if math.isfinite(v) else _NULL
    if t is list or t is tuple:
        return _ARRAY(BI_ARRAY, len(v)) + b"".join([encode_value(x) for x in v])
    if isinstance(v, dt.datetime):
        return _string(v.isoformat(timespec="seconds"))
    if isinstance(v, dt.date):
        return _string(v.isoformat())
    if isinstance(v, (set, frozenset)):
        return encode_value(sorted(v))
    if isinstance(v, str):
        return _string(str(v))
    if isinstance(v, bool):
        return encode_value(bool(v))
    if isinstance(v, int):
        return encode_value(int(v))
    if isinstance(v, float):
        return encode_value(float(v))
    if hasattr(v, "item"):  # numpy scalars
        return encode_value(v.item())
    raise BulkEncodeError(f"cannot store a {t.__name__} as a graph property")


def encode_column(values: Sequence[Any]) -> list[bytes]:
    """Encode one property across many entities, with a C-speed path per common column type."""
    types = set(map(type, values))
    if types <= {str, NoneType}:
        if _CONTROL.search("".join([v for v in values if v is not None])):
            return [_NULL if v is None else _string(v) for v in values]
        if NoneType not in types:
            return [f"\x03{v}\x00".encode() for v in values]
        return [_NULL if v is None else f"\x03{v}\x00".encode() for v in values]
    if types == {list}:
        flat = [x for v in values for x in v]
        if set(map(type, flat)) <= {str} and not _CONTROL.search("".join(flat)):
            return [_ARRAY(BI_ARRAY, len(v)) + "".join([f"\x03{x}\x00" for x in v]).encode() for v in values]
    if types == {dt.date}:
        return [f"\x03{v.isoformat()}\x00".encode() for v in values]
    if types == {bool}:
        return [_TRUE if v else _FALSE for v in values]
    if types == {int} and all(_INT64[0] <= v <= _INT64[1] for v in values):
        return list(map(_LONG, repeat(BI_LONG, len(values)), values))
    if types == {float} and all(map(math.isfinite, values)):
        return list(map(_DOUBLE, repeat(BI_DOUBLE, len(values)), values))
    return [encode_value(v) for v in values]


def header(name: str, props: Sequence[str]) -> bytes:
    parts = [name.encode() + b"\x00", struct.pack("=I", len(props))]
    parts += [p.encode() + b"\x00" for p in props]
    return b"".join(parts)


def node_blob(label: str, props: Sequence[str], rows: Sequence[dict[str, Any]]) -> bytes:
    """One label's blob for ``rows`` (property dicts; a missing property is sent as NULL = absent)."""
    cols = [encode_column([r.get(p) for r in rows]) for p in props]
    return header(label, props) + b"".join(chain.from_iterable(zip(*cols, strict=True))) if cols else (
        header(label, props))


def edge_blob(rtype: str, props: Sequence[str], src: Sequence[int], dst: Sequence[int],
              rows: Sequence[dict[str, Any]]) -> bytes:
    """One relationship type's blob: uint64 endpoints (node insertion order) then the properties."""
    cols = [list(map(_ENDS, src, dst))]
    cols += [encode_column([r.get(p) for r in rows]) for p in props]
    return header(rtype, props) + b"".join(chain.from_iterable(zip(*cols, strict=True)))


class Command:
    """One ``GRAPH.BULK`` call being filled: blobs plus their entity counts."""

    def __init__(self) -> None:
        self.nodes = self.edges = self.size = 0
        self.labels: list[bytes] = []
        self.types: list[bytes] = []

    def args(self, first: bool) -> list[Any]:
        head: list[Any] = ["BEGIN"] if first else []
        return head + [self.nodes, self.edges, len(self.labels), len(self.types), *self.labels, *self.types]


def commands(node_sets: Sequence[tuple[str, list[str], list[dict[str, Any]]]],
             edge_sets: Sequence[tuple[str, list[str], list[int], list[int], list[dict[str, Any]]]],
             max_bytes: int = MAX_COMMAND_BYTES, chunk: int = CHUNK) -> Iterator[Command]:
    """Split the whole graph into commands: every node before any edge, each command under max_bytes."""
    cmd = Command()
    for label, props, rows in node_sets:
        for i in range(0, len(rows), chunk):
            blob = node_blob(label, props, rows[i:i + chunk])
            if cmd.size and cmd.size + len(blob) > max_bytes:
                yield cmd
                cmd = Command()
            cmd.labels.append(blob)
            cmd.nodes += len(rows[i:i + chunk])
            cmd.size += len(blob)
    if cmd.size:  # edges only once all nodes exist
        yield cmd
        cmd = Command()
    for rtype, props, src, dst, rows in edge_sets:
        for i in range(0, len(rows), chunk):
            blob = edge_blob(rtype, props, src[i:i + chunk], dst[i:i + chunk], rows[i:i + chunk])
            if cmd.size and cmd.size + len(blob) > max_bytes:
                yield cmd
                cmd = Command()
            cmd.types.append(blob)
            cmd.edges += len(rows[i:i + chunk])
            cmd.size += len(blob)
    if cmd.size:
        yield cmd


# -- column-wise encoding straight from Arrow arrays (the bulk path of graph.load) ----------------------
# The same bytes as encode_column gives for the equivalent Python values (tests/test_bulk_load.py
# checks it), built with pyarrow/numpy kernels instead of one Python object per value.
def _fixed(type_byte: int, values: Any, dtype: str) -> Any:
    """Type byte + 8-byte little/native-endian value per entity, as an Arrow binary array."""
    import numpy as np
    import pyarrow as pa

    n = len(values)
    buf = np.empty((n, 9), dtype=np.uint8)
    buf[:, 0] = type_byte
    buf[:, 1:] = np.ascontiguousarray(values, dtype=dtype).view(np.uint8).reshape(n, 8)
    return pa.FixedSizeBinaryArray.from_buffers(pa.binary(9), n, [None, pa.py_buffer(buf)]).cast(pa.binary())


def _has_control(arr: Any) -> bool:
    """Any byte ``_CONTROL`` matches anywhere in the string data (a cheap scan before a regex pass)."""
    import numpy as np

    data = arr.buffers()[2]
    if data is None or not len(arr):
        return False
    width = np.int64 if arr.type == "large_string" else np.int32
    offs = np.frombuffer(arr.buffers()[1], dtype=width, count=arr.offset + len(arr) + 1)
    b = np.frombuffer(data, dtype=np.uint8)[offs[arr.offset]:offs[-1]]  # this slice's strings only
    return bool((((b < 0x20) & (b != 0x09) & (b != 0x0A) & (b != 0x0D)) | (b == 0x7F)).any())


def encode_arrow(arr: Any) -> Any:
    """One property across entities -> an Arrow binary array of typed values (null -> BI_NULL)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if isinstance(arr, pa.ExtensionArray):
        arr = arr.storage
    t = arr.type
    null = pa.scalar(_NULL, pa.binary())
    if pa.types.is_date32(t) or pa.types.is_date64(t):
        arr, t = arr.cast(pa.string()), pa.string()
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        clean = pc.replace_substring_regex(arr, _CONTROL.pattern, "") if _has_control(arr) else arr
        enc = pc.binary_join_element_wise("\x03", clean, "\x00", "").cast(pa.binary())
        return pc.fill_null(enc, null) if arr.null_count else enc
    if pa.types.is_boolean(t):
        enc = pc.if_else(arr, pa.scalar(_TRUE, pa.binary()), pa.scalar(_FALSE, pa.binary()))
        return pc.fill_null(enc, null) if arr.null_count else enc
    if pa.types.is_integer(t) and not (pa.types.is_uint64(t) and len(arr) and (pc.max(arr).as_py() or 0) >= 2**63):
        enc = _fixed(BI_LONG, pc.fill_null(arr, 0).to_numpy(zero_copy_only=False), "<i8")
        return pc.if_else(pc.is_null(arr), null, enc) if arr.null_count else enc
    if pa.types.is_floating(t):
        vals = pc.fill_null(arr, 0.0).to_numpy(zero_copy_only=False).astype("<f8")
        bad = ~np.isfinite(vals)
        enc = _fixed(BI_DOUBLE, vals, "<f8")
        mask = pa.array(bad) if not arr.null_count else pc.or_(pc.is_null(arr), pa.array(bad))
        return pc.if_else(mask, null, enc) if arr.null_count or bad.any() else enc
    if (pa.types.is_list(t) or pa.types.is_large_list(t)) and (
            pa.types.is_string(t.value_type) or pa.types.is_large_string(t.value_type)):
        lengths = pc.fill_null(pc.list_value_length(arr), 0).to_numpy(zero_copy_only=False)
        items = encode_arrow(pc.list_flatten(arr))
        offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int32)
        joined = pc.binary_join(pa.ListArray.from_arrays(pa.array(offsets), items), b"")
        enc = pc.binary_join_element_wise(_fixed(BI_ARRAY, lengths, "<i8"), joined, b"")
        return pc.if_else(pc.is_null(arr), null, enc) if arr.null_count else enc
    return pa.array(encode_column(arr.to_pylist()), pa.binary())  # anything else: the Python encoder


def _values(joined: Any) -> bytes:
    """The concatenated bytes of a binary array (its data buffer between the first and last offset)."""
    import numpy as np

    n = len(joined)
    if not n:
        return b""
    offs = np.frombuffer(joined.buffers()[1], dtype=np.int32, count=joined.offset + n + 1)[joined.offset:]
    return joined.buffers()[2].to_pybytes()[offs[0]:offs[-1]] if joined.buffers()[2] is not None else b""


def table_blob(name: str, table: Any, ends: tuple[Any, Any] | None = None) -> bytes:
    """One label's or type's blob from an Arrow table of properties (edges: uint64 endpoint arrays first)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    cols = [encode_arrow(table.column(p)) for p in table.column_names]
    if ends is not None:
        n = table.num_rows
        buf = np.empty((n, 2), dtype="<u8")
        buf[:, 0], buf[:, 1] = ends
        cols.insert(0, pa.FixedSizeBinaryArray.from_buffers(pa.binary(16), n, [None, pa.py_buffer(buf)])
                    .cast(pa.binary()))
    body = _values(pc.binary_join_element_wise(*cols, b"")) if cols else b""
    return header(name, table.column_names) + body


def table_commands(node_sets: Iterable[tuple[str, Any]], edge_sets: Iterable[tuple[str, Any, Any, Any]],
                   max_bytes: int = MAX_COMMAND_BYTES, chunk: int = CHUNK, flush_each_set: bool = False,
                   ) -> Iterator[Command]:
    """Like ``commands``, from Arrow tables: (label, table) and (type, table, src ids, dst ids).

    Nodes and relationships go in separate commands (every node is made before the first relationship
    refers to it); blobs are encoded lazily, one chunk at a time, so ``prefetch`` can overlap them.
    The sets may be lazy iterators that wait for a plan still being prepared: ``flush_each_set`` then
    ends a command with each set, so what is ready is sent without waiting for the next set."""
    def node_blobs() -> Iterator[tuple[bytes, int] | None]:
        for label, table in node_sets:
            for i in range(0, table.num_rows, chunk):
                part = table.slice(i, chunk)
                yield table_blob(label, part), part.num_rows
            if flush_each_set:
                yield None

    def edge_blobs() -> Iterator[tuple[bytes, int] | None]:
        for rtype, table, src, dst in edge_sets:
            for i in range(0, table.num_rows, chunk):
                part = table.slice(i, chunk)
                yield table_blob(rtype, part, (src[i:i + chunk], dst[i:i + chunk])), part.num_rows

    yield from _packed(node_blobs(), edges=False, max_bytes=max_bytes)
    yield from _packed(edge_blobs(), edges=True, max_bytes=max_bytes)


def _packed(blobs: Iterator[tuple[bytes, int] | None], edges: bool, max_bytes: int) -> Iterator[Command]:
    """Blobs of one kind packed into commands of at most ``max_bytes`` (a bigger blob goes alone);
    a ``None`` ends the current command."""
    cmd = Command()
    for item in blobs:
        if item is None:
            if cmd.size:
                yield cmd
                cmd = Command()
            continue
        blob, n = item
        if cmd.size and cmd.size + len(blob) > max_bytes:
            yield cmd
            cmd = Command()
        if edges:
            cmd.types.append(blob)
            cmd.edges += n
        else:
            cmd.labels.append(blob)
            cmd.nodes += n
        cmd.size += len(blob)
    if cmd.size:
        yield cmd


def prefetch(items: Iterator[Any], depth: int = 1) -> Iterator[Any]:
    """Yield ``items`` while a thread makes the next ones: encoding the next command (Arrow kernels
    release the GIL) overlaps the server building the current one. Stops the thread if abandoned."""
    import queue
    import threading

    q: queue.Queue[tuple[bool, Any]] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def work() -> None:
        try:
            for item in items:
                while not stop.is_set():
                    try:
                        q.put((True, item), timeout=0.2)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            q.put((False, None))
        except BaseException as e:  # noqa: BLE001 - handed to the consumer
            q.put((False, e))

    t = threading.Thread(target=work, name="bulk-encode", daemon=True)
    t.start()
    try:
        while True:
            ok, item = q.get()
            if not ok:
                if item is not None:
                    raise item
                return
            yield item
    finally:
        stop.set()
