//! Regions of interest: `GstVideoRegionOfInterestMeta` with DL Streamer's parameter structures.

use std::ffi::CStr;
use std::fmt;

use gst::glib;
use gst::glib::translate::IntoGlibPtr;
use gst_video::ffi::GstVideoRegionOfInterestMeta;

use crate::tensor::{DETECTION, Key, OBJECT_ID, known, validate_name};
use crate::{Error, Tensor, strings};

/// A rectangle: pixels (`Rect<u32>`) or fractions of the frame (`Rect<f64>`).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Rect<T> {
    /// Left edge.
    pub x: T,
    /// Top edge.
    pub y: T,
    /// Width.
    pub w: T,
    /// Height.
    pub h: T,
}

impl<T> Rect<T> {
    /// A rectangle from its top-left corner and size.
    pub const fn new(x: T, y: T, w: T, h: T) -> Self {
        Self { x, y, w, h }
    }
}

/// A region of interest attached to a buffer, read-only.
#[derive(Clone, Copy)]
pub struct Region<'a> {
    meta: &'a GstVideoRegionOfInterestMeta,
}

impl<'a> Region<'a> {
    /// A view of a raw ROI meta (for bindings that keep their own handles).
    ///
    /// # Safety
    /// `meta` must be a ROI meta attached to a buffer that stays alive and unchanged for `'a`.
    pub unsafe fn from_ptr(meta: *const GstVideoRegionOfInterestMeta) -> Self {
        // SAFETY: caller's contract.
        Self {
            meta: unsafe { &*meta },
        }
    }

    /// The underlying C meta (for code that needs the raw pointer, e.g. Python bindings).
    pub fn as_ptr(&self) -> *const GstVideoRegionOfInterestMeta {
        self.meta
    }

    /// The region's id, unique in the process for regions made by gva-rs and DL Streamer.
    pub fn id(&self) -> i32 {
        self.meta.id
    }

    /// Id of the region this one was found in (roi-list inference); 0 when none.
    pub fn parent_id(&self) -> i32 {
        self.meta.parent_id
    }

    /// The box in pixels of the buffer it is attached to.
    pub fn rect(&self) -> Rect<u32> {
        Rect::new(self.meta.x, self.meta.y, self.meta.w, self.meta.h)
    }

    /// The label (the ROI type); `""` when the region has none.
    pub fn label(&self) -> Result<&'a str, Error> {
        quark_str(self.meta.roi_type)
    }

    /// All parameter structures, in order (`"detection"` first when present).
    pub fn params(&self) -> impl Iterator<Item = &'a Tensor> + 'a {
        ParamsIter {
            list: self.meta.params,
            _region: std::marker::PhantomData,
        }
    }

    /// The parameter structure called `name`.
    pub fn param(&self, name: &str) -> Option<&'a Tensor> {
        self.params().find(|t| t.name() == name)
    }

    fn known_param(&self, known: &'static crate::tensor::Known) -> Option<&'a Tensor> {
        self.params().find(|t| t.is_named(known))
    }

    /// The tensors of this region: every parameter except `"object_id"` (the detection included).
    pub fn tensors(&self) -> impl Iterator<Item = &'a Tensor> + 'a {
        self.params().filter(|t| !t.is_named(&known::OBJECT_ID))
    }

    /// The `"detection"` structure, if the region has one.
    pub fn detection(&self) -> Option<&'a Tensor> {
        self.known_param(&known::DETECTION)
    }

    /// The box as fractions of the frame, from the detection's `x_min, y_min, x_max, y_max`.
    pub fn normalized_rect(&self) -> Result<Rect<f64>, Error> {
        let d = self.detection_or_missing("x_min")?;
        let f = |k| d.f64_of(Key::Known(k));
        let (x_min, y_min) = (f(&known::X_MIN)?, f(&known::Y_MIN)?);
        let (x_max, y_max) = (f(&known::X_MAX)?, f(&known::Y_MAX)?);
        Ok(Rect::new(x_min, y_min, x_max - x_min, y_max - y_min))
    }

    /// The detection's `confidence`.
    pub fn confidence(&self) -> Result<f64, Error> {
        self.detection_or_missing("confidence")?.confidence()
    }

    /// The detection's `label_id`.
    pub fn label_id(&self) -> Result<i32, Error> {
        self.detection_or_missing("label_id")?.label_id()
    }

    /// The tracking id: field `id` of the `"object_id"` structure.
    pub fn object_id(&self) -> Result<i32, Error> {
        match self.known_param(&known::OBJECT_ID) {
            Some(t) => t.i32_of(Key::Known(&known::ID)),
            None => Err(Error::MissingField {
                structure: OBJECT_ID.to_owned(),
                field: "id".to_owned(),
            }),
        }
    }

    fn detection_or_missing(&self, field: &str) -> Result<&'a Tensor, Error> {
        self.detection().ok_or_else(|| Error::MissingField {
            structure: DETECTION.to_owned(),
            field: field.to_owned(),
        })
    }
}

