//! `Tensor`: typed access to a `GstStructure` that follows DL Streamer's field conventions.

use std::ffi::CStr;
use std::fmt;

use gst::glib;
use gst::glib::translate::ToGlibPtr;

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

    /// # Safety
    /// `s` must be a valid structure that outlives `'a`.
    pub(crate) unsafe fn from_ptr<'a>(s: *const gst::ffi::GstStructure) -> &'a Tensor {
        // SAFETY: caller's contract.
        Self::from_structure(unsafe { gst::StructureRef::from_glib_borrow(s) })
    }

    /// # Safety
    /// `s` must be a valid, mutable structure that outlives `'a` and is not aliased.
    pub(crate) unsafe fn from_mut_ptr<'a>(s: *mut gst::ffi::GstStructure) -> &'a mut Tensor {
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
        self.name() == DETECTION
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
        if field.contains('\0') {
            return Err(self.missing(field));
        }
        self.0.value(field).map_err(|_| self.missing(field))
    }

    /// A string field.
    pub fn get_str(&self, field: &str) -> Result<&str, Error> {
        let value = self.value(field)?;
        if !value.type_().is_a(glib::Type::STRING) {
            return Err(self.wrong_type(field, "a string", value));
        }
        // SAFETY: the value holds a string owned by the structure, which `self` borrows.
        let ptr = unsafe { glib::gobject_ffi::g_value_get_string(value.to_glib_none().0) };
        if ptr.is_null() {
            return Err(self.missing(field));
        }
        // SAFETY: GLib strings are NUL-terminated.
        let bytes = unsafe { CStr::from_ptr(ptr) };
        strings::to_str(bytes, || {
            format!("field '{field}' of structure '{}'", self.name())
        })
    }

    /// An `int` field (also accepts `uint` values that fit).
    pub fn get_i32(&self, field: &str) -> Result<i32, Error> {
        let value = self.value(field)?;
        if let Ok(v) = value.get::<i32>() {
            return Ok(v);
        }
        match value.get::<u32>().ok().and_then(|v| i32::try_from(v).ok()) {
            Some(v) => Ok(v),
            None => Err(self.wrong_type(field, "an int", value)),
        }
    }

    /// A `double` field (also accepts `float`).
    pub fn get_f64(&self, field: &str) -> Result<f64, Error> {
        let value = self.value(field)?;
        if let Ok(v) = value.get::<f64>() {
            return Ok(v);
        }
        match value.get::<f32>() {
            Ok(v) => Ok(f64::from(v)),
            Err(_) => Err(self.wrong_type(field, "a double", value)),
        }
    }

    /// Sets a string field.
    pub fn set_str(&mut self, field: &str, value: &str) -> Result<(), Error> {
        check_field_name(field)?;
        strings::c_string(value, "a string value")?;
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
        match self.get_i32("precision") {
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
        match self.get_i32("layout") {
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
        let value = self.value("dims")?;
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
        let value = self.value("data_buffer")?;
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
        self.get_str("label")
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
        self.get_i32("label_id")
    }

    /// Sets `label_id`.
    pub fn set_label_id(&mut self, label_id: i32) {
        self.0.set("label_id", label_id);
    }

    /// `confidence`.
    pub fn confidence(&self) -> Result<f64, Error> {
        self.get_f64("confidence")
    }

    /// Sets `confidence`.
    pub fn set_confidence(&mut self, confidence: f64) {
        self.0.set("confidence", confidence);
    }

    /// `object_id` field of this tensor (not the region's tracking id, see `Region::object_id`).
    pub fn object_id(&self) -> Result<i32, Error> {
        self.get_i32("object_id")
    }

    /// `tensor_id`: the frame's index in the batch.
    pub fn tensor_id(&self) -> Result<i32, Error> {
        self.get_i32("tensor_id")
    }

    /// `model_name`.
    pub fn model_name(&self) -> Result<&str, Error> {
        self.get_str("model_name")
    }

    /// `layer_name`.
    pub fn layer_name(&self) -> Result<&str, Error> {
        self.get_str("layer_name")
    }

    /// `element_id`: the producing element's `model-instance-id` or name.
    pub fn element_id(&self) -> Result<&str, Error> {
        self.get_str("element_id")
    }

    /// `format`: a rendering hint such as `landmark_points`.
    pub fn format(&self) -> Result<&str, Error> {
        self.get_str("format")
    }

    /// `type`: `"classification_result"` for label/text converter outputs.
    pub fn type_(&self) -> Result<&str, Error> {
        self.get_str("type")
    }

    /// `extra_params_json`: the JSON text given as `extra_params` when the region was added.
    pub fn extra_params_json(&self) -> Result<&str, Error> {
        self.get_str("extra_params_json")
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
    strings::c_string(field, "a field name").map(drop)
}
