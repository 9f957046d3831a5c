//! The `file-path` JSON: a list of per-frame entries in gvametaconvert's shape, read and checked
//! whole at start, so that a mistake anywhere in it stops the pipeline before the first frame,
//! with a message naming the entry, object and key.
//!
//! ```text
//! [{"objects": [{"x": 0, "y": 50, "w": 200, "h": 250}, …]},                       pixels
//!  {"objects": [{"detection": {"bounding_box": {"x_min": 0.1, "y_min": 0.2,       or fractions
//!                                               "x_max": 0.5, "y_max": 0.9},
//!                              "confidence": 0.9, "label": "face", "label_id": 1},
//!                "tensors": [{"name": "landmarks", "format": "landmark_points",
//!                             "data": [0.3, 0.4, …], "dims": [1, 10], …}]}],
//!   "tensors": [ …frame-level tensors… ], "timestamp": 66666666},                 ns, by-timestamp
//!  {}, …]                                                                         nothing on that frame
//! ```
//!
//! The reader takes the keys DL Streamer's does — `x`, `y`, `w`, `h`; `detection` with
//! `bounding_box` (`x_min`…`y_max`), `confidence`, `label`, `label_id`; `timestamp`; `tensors`
//! with `name`, `label`, `format`, `model_name`, `layer_name`, `converter`, `data` (numbers,
//! stored as FP32), `dims`, `point_names`, `point_connections` — plus a tensor's `confidence` and
//! `label_id`, and an object's `roi_type` as its label when it has no `detection.label`; other
//! keys (gvametaconvert writes many) are ignored. A gvametapublish output file (`json`: one
//! array; `json-lines`: one object per line) can be replayed as it is.

use std::collections::HashMap;
use std::path::Path;

use gva_meta::{Precision, Tensor};
use serde_json::{Map, Value};

use super::Mode;

/// A tensor (parameter structure) to attach.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TensorEntry {
    /// The structure name (`name`).
    pub name: Option<String>,
    /// String fields: `label`, `format`, `model_name`, `layer_name`, `converter`.
    pub strings: Vec<(&'static str, String)>,
    /// String array fields: `point_names`, `point_connections`.
    pub string_arrays: Vec<(&'static str, Vec<String>)>,
    /// `data`, stored as FP32 bytes in `data_buffer`.
    pub data: Option<Vec<f32>>,
    /// `dims`.
    pub dims: Option<Vec<u32>>,
    /// `confidence`.
    pub confidence: Option<f64>,
    /// `label_id`.
    pub label_id: Option<i32>,
}

impl TensorEntry {
    /// Sets the name (if any) and fields of this entry on `tensor`: the one way an entry
    /// becomes a structure, used to check the file at start and to attach it.
    pub fn apply(&self, tensor: &mut Tensor) -> Result<(), gva_meta::Error> {
        if let Some(name) = &self.name {
            tensor.set_name(name)?;
        }
        for (key, value) in &self.strings {
            tensor.set_str(key, value)?;
        }
        for (key, values) in &self.string_arrays {
            if let Some(position) = values.iter().find_map(|v| v.find('\0')) {
                return Err(gva_meta::Error::InteriorNul {
                    what: "a string of a tensor's array",
                    position,
                });
            }
            tensor
                .structure_mut()
                .set(*key, gst::Array::new(values.iter().map(String::as_str)));
        }
        if let Some(data) = &self.data {
            let bytes: Vec<u8> = data.iter().flat_map(|f| f.to_ne_bytes()).collect();
            tensor.set_data(&bytes);
            tensor.set_precision(Precision::Fp32);
        }
        if let Some(dims) = &self.dims {
            tensor.set_dims(dims);
        }
        if let Some(confidence) = self.confidence {
            tensor.set_confidence(confidence);
        }
        if let Some(label_id) = self.label_id {
            tensor.set_label_id(label_id);
        }
        Ok(())
    }
}

/// Where an object's region goes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Placement {
    /// `x`, `y`, `w`, `h` in pixels.
    Pixels {
        /// Left edge.
        x: u32,
        /// Top edge.
        y: u32,
        /// Width.
        w: u32,
        /// Height.
        h: u32,
    },
    /// `detection.bounding_box`, fractions of the frame.
    Normalized {
        /// Left edge.
        x_min: f64,
        /// Top edge.
        y_min: f64,
        /// Right edge.
        x_max: f64,
        /// Bottom edge.
        y_max: f64,
    },
}

