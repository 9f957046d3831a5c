"""The ``gvapython`` chain of the soak check: ``write`` adds metadata to every frame, ``read``
(the next element) reads all of it back and checks it, so both directions of the frame API run
on every frame."""

from __future__ import annotations

import json

from gstgva import VideoFrame


def write(frame: VideoFrame) -> bool:
    n = frame.video_info().width  # a value the reader can recompute
    for i in range(4):
        roi = frame.add_region(10 * i, 20, 30, 40, label=f"object{i}", confidence=0.5)
        tensor = roi.add_tensor("classification")
        tensor.set_label(f"class{i}")
        tensor["score"] = i / 4
    frame.add_tensor()["width"] = n
    frame.add_message(json.dumps({"frame": n}))
    return True


def read(frame: VideoFrame) -> bool:
    n = frame.video_info().width
    seen = [
        (
            r.label(),
            tuple(r.rect()),
            [
                (t.label(), t["score"])
                for t in r.tensors()
                if t.name() == "classification"
            ],
        )
        for r in frame.regions()
    ]
    expected = [
        (f"object{i}", (10 * i, 20, 30, 40), [(f"class{i}", i / 4)]) for i in range(4)
    ]
    assert seen == expected, seen
    assert [t["width"] for t in frame.tensors()] == [n]
    assert [str(m) for m in frame.messages()] == [json.dumps({"frame": n})]
    return True