impl fmt::Debug for Region<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Region")
            .field("id", &self.id())
            .field("label", &self.label())
            .field("rect", &self.rect())
            .field("params", &self.params().collect::<Vec<_>>())
            .finish()
    }
}

/// A region of interest attached to a writable buffer.
pub struct RegionMut<'a> {
    meta: &'a mut GstVideoRegionOfInterestMeta,
}

impl<'a> RegionMut<'a> {
    /// A writable view of a raw ROI meta (for bindings that keep their own handles).
    ///
    /// # Safety
    /// `meta` must be a ROI meta attached to a writable buffer, not otherwise accessed for `'a`.
    pub unsafe fn from_ptr(meta: *mut GstVideoRegionOfInterestMeta) -> Self {
        // SAFETY: caller's contract.
        Self {
            meta: unsafe { &mut *meta },
        }
    }

    /// Read access to the same region.
    pub fn as_region(&self) -> Region<'_> {
        Region { meta: self.meta }
    }

    /// Sets the label (the ROI type).
    pub fn set_label(&mut self, label: &str) -> Result<(), Error> {
        let label = strings::c_string(label, "a region label")?;
        // SAFETY: a valid NUL-terminated string.
        self.meta.roi_type = unsafe { glib::ffi::g_quark_from_string(label.as_ptr()) };
        Ok(())
    }

    /// Sets the box in pixels (the detection's normalized box is not changed).
    pub fn set_rect(&mut self, rect: Rect<u32>) {
        (self.meta.x, self.meta.y, self.meta.w, self.meta.h) = (rect.x, rect.y, rect.w, rect.h);
    }

    /// Sets the id of the region this one was found in.
    pub fn set_parent_id(&mut self, parent_id: i32) {
        self.meta.parent_id = parent_id;
    }

    /// Sets the tracking id, creating the `"object_id"` structure if needed.
    pub fn set_object_id(&mut self, object_id: i32) {
        if let Some(t) = self.param_mut(OBJECT_ID) {
            t.structure_mut().set("id", object_id);
            return;
        }
        let s = gst::Structure::builder(OBJECT_ID)
            .field("id", object_id)
            .build();
        self.append(s);
    }

    /// The parameter structure called `name`, for writing.
    pub fn param_mut(&mut self, name: &str) -> Option<&mut Tensor> {
        let mut link = self.meta.params;
        while !link.is_null() {
            // SAFETY: the params list holds structures owned by this meta.
            unsafe {
                let t = Tensor::from_mut_ptr((*link).data as *mut gst::ffi::GstStructure);
                if t.name() == name {
                    return Some(t);
                }
                link = (*link).next;
            }
        }
        None
    }

    /// Every parameter structure for writing, in order.
    pub fn params_mut(&mut self) -> impl Iterator<Item = &mut Tensor> + '_ {
        let mut link = self.meta.params;
        std::iter::from_fn(move || {
            if link.is_null() {
                return None;
            }
            // SAFETY: each structure of the list is visited once, so no two `&mut` alias.
            unsafe {
                let t = Tensor::from_mut_ptr((*link).data as *mut gst::ffi::GstStructure);
                link = (*link).next;
                Some(t)
            }
        })
    }

    /// The `"detection"` structure, created empty (first in the list) if missing, as DL Streamer
    /// does.
    pub fn detection_mut(&mut self) -> &mut Tensor {
        if self.param_mut(DETECTION).is_none() {
            let s = gst::Structure::new_empty(DETECTION);
            // SAFETY: ownership of the structure passes to the list, freed with the meta.
            unsafe {
                self.meta.params = glib::ffi::g_list_prepend(
                    self.meta.params,
                    s.into_glib_ptr() as glib::ffi::gpointer,
                );
                Tensor::from_mut_ptr((*self.meta.params).data as *mut gst::ffi::GstStructure)
            }
        } else {
            // SAFETY: just checked that it exists; re-borrow to satisfy the borrow checker.
            let mut link = self.meta.params;
            unsafe {
                loop {
                    let t = Tensor::from_mut_ptr((*link).data as *mut gst::ffi::GstStructure);
                    if t.name() == DETECTION {
                        return t;
                    }
                    link = (*link).next;
                }
            }
        }
    }

    /// Appends a new, empty parameter structure called `name` and returns it.
    pub fn add_tensor(&mut self, name: &str) -> Result<&mut Tensor, Error> {
        validate_name(name)?;
        Ok(self.append(gst::Structure::new_empty(name)))
    }

    /// Appends a copy of `tensor`, renamed to `name` if given, and returns it.
    pub fn add_tensor_copy(
        &mut self,
        tensor: &Tensor,
        name: Option<&str>,
    ) -> Result<&mut Tensor, Error> {
        if let Some(name) = name {
            validate_name(name)?;
        }
        let mut s = tensor.structure().to_owned();
        if let Some(name) = name {
            s.set_name(name);
        }
        Ok(self.append(s))
    }

    /// Removes the parameter structures called `name`; returns how many were removed.
    pub fn remove_params(&mut self, name: &str) -> usize {
        let mut removed = 0;
        let mut link = self.meta.params;
        while !link.is_null() {
            // SAFETY: list links and structures owned by this meta; a removed link is freed after
            // its successor was read.
            unsafe {
                let next = (*link).next;
                let s = (*link).data as *mut gst::ffi::GstStructure;
                if Tensor::from_ptr(s).name() == name {
                    self.meta.params = glib::ffi::g_list_delete_link(self.meta.params, link);
                    gst::ffi::gst_structure_free(s);
                    removed += 1;
                }
                link = next;
            }
        }
        removed
    }

    fn append(&mut self, s: gst::Structure) -> &mut Tensor {
        // SAFETY: ownership passes to the params list, which the meta frees.
        unsafe {
            let ptr = s.into_glib_ptr();
            gst_video::ffi::gst_video_region_of_interest_meta_add_param(self.meta, ptr);
            Tensor::from_mut_ptr(ptr)
        }
    }
}

