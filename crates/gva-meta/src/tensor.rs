//! `Tensor`: typed access to a `GstStructure` that follows DL Streamer's field conventions.

use std::ffi::CStr;
use std::fmt;
use std::sync::OnceLock;

use gst::glib;
use gst::glib::translate::{IntoGlib, ToGlibPtr};

use crate::{Error, Layout, Precision, strings};

/// Name of the structure that holds a region's detection result.
pub const DETECTION: &str = "detection";
/// Name of the structure that holds a region's tracking id.
pub const OBJECT_ID: &str = "object_id";

/// An inference result stored as a `GstStructure` (a region parameter or a `GstGVATensorMeta`).
///
/// `Tensor` is a view: `&Tensor` / `&mut Tensor` borrow the structure from the metadata that owns
/// it. Getters return [`Error::MissingField`] for absent fields (use
/// [`OptionalField::optional`](crate::OptionalField::optional) to get an `Option`) and
/// [`Error::FieldType`] when a field holds another type than the convention says.
#[repr(transparent)]
pub struct Tensor(gst::StructureRef);

impl Tensor {
    /// Views a structure as a tensor.
    pub fn from_structure(s: &gst::StructureRef) -> &Tensor {
        // SAFETY: `Tensor` is a transparent wrapper of `StructureRef`.
        unsafe { &*(s as *const gst::StructureRef as *const Tensor) }
    }

    /// Views a structure as a mutable tensor.
    pub fn from_structure_mut(s: &mut gst::StructureRef) -> &mut Tensor {
        // SAFETY: `Tensor` is a transparent wrapper of `StructureRef`.
        unsafe { &mut *(s as *mut gst::StructureRef as *mut Tensor) }
    }

    /// A view of a raw structure (for bindings that keep their own handles).
    ///
    /// # Safety
    /// `s` must be a valid structure that outlives `'a`.
    pub unsafe fn from_ptr<'a>(s: *const gst::ffi::GstStructure) -> &'a Tensor {
        // SAFETY: caller's contract.
        Self::from_structure(unsafe { gst::StructureRef::from_glib_borrow(s) })
    }

    /// A writable view of a raw structure (for bindings that keep their own handles).
    ///
    /// # Safety
    /// `s` must be a valid, mutable structure that outlives `'a` and is not aliased.
    pub unsafe fn from_mut_ptr<'a>(s: *mut gst::ffi::GstStructure) -> &'a mut Tensor {
        // SAFETY: caller's contract.
        Self::from_structure_mut(unsafe { gst::StructureRef::from_glib_borrow_mut(s) })
    }

    /// The underlying structure.
    pub fn structure(&self) -> &gst::StructureRef {
        &self.0
    }

    /// The underlying structure, for writing fields this type has no setter for.
    pub fn structure_mut(&mut self) -> &mut gst::StructureRef {
        &mut self.0
    }

    /// Structure name: `"detection"`, an attribute name, `"meta"` for a fresh tensor meta, …
    pub fn name(&self) -> &str {
        self.0.name().as_str()
    }

    /// Renames the structure; the name must be one GStreamer accepts.
    pub fn set_name(&mut self, name: &str) -> Result<(), Error> {
        validate_name(name)?;
        self.0.set_name(name);
        Ok(())
    }

    /// Whether this is a region's detection result (structure name `"detection"`).
    pub fn is_detection(&self) -> bool {
        self.is_named(&known::DETECTION)
    }

