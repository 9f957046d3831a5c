//! The GStreamer vfuncs that reach application code, written once for every element: each is
//! the parent class's, entered through the gate.
//!
//! gstreamer-rs installs a Rust trampoline for every vfunc of a subclass, overridden or not, so
//! every event, query and message that passes one of our elements has Rust frames under it
//! while it travels on — into a pad probe, a signal handler, a bus sync handler. These are the
//! vfuncs that pass things on while those frames are on the stack:
//!
//! - `sink_event`, `src_event`: forward the event to the next element (`BaseTransform`).
//! - `query`: answers or forwards a query arriving on either pad (`BaseTransform`).
//! - `submit_input_buffer`: takes a frame in; renegotiation pushes caps and queries from there
//!   (`BaseTransform`; the frame itself is pushed by C code once the vfuncs have returned).
//! - `post_message`: every message the element posts (errors, warnings, state changes, QoS),
//!   whoever posts it (`Element`).
//!
//! Once the gate is closed, an event or query is dropped (`false`), a frame is dropped
//! (`FLUSHING`), a message is dropped (`false`). An element that overrides one of them itself
//! starts its override with `let Some(_inside) = gva_exit_gate::enter() else { … }` instead.

/// Writes, inside `impl BaseTransformImpl for …`, each named vfunc (`sink_event`, `src_event`,
/// `query`, `submit_input_buffer`) as the parent class's behind the gate.
///
/// ```ignore
/// impl BaseTransformImpl for MyElement {
///     // …
///     gva_exit_gate::gated_transform_vfuncs!(sink_event, src_event, query, submit_input_buffer);
/// }
/// ```
#[macro_export]
macro_rules! gated_transform_vfuncs {
    ($($vfunc:ident),+ $(,)?) => {
        $($crate::gated_transform_vfuncs!(@ $vfunc);)+
    };
    (@ sink_event) => {
        fn sink_event(&self, event: $crate::__private::gst::Event) -> bool {
            let Some(_inside) = $crate::enter() else {
                return false;
            };
            $crate::__private::BaseTransformImplExt::parent_sink_event(self, event)
        }
    };
    (@ src_event) => {
        fn src_event(&self, event: $crate::__private::gst::Event) -> bool {
            let Some(_inside) = $crate::enter() else {
                return false;
            };
            $crate::__private::BaseTransformImplExt::parent_src_event(self, event)
        }
    };
    (@ query) => {
        fn query(
            &self,
            direction: $crate::__private::gst::PadDirection,
            query: &mut $crate::__private::gst::QueryRef,
        ) -> bool {
            let Some(_inside) = $crate::enter() else {
                return false;
            };
            $crate::__private::BaseTransformImplExt::parent_query(self, direction, query)
        }
    };
    (@ submit_input_buffer) => {
        fn submit_input_buffer(
            &self,
            is_discont: bool,
            inbuf: $crate::__private::gst::Buffer,
        ) -> ::std::result::Result<
            $crate::__private::gst::FlowSuccess,
            $crate::__private::gst::FlowError,
        > {
            let Some(_inside) = $crate::enter() else {
                return Err($crate::__private::gst::FlowError::Flushing);
            };
            $crate::__private::BaseTransformImplExt::parent_submit_input_buffer(
                self, is_discont, inbuf,
            )
        }
    };
}

/// Writes, inside `impl ElementImpl for …`, `post_message` as the parent class's behind the
/// gate.
#[macro_export]
macro_rules! gated_post_message {
    () => {
        fn post_message(&self, msg: $crate::__private::gst::Message) -> bool {
            let Some(_inside) = $crate::enter() else {
                return false;
            };
            $crate::__private::ElementImplExt::parent_post_message(self, msg)
        }
    };
}