impl fmt::Debug for RegionMut<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.as_region(), f)
    }
}

struct ParamsIter<'a> {
    list: *mut glib::ffi::GList,
    _region: std::marker::PhantomData<&'a GstVideoRegionOfInterestMeta>,
}

impl<'a> Iterator for ParamsIter<'a> {
    type Item = &'a Tensor;

    fn next(&mut self) -> Option<&'a Tensor> {
        if self.list.is_null() {
            return None;
        }
        // SAFETY: the list and its structures belong to a meta borrowed for 'a.
        unsafe {
            let s = (*self.list).data as *const gst::ffi::GstStructure;
            self.list = (*self.list).next;
            Some(Tensor::from_ptr(s))
        }
    }
}

/// The string of a quark; `""` for the null quark.
fn quark_str<'a>(quark: glib::ffi::GQuark) -> Result<&'a str, Error> {
    if quark == 0 {
        return Ok("");
    }
    // SAFETY: quark strings live for the whole process.
    let ptr = unsafe { glib::ffi::g_quark_to_string(quark) };
    if ptr.is_null() {
        return Ok("");
    }
    // SAFETY: NUL-terminated, never freed.
    strings::to_str(unsafe { CStr::from_ptr(ptr) }, || {
        "a region label".to_owned()
    })
}