    /// Field names in insertion order.
    pub fn fields(&self) -> impl Iterator<Item = &str> + '_ {
        self.0.fields().map(|f| f.as_str())
    }

    /// Whether the field exists, whatever its value (`0`, `""` included).
    pub fn has_field(&self, field: &str) -> bool {
        !field.contains('\0') && self.0.has_field(field)
    }

    /// Removes a field; absent fields are ignored.
    pub fn remove_field(&mut self, field: &str) {
        if self.has_field(field) {
            self.0.remove_field(field);
        }
    }

    /// Number of fields.
    pub fn len(&self) -> usize {
        self.0.n_fields()
    }

    /// Whether the structure has no fields.
    pub fn is_empty(&self) -> bool {
        self.0.n_fields() == 0
    }

    /// The raw value of a field.
    pub fn value(&self, field: &str) -> Result<&glib::SendValue, Error> {
        self.lookup(Key::Name(field))
    }

    /// A string field.
    pub fn get_str(&self, field: &str) -> Result<&str, Error> {
        self.str_of(Key::Name(field))
    }

    /// An `int` field (also accepts `uint` values that fit).
    pub fn get_i32(&self, field: &str) -> Result<i32, Error> {
        self.i32_of(Key::Name(field))
    }

    /// A `double` field (other numeric types convert).
    pub fn get_f64(&self, field: &str) -> Result<f64, Error> {
        self.f64_of(Key::Name(field))
    }

    fn lookup(&self, key: Key<'_>) -> Result<&glib::SendValue, Error> {
        let found = match key {
            Key::Name(name) if name.contains('\0') => None,
            Key::Name(name) => self.0.value(name).ok(),
            // SAFETY: a valid structure borrowed by `self`; the value lives as long as it.
            Key::Known(known) => unsafe {
                let v = gst::ffi::gst_structure_id_get_value(
                    self.0.as_ptr(),
                    known.quark().into_glib(),
                );
                (!v.is_null()).then(|| &*(v as *const glib::SendValue))
            },
        };
        found.ok_or_else(|| self.missing(key.name()))
    }

    fn str_of(&self, key: Key<'_>) -> Result<&str, Error> {
        let value = self.lookup(key)?;
        if !value.type_().is_a(glib::Type::STRING) {
            return Err(self.wrong_type(key.name(), "a string", value));
        }
        // SAFETY: the value holds a string owned by the structure, which `self` borrows.
        let ptr = unsafe { glib::gobject_ffi::g_value_get_string(value.to_glib_none().0) };
        if ptr.is_null() {
            return Err(self.missing(key.name()));
        }
        // SAFETY: GLib strings are NUL-terminated.
        let bytes = unsafe { CStr::from_ptr(ptr) };
        strings::to_str(bytes, || {
            format!("field '{}' of structure '{}'", key.name(), self.name())
        })
    }

    pub(crate) fn i32_of(&self, key: Key<'_>) -> Result<i32, Error> {
        let value = self.lookup(key)?;
        if let Ok(v) = value.get::<i32>() {
            return Ok(v);
        }
        match value.get::<u32>().ok().and_then(|v| i32::try_from(v).ok()) {
            Some(v) => Ok(v),
            None => Err(self.wrong_type(key.name(), "an int", value)),
        }
    }

    pub(crate) fn f64_of(&self, key: Key<'_>) -> Result<f64, Error> {
        let value = self.lookup(key)?;
        if let Ok(v) = value.get::<f64>() {
            return Ok(v);
        }
        // Other numbers convert, as DL Streamer's readers do.
        let converted = (value.get::<f32>().map(f64::from))
            .or_else(|_| value.get::<i32>().map(f64::from))
            .or_else(|_| value.get::<u32>().map(f64::from))
            .or_else(|_| value.get::<i64>().map(|v| v as f64))
            .or_else(|_| value.get::<u64>().map(|v| v as f64));
        converted.map_err(|_| self.wrong_type(key.name(), "a number", value))
    }

    /// Whether the structure is called `known` (a quark comparison, no string work).
    pub(crate) fn is_named(&self, known: &'static Known) -> bool {
        // SAFETY: a valid structure borrowed by `self`.
        unsafe { gst::ffi::gst_structure_get_name_id(self.0.as_ptr()) == known.quark().into_glib() }
    }

    /// Sets a string field.
    pub fn set_str(&mut self, field: &str, value: &str) -> Result<(), Error> {
        check_field_name(field)?;
        strings::check_no_nul(value, "a string value")?;
        self.0.set(field, value);
        Ok(())
    }

    /// Sets an `int` field.
    pub fn set_i32(&mut self, field: &str, value: i32) -> Result<(), Error> {
        check_field_name(field)?;
        self.0.set(field, value);
        Ok(())
    }

    /// Sets a `double` field.
    pub fn set_f64(&mut self, field: &str, value: f64) -> Result<(), Error> {
        check_field_name(field)?;
        self.0.set(field, value);
        Ok(())
    }

    /// `precision`; an absent field reads as [`Precision::Unspecified`], like DL Streamer.
    pub fn precision(&self) -> Result<Precision, Error> {
        match self.i32_of(Key::Known(&known::PRECISION)) {
            Ok(v) => Precision::try_from(v),
            Err(Error::MissingField { .. }) => Ok(Precision::Unspecified),
            Err(e) => Err(e),
        }
    }

    /// Sets `precision`.
    pub fn set_precision(&mut self, precision: Precision) {
        self.0.set("precision", precision as i32);
    }

    /// `layout`; an absent field reads as [`Layout::Any`], like DL Streamer.
    pub fn layout(&self) -> Result<Layout, Error> {
        match self.i32_of(Key::Known(&known::LAYOUT)) {
            Ok(v) => Layout::try_from(v),
            Err(Error::MissingField { .. }) => Ok(Layout::Any),
            Err(e) => Err(e),
        }
    }

    /// Sets `layout`.
    pub fn set_layout(&mut self, layout: Layout) {
        self.0.set("layout", layout as i32);
    }

    /// `dims`: the output blob's dimensions (a `GstValueArray` of `uint`).
    pub fn dims(&self) -> Result<Vec<u32>, Error> {
        let value = self.lookup(Key::Known(&known::DIMS))?;
        let Ok(array) = value.get::<gst::ArrayRef>() else {
            return Err(self.wrong_type("dims", "an array of uint", value));
        };
        array
            .as_slice()
            .iter()
            .map(|v| {
                v.get::<u32>()
                    .ok()
                    .or_else(|| v.get::<i32>().ok().and_then(|i| u32::try_from(i).ok()))
                    .ok_or_else(|| self.wrong_type("dims", "an array of uint", v))
            })
            .collect()
    }

    /// Sets `dims`.
    pub fn set_dims(&mut self, dims: &[u32]) {
        self.0.set("dims", gst::Array::new(dims.iter().copied()));
    }

    /// `data_buffer`: the raw blob bytes (a `GVariant` of type `ay`), borrowed from the structure.
    pub fn data(&self) -> Result<&[u8], Error> {
        let value = self.lookup(Key::Known(&known::DATA_BUFFER))?;
        if !value.type_().is_a(glib::Type::VARIANT) {
            return Err(self.wrong_type("data_buffer", "a GVariant of type 'ay'", value));
        }
        // SAFETY: the value holds a variant owned by the structure, which `self` borrows; GVariants
        // are immutable, so the bytes stay put for that borrow.
        unsafe {
            let variant = glib::gobject_ffi::g_value_get_variant(value.to_glib_none().0);
            if variant.is_null() {
                return Err(self.missing("data_buffer"));
            }
            let ay: *const glib::ffi::GVariantType = glib::VariantTy::BYTE_STRING.to_glib_none().0;
            if glib::ffi::g_variant_is_of_type(variant, ay) == glib::ffi::GFALSE {
                return Err(self.wrong_type("data_buffer", "a GVariant of type 'ay'", value));
            }
            let mut len = 0usize;
            let ptr = glib::ffi::g_variant_get_fixed_array(variant, &mut len, 1);
            if ptr.is_null() || len == 0 {
                return Ok(&[]);
            }
            Ok(std::slice::from_raw_parts(ptr as *const u8, len))
        }
    }

    /// Sets `data_buffer` to a copy of `bytes`.
    pub fn set_data(&mut self, bytes: &[u8]) {
        self.0
            .set("data_buffer", glib::Variant::array_from_fixed_array(bytes));
    }

    /// `label`; a detection tensor has none ([`Error::DetectionLabel`]), as in DL Streamer.
    pub fn label(&self) -> Result<&str, Error> {
        if self.is_detection() {
            return Err(Error::DetectionLabel);
        }
        self.str_of(Key::Known(&known::LABEL))
    }

    /// Sets `label`; refused on a detection tensor, as in DL Streamer.
    pub fn set_label(&mut self, label: &str) -> Result<(), Error> {
        if self.is_detection() {
            return Err(Error::DetectionLabel);
        }
        self.set_str("label", label)
    }

    /// `label_id`: the class index.
    pub fn label_id(&self) -> Result<i32, Error> {
        self.i32_of(Key::Known(&known::LABEL_ID))
    }

    /// Sets `label_id`.
    pub fn set_label_id(&mut self, label_id: i32) {
        self.0.set("label_id", label_id);
    }

    /// `confidence`.
    pub fn confidence(&self) -> Result<f64, Error> {
        self.f64_of(Key::Known(&known::CONFIDENCE))
    }

    /// Sets `confidence`.
    pub fn set_confidence(&mut self, confidence: f64) {
        self.0.set("confidence", confidence);
    }

    /// `object_id` field of this tensor (not the region's tracking id, see `Region::object_id`).
    pub fn object_id(&self) -> Result<i32, Error> {
        self.i32_of(Key::Known(&known::OBJECT_ID_FIELD))
    }

    /// Sets `object_id`.
    pub fn set_object_id(&mut self, object_id: i32) {
        self.0.set("object_id", object_id);
    }

    /// `tensor_id`: the frame's index in the batch.
    pub fn tensor_id(&self) -> Result<i32, Error> {
        self.i32_of(Key::Known(&known::TENSOR_ID))
    }

    /// Sets `tensor_id`.
    pub fn set_tensor_id(&mut self, tensor_id: i32) {
        self.0.set("tensor_id", tensor_id);
    }

    /// `model_name`.
    pub fn model_name(&self) -> Result<&str, Error> {
        self.str_of(Key::Known(&known::MODEL_NAME))
    }

    /// Sets `model_name`.
    pub fn set_model_name(&mut self, value: &str) -> Result<(), Error> {
        self.set_str("model_name", value)
    }

    /// `layer_name`.
    pub fn layer_name(&self) -> Result<&str, Error> {
        self.str_of(Key::Known(&known::LAYER_NAME))
    }

    /// Sets `layer_name`.
    pub fn set_layer_name(&mut self, value: &str) -> Result<(), Error> {
        self.set_str("layer_name", value)
    }

    /// `element_id`: the producing element's `model-instance-id` or name.
    pub fn element_id(&self) -> Result<&str, Error> {
        self.str_of(Key::Known(&known::ELEMENT_ID))
    }

    /// Sets `element_id`.
    pub fn set_element_id(&mut self, value: &str) -> Result<(), Error> {
        self.set_str("element_id", value)
    }

    /// `format`: a rendering hint such as `landmark_points`.
    pub fn format(&self) -> Result<&str, Error> {
        self.str_of(Key::Known(&known::FORMAT))
    }

    /// Sets `format`.
    pub fn set_format(&mut self, value: &str) -> Result<(), Error> {
        self.set_str("format", value)
    }

    /// `type`: `"classification_result"` for label/text converter outputs.
    pub fn type_(&self) -> Result<&str, Error> {
        self.str_of(Key::Known(&known::TYPE))
    }

    /// Sets `type`.
    pub fn set_type(&mut self, value: &str) -> Result<(), Error> {
        self.set_str("type", value)
    }

    /// `extra_params_json`: the JSON text given as `extra_params` when the region was added.
    pub fn extra_params_json(&self) -> Result<&str, Error> {
        self.str_of(Key::Known(&known::EXTRA_PARAMS_JSON))
    }

    /// Sets `extra_params_json`.
    pub fn set_extra_params_json(&mut self, value: &str) -> Result<(), Error> {
        self.set_str("extra_params_json", value)
    }

    fn missing(&self, field: &str) -> Error {
        Error::MissingField {
            structure: self.name().to_owned(),
            field: field.to_owned(),
        }
    }

    fn wrong_type(&self, field: &str, expected: &'static str, value: &glib::Value) -> Error {
        Error::FieldType {
            structure: self.name().to_owned(),
            field: field.to_owned(),
            expected,
            actual: value.type_().name().to_owned(),
        }
    }
}

