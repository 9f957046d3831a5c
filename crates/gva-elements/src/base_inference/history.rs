//! gvaclassify's classification history (`reclassify-interval`): the last results of each
//! tracked object (`object_id` other than 0), re-attached on the frames between
//! re-classifications. Objects not seen for a while are forgotten.
//!
//! Regions are inferred asynchronously, so the history is used from two sides: the streaming
//! thread decides, frame by frame, which tracked objects are classified and which re-use their
//! last results ([`History::reuse`]); the delivery, which leaves frames in order, stores each
//! classification when its frame leaves ([`History::store`]) and reads the results a frame
//! re-uses when it leaves ([`History::results`]) — by then every frame before it has left, so
//! they are the results of the last classification decided before it.

use std::collections::HashMap;

/// An object's entry.
struct Object {
    /// The frame it was last decided to be classified on.
    classified: u64,
    /// The frame it was last seen on.
    seen: u64,
    /// The frame its results were stored for, and the results.
    results: (u64, Vec<gst::Structure>),
}

/// The classification history of one element.
pub struct History {
    /// Re-classify every `interval` frames; 0: classify each object once.
    interval: u64,
    objects: HashMap<i32, Object>,
    /// The frame forgotten objects were last looked for on.
    pruned: u64,
}

impl History {
    /// Objects unseen for this many frames (at least) are forgotten.
    const FORGET_AFTER: u64 = 300;

    /// A history re-classifying every `interval` frames (0: once).
    pub fn new(interval: u32) -> Self {
        Self {
            interval: u64::from(interval),
            objects: HashMap::new(),
            pruned: 0,
        }
    }

    /// Whether `object`, seen on `frame`, re-uses its last results (else it is classified on
    /// this frame, and that is remembered). Untracked objects (0) are always classified.
    pub fn reuse(&mut self, object: i32, frame: u64) -> bool {
        if object == 0 {
            return false;
        }
        if frame != self.pruned {
            self.pruned = frame;
            let forget = Self::FORGET_AFTER.max(self.interval.saturating_mul(2));
            self.objects
                .retain(|_, o| frame.saturating_sub(o.seen) <= forget);
        }
        let interval = self.interval;
        match self.objects.get_mut(&object) {
            Some(o) if interval == 0 || frame.saturating_sub(o.classified) < interval => {
                o.seen = frame;
                true
            }
            Some(o) => {
                o.classified = frame;
                o.seen = frame;
                false
            }
            None => {
                self.objects.insert(
                    object,
                    Object {
                        classified: frame,
                        seen: frame,
                        results: (frame, Vec::new()),
                    },
                );
                false
            }
        }
    }

    /// Records `results` of `object`, classified on `frame` (appended to what was stored for
    /// that frame: one structure per output).
    pub fn store(&mut self, object: i32, frame: u64, results: Vec<gst::Structure>) {
        if object == 0 {
            return;
        }
        let Some(o) = self.objects.get_mut(&object) else {
            return;
        };
        if o.results.0 != frame {
            o.results = (frame, Vec::new());
        }
        o.results.1.extend(results);
    }

    /// The last results stored for `object`.
    pub fn results(&self, object: i32) -> Vec<gst::Structure> {
        self.objects
            .get(&object)
            .map(|o| o.results.1.clone())
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(label: &str) -> Vec<gst::Structure> {
        vec![
            gst::Structure::builder("color")
                .field("label", label)
                .build(),
        ]
    }

    #[test]
    fn results_are_reused_until_the_interval_is_over() {
        gst::init().unwrap();
        let mut history = History::new(3);
        assert!(!history.reuse(7, 0), "never classified");
        // Decided on frames 1 and 2 before frame 0's results are stored (frames in flight).
        assert!(history.reuse(7, 1));
        assert!(history.reuse(7, 2));
        history.store(7, 0, result("red"));
        assert_eq!(history.results(7), result("red"));
        assert!(!history.reuse(7, 3), "re-classified every 3 frames");
        // Frame 2 leaves after frame 3 was decided: it still gets frame 0's results.
        assert_eq!(history.results(7), result("red"));
        history.store(7, 3, result("blue"));
        assert!(history.reuse(7, 4));
        assert_eq!(history.results(7), result("blue"));
        assert!(!history.reuse(0, 4), "untracked objects always");
    }

    #[test]
    fn results_of_one_frame_accumulate_and_replace_older_ones() {
        gst::init().unwrap();
        let mut history = History::new(2);
        assert!(!history.reuse(1, 0));
        history.store(1, 0, result("a"));
        history.store(1, 0, result("b"));
        assert_eq!(history.results(1), [result("a"), result("b")].concat());
        assert!(!history.reuse(1, 2));
        history.store(1, 2, result("c"));
        assert_eq!(history.results(1), result("c"));
    }

    #[test]
    fn interval_zero_classifies_once_and_unseen_objects_are_forgotten() {
        gst::init().unwrap();
        let mut history = History::new(0);
        assert!(!history.reuse(1, 0));
        history.store(1, 0, result("green"));
        assert!(history.reuse(1, 250));
        assert_eq!(history.results(1), result("green"));
        assert!(!history.reuse(1, 1000), "unseen for 750 frames");
    }
}
