//! The tracker: objects with ids, matched to each frame's detections.
//!
//! Per frame: every tracked object's box is predicted one frame ahead ([`BoxFilter`]); each
//! (object, detection) pair gets a similarity from position, shape and, for `zero-term`,
//! appearance ([`similarity`]); the optimal assignment ([`assign`]) matches them. A matched
//! detection gets its object's id, the object's filter learns the detected box. A detection left
//! over starts a new object with the next id. Ids start at 1 and only grow: an id is never
//! given to a second object of the tracker, also not after [`Tracker::reset`].
//!
//! An object without a matching detection stays known (for a brief occlusion or a missed
//! detection) for `max_lost_frames` frames; one seen on a single frame only and missed on the
//! next frame with detections is taken for a false alarm and forgotten at once; one whose
//! predicted box has left the frame (less than half of it inside) is forgotten too.
//! `short-term-imageless` outputs the objects without a detection on this frame at their
//! predicted boxes ([`Tracker::predictions`]) as long as they missed at most
//! `max_missed_detections` frames that had detections (frames without any detection, as
//! between the frames `gvadetect inference-interval=N` infers, do not count).
//!
//! A frame "has detections" when it has at least one region: that is all the tracker can know.

use super::appearance::Appearance;
use super::association::{Pair, assign, similarity};
use super::config::Config;
use super::geometry::BoxF;
use super::kalman::BoxFilter;

/// How fast an object's appearance model follows its latest detection (share per frame).
const APPEARANCE_RATE: f32 = 0.3;
/// The distance gate widens with √(1 + missed detection frames), up to this factor.
const MAX_DISTANCE_SCALE: f64 = 3.0;
/// An object whose predicted box has less than this share inside the frame has left it.
const MIN_VISIBLE_FRACTION: f64 = 0.5;

/// An object's class: the region's label (an opaque key, e.g. a GQuark) and `label_id`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Class {
    /// The label key.
    pub label: u32,
    /// The detection's `label_id`, if it has one.
    pub label_id: Option<i32>,
}

/// One detected region of a frame.
#[derive(Debug, Clone)]
pub struct Detection<P> {
    /// The box in frame pixels.
    pub rect: BoxF,
    /// The class.
    pub class: Class,
    /// The appearance (`zero-term`); `None` otherwise or when it has no pixels.
    pub appearance: Option<Appearance>,
    /// What the caller keeps with the object from its latest detection (e.g. its
    /// classification results, to put on its predicted regions).
    pub payload: P,
}

/// An object that is output at its predicted box on this frame (`short-term-imageless`).
#[derive(Debug)]
pub struct Prediction<'a, P> {
    /// The object's id.
    pub id: i32,
    /// The predicted box.
    pub rect: BoxF,
    /// The class of its latest detection.
    pub class: Class,
    /// The payload of its latest detection.
    pub payload: &'a P,
}

/// A tracked object.
#[derive(Debug)]
struct Track<P> {
    id: i32,
    class: Class,
    filter: BoxFilter,
    /// The filter's box for the current frame (after prediction, before correction).
    predicted: BoxF,
    appearance: Option<Appearance>,
    /// Frames on which it was detected.
    hits: u32,
    /// Frames since its latest detection (0: detected on the current frame).
    since_seen: u32,
    /// Frames with detections in a row on which it was not detected.
    missed_detections: u32,
    payload: P,
}

/// Objects tracked across the frames of one stream.
#[derive(Debug)]
pub struct Tracker<P = ()> {
    config: Config,
    tracks: Vec<Track<P>>,
    next_id: i32,
    frame_size: Option<(u32, u32)>,
    /// Reused per frame: the allowed pairs.
    pairs: Vec<Pair>,
}

impl<P> Tracker<P> {
    /// A tracker with `config` and no objects; the first id is 1.
    pub fn new(config: Config) -> Self {
        Self {
            config,
            tracks: Vec::new(),
            next_id: 1,
            frame_size: None,
            pairs: Vec::new(),
        }
    }

    /// The same tracker, giving its first new object the id `next_id` (at least 1): a restarted
    /// element goes on with the ids of its earlier streams.
    pub fn starting_at(mut self, next_id: i32) -> Self {
        self.next_id = next_id.max(1);
        self
    }

    /// The settings.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Forgets every object (a new stream, a seek); ids go on from where they were, so none is
    /// ever reused.
    pub fn reset(&mut self) {
        self.tracks.clear();
        self.frame_size = None;
    }

    /// Number of objects known now (tracked or briefly lost).
    pub fn len(&self) -> usize {
        self.tracks.len()
    }

    /// Whether no object is known.
    pub fn is_empty(&self) -> bool {
        self.tracks.is_empty()
    }

