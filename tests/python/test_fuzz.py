"""Randomized API call sequences on real Gst.Buffers (hypothesis, stateful).

A ``RuleBasedStateMachine`` drives gstgva the way a careless user might: regions with random,
negative, huge and NaN coordinates; removals of live, removed and other buffers' regions;
messages added and removed (stale ones too); frame and region tensors written with random keys
and values; every getter on live and dead handles; several frames over one buffer, some through
a second ``Gst.Buffer`` wrapper or a ``Gst.Sample`` that makes the buffer shared; ``data()``
READ/WRITE maps (slices kept past the block); frames, buffers and handles dropped and
``gc.collect()``. It also keeps a model of what each buffer carries and
checks, on every call:

* only the documented exceptions happen (``RuntimeError`` incl. ``ExpiredError``,
  ``ValueError``, ``TypeError``, ``KeyError``; ``OverflowError`` only for an int argument out of
  its C range);
* a handle raises ``ExpiredError`` exactly when its meta was removed, never while it is live;
* a write succeeds exactly when the buffer is writable (nobody else holds it) and otherwise
  raises ``RuntimeError("... not writable ...")``;
* values read back are the values written; ``regions()``/``messages()`` match the model;
  ``Tensor.data()`` arrays keep their values after everything they came from is gone.

The machine runs in a subprocess (``python test_fuzz.py --run``): a crash shows as a negative
return code. The subprocess prints the number of API calls it made.
"""

import math
import os
import re
import subprocess
import sys

KNOWN_CRITICALS: list[str] = []

WIDTHS = [1, 2, 16, 320, 1920]
HEIGHTS = [1, 3, 240, 1080]


