"""gvapython class after ``gvatrack``: counts distinct objects by ``object_id()`` and logs when
each appears and leaves.

The analytics ``gvapython`` is for: a tracker gives each object one id for as long as it is
seen, so counting objects is counting ids. After any detector (here the demo's face detector
and its decoder)::

    eval "$(cargo xtask env)"
    gst-launch-1.0 filesrc location=target/assets/carphone_pristine.mp4 ! decodebin \\
        ! videoconvert ! video/x-raw,format=BGRx \\
        ! gvainference model=target/assets/face_detection_short_range.tflite \\
            model-proc=samples/model_procs/face_detection_short_range.json \\
        ! gvapython module=samples/face_detection_decoder.py \\
        ! gvatrack \\
        ! gvapython module=samples/object_counter.py class=ObjectCounter \\
            kwarg='{"log_file": "objects.log", "leave_after": 15}' \\
        ! fakesink

The log (truncated at start, flushed after every line), e.g. for three objects::

    frame 0: object 1 (thing) appears at 10,20 30x30; 1 so far
    frame 5: object 2 (thing) appears at 190,100 30x30; 2 so far
    frame 24: object 1 (thing) left after frame 19, seen on 20 frames
    frame 25: object 3 (thing) appears at 100,150 30x30; 3 so far

An object "leaves" when its id has not been seen for ``leave_after`` frames: a tracker keeps an
id through a brief occlusion, so a short gap is not a departure; an id seen again after it left
"comes back" and is not counted twice. Objects still in view when the
stream ends get no "left" line (``gvapython`` calls the function per frame only, as DL
Streamer's does: there is no end-of-stream call). ``label`` restricts the count to one label.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Seen:
    """What the counter knows of one object."""

    label: str
    first: int
    last: int
    frames: int = 1


class ObjectCounter:
    """Counts the distinct ``object_id()`` of the regions it sees."""

    def __init__(
        self, log_file: str, leave_after: int = 15, label: str | None = None
    ) -> None:
        if int(leave_after) < 1:
            raise ValueError(f"leave_after must be 1 or more, not {leave_after}")
        self.leave_after = int(leave_after)
        self.label = label
        self.frame = 0
        self.counted: set[int] = set()
        self.in_view: dict[int, Seen] = {}
        self.log = open(log_file, "w", encoding="utf-8")  # noqa: SIM115 (open while the element lives)

    def write(self, line: str) -> None:
        self.log.write(line + "\n")
        self.log.flush()

    def process_frame(self, frame) -> bool:
        for region in frame.regions():
            object_id = region.object_id()
            if object_id is None or (self.label and region.label() != self.label):
                continue
            seen = self.in_view.get(object_id)
            if seen is None:
                x, y, w, h = region.rect()
                label = region.label() or "object"
                self.in_view[object_id] = Seen(label, self.frame, self.frame)
                event = "comes back" if object_id in self.counted else "appears"
                self.counted.add(object_id)
                self.write(
                    f"frame {self.frame}: object {object_id} ({label}) {event} at "
                    f"{x},{y} {w}x{h}; {self.total} so far"
                )
            elif seen.last != self.frame:
                seen.last = self.frame
                seen.frames += 1
        for object_id, seen in list(self.in_view.items()):
            if self.frame - seen.last >= self.leave_after:
                self.leave(object_id, f"frame {self.frame}")
        self.frame += 1
        return True

    @property
    def total(self) -> int:
        """Distinct objects seen so far."""
        return len(self.counted)

    def leave(self, object_id: int, when: str) -> None:
        seen = self.in_view.pop(object_id)
        self.write(
            f"{when}: object {object_id} ({seen.label}) left after frame {seen.last}, "
            f"seen on {seen.frames} frames"
        )