    /// The id the next new object will get.
    pub fn next_id(&self) -> i32 {
        self.next_id
    }

    /// Tracks one frame of `width` x `height` with its `detections`: the id of each detection,
    /// in order (`None` only when `max_num_objects` objects are known and none of them is lost,
    /// so no room is left for a new one). A change of frame size starts afresh (as a new
    /// stream).
    pub fn update(
        &mut self,
        (width, height): (u32, u32),
        detections: Vec<Detection<P>>,
    ) -> Vec<Option<i32>> {
        if self.frame_size != Some((width, height)) {
            self.reset();
            self.frame_size = Some((width, height));
        }
        for track in &mut self.tracks {
            track.predicted = track.filter.predict();
            track.since_seen = track.since_seen.saturating_add(1);
        }

        self.pairs.clear();
        let per_class = self.config.tracking_per_class;
        let gates = self.config.gates;
        for (t, track) in self.tracks.iter().enumerate() {
            // Each frame with detections on which the object was missed makes its position less
            // certain; frames without any detection (between gvadetect's inference frames) do
            // not: the prediction covers them.
            let distance_scale = f64::from(track.missed_detections.saturating_add(1))
                .sqrt()
                .clamp(1.0, MAX_DISTANCE_SCALE);
            for (d, detection) in detections.iter().enumerate() {
                if per_class && detection.class != track.class {
                    continue;
                }
                let appearance = || match (&track.appearance, &detection.appearance) {
                    (Some(a), Some(b)) => Some(a.similarity(b)),
                    _ => None,
                };
                if let Some(s) = similarity(
                    &track.predicted,
                    &detection.rect,
                    &gates,
                    distance_scale,
                    appearance,
                ) {
                    self.pairs.push((t, d, s));
                }
            }
        }
        let matches = assign(self.tracks.len(), detections.len(), &self.pairs);

        let has_detections = !detections.is_empty();
        let mut ids: Vec<Option<i32>> = vec![None; detections.len()];
        let mut detections: Vec<Option<Detection<P>>> = detections.into_iter().map(Some).collect();
        for &(t, d) in &matches {
            let (Some(track), Some(detection)) = (self.tracks.get_mut(t), detections[d].take())
            else {
                continue;
            };
            track.filter.correct(&detection.rect);
            match (&mut track.appearance, detection.appearance) {
                (Some(model), Some(latest)) => model.blend(&latest, APPEARANCE_RATE),
                (model @ None, latest) => *model = latest,
                (Some(_), None) => {}
            }
            track.class = detection.class;
            track.hits = track.hits.saturating_add(1);
            track.since_seen = 0;
            track.missed_detections = 0;
            track.payload = detection.payload;
            ids[d] = Some(track.id);
        }

        let config = self.config;
        self.tracks.retain_mut(|track| {
            if track.since_seen == 0 {
                return true;
            }
            if has_detections {
                track.missed_detections = track.missed_detections.saturating_add(1);
                // Seen once, then not on the next frame with detections: a false alarm.
                if track.hits <= 1 {
                    return false;
                }
            }
            track.since_seen <= config.max_lost_frames
                && track.predicted.visible_fraction(width, height) >= MIN_VISIBLE_FRACTION
        });

        for (d, detection) in detections.into_iter().enumerate() {
            let Some(detection) = detection else { continue };
            if !self.make_room() {
                continue;
            }
            let id = self.take_id();
            self.tracks.push(Track {
                id,
                class: detection.class,
                filter: BoxFilter::new(&detection.rect),
                predicted: detection.rect,
                appearance: detection.appearance,
                hits: 1,
                since_seen: 0,
                missed_detections: 0,
                payload: detection.payload,
            });
            ids[d] = Some(id);
        }
        ids
    }

    /// The objects to output at their predicted boxes on the frame just tracked: with
    /// `short-term-imageless`, those not detected on it that missed at most
    /// `max_missed_detections` frames with detections; nothing for the other types.
    pub fn predictions(&self) -> impl Iterator<Item = Prediction<'_, P>> {
        let on = self.config.tracking_type.predicts();
        let max_missed = self.config.max_missed_detections;
        self.tracks
            .iter()
            .filter(move |t| on && t.since_seen > 0 && t.missed_detections <= max_missed)
            .map(|t| Prediction {
                id: t.id,
                rect: t.predicted,
                class: t.class,
                payload: &t.payload,
            })
    }

    /// Whether a new object can be added: below `max_num_objects`, or after forgetting the
    /// object lost the longest.
    fn make_room(&mut self) -> bool {
        let Some(max) = self.config.max_num_objects else {
            return true;
        };
        if self.tracks.len() < max {
            return true;
        }
        let lost = self
            .tracks
            .iter()
            .enumerate()
            .filter(|(_, t)| t.since_seen > 0)
            .max_by_key(|(_, t)| t.since_seen)
            .map(|(i, _)| i);
        match lost {
            Some(i) => {
                self.tracks.swap_remove(i);
                true
            }
            None => false,
        }
    }

    /// The next id. After `i32::MAX` ids (years of new objects) the count starts again at 1.
    fn take_id(&mut self) -> i32 {
        let id = self.next_id;
        self.next_id = self.next_id.checked_add(1).unwrap_or(1);
        id
    }
}

