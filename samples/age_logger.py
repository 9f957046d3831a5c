"""gvapython class with ``kwarg``: appends every face's age label to a log file.

DL Streamer's ``face_detection_and_classification`` sample ends its chain (detector, its
post-processing module, an age/gender classifier on every face with
``gvainference inference-region=roi-list``, a module naming the results) with this flow::

    ... ! gvapython module=age_logger.py class=AgeLogger function=log_age \\
            kwarg={"log_file_path":"/tmp/age_log.txt"} ! ...

The element creates ``AgeLogger(log_file_path=...)`` once, calls ``log_age(frame)`` for every
frame, and releases the instance when the element is disposed — ``gst-launch-1.0`` does that
when it exits, an application when it drops its pipeline — so ``__del__`` closes the file then.
The file is written through Python's buffer: what is logged reaches the disk at the latest in
``__del__``.

An age is a region tensor named ``age`` (as DL Streamer's ``age_gender_classification.py`` renames
the ``age_conv3`` output of ``age-gender-recognition-retail-0013``) or still carrying that layer
name; its label is the age. One line per age, in frame order, then region order.
"""

from __future__ import annotations

from collections.abc import Iterator

from gstgva import VideoFrame

AGE_TENSOR = "age"
AGE_LAYER = "age_conv3"


def ages(frame: VideoFrame) -> Iterator[str]:
    """The age labels of the frame's regions."""
    for roi in frame.regions():
        for tensor in roi.tensors():
            if tensor.name() == "detection":
                continue
            if tensor.name() == AGE_TENSOR or tensor.layer_name() == AGE_LAYER:
                yield tensor.label()


class AgeLogger:
    """Appends the ages of every frame to ``log_file_path``."""

    def __init__(self, log_file_path: str) -> None:
        self.log_file = open(log_file_path, "a")  # noqa: SIM115 (closed in __del__)

    def log_age(self, frame: VideoFrame) -> bool:
        self.log_file.writelines(age + "\n" for age in ages(frame))
        return True

    def __del__(self) -> None:
        self.log_file.close()