impl fmt::Debug for Tensor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

/// How a field is named: by a caller's string, or by a well-known name whose quark is cached.
#[derive(Clone, Copy)]
pub(crate) enum Key<'a> {
    Name(&'a str),
    Known(&'static Known),
}

impl Key<'_> {
    fn name(&self) -> &str {
        match self {
            Key::Name(n) => n,
            Key::Known(k) => k.name,
        }
    }
}

/// A field or structure name of DL Streamer's conventions, with its GQuark looked up once
/// (a quark look-up by string takes GLib's global quark lock; the hot read paths avoid it).
pub(crate) struct Known {
    name: &'static str,
    quark: OnceLock<glib::Quark>,
}

impl Known {
    const fn new(name: &'static str) -> Self {
        Self {
            name,
            quark: OnceLock::new(),
        }
    }

    pub(crate) fn quark(&self) -> glib::Quark {
        *self.quark.get_or_init(|| glib::Quark::from_str(self.name))
    }
}

/// The well-known names.
pub(crate) mod known {
    use super::Known;

    pub(crate) static DETECTION: Known = Known::new(super::DETECTION);
    pub(crate) static OBJECT_ID: Known = Known::new(super::OBJECT_ID);
    pub(crate) static ID: Known = Known::new("id");
    pub(crate) static X_MIN: Known = Known::new("x_min");
    pub(crate) static Y_MIN: Known = Known::new("y_min");
    pub(crate) static X_MAX: Known = Known::new("x_max");
    pub(crate) static Y_MAX: Known = Known::new("y_max");
    pub(crate) static CONFIDENCE: Known = Known::new("confidence");
    pub(crate) static LABEL: Known = Known::new("label");
    pub(crate) static LABEL_ID: Known = Known::new("label_id");
    pub(crate) static OBJECT_ID_FIELD: Known = Known::new("object_id");
    pub(crate) static TENSOR_ID: Known = Known::new("tensor_id");
    pub(crate) static PRECISION: Known = Known::new("precision");
    pub(crate) static LAYOUT: Known = Known::new("layout");
    pub(crate) static DIMS: Known = Known::new("dims");
    pub(crate) static DATA_BUFFER: Known = Known::new("data_buffer");
    pub(crate) static MODEL_NAME: Known = Known::new("model_name");
    pub(crate) static LAYER_NAME: Known = Known::new("layer_name");
    pub(crate) static ELEMENT_ID: Known = Known::new("element_id");
    pub(crate) static FORMAT: Known = Known::new("format");
    pub(crate) static TYPE: Known = Known::new("type");
    pub(crate) static EXTRA_PARAMS_JSON: Known = Known::new("extra_params_json");
}

/// Whether GStreamer would accept `name` as a structure name (it CRITICALs otherwise).
pub(crate) fn validate_name(name: &str) -> Result<(), Error> {
    let mut chars = name.chars();
    let valid = chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || "/-_.:+".contains(c));
    if valid {
        Ok(())
    } else {
        Err(Error::InvalidName(name.to_owned()))
    }
}

fn check_field_name(field: &str) -> Result<(), Error> {
    strings::check_no_nul(field, "a field name")
}