#[cfg(test)]
mod tests {
    use super::super::config::TrackingType;
    use super::*;

    fn detection(x: f64, y: f64) -> Detection<()> {
        Detection {
            rect: BoxF::new(x, y, 20.0, 20.0),
            class: Class::default(),
            appearance: None,
            payload: (),
        }
    }

    fn tracker(tracking_type: TrackingType) -> Tracker {
        Tracker::new(Config {
            tracking_type,
            ..Config::default()
        })
    }

    const SIZE: (u32, u32) = (320, 240);

    #[test]
    fn ids_stay_with_moving_objects() {
        let mut t = tracker(TrackingType::ZeroTermImageless);
        for frame in 0..30 {
            let f = f64::from(frame);
            // Two objects, listed in a changing order.
            let mut dets = vec![
                detection(10.0 + 3.0 * f, 50.0),
                detection(200.0, 20.0 + 2.0 * f),
            ];
            if frame % 2 == 1 {
                dets.reverse();
            }
            let mut ids = t.update(SIZE, dets);
            if frame % 2 == 1 {
                ids.reverse();
            }
            assert_eq!(ids, vec![Some(1), Some(2)], "frame {frame}");
        }
        assert_eq!(t.next_id(), 3);
    }

    #[test]
    fn crossing_objects_keep_their_ids() {
        // Two objects moving towards each other along one line, crossing at frame 10.
        let mut t = tracker(TrackingType::ZeroTermImageless);
        for frame in 0..20 {
            let f = f64::from(frame);
            let a = detection(50.0 + 5.0 * f, 100.0);
            let b = detection(150.0 - 5.0 * f, 104.0);
            assert_eq!(
                t.update(SIZE, vec![a, b]),
                vec![Some(1), Some(2)],
                "frame {frame}"
            );
        }
    }

    #[test]
    fn brief_occlusion_keeps_the_id_and_long_absence_gets_a_new_one() {
        let mut t = tracker(TrackingType::ZeroTermImageless);
        let mut frame = 0;
        let mut at = |t: &mut Tracker, present: bool| {
            let x = 10.0 + 2.0 * f64::from(frame);
            frame += 1;
            t.update(
                SIZE,
                if present {
                    vec![detection(x, 100.0)]
                } else {
                    vec![]
                },
            )
        };
        for _ in 0..10 {
            assert_eq!(at(&mut t, true), vec![Some(1)]);
        }
        for _ in 0..5 {
            assert_eq!(at(&mut t, false), vec![]);
        }
        assert_eq!(at(&mut t, true), vec![Some(1)]);
        for _ in 0..31 {
            at(&mut t, false);
        }
        assert!(t.is_empty());
        assert_eq!(at(&mut t, true), vec![Some(2)]);
    }

    #[test]
    fn one_frame_false_alarms_are_forgotten() {
        let mut t = tracker(TrackingType::ZeroTermImageless);
        assert_eq!(t.update(SIZE, vec![detection(10.0, 10.0)]), vec![Some(1)]);
        assert_eq!(t.update(SIZE, vec![detection(200.0, 200.0)]), vec![Some(2)]);
        assert_eq!(t.len(), 1);
        // The first one comes back: a new object (its id is not reused).
        assert_eq!(t.update(SIZE, vec![detection(10.0, 10.0)]), vec![Some(3)]);
    }

    #[test]
    fn classes_separate_objects_when_tracking_per_class() {
        let class = |label| Class {
            label,
            label_id: Some(label as i32),
        };
        for (per_class, expected) in [(true, Some(2)), (false, Some(1))] {
            let mut t: Tracker = Tracker::new(Config {
                tracking_per_class: per_class,
                ..Config::default()
            });
            let mut d = detection(10.0, 10.0);
            d.class = class(1);
            t.update(SIZE, vec![d.clone()]);
            d.class = class(2);
            assert_eq!(
                t.update(SIZE, vec![d]),
                vec![expected],
                "per class {per_class}"
            );
        }
    }

