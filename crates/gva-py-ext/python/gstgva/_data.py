"""``VideoFrame.data()``: not implemented yet (being built)."""


def frame_data(frame, flag):
    raise NotImplementedError("VideoFrame.data() is not available yet")