/// One region to attach.
#[derive(Debug, Clone, PartialEq)]
pub struct ObjectEntry {
    /// Its box.
    pub placement: Placement,
    /// Its label (`detection.label`, else `roi_type`, else none).
    pub label: String,
    /// `detection.confidence` (0 when absent, as DL Streamer).
    pub confidence: f64,
    /// `detection.label_id`.
    pub label_id: Option<i32>,
    /// Its tensors.
    pub tensors: Vec<TensorEntry>,
}

/// What one frame gets.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FrameEntry {
    /// `timestamp` (ns of stream time).
    pub timestamp: Option<u64>,
    /// Its regions.
    pub objects: Vec<ObjectEntry>,
    /// Its frame-level tensors.
    pub tensors: Vec<TensorEntry>,
}

/// The whole file, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct RoiFile {
    entries: Vec<FrameEntry>,
    by_timestamp: HashMap<u64, usize>,
}

/// What a frame finds in the file.
#[derive(Debug, PartialEq)]
pub enum Found<'a> {
    /// Its entry.
    Entry(&'a FrameEntry),
    /// No entry for it (by-timestamp: no entry has its stream time, or it has none).
    Nothing,
    /// In order: the frames have outnumbered the entries.
    PastTheEnd,
}

/// How a JSON value is called in messages.
fn kind(value: &Value) -> String {
    let text = value.to_string();
    let short = if text.chars().count() > 40 {
        format!("{}…", text.chars().take(40).collect::<String>())
    } else {
        text
    };
    match value {
        Value::Null => "null".to_owned(),
        Value::Bool(_) => format!("the boolean {short}"),
        Value::Number(_) => format!("the number {short}"),
        Value::String(_) => format!("the string {short}"),
        Value::Array(_) => format!("the array {short}"),
        Value::Object(_) => format!("the object {short}"),
    }
}

/// A value read from a JSON object, with where it is for messages.
struct Reader<'a> {
    map: &'a Map<String, Value>,
    at: String,
}

impl<'a> Reader<'a> {
    fn new(value: &'a Value, at: String, example: &str) -> Result<Self, String> {
        match value {
            Value::Object(map) => Ok(Self { map, at }),
            other => Err(format!(
                "{at}: expected an object such as {example}, found {}",
                kind(other)
            )),
        }
    }

    fn bad(&self, key: &str, expected: &str, found: &Value) -> String {
        format!(
            "{}: \"{key}\" must be {expected}, found {}",
            self.at,
            kind(found)
        )
    }

    fn get(&self, key: &str) -> Option<&'a Value> {
        self.map.get(key).filter(|v| !v.is_null())
    }

    fn number(&self, key: &str) -> Result<Option<f64>, String> {
        self.get(key)
            .map(|v| v.as_f64().ok_or_else(|| self.bad(key, "a number", v)))
            .transpose()
    }

    fn whole(&self, key: &str, max: u64) -> Result<Option<u64>, String> {
        self.get(key)
            .map(|v| {
                whole(v)
                    .filter(|&n| n <= max)
                    .ok_or_else(|| self.bad(key, &format!("a whole number from 0 to {max}"), v))
            })
            .transpose()
    }

    fn int(&self, key: &str) -> Result<Option<i32>, String> {
        self.get(key)
            .map(|v| {
                v.as_i64()
                    .and_then(|n| i32::try_from(n).ok())
                    .ok_or_else(|| self.bad(key, "a whole number (32-bit)", v))
            })
            .transpose()
    }

    fn string(&self, key: &str) -> Result<Option<String>, String> {
        self.get(key)
            .map(|v| {
                v.as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| self.bad(key, "a string", v))
            })
            .transpose()
    }

    fn array(&self, key: &str) -> Result<Option<&'a Vec<Value>>, String> {
        self.get(key)
            .map(|v| v.as_array().ok_or_else(|| self.bad(key, "an array", v)))
            .transpose()
    }

    fn required(&self, key: &str, value: Option<u64>) -> Result<u64, String> {
        value.ok_or_else(|| format!("{}: \"{key}\" is missing", self.at))
    }
}

/// A whole number: a JSON integer ≥ 0, or a number with no fraction (`12.0`).
fn whole(value: &Value) -> Option<u64> {
    value.as_u64().or_else(|| {
        value
            .as_f64()
            .filter(|f| *f >= 0.0 && f.fract() == 0.0 && *f <= u64::MAX as f64)
            .map(|f| f as u64)
    })
}