    #[test]
    fn short_term_predicts_between_detections_and_stops_after_misses() {
        let mut t = tracker(TrackingType::ShortTermImageless);
        for frame in 0..30u32 {
            let x = 10.0 + 4.0 * f64::from(frame);
            let detected = frame % 3 == 0 && frame < 18;
            let dets = if detected {
                vec![detection(x, 100.0)]
            } else {
                vec![]
            };
            let ids = t.update(SIZE, dets);
            let predicted: Vec<_> = t.predictions().map(|p| (p.id, p.rect)).collect();
            if detected {
                assert_eq!(ids, vec![Some(1)]);
                assert!(predicted.is_empty());
            } else if frame < 18 {
                let [(id, rect)] = predicted[..] else {
                    panic!("frame {frame}: {predicted:?}")
                };
                assert_eq!(id, 1);
                // After the object's speed is learnt, the prediction is on it.
                if frame > 7 {
                    assert!((rect.x - x).abs() < 2.0, "frame {frame}: {rect:?} vs {x}");
                }
            }
        }
        // No frame after 17 had detections: nothing counted as missed, so the prediction goes
        // on until max_lost_frames (30) or the box leaves the frame.
        assert_eq!(t.predictions().count(), 1);
        // A frame with another detection far away: the object misses its first detection frame.
        for miss in 1..=3 {
            t.update(SIZE, vec![detection(0.0, 0.0)]);
            let ids: Vec<i32> = t.predictions().map(|p| p.id).collect();
            if miss <= 2 {
                assert_eq!(ids, vec![1], "miss {miss}");
            } else {
                assert!(!ids.contains(&1), "miss {miss}");
            }
        }
    }

    #[test]
    fn other_types_never_predict() {
        for tracking_type in [TrackingType::ZeroTerm, TrackingType::ZeroTermImageless] {
            let mut t = tracker(tracking_type);
            t.update(SIZE, vec![detection(10.0, 10.0)]);
            t.update(SIZE, vec![]);
            assert_eq!(t.predictions().count(), 0);
            assert_eq!(t.len(), 1);
        }
    }

    #[test]
    fn max_num_objects_bounds_memory_and_lost_objects_make_room() {
        let mut t: Tracker = Tracker::new(Config {
            max_num_objects: Some(3),
            ..Config::default()
        });
        let row = |n: usize, y: f64| (0..n).map(|i| detection(30.0 * i as f64, y)).collect();
        assert_eq!(
            t.update(SIZE, row(4, 0.0)),
            vec![Some(1), Some(2), Some(3), None]
        );
        assert_eq!(t.len(), 3);
        // All three seen again, a fourth still has no room.
        assert_eq!(
            t.update(SIZE, row(4, 0.0)),
            vec![Some(1), Some(2), Some(3), None]
        );
        // Objects elsewhere: the three known ones are lost and make room one by one.
        assert_eq!(t.update(SIZE, row(2, 150.0)), vec![Some(4), Some(5)]);
        assert_eq!(t.len(), 3);
    }

    #[test]
    fn memory_stays_bounded_without_max_num_objects() {
        // 1000 frames of 5 objects at scattered places: with no max_num_objects the number of
        // objects known is still bounded by those seen in the last max_lost_frames + 1 frames
        // (one-frame false alarms even go at the next frame).
        let mut t = tracker(TrackingType::ZeroTermImageless);
        let mut most = 0;
        for frame in 0..1000u32 {
            let dets = (0..5)
                .map(|i| {
                    detection(
                        f64::from((frame * 37 + i * 61) % 290),
                        f64::from((frame * 13 + i * 47) % 210),
                    )
                })
                .collect();
            t.update(SIZE, dets);
            most = most.max(t.len());
        }
        let bound = 5 * (Config::default().max_lost_frames as usize + 1);
        assert!(most <= bound, "{most} objects known at once");
        // Far more objects came and went than are known at the end.
        assert!(
            t.next_id() as usize > 10 * most,
            "{} ids, {most} known",
            t.next_id()
        );
    }

    #[test]
    fn reset_forgets_objects_but_not_ids() {
        let mut t = tracker(TrackingType::ZeroTermImageless);
        t.update(SIZE, vec![detection(10.0, 10.0), detection(100.0, 10.0)]);
        t.reset();
        assert!(t.is_empty());
        assert_eq!(t.update(SIZE, vec![detection(10.0, 10.0)]), vec![Some(3)]);
        // A new frame size is a new stream too.
        assert_eq!(
            t.update((640, 480), vec![detection(10.0, 10.0)]),
            vec![Some(4)]
        );
    }

    #[test]
    fn objects_leaving_the_frame_are_forgotten() {
        let mut t = tracker(TrackingType::ShortTermImageless);
        for frame in 0..10 {
            t.update(SIZE, vec![detection(200.0 + 10.0 * f64::from(frame), 50.0)]);
        }
        // The box moves right by 10 px per frame and leaves the frame (x > 310).
        for _ in 0..20 {
            t.update(SIZE, vec![]);
        }
        assert!(t.is_empty());
    }
}
