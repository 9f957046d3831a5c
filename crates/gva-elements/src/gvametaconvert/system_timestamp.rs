//! `system_timestamp`: the wall-clock time of a buffer's `GstVideoTimeCodeMeta`.

use gst_video::VideoTimeCodeMeta;

use super::imp::CAT;

/// The time of the buffer's time code as DL Streamer writes it, or `None` without a time code
/// (or one without a date, whose time GStreamer cannot tell).
///
/// `2024-05-06T07:08:09.123Z` in UTC, otherwise the time code's own zone written as DL
/// Streamer does, `2024-05-06T07:08:09.123:+0200` (its `"%S.%f:%z"` format); microseconds
/// (`.123456`) when `microseconds`. Milliseconds are truncated, not rounded, as in DL Streamer.
pub fn system_timestamp(buffer: &gst::BufferRef, utc: bool, microseconds: bool) -> Option<String> {
    let meta = buffer.meta::<VideoTimeCodeMeta>()?;
    let time = match meta.tc().to_date_time() {
        Ok(time) => time,
        Err(e) => {
            gst::debug!(CAT, "time code {}: {e}", meta.tc());
            return None;
        }
    };
    let time = if utc {
        match time.to_utc() {
            Ok(time) => time,
            Err(e) => {
                gst::warning!(CAT, "failed to convert the time code to UTC: {e}");
                return None;
            }
        }
    } else {
        time
    };
    let format = if utc {
        "%Y-%m-%dT%H:%M:%S.%fZ"
    } else {
        "%Y-%m-%dT%H:%M:%S.%f:%z"
    };
    let text = time.format(format).ok()?;
    if microseconds {
        return Some(text.into());
    }
    // Keep the first 3 of the 6 digits of `%f`.
    let dot = text.rfind('.')?;
    let (head, tail) = (text.get(..dot + 4)?, text.get(dot + 7..)?);
    Some(format!("{head}{tail}"))
}