fn tensor(value: &Value, at: String, needs_name: bool) -> Result<TensorEntry, String> {
    let r = Reader::new(value, at, "{\"name\": \"landmarks\", \"data\": [0.5, 0.5]}")?;
    let mut t = TensorEntry {
        name: r.string("name")?,
        ..TensorEntry::default()
    };
    if needs_name && t.name.is_none() {
        return Err(format!(
            "{}: \"name\" is missing (a region's tensor needs one)",
            r.at
        ));
    }
    for key in ["label", "format", "model_name", "layer_name", "converter"] {
        if let Some(s) = r.string(key)? {
            t.strings.push((key, s));
        }
    }
    for key in ["point_names", "point_connections"] {
        if let Some(items) = r.array(key)? {
            let strings = items
                .iter()
                .map(|v| v.as_str().map(str::to_owned))
                .collect::<Option<Vec<_>>>()
                .ok_or_else(|| r.bad(key, "an array of strings", &Value::Array(items.clone())))?;
            t.string_arrays.push((key, strings));
        }
    }
    if let Some(items) = r.array("data")? {
        let data = items
            .iter()
            .map(|v| v.as_f64().map(|f| f as f32))
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| r.bad("data", "an array of numbers", &Value::Array(items.clone())))?;
        if !data.is_empty() {
            t.data = Some(data);
        }
    }
    if let Some(items) = r.array("dims")? {
        let dims = items
            .iter()
            .map(|v| whole(v).and_then(|n| u32::try_from(n).ok()))
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| {
                r.bad(
                    "dims",
                    "an array of whole numbers ≥ 0",
                    &Value::Array(items.clone()),
                )
            })?;
        t.dims = Some(dims);
    }
    t.confidence = r.number("confidence")?;
    t.label_id = r.int("label_id")?;
    // What GStreamer would refuse (a bad structure name, a NUL in a string) is found now.
    let mut check = gst::Structure::new_empty("tensor");
    t.apply(Tensor::from_structure_mut(&mut check))
        .map_err(|e| format!("{}: {e}", r.at))?;
    Ok(t)
}

fn tensors(r: &Reader<'_>, needs_name: bool) -> Result<Vec<TensorEntry>, String> {
    let Some(items) = r.array("tensors")? else {
        return Ok(Vec::new());
    };
    items
        .iter()
        .enumerate()
        .map(|(i, v)| tensor(v, format!("{}, tensor {i}", r.at), needs_name))
        .collect()
}

fn object(value: &Value, at: String) -> Result<Option<ObjectEntry>, String> {
    let r = Reader::new(value, at, "{\"x\": 0, \"y\": 50, \"w\": 200, \"h\": 250}")?;
    if r.map.is_empty() {
        return Ok(None);
    }
    let mut label = None;
    let mut confidence = 0.0;
    let mut label_id = None;
    let mut placement = None;
    if let Some(detection) = r.get("detection") {
        let d = Reader::new(
            detection,
            format!("{}, detection", r.at),
            "{\"bounding_box\": {\"x_min\": 0.1, …}, \"confidence\": 0.9}",
        )?;
        confidence = d.number("confidence")?.unwrap_or(0.0);
        label = d.string("label")?;
        label_id = d.int("label_id")?;
        if let Some(bbox) = d.get("bounding_box") {
            let b = Reader::new(
                bbox,
                format!("{}, bounding_box", d.at),
                "{\"x_min\": 0.1, \"y_min\": 0.2, \"x_max\": 0.5, \"y_max\": 0.9}",
            )?;
            let coordinate = |key: &str| {
                b.number(key)?
                    .ok_or_else(|| format!("{}: \"{key}\" is missing", b.at))
            };
            let (x_min, y_min) = (coordinate("x_min")?, coordinate("y_min")?);
            let (x_max, y_max) = (coordinate("x_max")?, coordinate("y_max")?);
            let inside = |v: f64| (-1e-6..=1.0 + 1e-6).contains(&v);
            let is_box = x_min < x_max
                && y_min < y_max
                && [x_min, y_min, x_max, y_max].into_iter().all(inside);
            if !is_box {
                return Err(format!(
                    "{}: x_min {x_min}, y_min {y_min}, x_max {x_max}, y_max {y_max} is not a box \
                     inside the frame (fractions of it: 0 ≤ x_min < x_max ≤ 1, 0 ≤ y_min < \
                     y_max ≤ 1)",
                    b.at
                ));
            }
            placement = Some(Placement::Normalized {
                x_min: x_min.clamp(0.0, 1.0),
                y_min: y_min.clamp(0.0, 1.0),
                x_max: x_max.clamp(0.0, 1.0),
                y_max: y_max.clamp(0.0, 1.0),
            });
        }
    }
    let placement = match placement {
        Some(p) => p,
        None => {
            let max = u64::from(u32::MAX);
            if ["x", "y", "w", "h"].iter().all(|k| r.get(k).is_none()) {
                return Err(format!(
                    "{}: no box: give \"x\", \"y\", \"w\", \"h\" (pixels) or \
                     \"detection\": {{\"bounding_box\": {{…}}}} (fractions)",
                    r.at
                ));
            }
            let x = r.required("x", r.whole("x", max)?)? as u32;
            let y = r.required("y", r.whole("y", max)?)? as u32;
            let w = r.required("w", r.whole("w", max)?)? as u32;
            let h = r.required("h", r.whole("h", max)?)? as u32;
            if w == 0 || h == 0 {
                return Err(format!("{}: the box {x},{y} {w}x{h} is empty", r.at));
            }
            Placement::Pixels { x, y, w, h }
        }
    };
    let label = match label {
        Some(l) => l,
        None => r.string("roi_type")?.unwrap_or_default(),
    };
    if label.contains('\0') {
        return Err(format!("{}: the label contains a NUL character", r.at));
    }
    Ok(Some(ObjectEntry {
        placement,
        label,
        confidence,
        label_id,
        tensors: tensors(&r, true)?,
    }))
}

