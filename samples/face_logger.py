"""gvapython class with ``kwarg``: logs every frame's faces to a file.

DL Streamer's documentation shows ``gvapython`` with a class whose constructor takes the element's
``kwarg`` (a JSON object) as keyword arguments; this is that flow, after the face detector and its
decoder (``face_detection_decoder.py``)::

    eval "$(cargo xtask env)"
    gst-launch-1.0 filesrc location=target/assets/carphone_pristine.mp4 ! decodebin \\
        ! videoconvert ! video/x-raw,format=BGRx \\
        ! gvainference model=target/assets/face_detection_short_range.tflite \\
            model-proc=samples/model_procs/face_detection_short_range.json \\
        ! gvapython module=samples/face_detection_decoder.py \\
        ! gvapython module=samples/face_logger.py class=FaceLogger \\
            kwarg='{"log_file": "faces.log", "min_confidence": 0.6}' \\
        ! fakesink

One line per frame, for example::

    frame=0 faces=1 face=61,47,56,46@0.88

(``face=x,y,w,h@confidence`` in pixels, once per face above ``min_confidence``.) The class is
instantiated once when the pipeline starts; the file is flushed after every frame, so it can be
followed with ``tail -f`` while the pipeline runs.
"""

from __future__ import annotations


class FaceLogger:
    """Writes one line per frame to ``log_file`` (truncated at start)."""

    def __init__(
        self, log_file: str, min_confidence: float = 0.0, label: str = "face"
    ) -> None:
        self.min_confidence = float(min_confidence)
        self.label = label
        self.frames = 0
        self.log = open(log_file, "w", encoding="utf-8")  # noqa: SIM115 (open while the element lives)

    def process_frame(self, frame) -> bool:
        faces = [
            region
            for region in frame.regions()
            if region.label() == self.label
            and (region.confidence() or 0.0) >= self.min_confidence
        ]
        fields = [f"frame={self.frames}", f"faces={len(faces)}"]
        for region in faces:
            x, y, w, h = region.rect()
            fields.append(f"{self.label}={x},{y},{w},{h}@{region.confidence():.2f}")
        self.log.write(" ".join(fields) + "\n")
        self.log.flush()
        self.frames += 1
        return True
