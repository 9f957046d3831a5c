//! The subclass boilerplate of the three inference elements, written once.
//!
//! gvainference, gvadetect and gvaclassify differ only in their names, metadata and [`Kind`];
//! everything they do is in [`crate::base_inference::element`]. Each element's `imp.rs` is one
//! [`inference_element!`] invocation.
//!
//! [`Kind`]: crate::base_inference::Kind

/// Defines an inference element's private struct and its GObject/GStreamer subclass impls.
macro_rules! inference_element {
    (
        struct $imp:ident: $wrapper:ty,
        type_name: $type_name:literal,
        kind: $kind:expr,
        debug: ($cat_name:literal, $cat_description:literal),
        metadata: ($long_name:literal, $description:literal) $(,)?
    ) => {
        use std::sync::{LazyLock, Mutex};

        use gst::glib;
        use gst::subclass::prelude::*;
        use gst_base::subclass::prelude::*;

        use $crate::base_inference::{Kind, Running, Settings};

        const KIND: Kind = $kind;

        static CAT: LazyLock<gst::DebugCategory> = LazyLock::new(|| {
            gst::DebugCategory::new(
                $cat_name,
                gst::DebugColorFlags::empty(),
                Some($cat_description),
            )
        });

        /// The element's private data.
        pub struct $imp {
            settings: Mutex<Settings>,
            state: Mutex<Option<Running>>,
        }

        impl Default for $imp {
            fn default() -> Self {
                Self {
                    settings: Mutex::new(Settings::for_kind(KIND)),
                    state: Mutex::new(None),
                }
            }
        }

        #[glib::object_subclass]
        impl ObjectSubclass for $imp {
            const NAME: &'static str = $type_name;
            type Type = $wrapper;
            type ParentType = gst_base::BaseTransform;
        }

        impl ObjectImpl for $imp {
            fn constructed(&self) {
                self.parent_constructed();
                $crate::use_dl_streamer_default_name(&*self.obj());
            }

            fn properties() -> &'static [glib::ParamSpec] {
                static PROPS: LazyLock<Vec<glib::ParamSpec>> =
                    LazyLock::new(|| Settings::properties(KIND));
                PROPS.as_ref()
            }

            fn set_property(&self, _id: usize, value: &glib::Value, pspec: &glib::ParamSpec) {
                $crate::base_inference::lock(&self.settings).set(value, pspec);
            }

            fn property(&self, _id: usize, pspec: &glib::ParamSpec) -> glib::Value {
                $crate::base_inference::lock(&self.settings).get(pspec)
            }
        }

        impl GstObjectImpl for $imp {}

        impl ElementImpl for $imp {
            fn metadata() -> Option<&'static gst::subclass::ElementMetadata> {
                static META: LazyLock<gst::subclass::ElementMetadata> = LazyLock::new(|| {
                    gst::subclass::ElementMetadata::new(
                        $long_name,
                        "Filter/Video",
                        $description,
                        "gva-rs",
                    )
                });
                Some(&*META)
            }

            fn pad_templates() -> &'static [gst::PadTemplate] {
                $crate::base_inference::pad_templates()
            }
        }

        impl BaseTransformImpl for $imp {
            const MODE: gst_base::subclass::BaseTransformMode =
                gst_base::subclass::BaseTransformMode::AlwaysInPlace;
            const PASSTHROUGH_ON_SAME_CAPS: bool = false;
            const TRANSFORM_IP_ON_PASSTHROUGH: bool = false;

            fn start(&self) -> Result<(), gst::ErrorMessage> {
                $crate::base_inference::start(&*self.obj(), &self.settings, &self.state, KIND, &CAT)
            }

            fn stop(&self) -> Result<(), gst::ErrorMessage> {
                *$crate::base_inference::lock(&self.state) = None;
                Ok(())
            }

            fn set_caps(
                &self,
                incaps: &gst::Caps,
                _outcaps: &gst::Caps,
            ) -> Result<(), gst::LoggableError> {
                $crate::base_inference::set_caps(&*self.obj(), &self.state, incaps, &CAT)
            }

            fn sink_event(&self, event: gst::Event) -> bool {
                $crate::base_inference::drain_before(&*self.obj(), &self.state, &event);
                self.parent_sink_event(event)
            }

            fn generate_output(
                &self,
            ) -> Result<gst_base::subclass::base_transform::GenerateOutputSuccess, gst::FlowError>
            {
                match self.take_queued_buffer() {
                    Some(buffer) => {
                        $crate::base_inference::generate_output(&*self.obj(), &self.state, buffer)
                    }
                    None => Ok(gst_base::subclass::base_transform::GenerateOutputSuccess::NoOutput),
                }
            }
        }
    };
}

pub(crate) use inference_element;
