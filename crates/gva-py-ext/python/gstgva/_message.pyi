"""Type stubs of ``gstgva._message``."""

class GVAJSONMetaStr(str):
    """A message of a frame; ``VideoFrame.remove_message`` recognises it by ``_gva_id``."""

    _gva_id: tuple[int, int]
