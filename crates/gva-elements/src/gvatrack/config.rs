//! `tracking-type` and the `config` property: DL Streamer's keys (`max_num_objects`,
//! `tracking_per_class`) and the thresholds of gva-rs's algorithm, parsed with errors that name
//! the key, the value and what is expected.

use std::fmt;

use gst::glib;

use super::association::Gates;

/// `tracking-type`: DL Streamer's values and numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, glib::Enum)]
#[repr(i32)]
#[enum_type(name = "GvaRsTrackingType")]
pub enum TrackingType {
    /// Detection on every frame; position, shape and a colour histogram of the pixels.
    #[default]
    #[enum_value(name = "Zero-term tracker", nick = "zero-term")]
    ZeroTerm = 0,
    /// Detection every few frames (`gvadetect inference-interval`); the frames between carry
    /// the objects at their predicted positions.
    #[enum_value(name = "Short-term imageless tracker", nick = "short-term-imageless")]
    ShortTermImageless = 1,
    /// Detection on every frame; position and shape only (no pixels read).
    #[enum_value(name = "Zero-term imageless tracker", nick = "zero-term-imageless")]
    ZeroTermImageless = 2,
}

impl TrackingType {
    /// Whether this type reads the frame's pixels.
    pub fn uses_pixels(self) -> bool {
        self == Self::ZeroTerm
    }

    /// Whether this type outputs predicted objects on frames without their detection.
    pub fn predicts(self) -> bool {
        self == Self::ShortTermImageless
    }
}

/// The tracker's settings: `tracking-type` plus the keys of `config`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Config {
    /// The algorithm.
    pub tracking_type: TrackingType,
    /// `max_num_objects`: most objects tracked at once; `None` (-1) for no limit.
    pub max_num_objects: Option<usize>,
    /// `tracking_per_class`: a detection of another class is another object.
    pub tracking_per_class: bool,
    /// `max_distance`, `min_shape_similarity`, `min_appearance_similarity`.
    pub gates: Gates,
    /// `max_lost_frames`: frames an object may go without a matching detection before it is
    /// forgotten.
    pub max_lost_frames: u32,
    /// `max_missed_detections` (short-term-imageless): detection frames in a row an object may
    /// miss while still being output at its predicted position.
    pub max_missed_detections: u32,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            tracking_type: TrackingType::default(),
            max_num_objects: None,
            tracking_per_class: true,
            gates: Gates {
                max_distance: 1.0,
                min_shape_similarity: 0.5,
                min_appearance_similarity: 0.3,
            },
            max_lost_frames: 30,
            max_missed_detections: 2,
        }
    }
}

/// The `config` property's documentation, shown by `gst-inspect-1.0`.
pub const CONFIG_BLURB: &str = "Comma separated list of KEY=VALUE parameters of the tracker. Keys: \
     max_num_objects (most objects tracked at once, -1 = no limit; default -1), \
     tracking_per_class (true: a detection of another class is another object, false: the \
     class may change; default true), \
     max_distance (largest distance between an object's predicted centre and a detection's, \
     in box sizes; default 1.0; for an object missed on n frames with detections in a row the \
     gate is sqrt(1 + n) times wider, up to 3 times), \
     min_shape_similarity (0..1: smallest product of the width ratio and height ratio of an \
     object and a detection; default 0.5), \
     min_appearance_similarity (0..1, zero-term only: smallest colour histogram similarity, \
     Bhattacharyya coefficient; default 0.3), \
     max_lost_frames (frames an object may go without a matching detection before it is \
     forgotten; default 30), \
     max_missed_detections (short-term-imageless: frames with detections in a row on which an \
     object may go undetected and still be output at its predicted position; default 2). \
     Unknown keys and bad values fail the start.";

/// Why a `config` text was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError(String);

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConfigError {}

/// The keys `config` takes, in the order of the documentation.
pub const KEYS: [&str; 7] = [
    "max_num_objects",
    "tracking_per_class",
    "max_distance",
    "min_shape_similarity",
    "min_appearance_similarity",
    "max_lost_frames",
    "max_missed_detections",
];

