//! `GvaBaseInference` (GType `GvaRsBaseInference`): the abstract GObject class gvainference,
//! gvadetect and gvaclassify derive from, as DL Streamer's `GstGvaBaseInference`.
//!
//! The class holds DL Streamer's common properties ([`Settings`]), and does all of the
//! BaseTransform work: at start the model is read once and its outputs planned
//! (gva_infer's `OutputPlan`), at caps it is compiled for the frames ([`engine`]), frames and
//! regions go through the request pool, and the pool's [`delivery`] attaches the results and
//! pushes the frames in order. A subclass implements [`GvaBaseInferenceImpl`]: its [`Task`]
//! (what it makes of the model's outputs) and its debug category, which the class stores in
//! its class struct; it adds its own properties (gvadetect `threshold`, gvaclassify
//! `reclassify-interval` and `inference-region` defaulting to `roi-list`) and its metadata.
//!
//! ```text
//! GstBaseTransform
//!  +-- GvaRsBaseInference (abstract)
//!       +-- GvaRsInference (gvainference), GvaRsDetect (gvadetect), GvaRsClassify (gvaclassify)
//! ```

use std::sync::{Mutex, MutexGuard};

use gst::glib;
use gst::prelude::*;
use gst::subclass::prelude::*;
use gst_base::subclass::prelude::*;

mod attach;
mod delivery;
mod engine;
mod error;
mod frames;
mod history;
mod imp;
mod settings;
mod shared;

pub use error::Error;
pub use gva_infer::converters::Task;
pub use settings::{InferenceRegion, Settings};

/// How every subclass runs: in place, never passed through.
pub const MODE: gst_base::subclass::BaseTransformMode =
    gst_base::subclass::BaseTransformMode::AlwaysInPlace;

glib::wrapper! {
    /// The abstract base class of the inference elements.
    pub struct GvaBaseInference(ObjectSubclass<imp::GvaBaseInference>)
        @extends gst_base::BaseTransform, gst::Element, gst::Object;
}

/// What an inference element defines on top of [`GvaBaseInference`] (its BaseTransform
/// methods are the class's: a subclass overrides none of them).
pub trait GvaBaseInferenceImpl:
    BaseTransformImpl + ObjectSubclass<Type: IsA<GvaBaseInference>>
{
    /// What the element makes of the model's outputs.
    const TASK: Task;

    /// The element's debug category, which the class logs to.
    fn category() -> gst::DebugCategory;

    /// Sets one of the properties the subclass installs itself (its `ObjectImpl::set_property`):
    /// they are settings of the base class, as the shared ones are.
    fn set_setting(&self, value: &glib::Value, pspec: &glib::ParamSpec) {
        self.obj()
            .upcast_ref::<GvaBaseInference>()
            .settings()
            .set(value, pspec);
    }

    /// The value of one of the properties the subclass installs itself (its
    /// `ObjectImpl::property`).
    fn setting(&self, pspec: &glib::ParamSpec) -> glib::Value {
        self.obj()
            .upcast_ref::<GvaBaseInference>()
            .settings()
            .get(pspec)
    }
}

// SAFETY: the class struct starts with its parent's (`imp::Class` is `repr(C)`), and
// `class_init` chains up before it sets the class's own fields.
unsafe impl<T: GvaBaseInferenceImpl> IsSubclassable<T> for GvaBaseInference {
    fn class_init(class: &mut glib::Class<Self>) {
        Self::parent_class_init::<T>(class);
        let klass = class.as_mut();
        klass.task = T::TASK;
        klass.category = T::category();
    }
}

impl GvaBaseInference {
    /// The element's property values, for the properties a subclass installs itself.
    fn settings(&self) -> MutexGuard<'_, Settings> {
        lock(&self.imp().settings)
    }
}

/// Locks `m`, recovering the data of a poisoned lock (a panic elsewhere must not cascade).
pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}