def machine_main(max_examples, steps):
    import collections
    import ctypes
    import gc
    import warnings

    import gi

    gi.require_version("Gst", "1.0")
    gi.require_version("GstVideo", "1.0")
    import gstgva
    import numpy as np
    from gi.repository import Gst, GstVideo
    from gstgva import ExpiredError, Tensor, VideoFrame
    from hypothesis import HealthCheck, settings
    from hypothesis import strategies as st
    from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

    Gst.init(None)
    warnings.simplefilter("ignore")  # add_region's clipping warnings

    ALLOWED = (RuntimeError, ValueError, TypeError, KeyError)
    calls = [0]
    outcomes = collections.Counter()

    def refcount(addr):
        return ctypes.c_int.from_address(addr + 8).value

    class Buf:
        """A buffer under test and the model of what it carries."""

        def __init__(self, width, height):
            self.width, self.height = width, height
            self.caps = Gst.Caps.from_string(
                f"video/x-raw,format=BGRx,width={width},height={height},framerate=30/1"
            )
            size = width * height * 4  # data() needs the full frame; metadata doesn't
            self.buffer = Gst.Buffer.new_allocate(
                None, size if size <= 320 * 240 * 4 else 64, None
            )
            self.addr = hash(self.buffer)
            self.regions = set()  # live region ids
            self.messages = {}  # live message id -> text

        def writable(self):
            # Only called while a frame or handle of this buffer is referenced: the buffer lives.
            return refcount(self.addr) == 1

    FAIL = object()

    def attempt(fn, *args, dead=False, write=None, extra=(), **kwargs):
        """Calls fn; checks the outcome against liveness and writability; FAIL on an error."""
        calls[0] += 1
        try:
            result = fn(*args, **kwargs)
        except ExpiredError as e:
            assert dead, f"{fn!r}: a live handle raised {e!r}"
            assert "no longer valid" in str(e)
            outcomes["expired"] += 1
            return FAIL
        except ALLOWED + tuple(extra) as e:
            if isinstance(e, RuntimeError) and (
                "not writable" in str(e) or "needs a writable" in str(e)
            ):
                assert write is not None, f"{fn!r}: a read raised {e!r}"
                assert not write.writable(), f"{fn!r}: refused on a writable buffer"
                outcomes["not writable"] += 1
            else:
                outcomes[type(e).__name__] += 1
            return FAIL
        assert not dead, f"{fn!r}: succeeded on a dead handle"
        if write is not None:
            assert write.writable(), f"{fn!r}: wrote to a shared buffer"
        outcomes["ok write" if write is not None else "ok"] += 1
        return result

    def same(a, b):
        if (
            isinstance(a, float)
            and isinstance(b, float)
            and math.isnan(a)
            and math.isnan(b)
        ):
            return True
        if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
            return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
        return type(a) is type(b) and a == b

    def expected_back(key, value):
        """What t[key] reads after t[key] = value succeeded."""
        if key == "dims" and isinstance(value, bytes):
            return value  # stored as bytes, read back as written: see test_dims_bytes_read_back_as_written
        if isinstance(value, (list, tuple)):
            items = list(value)
            numbers = [
                v
                for v in items
                if isinstance(v, (int, float)) and not isinstance(v, bool)
            ]
            if len(numbers) == len(items) and any(isinstance(v, float) for v in items):
                return [float(v) for v in items]  # int and float items: a double array
            if (
                key == "dims"
                and all(type(v) in (int, bool) for v in items)
                and all(0 <= v < 2**32 for v in items)
            ):
                return [int(v) for v in items]  # dims: array of uint
            return items
        return value

    coords = st.one_of(
        st.integers(-400, 2000),
        st.floats(-2.0, 2.0),
        st.sampled_from(
            [0, 1, -1, 319, 320, 1919, 1920, 2**31, -(2**31), 2**63, 10**20, 2**70]
        ),
        st.floats(allow_nan=True, allow_infinity=True),
    )
    labels = st.one_of(
        st.sampled_from(["", "car", "person", "a\x00b", "дом"]), st.text(max_size=6)
    )
    confidences = st.one_of(
        st.floats(0, 1), st.floats(allow_nan=True, allow_infinity=True)
    )
    extras = st.one_of(
        st.none(),
        st.dictionaries(
            st.text(max_size=3),
            st.integers() | st.floats() | st.text(max_size=3),
            max_size=3,
        ),
        st.sampled_from([[1, 2], "s", object(), {"n": float("nan")}]),
    )
    scalar_values = st.one_of(
        st.integers(-(2**66), 2**66),
        st.booleans(),
        st.floats(allow_nan=True, allow_infinity=True),
        st.text(max_size=8),
        st.binary(max_size=16),
    )
    values = st.one_of(
        scalar_values,
        st.lists(
            scalar_values, max_size=4
        ),  # mixed types: TypeError, int+float: floats
        st.lists(st.integers(-(2**31), 2**31 - 1), max_size=4),
        st.lists(st.floats(allow_nan=False), max_size=4),
        st.lists(st.text(max_size=3), max_size=3),
        st.lists(st.lists(st.integers(0, 9), max_size=3), max_size=3).map(tuple),
        st.sampled_from([None, {"a": 1}, bytearray(b"x"), object(), 1j]),
    )
    keys = st.one_of(
        st.sampled_from(
            [
                "confidence",
                "label",
                "label_id",
                "precision",
                "layout",
                "dims",
                "data_buffer",
                "x",
                "model_name",
                "layer_name",
                "element_id",
                "format",
                "type",
                "object_id",
                "x_min",
                "extra_params_json",
            ]
        ),
        st.text(max_size=5),
    )
    precisions = st.sampled_from([int(p) for p in Tensor.PRECISION] + [0, 999, -1])
    names = st.one_of(
        st.sampled_from(
            ["detection", "classification", "meta", "a:b", "1bad", "", "x y"]
        ),
        st.text(max_size=5),
    )
    pick = st.integers(0, 2**16)

    class GvaMachine(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            self.bufs = []  # Buf
            self.frames = []  # (frame, buf, has_info)
            self.regions = []  # (roi, buf, region_id)
            self.tensors = []  # (tensor, buf, region_id | None)
            self.messages = []  # (message, buf, id)
            self.arrays = []  # (array, expected copy)
            self.pins = []  # Gst.Sample / extra wrappers keeping a buffer shared
            self.views = []  # slices of data() arrays taken inside the with block

        # ---- helpers ----

        def _pick(self, seq, i):
            return seq[i % len(seq)] if seq else None

        def _region_dead(self, buf, rid):
            return rid not in buf.regions

        def _tensor_dead(self, buf, rid):
            return rid is not None and rid not in buf.regions

        def _adopt_region(self, roi, buf):
            rid = attempt(roi.region_id)
            assert rid is not FAIL
            self.regions.append((roi, buf, rid))
            return rid

        # ---- buffers and frames ----

        @initialize(w=st.sampled_from(WIDTHS), h=st.sampled_from(HEIGHTS))
        def first(self, w, h):
            self.new_buffer(w, h)

        @rule(w=st.sampled_from(WIDTHS), h=st.sampled_from(HEIGHTS))
        def new_buffer(self, w, h):
            buf = Buf(w, h)
            self.bufs.append(buf)
            frame = attempt(VideoFrame, buf.buffer, caps=buf.caps)
            assert frame is not FAIL
            self.frames.append((frame, buf, True))

        @rule(
            i=pick,
            how=st.sampled_from(
                ["caps", "video_info", "positional_info", "second_wrapper", "no_info"]
            ),
        )
        def new_frame(self, i, how):
            buf = self._pick([b for b in self.bufs if b.buffer is not None], i)
            if buf is None:
                return
            buffer, kwargs = buf.buffer, {"caps": buf.caps}
            if how == "video_info":
                kwargs = {"video_info": GstVideo.VideoInfo.new_from_caps(buf.caps)}
            elif how == "positional_info":
                kwargs = {}
                frame = attempt(
                    VideoFrame, buffer, GstVideo.VideoInfo.new_from_caps(buf.caps)
                )
                assert frame is not FAIL
                self.frames.append((frame, buf, True))
                return
            elif (
                how == "second_wrapper"
            ):  # another Gst.Buffer object: the buffer becomes shared
                sample = Gst.Sample.new(buffer, buf.caps, None, None)
                buffer = sample.get_buffer()
                assert hash(buffer) == buf.addr
            elif how == "no_info":
                kwargs = {}
            frame = attempt(VideoFrame, buffer, **kwargs)
            assert frame is not FAIL
            self.frames.append((frame, buf, how != "no_info"))

        @rule(i=pick)
        def bad_frames(self, i):
            buf = self._pick([b for b in self.bufs if b.buffer is not None], i)
            for args, kwargs in [
                ((None,), {}),
                (
                    (buf.buffer if buf else None,),
                    {"caps": Gst.Caps.from_string("video/x-raw")},
                ),
                (
                    (buf.buffer if buf else None,),
                    # neither VideoInfo nor Caps (Caps there are DL Streamer's documented form)
                    {"video_info": buf.caps.to_string() if buf else 1},
                ),
                ((object(),), {}),
            ]:
                assert attempt(VideoFrame, *args, **kwargs) is FAIL

        @rule(i=pick)
        def pin(self, i):
            buf = self._pick([b for b in self.bufs if b.buffer is not None], i)
            if buf is not None:
                self.pins.append(Gst.Sample.new(buf.buffer, buf.caps, None, None))

        @rule(i=pick)
        def unpin(self, i):
            if self.pins:
                del self.pins[i % len(self.pins)]

        @rule(i=pick)
        def drop_buffer(self, i):
            buf = self._pick(self.bufs, i)
            if buf is not None:
                buf.buffer = None  # only frames and handles hold it now

        @rule(
            i=pick,
            what=st.sampled_from(
                ["frames", "regions", "tensors", "messages", "arrays", "views"]
            ),
            all_=st.booleans(),
        )
        def drop(self, i, what, all_):
            seq = getattr(self, what)
            if all_:
                seq.clear()
            elif seq:
                del seq[i % len(seq)]

        @rule(full=st.booleans())
        def collect(self, full):
            gc.collect() if full else gc.collect(0)

        # ---- frames ----

        @rule(
            i=pick,
            x=coords,
            y=coords,
            w=coords,
            h=coords,
            label=labels,
            confidence=confidences,
            normalized=st.booleans(),
            extra=extras,
        )
        def add_region(self, i, x, y, w, h, label, confidence, normalized, extra):
            entry = self._pick(self.frames, i)
            if entry is None:
                return
            frame, buf, has_info = entry
            roi = attempt(
                frame.add_region,
                x,
                y,
                w,
                h,
                label=label,
                confidence=confidence,
                normalized=normalized,
                extra_params=extra,
                write=buf,
                extra=(OverflowError,),
            )
            if roi is FAIL:
                return
            assert has_info
            rid = self._adopt_region(roi, buf)
            buf.regions.add(rid)
            r = roi.rect()
            assert (
                0 <= r.x <= buf.width
                and 0 <= r.y <= buf.height
                and r.w >= 0
                and r.h >= 0
            ), r
            assert r.x + r.w <= buf.width and r.y + r.h <= buf.height, (
                r,
                buf.width,
                buf.height,
            )
            n = roi.normalized_rect()
            assert (
                all(0.0 <= v <= 1.0 for v in n)
                and n.x + n.w <= 1.0 + 1e-9
                and n.y + n.h <= 1.0 + 1e-9
            ), n
            assert roi.label() == label and roi.confidence() == confidence
            calls[0] += 4

        @rule(i=pick, j=pick, same_buffer=st.booleans())
        def remove_region(self, i, j, same_buffer):
            entry = self._pick(self.frames, i)
            if entry is None:
                return
            frame, buf, _ = entry
            candidates = (
                [r for r in self.regions if r[1] is buf]
                if same_buffer
                else self.regions
            )
            target = self._pick(candidates, j)
            if target is None:
                return
            roi, rbuf, rid = target
            dead = self._region_dead(rbuf, rid)
            result = attempt(frame.remove_region, roi, dead=dead, write=buf)
            if result is not FAIL:
                assert rbuf is buf, "removed a region of another buffer"
                buf.regions.discard(rid)
                # Every handle on the removed region, and on its tensors, is expired now.
                for other, _, other_rid in self.regions:
                    if other_rid == rid:
                        attempt(other.rect, dead=True)
                        attempt(other.set_object_id, 1, dead=True, write=buf)
                for t, _, t_rid in self.tensors:
                    if t_rid == rid:
                        attempt(t.name, dead=True)
                        attempt(t.__setitem__, "x", 1, dead=True, write=buf)

        @rule(i=pick, text=st.text(max_size=10))
        def add_message(self, i, text):
            entry = self._pick(self.frames, i)
            if entry is None:
                return
            frame, buf, _ = entry
            if attempt(frame.add_message, text, write=buf) is FAIL:
                return
            messages = attempt(frame.messages)
            added = [m for m in messages if m._gva_id not in buf.messages]
            assert [str(m) for m in added] == [text], (added, text)
            buf.messages[added[0]._gva_id] = text
            self.messages.append((added[0], buf, added[0]._gva_id))

        @rule(i=pick, j=pick, kind=st.sampled_from(["model", "str", "none"]))
        def remove_message(self, i, j, kind):
            entry = self._pick(self.frames, i)
            if entry is None:
                return
            frame, buf, _ = entry
            if kind == "model" and self.messages:
                message, mbuf, mid = self._pick(self.messages, j)
            else:
                message, mbuf, mid = ("text" if kind == "str" else None), None, None
            result = attempt(frame.remove_message, message, write=buf)
            if result is not FAIL:
                assert mbuf is buf and mid in buf.messages, (
                    "removed a message that is not on the buffer"
                )
                del buf.messages[mid]

        @rule(i=pick)
        def add_frame_tensor(self, i):
            entry = self._pick(self.frames, i)
            if entry is None:
                return
            frame, buf, _ = entry
            t = attempt(frame.add_tensor, write=buf)
            if t is not FAIL:
                self.tensors.append((t, buf, None))

        @rule(i=pick)
        def read_frame(self, i):
            entry = self._pick(self.frames, i)
            if entry is None:
                return
            frame, buf, has_info = entry
            regions = list(attempt(frame.regions))
            assert sorted(attempt(r.region_id) for r in regions) == sorted(buf.regions)
            for r in regions[:3]:
                self._adopt_region(r, buf)
            messages = attempt(frame.messages)
            assert sorted(m._gva_id for m in messages) == sorted(buf.messages)
            assert all(str(m) == buf.messages[m._gva_id] for m in messages)
            self.messages.extend((m, buf, m._gva_id) for m in messages[:2])
            tensors = list(attempt(frame.tensors))
            self.tensors.extend((t, buf, None) for t in tensors[:2])
            info = attempt(frame.video_info)
            assert (info is None) == (not has_info)
            if info is not None:
                assert (info.width, info.height) == (buf.width, buf.height)
            attempt(frame.video_meta)
            attempt(repr, frame)

        @rule(i=pick, write=st.booleans(), keep=st.booleans())
        def map_data(self, i, write, keep):
            entry = self._pick(self.frames, i)
            if entry is None:
                return
            frame, buf, has_info = entry
            flag = Gst.MapFlags.WRITE if write else Gst.MapFlags.READ

            def use():
                with frame.data(flag) as array:
                    assert array.flags.writeable == write
                    if array.size:
                        int(array[0, 0, 0])
                        if write:
                            array[0, 0, 0] = 5
                    view = array[:1]
                assert not array.flags.writeable and array.size == 0
                return view

            view = attempt(use, write=buf if write else None)
            if view is not FAIL:
                assert has_info
                if keep:
                    self.views.append(view)
            for v in self.views[-2:]:
                v.sum()

        # ---- regions ----

        @rule(i=pick)
        def read_region(self, i):
            for k in range(3):
                target = self._pick(self.regions, i + k * 7919)
                if target is not None:
                    self._read_region(*target)

        def _read_region(self, roi, buf, rid):
            dead = self._region_dead(buf, rid)
            for name in (
                "rect",
                "normalized_rect",
                "label",
                "label_id",
                "confidence",
                "object_id",
                "parent_id",
                "meta",
            ):
                attempt(getattr(roi, name), dead=dead)
            got = attempt(roi.region_id, dead=dead)
            assert got is FAIL or got == rid
            attempt(repr, roi, dead=dead)
            tensors = attempt(roi.tensors, dead=dead)
            if tensors is not FAIL:
                tensors = list(tensors)  # an iterator, read twice here
                for t in tensors[:3]:
                    self.tensors.append((t, buf, rid))
            # detection() creates the "detection" param when there is none (DL Streamer's side
            # effect): a write then, a read otherwise.
            found = tensors is not FAIL and any(t.is_detection() for t in tensors)
            detection = attempt(roi.detection, dead=dead, write=None if found else buf)
            if detection is not FAIL:
                self.tensors.append((detection, buf, rid))

        @rule(
            i=pick,
            value=st.one_of(
                st.integers(-(2**31), 2**31 - 1), st.integers(), st.floats(), st.none()
            ),
        )
        def set_object_id(self, i, value):
            target = self._pick(self.regions, i)
            if target is None:
                return
            roi, buf, rid = target
            dead = self._region_dead(buf, rid)
            if (
                attempt(
                    roi.set_object_id,
                    value,
                    dead=dead,
                    write=buf,
                    extra=(OverflowError,),
                )
                is not FAIL
            ):
                assert roi.object_id() == value
                calls[0] += 1

        @rule(i=pick, j=pick, name=names, copy=st.booleans())
        def region_add_tensor(self, i, j, name, copy):
            target = self._pick(self.regions, i)
            if target is None:
                return
            roi, buf, rid = target
            dead = self._region_dead(buf, rid)
            source = self._pick(self.tensors, j) if copy else None
            if source is not None and self._tensor_dead(source[1], source[2]):
                dead = True  # reading a dead source raises ExpiredError too
            kwargs = {"tensor": source[0]} if source is not None else {}
            t = attempt(roi.add_tensor, name, dead=dead, write=buf, **kwargs)
            if t is not FAIL:
                self.tensors.append((t, buf, rid))

        # ---- tensors ----

        @rule(i=pick, key=keys, value=values)
        def set_item(self, i, key, value):
            target = self._pick(self.tensors, i)
            if target is None:
                return
            t, buf, rid = target
            dead = self._tensor_dead(buf, rid)
            if attempt(t.__setitem__, key, value, dead=dead, write=buf) is FAIL:
                return
            got = t[key]
            calls[0] += 1
            assert same(got, expected_back(key, value)), (key, value, got)

        @rule(
            i=pick,
            precision=precisions,
            data=st.binary(max_size=64),
            with_dims=st.booleans(),
        )
        def set_blob(self, i, precision, data, with_dims):
            target = self._pick(self.tensors, i)
            if target is None:
                return
            t, buf, rid = target
            dead = self._tensor_dead(buf, rid)
            if (
                attempt(t.__setitem__, "precision", precision, dead=dead, write=buf)
                is FAIL
            ):
                return
            attempt(t.__setitem__, "data_buffer", data, write=buf)
            if with_dims:
                attempt(t.__setitem__, "dims", [1, len(data)], write=buf)
            array = attempt(t.data)
            if array is not FAIL and array is not None:
                assert not array.flags.writeable
                self.arrays.append((array, array.copy()))

        @rule(i=pick, key=keys)
        def del_item(self, i, key):
            target = self._pick(self.tensors, i)
            if target is None:
                return
            t, buf, rid = target
            dead = self._tensor_dead(buf, rid)
            if attempt(t.__delitem__, key, dead=dead, write=buf) is not FAIL:
                assert not attempt(t.has_field, key)

        @rule(i=pick, name=names, label=labels)
        def rename(self, i, name, label):
            target = self._pick(self.tensors, i)
            if target is None:
                return
            t, buf, rid = target
            dead = self._tensor_dead(buf, rid)
            if attempt(t.set_name, name, dead=dead, write=buf) is not FAIL:
                assert t.name() == name
            if attempt(t.set_label, label, dead=dead, write=buf) is not FAIL:
                assert t.label() == label

        @rule(i=pick, key=keys)
        def read_tensor(self, i, key):
            for k in range(3):
                target = self._pick(self.tensors, i + k * 7919)
                if target is not None:
                    self._read_tensor(key, *target)

        def _read_tensor(self, key, t, buf, rid):
            dead = self._tensor_dead(buf, rid)
            for name in (
                "name",
                "label",
                "confidence",
                "label_id",
                "object_id",
                "model_name",
                "layer_name",
                "element_id",
                "format",
                "type",
                "dims",
                "precision",
                "layout",
                "precision_as_string",
                "layout_as_string",
                "fields",
                "is_detection",
            ):
                attempt(getattr(t, name), dead=dead)
            attempt(t.has_field, key, dead=dead)
            attempt(t.__getitem__, key, dead=dead)
            attempt(t.__contains__, key, dead=dead)
            attempt(len, t, dead=dead)
            attempt(list, t, dead=dead)
            attempt(repr, t, dead=dead)
            array = attempt(t.data, dead=dead)
            if array is not FAIL and array is not None:
                self.arrays.append((array, array.copy()))

        # ---- invariants ----

        @invariant()
        def arrays_keep_their_values(self):
            for array, expected in self.arrays[-3:]:
                assert np.array_equal(
                    array, expected, equal_nan=array.dtype.kind in "fc"
                )

        def teardown(self):
            self.views.clear()
            self.pins.clear()
            self.arrays.clear()
            self.tensors.clear()
            self.regions.clear()
            self.messages.clear()
            self.frames.clear()
            self.bufs.clear()

    from hypothesis.stateful import run_state_machine_as_test

    run_state_machine_as_test(
        GvaMachine,
        settings=settings(
            max_examples=max_examples,
            stateful_step_count=steps,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        ),
    )
    gc.collect()
    assert isinstance(gstgva.ExpiredError, type)
    print("OUTCOMES", dict(outcomes.most_common()), flush=True)
    print(f"CALLS {calls[0]}", flush=True)


def test_random_api_sequences_never_crash(tmp_path):
    env = dict(
        os.environ,
        PYTHONFAULTHANDLER="1",
        MALLOC_PERTURB_="165",  # freed memory poisoned, not still plausible
        G_SLICE="always-malloc",
        GVA_FUZZ_EXAMPLES="300",
        GVA_FUZZ_STEPS="40",
    )
    out = subprocess.run(
        [sys.executable, os.path.abspath(__file__), "--run"],
        check=False,
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
        env=env,
    )
    assert out.returncode == 0, (
        f"returncode {out.returncode} (negative = killed by a signal)\n{out.stdout[-3000:]}\n{out.stderr[-6000:]}"
    )
    match = re.search(r"^CALLS (\d+)$", out.stdout, re.MULTILINE)
    assert match, out.stdout
    assert int(match.group(1)) > 2000, match.group(0)
    unknown = [
        line
        for line in out.stderr.splitlines()
        if "CRITICAL" in line and not any(k in line for k in KNOWN_CRITICALS)
    ]
    assert unknown == [], unknown[:5]


# ---- bugs the fuzzing found, pinned down ----


def run_on_a_tensor(body: str) -> subprocess.CompletedProcess[str]:
    """Runs ``body`` in a fresh interpreter where ``t`` is a new tensor of a 4x4 BGRx frame
    (``np``, ``gstgva``, ``Gst`` imported)."""
    code = (
        """import gi
gi.require_version("Gst", "1.0")
from gi.repository import Gst
Gst.init(None)
import numpy as np
import gstgva
b = Gst.Buffer.new_allocate(None, 64, None)
f = gstgva.VideoFrame(b, caps=Gst.Caps.from_string("video/x-raw,format=BGRx,width=4,height=4"))
t = f.add_tensor()
"""
        + body
    )
    return subprocess.run(
        [sys.executable, "-c", code],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
    )


# Found against 368973b (mixed lists were truncated with a GStreamer-CRITICAL); fixed in e79cd1b.
def test_mixed_type_list_is_rejected_not_truncated():
    out = run_on_a_tensor("""
# value -> what t["k"] reads back (item types included), or the exact exception
table = [
    ([1, "a"], TypeError("list items must share one type (GstValueArray): found gint and gchararray")),
    ([True, 1], TypeError("list items must share one type (GstValueArray): found gboolean and gint")),
    ([1.5, 2], [1.5, 2.0]),
]
for value, expected in table:
    if "k" in t:
        del t["k"]
    try:
        t["k"] = value
    except Exception as e:
        assert isinstance(expected, Exception), (value, e)
        assert type(e) is type(expected) and str(e) == str(expected), (value, e)
        assert not t.has_field("k"), value
    else:
        assert not isinstance(expected, Exception), (value, t["k"])
        assert t["k"] == expected and [type(v) for v in t["k"]] == [float, float], (value, t["k"])
print("DONE")
""")
    assert out.returncode == 0, out.stderr
    assert "DONE" in out.stdout
    assert "CRITICAL" not in out.stderr, out.stderr


def test_bf16_tensor_data_is_read_only_like_every_other_precision():
    out = run_on_a_tensor("""
t["data_buffer"] = np.array([1.5, -2.0], dtype=np.float32).view(np.uint16)[1::2].tobytes()
writable = {}
for p in (gstgva.Tensor.PRECISION.U8, gstgva.Tensor.PRECISION.FP16, gstgva.Tensor.PRECISION.BF16):
    t["precision"] = int(p)
    writable[p.name] = t.data().flags.writeable
t["precision"] = int(gstgva.Tensor.PRECISION.BF16)
assert t.data().tolist() == [1.5, -2.0], t.data()
print(writable)
assert not any(writable.values()), writable
print("DONE")
""")
    assert out.returncode == 0, out.stdout + out.stderr
    assert "DONE" in out.stdout


def test_dims_bytes_read_back_as_written():
    """Any value is stored under "dims" as written and reads back through t[...] unchanged;
    the typed getter dims() refuses what is not an array of uint, naming what it found."""
    out = run_on_a_tensor("""
t["other"] = b"ab"
assert t["other"] == b"ab"
# value -> what dims() raises, or None when it reads the value (t["dims"] always reads back
# the value as written)
table = [
    ([1, 2], None),
    (b"ab", "field 'dims' of structure 'meta' holds GVariant, expected an array of uint"),
    ("x", "field 'dims' of structure 'meta' holds gchararray, expected an array of uint"),
    ([1, -2], "field 'dims' of structure 'meta' holds gint, expected an array of uint"),
    ([1.5], "field 'dims' of structure 'meta' holds gdouble, expected an array of uint"),
]
for value, error in table:
    t["dims"] = value
    assert t["dims"] == value and type(t["dims"]) is type(value), (value, t["dims"])
    if error is None:
        assert t.dims() == value, (value, t.dims())
        continue
    try:
        t.dims()
    except TypeError as e:
        assert str(e) == error, (value, e)
    else:
        raise AssertionError(f"dims() read {value!r}")
print("DONE")
""")
    assert out.returncode == 0, out.stdout + out.stderr
    assert "DONE" in out.stdout


if __name__ == "__main__" and "--run" in sys.argv:
    machine_main(
        int(os.environ.get("GVA_FUZZ_EXAMPLES", "300")),
        int(os.environ.get("GVA_FUZZ_STEPS", "40")),
    )