impl Config {
    /// The settings of `tracking_type` with `config` (comma-separated `KEY=VALUE`; `None` or
    /// blank for the defaults) applied.
    pub fn parse(tracking_type: TrackingType, config: Option<&str>) -> Result<Self, ConfigError> {
        let mut c = Config {
            tracking_type,
            ..Config::default()
        };
        let text = config.unwrap_or("");
        let mut seen: Vec<&str> = Vec::new();
        for item in text.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let Some((key, value)) = item.split_once('=') else {
                return Err(ConfigError(format!(
                    "gvatrack config: '{item}' is not KEY=VALUE (config is a comma separated list \
                     such as 'max_num_objects=20,tracking_per_class=false')"
                )));
            };
            let (key, value) = (key.trim(), value.trim());
            if seen.contains(&key) {
                return Err(ConfigError(format!(
                    "gvatrack config: key '{key}' is given twice"
                )));
            }
            let bad = |expected: &str| {
                ConfigError(format!(
                    "gvatrack config: {key}={value} is not valid: expected {expected}"
                ))
            };
            let fraction = || {
                value
                    .parse::<f64>()
                    .ok()
                    .filter(|v| (0.0..=1.0).contains(v))
                    .ok_or_else(|| bad("a number from 0 to 1"))
            };
            let frames = || {
                value
                    .parse::<u32>()
                    .map_err(|_| bad("a whole number of frames, 0 or more"))
            };
            match key {
                "max_num_objects" => {
                    c.max_num_objects = match value.parse::<i64>() {
                        Ok(-1) => None,
                        Ok(n) if n >= 1 => {
                            Some(usize::try_from(n).map_err(|_| bad("-1 or a whole number ≥ 1"))?)
                        }
                        _ => return Err(bad("-1 (no limit) or a whole number ≥ 1")),
                    }
                }
                "tracking_per_class" => {
                    c.tracking_per_class = match value.to_ascii_lowercase().as_str() {
                        "true" | "1" | "yes" => true,
                        "false" | "0" | "no" => false,
                        _ => return Err(bad("true or false")),
                    }
                }
                "max_distance" => {
                    c.gates.max_distance = value
                        .parse::<f64>()
                        .ok()
                        .filter(|v| v.is_finite() && *v > 0.0)
                        .ok_or_else(|| bad("a number greater than 0 (box sizes)"))?
                }
                "min_shape_similarity" => c.gates.min_shape_similarity = fraction()?,
                "min_appearance_similarity" => c.gates.min_appearance_similarity = fraction()?,
                "max_lost_frames" => c.max_lost_frames = frames()?,
                "max_missed_detections" => c.max_missed_detections = frames()?,
                _ => {
                    return Err(ConfigError(format!(
                        "gvatrack config: unknown key '{key}'; the keys are {}",
                        KEYS.join(", ")
                    )));
                }
            }
            seen.push(key);
        }
        Ok(c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_every_key() {
        let d = Config::parse(TrackingType::ZeroTerm, None).unwrap();
        assert_eq!(d, Config::default());
        assert_eq!(Config::parse(TrackingType::ZeroTerm, Some(" ")).unwrap(), d);
        let c = Config::parse(
            TrackingType::ShortTermImageless,
            Some(
                "max_num_objects=20, tracking_per_class=FALSE,max_distance=1.5,\
                 min_shape_similarity=0.25,min_appearance_similarity=0,max_lost_frames=7,\
                 max_missed_detections=0",
            ),
        )
        .unwrap();
        assert_eq!(
            c,
            Config {
                tracking_type: TrackingType::ShortTermImageless,
                max_num_objects: Some(20),
                tracking_per_class: false,
                gates: Gates {
                    max_distance: 1.5,
                    min_shape_similarity: 0.25,
                    min_appearance_similarity: 0.0,
                },
                max_lost_frames: 7,
                max_missed_detections: 0,
            }
        );
        assert_eq!(
            Config::parse(TrackingType::ZeroTerm, Some("max_num_objects=-1"))
                .unwrap()
                .max_num_objects,
            None
        );
    }

    #[test]
    fn errors_name_key_value_and_expectation() {
        let err = |text: &str| {
            Config::parse(TrackingType::ZeroTerm, Some(text))
                .unwrap_err()
                .to_string()
        };
        assert_eq!(
            err("max_objects=3"),
            "gvatrack config: unknown key 'max_objects'; the keys are max_num_objects, \
             tracking_per_class, max_distance, min_shape_similarity, min_appearance_similarity, \
             max_lost_frames, max_missed_detections"
        );
        assert_eq!(
            err("max_num_objects=0"),
            "gvatrack config: max_num_objects=0 is not valid: expected -1 (no limit) or a whole \
             number ≥ 1"
        );
        assert_eq!(
            err("tracking_per_class=maybe"),
            "gvatrack config: tracking_per_class=maybe is not valid: expected true or false"
        );
        assert!(err("min_shape_similarity=1.5").contains("expected a number from 0 to 1"));
        assert!(err("max_distance=-1").contains("greater than 0"));
        assert!(err("max_distance=nan").contains("greater than 0"));
        assert!(err("max_lost_frames=2.5").contains("a whole number of frames"));
        assert!(err("max_num_objects").contains("'max_num_objects' is not KEY=VALUE"));
        assert!(err("max_lost_frames=1,max_lost_frames=2").contains("given twice"));
    }

    #[test]
    fn every_key_is_documented() {
        for key in KEYS {
            assert!(CONFIG_BLURB.contains(key), "{key}");
        }
    }
}