fn entry(value: &Value, index: usize, needs_timestamp: bool) -> Result<FrameEntry, String> {
    let r = Reader::new(
        value,
        format!("entry {index}"),
        "{\"objects\": [{\"x\": 0, \"y\": 50, \"w\": 200, \"h\": 250}]}",
    )?;
    let timestamp = r.whole("timestamp", u64::MAX)?;
    if needs_timestamp && timestamp.is_none() {
        return Err(format!(
            "{}: \"timestamp\" is missing (mode=by-timestamp needs one in every entry: the \
             stream time of its frame in nanoseconds)",
            r.at
        ));
    }
    let mut objects = Vec::new();
    if let Some(items) = r.array("objects")? {
        for (i, v) in items.iter().enumerate() {
            if let Some(o) = object(v, format!("{}, object {i}", r.at))? {
                objects.push(o);
            }
        }
    }
    Ok(FrameEntry {
        timestamp,
        objects,
        tensors: tensors(&r, false)?,
    })
}

impl RoiFile {
    /// Reads and checks the file at `path`.
    pub fn read(path: &Path, mode: Mode) -> Result<Self, String> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            format!(
                "gvaattachroi: cannot read the JSON file '{}': {e}",
                path.display()
            )
        })?;
        Self::parse(&text, mode).map_err(|e| format!("gvaattachroi: {}: {e}", path.display()))
    }

    /// Parses and checks a file's text: a JSON array of entries, or one entry per line.
    pub fn parse(text: &str, mode: Mode) -> Result<Self, String> {
        let values = serde_json::Deserializer::from_str(text)
            .into_iter::<Value>()
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| format!("not valid JSON: {e}"))?;
        let values = match values.as_slice() {
            [] => {
                return Err(
                    "the file is empty: expected a JSON array of per-frame entries".to_owned(),
                );
            }
            [Value::Array(items)] => items.clone(),
            many if many.iter().all(Value::is_object) => values,
            _ => {
                return Err(
                    "expected a JSON array of per-frame entries ([{\"objects\": [...]}, ...]) or \
                     one entry object per line"
                        .to_owned(),
                );
            }
        };
        if values.is_empty() {
            return Err("the list of entries is empty".to_owned());
        }
        let needs_timestamp = mode == Mode::ByTimestamp;
        let entries = values
            .iter()
            .enumerate()
            .map(|(i, v)| entry(v, i, needs_timestamp))
            .collect::<Result<Vec<_>, _>>()?;
        let mut by_timestamp = HashMap::new();
        if needs_timestamp {
            for (i, e) in entries.iter().enumerate() {
                let Some(ts) = e.timestamp else { continue };
                if let Some(first) = by_timestamp.insert(ts, i) {
                    return Err(format!(
                        "entries {first} and {i} have the same timestamp {ts}"
                    ));
                }
            }
        }
        Ok(Self {
            entries,
            by_timestamp,
        })
    }

    /// The entries.
    pub fn entries(&self) -> &[FrameEntry] {
        &self.entries
    }

    /// Checks that every pixel box lies inside a `width` x `height` frame.
    pub fn check_frame_size(&self, width: u32, height: u32) -> Result<(), String> {
        for (i, e) in self.entries.iter().enumerate() {
            for (j, o) in e.objects.iter().enumerate() {
                if let Placement::Pixels { x, y, w, h } = o.placement
                    && (u64::from(x) + u64::from(w) > u64::from(width)
                        || u64::from(y) + u64::from(h) > u64::from(height))
                {
                    return Err(format!(
                        "gvaattachroi: entry {i}, object {j}: the box x {x}, y {y}, w {w}, h {h} \
                         reaches outside the {width}x{height} frame"
                    ));
                }
            }
        }
        Ok(())
    }

    /// The entry of the frame with index `frame` (from 0) and stream time `timestamp`.
    pub fn find(&self, mode: Mode, frame: u64, timestamp: Option<u64>) -> Found<'_> {
        let at = |i: usize| self.entries.get(i).map_or(Found::Nothing, Found::Entry);
        match mode {
            Mode::ByTimestamp => timestamp
                .and_then(|ts| self.by_timestamp.get(&ts))
                .map_or(Found::Nothing, |&i| at(i)),
            Mode::InLoop => at((frame % self.entries.len() as u64) as usize),
            Mode::InOrder => match usize::try_from(frame) {
                Ok(i) if i < self.entries.len() => at(i),
                _ => Found::PastTheEnd,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_pixels_fractions_labels_and_tensors() {
        gst::init().unwrap();
        let file = RoiFile::parse(
            r#"[{"objects": [{"x": 1, "y": 2, "w": 30, "h": 40, "roi_type": "zone"},
                            {"detection": {"bounding_box": {"x_min": 0.25, "y_min": 0.5,
                                                            "x_max": 0.75, "y_max": 1.0},
                                           "confidence": 0.9, "label": "face", "label_id": 3},
                             "x": 9, "id": 7,
                             "tensors": [{"name": "lm", "format": "landmark_points",
                                          "data": [0.5, 0.25], "dims": [1, 2],
                                          "point_names": ["a"], "precision": "FP32"}]},
                            {}]},
                {},
                {"tensors": [{"label": "day", "confidence": 0.5}]}]"#,
            Mode::InOrder,
        )
        .unwrap();
        let e = file.entries();
        assert_eq!(e.len(), 3);
        assert_eq!(e[0].objects.len(), 2);
        assert_eq!(
            e[0].objects[0],
            ObjectEntry {
                placement: Placement::Pixels {
                    x: 1,
                    y: 2,
                    w: 30,
                    h: 40
                },
                label: "zone".to_owned(),
                confidence: 0.0,
                label_id: None,
                tensors: vec![],
            }
        );
        let face = &e[0].objects[1];
        assert_eq!(
            face.placement,
            Placement::Normalized {
                x_min: 0.25,
                y_min: 0.5,
                x_max: 0.75,
                y_max: 1.0
            }
        );
        assert_eq!(
            (face.label.as_str(), face.confidence, face.label_id),
            ("face", 0.9, Some(3))
        );
        assert_eq!(
            face.tensors,
            vec![TensorEntry {
                name: Some("lm".to_owned()),
                strings: vec![("format", "landmark_points".to_owned())],
                string_arrays: vec![("point_names", vec!["a".to_owned()])],
                data: Some(vec![0.5, 0.25]),
                dims: Some(vec![1, 2]),
                confidence: None,
                label_id: None,
            }]
        );
        assert_eq!(e[1], FrameEntry::default());
        assert_eq!(e[2].tensors[0].confidence, Some(0.5));
        assert_eq!(file.check_frame_size(31, 42), Ok(()));
        assert!(file.check_frame_size(30, 42).unwrap_err().contains(
            "entry 0, object 0: the box x 1, y 2, w 30, h 40 reaches outside the 30x42 frame"
        ));
    }

    #[test]
    fn json_lines_and_lookups() {
        let text = "{\"timestamp\": 0, \"objects\": [{\"x\": 0, \"y\": 0, \"w\": 1, \"h\": 1}]}\n\
                    {\"timestamp\": 33333333}\n";
        let file = RoiFile::parse(text, Mode::ByTimestamp).unwrap();
        assert_eq!(file.entries().len(), 2);
        assert!(
            matches!(file.find(Mode::ByTimestamp, 5, Some(0)), Found::Entry(e) if e.objects.len() == 1)
        );
        assert_eq!(file.find(Mode::ByTimestamp, 0, Some(1)), Found::Nothing);
        assert_eq!(file.find(Mode::ByTimestamp, 0, None), Found::Nothing);
        assert!(
            matches!(file.find(Mode::InOrder, 1, None), Found::Entry(e) if e.timestamp == Some(33333333))
        );
        assert_eq!(file.find(Mode::InOrder, 2, None), Found::PastTheEnd);
        assert!(
            matches!(file.find(Mode::InLoop, 3, None), Found::Entry(e) if e.timestamp == Some(33333333))
        );
    }

    #[test]
    fn errors_name_the_place_and_the_problem() {
        gst::init().unwrap();
        let err = |text: &str, mode| RoiFile::parse(text, mode).unwrap_err();
        assert!(
            err("[{\"objects\": [", Mode::InOrder).starts_with("not valid JSON: EOF while parsing")
        );
        assert_eq!(
            err("", Mode::InOrder),
            "the file is empty: expected a JSON array of per-frame entries"
        );
        assert_eq!(err("[]", Mode::InOrder), "the list of entries is empty");
        assert!(err("5", Mode::InOrder).starts_with("expected a JSON array of per-frame entries"));
        assert_eq!(
            err(
                "[{\"objects\": [{\"x\": \"1\", \"y\": 0, \"w\": 1, \"h\": 1}]}]",
                Mode::InOrder
            ),
            "entry 0, object 0: \"x\" must be a whole number from 0 to 4294967295, found the string \"1\""
        );
        assert_eq!(
            err(
                "[{}, {\"objects\": [{\"x\": 1, \"y\": 0, \"h\": 1}]}]",
                Mode::InOrder
            ),
            "entry 1, object 0: \"w\" is missing"
        );
        assert_eq!(
            err("[{\"objects\": [{\"label\": \"a\"}]}]", Mode::InOrder),
            "entry 0, object 0: no box: give \"x\", \"y\", \"w\", \"h\" (pixels) or \"detection\": {\"bounding_box\": {…}} (fractions)"
        );
        assert!(
            err("[{\"objects\": [{\"detection\": {\"bounding_box\": {\"x_min\": 0.5, \"y_min\": 0, \"x_max\": 1.5, \"y_max\": 1}}}]}]", Mode::InOrder)
                .starts_with("entry 0, object 0, detection, bounding_box: x_min 0.5, y_min 0, x_max 1.5, y_max 1 is not a box inside the frame")
        );
        assert_eq!(
            err("[{\"objects\": 3}]", Mode::InOrder),
            "entry 0: \"objects\" must be an array, found the number 3"
        );
        assert_eq!(
            err("[[1]]", Mode::InOrder),
            "entry 0: expected an object such as {\"objects\": [{\"x\": 0, \"y\": 50, \"w\": 200, \"h\": 250}]}, found the array [1]"
        );
        assert_eq!(
            err(
                "[{\"objects\": [{\"x\": 0, \"y\": 0, \"w\": 5, \"h\": 5, \"tensors\": [{\"data\": [1]}]}]}]",
                Mode::InOrder
            ),
            "entry 0, object 0, tensor 0: \"name\" is missing (a region's tensor needs one)"
        );
        assert!(
            err("[{\"objects\": []}]", Mode::ByTimestamp)
                .starts_with("entry 0: \"timestamp\" is missing (mode=by-timestamp")
        );
        assert_eq!(
            err(
                "[{\"timestamp\": 5}, {\"timestamp\": 5}]",
                Mode::ByTimestamp
            ),
            "entries 0 and 1 have the same timestamp 5"
        );
        assert_eq!(
            err("[{\"timestamp\": -5}]", Mode::ByTimestamp),
            "entry 0: \"timestamp\" must be a whole number from 0 to 18446744073709551615, found the number -5"
        );
        assert!(
            err(
                "[{\"objects\": [{\"x\": 0, \"y\": 0, \"w\": 0, \"h\": 5}]}]",
                Mode::InOrder
            )
            .contains("is empty")
        );
    }

    #[test]
    fn missing_file() {
        let e = RoiFile::read(Path::new("/no/such/rois.json"), Mode::InOrder).unwrap_err();
        assert!(
            e.starts_with(
                "gvaattachroi: cannot read the JSON file '/no/such/rois.json': No such file"
            ),
            "{e}"
        );
    }
}
