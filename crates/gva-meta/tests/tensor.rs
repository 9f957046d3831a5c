//! `Tensor`: every typed getter and setter over DL Streamer's structure field conventions.

use gst::glib;
use gva_meta::{Error, Layout, OptionalField, Precision, Tensor};

mod common;
use common::{assert_no_criticals, init};

/// An empty structure called `name`, to view as a tensor.
fn structure(name: &str) -> gst::Structure {
    init();
    gst::Structure::new_empty(name)
}

fn missing(structure: &str, field: &str) -> Error {
    Error::MissingField {
        structure: structure.into(),
        field: field.into(),
    }
}

fn wrong_type(field: &str, expected: &'static str, actual: &str) -> Error {
    Error::FieldType {
        structure: "classification".into(),
        field: field.into(),
        expected,
        actual: actual.into(),
    }
}

/// DL Streamer's `GVAPrecision` table: value, name, bytes per element.
const PRECISIONS: [(Precision, i32, &str, Option<usize>); 19] = [
    (Precision::Unspecified, 255, "UNSPECIFIED", None),
    (Precision::Fp32, 10, "FP32", Some(4)),
    (Precision::Fp16, 11, "FP16", Some(2)),
    (Precision::Bf16, 12, "BF16", Some(2)),
    (Precision::Fp64, 13, "FP64", Some(8)),
    (Precision::Q78, 20, "Q78", Some(2)),
    (Precision::I16, 30, "I16", Some(2)),
    (Precision::U4, 39, "U4", None),
    (Precision::U8, 40, "U8", Some(1)),
    (Precision::Bool, 41, "BOOL", Some(1)),
    (Precision::I4, 49, "I4", None),
    (Precision::I8, 50, "I8", Some(1)),
    (Precision::U16, 60, "U16", Some(2)),
    (Precision::I32, 70, "I32", Some(4)),
    (Precision::Bin, 71, "BIN", None),
    (Precision::I64, 72, "I64", Some(8)),
    (Precision::U64, 73, "U64", Some(8)),
    (Precision::U32, 74, "U32", Some(4)),
    (Precision::Custom, 80, "CUSTOM", None),
];

/// DL Streamer's `GVALayout` table: value, name.
const LAYOUTS: [(Layout, i32, &str); 4] = [
    (Layout::Any, 0, "ANY"),
    (Layout::Nchw, 1, "NCHW"),
    (Layout::Nhwc, 2, "NHWC"),
    (Layout::Nc, 193, "NC"),
];

#[test]
fn name_and_set_name() {
    let mut s = structure("classification");
    let t = Tensor::from_structure_mut(&mut s);
    assert_eq!(t.name(), "classification");
    assert!(!t.is_detection());

    t.set_name("classification_layer_name:prob/out-1.2+x")
        .unwrap();
    assert_eq!(t.name(), "classification_layer_name:prob/out-1.2+x");

    for bad in ["", "1abc", "_x", "with space", "ünïcode", "a\0b"] {
        assert_eq!(
            t.set_name(bad),
            Err(Error::InvalidName(bad.into())),
            "{bad:?}"
        );
    }
    assert_eq!(t.name(), "classification_layer_name:prob/out-1.2+x");

    t.set_name("detection").unwrap();
    assert!(t.is_detection());
    assert_eq!(s.name(), "detection");
    assert_no_criticals();
}

#[test]
fn precision_round_trips_every_value() {
    let mut s = structure("classification");
    let t = Tensor::from_structure_mut(&mut s);
    assert_eq!(Precision::ALL.len(), PRECISIONS.len());
    for (precision, value, name, size) in PRECISIONS {
        assert!(Precision::ALL.contains(&precision));
        t.set_precision(precision);
        assert_eq!(t.precision().unwrap(), precision);
        assert_eq!(t.get_i32("precision").unwrap(), value, "{name}");
        assert_eq!(t.value("precision").unwrap().type_().name(), "gint");
        assert_eq!(precision.as_str(), name);
        assert_eq!(precision.element_size(), size, "{name}");
        assert_eq!(Precision::try_from(value).unwrap(), precision);

        t.set_i32("precision", value).unwrap();
        assert_eq!(t.precision().unwrap(), precision);
    }
    // One field, overwritten each time.
    assert_eq!(t.len(), 1);
}

#[test]
fn layout_round_trips_every_value() {
    let mut s = structure("classification");
    let t = Tensor::from_structure_mut(&mut s);
    assert_eq!(Layout::ALL.len(), LAYOUTS.len());
    for (layout, value, name) in LAYOUTS {
        assert!(Layout::ALL.contains(&layout));
        t.set_layout(layout);
        assert_eq!(t.layout().unwrap(), layout);
        assert_eq!(t.get_i32("layout").unwrap(), value, "{name}");
        assert_eq!(t.value("layout").unwrap().type_().name(), "gint");
        assert_eq!(layout.as_str(), name);
        assert_eq!(Layout::try_from(value).unwrap(), layout);

        t.set_i32("layout", value).unwrap();
        assert_eq!(t.layout().unwrap(), layout);
    }
    assert_eq!(t.len(), 1);
}

#[test]
fn absent_precision_and_layout_have_dlstreamer_defaults() {
    let s = structure("classification");
    let t = Tensor::from_structure(&s);
    assert_eq!(t.precision().unwrap(), Precision::Unspecified);
    assert_eq!(t.layout().unwrap(), Layout::Any);
}

#[test]
fn unknown_precision_and_layout_values_are_errors() {
    let mut s = structure("classification");
    let t = Tensor::from_structure_mut(&mut s);
    t.set_i32("precision", 7).unwrap();
    t.set_i32("layout", 3).unwrap();
    assert_eq!(t.precision(), Err(Error::UnknownPrecision(7)));
    assert_eq!(t.layout(), Err(Error::UnknownLayout(3)));
    assert_eq!(Precision::try_from(-1), Err(Error::UnknownPrecision(-1)));
    assert_eq!(Layout::try_from(194), Err(Error::UnknownLayout(194)));

    t.set_str("precision", "FP32").unwrap();
    t.set_f64("layout", 1.0).unwrap();
    assert_eq!(
        t.precision(),
        Err(wrong_type("precision", "an int", "gchararray"))
    );
    assert_eq!(t.layout(), Err(wrong_type("layout", "an int", "gdouble")));
}

#[test]
fn dims_round_trip_as_a_value_array_of_uint() {
    let mut s = structure("classification");
    let t = Tensor::from_structure_mut(&mut s);
    assert_eq!(t.dims(), Err(missing("classification", "dims")));

    t.set_dims(&[1, 3, 224, 224]);
    assert_eq!(t.dims().unwrap(), [1, 3, 224, 224]);
    let value = t.value("dims").unwrap();
    assert_eq!(value.type_().name(), "GstValueArray");
    let array = value.get::<gst::Array>().unwrap();
    let elements: Vec<&str> = array.as_slice().iter().map(|v| v.type_().name()).collect();
    assert_eq!(elements, ["guint"; 4]);
    let values: Vec<u32> = array
        .as_slice()
        .iter()
        .map(|v| v.get::<u32>().unwrap())
        .collect();
    assert_eq!(values, [1, 3, 224, 224]);

    t.set_dims(&[u32::MAX]);
    assert_eq!(t.dims().unwrap(), [u32::MAX]);
    t.set_dims(&[]);
    assert_eq!(t.dims().unwrap(), Vec::<u32>::new());
    assert_eq!(t.len(), 1);
}

#[test]
fn dims_of_another_type_are_errors() {
    let mut s = structure("classification");
    s.set("dims", "1x3");
    assert_eq!(
        Tensor::from_structure(&s).dims(),
        Err(wrong_type("dims", "an array of uint", "gchararray"))
    );
    s.set("dims", gst::Array::new(["a", "b"]));
    assert_eq!(
        Tensor::from_structure(&s).dims(),
        Err(wrong_type("dims", "an array of uint", "gchararray"))
    );
    // Non-negative ints are accepted too (C code that used G_TYPE_INT).
    s.set("dims", gst::Array::new([1i32, 10]));
    assert_eq!(Tensor::from_structure(&s).dims().unwrap(), [1, 10]);
    s.set("dims", gst::Array::new([1i32, -1]));
    assert_eq!(
        Tensor::from_structure(&s).dims(),
        Err(wrong_type("dims", "an array of uint", "gint"))
    );
}

#[test]
fn data_round_trips_as_a_byte_variant() {
    let mut s = structure("classification");
    let t = Tensor::from_structure_mut(&mut s);
    assert_eq!(t.data(), Err(missing("classification", "data_buffer")));

    let bytes: Vec<u8> = (0..=255).collect();
    t.set_data(&bytes);
    assert_eq!(t.data().unwrap(), bytes);
    let value = t.value("data_buffer").unwrap();
    assert_eq!(value.type_().name(), "GVariant");
    let variant = value.get::<glib::Variant>().unwrap();
    assert_eq!(variant.type_().as_str(), "ay");
    assert_eq!(variant.fixed_array::<u8>().unwrap(), bytes);

    t.set_data(&[42]);
    assert_eq!(t.data().unwrap(), [42]);
    t.set_data(&[]);
    assert_eq!(t.data().unwrap(), [0u8; 0]);
    assert_eq!(t.len(), 1);
}

#[test]
fn data_of_another_type_is_an_error() {
    let mut s = structure("classification");
    s.set("data_buffer", "bytes");
    assert_eq!(
        Tensor::from_structure(&s).data(),
        Err(wrong_type(
            "data_buffer",
            "a GVariant of type 'ay'",
            "gchararray"
        ))
    );
    s.set(
        "data_buffer",
        glib::Variant::array_from_fixed_array(&[1i32, 2]),
    );
    assert_eq!(
        Tensor::from_structure(&s).data(),
        Err(wrong_type(
            "data_buffer",
            "a GVariant of type 'ay'",
            "GVariant"
        ))
    );
}

#[test]
fn detection_tensor_has_no_label() {
    let mut s = structure("detection");
    let t = Tensor::from_structure_mut(&mut s);
    assert_eq!(t.label(), Err(Error::DetectionLabel));
    assert_eq!(t.set_label("cat"), Err(Error::DetectionLabel));
    assert!(!t.has_field("label"));
    assert_eq!(
        Error::DetectionLabel.to_string(),
        "Detection GVA::Tensor can't have label."
    );
    // Even a label field written directly is not read through label().
    t.set_str("label", "cat").unwrap();
    assert_eq!(t.label(), Err(Error::DetectionLabel));

    let mut s = structure("age");
    let t = Tensor::from_structure_mut(&mut s);
    assert_eq!(t.label(), Err(missing("age", "label")));
    t.set_label("adult").unwrap();
    assert_eq!(t.label().unwrap(), "adult");
    assert_eq!(t.value("label").unwrap().type_().name(), "gchararray");
    t.set_name("detection").unwrap();
    assert_eq!(t.label(), Err(Error::DetectionLabel));
}

#[test]
fn typed_fields_round_trip() {
    let mut s = structure("classification");
    let t = Tensor::from_structure_mut(&mut s);
    t.set_label("dog").unwrap();
    t.set_label_id(-3);
    t.set_confidence(0.8125);
    t.set_object_id(17);
    t.set_tensor_id(2);
    t.set_model_name("mobilenet-ssd").unwrap();
    t.set_layer_name("detection_out").unwrap();
    t.set_element_id("detect0").unwrap();
    t.set_format("landmark_points").unwrap();
    t.set_type("classification_result").unwrap();
    t.set_extra_params_json(r#"{"k":[1,2]}"#).unwrap();

    assert_eq!(t.label().unwrap(), "dog");
    assert_eq!(t.label_id().unwrap(), -3);
    assert_eq!(t.confidence().unwrap(), 0.8125);
    assert_eq!(t.object_id().unwrap(), 17);
    assert_eq!(t.tensor_id().unwrap(), 2);
    assert_eq!(t.model_name().unwrap(), "mobilenet-ssd");
    assert_eq!(t.layer_name().unwrap(), "detection_out");
    assert_eq!(t.element_id().unwrap(), "detect0");
    assert_eq!(t.format().unwrap(), "landmark_points");
    assert_eq!(t.type_().unwrap(), "classification_result");
    assert_eq!(t.extra_params_json().unwrap(), r#"{"k":[1,2]}"#);

    let types: Vec<(&str, &str)> = t
        .fields()
        .map(|f| (f, t.value(f).unwrap().type_().name()))
        .collect();
    assert_eq!(
        types,
        [
            ("label", "gchararray"),
            ("label_id", "gint"),
            ("confidence", "gdouble"),
            ("object_id", "gint"),
            ("tensor_id", "gint"),
            ("model_name", "gchararray"),
            ("layer_name", "gchararray"),
            ("element_id", "gchararray"),
            ("format", "gchararray"),
            ("type", "gchararray"),
            ("extra_params_json", "gchararray"),
        ]
    );

    // Setters overwrite in place.
    t.set_label_id(4);
    t.set_confidence(0.25);
    assert_eq!(t.label_id().unwrap(), 4);
    assert_eq!(t.confidence().unwrap(), 0.25);
    assert_eq!(t.len(), 11);
}

#[test]
fn missing_fields_name_structure_and_field() {
    let s = structure("classification");
    let t = Tensor::from_structure(&s);
    type Getter = fn(&Tensor) -> Result<String, Error>;
    let getters: [(&str, Getter); 13] = [
        ("label", |t| t.label().map(str::to_owned)),
        ("label_id", |t| t.label_id().map(|v| v.to_string())),
        ("confidence", |t| t.confidence().map(|v| v.to_string())),
        ("object_id", |t| t.object_id().map(|v| v.to_string())),
        ("tensor_id", |t| t.tensor_id().map(|v| v.to_string())),
        ("model_name", |t| t.model_name().map(str::to_owned)),
        ("layer_name", |t| t.layer_name().map(str::to_owned)),
        ("element_id", |t| t.element_id().map(str::to_owned)),
        ("format", |t| t.format().map(str::to_owned)),
        ("type", |t| t.type_().map(str::to_owned)),
        ("extra_params_json", |t| {
            t.extra_params_json().map(str::to_owned)
        }),
        ("dims", |t| t.dims().map(|v| format!("{v:?}"))),
        ("data_buffer", |t| t.data().map(|v| format!("{v:?}"))),
    ];
    for (field, get) in getters {
        assert_eq!(get(t), Err(missing("classification", field)), "{field}");
    }
    assert_eq!(t.get_str("x"), Err(missing("classification", "x")));
    assert_eq!(t.get_i32("x"), Err(missing("classification", "x")));
    assert_eq!(t.get_f64("x"), Err(missing("classification", "x")));
    assert_eq!(t.value("x").unwrap_err(), missing("classification", "x"));
    assert_eq!(
        t.value("a\0b").unwrap_err(),
        missing("classification", "a\0b")
    );
    assert_eq!(
        missing("classification", "x").to_string(),
        "field 'x' is missing from structure 'classification'"
    );
}

#[test]
fn fields_of_the_wrong_type_are_errors() {
    let mut s = structure("classification");
    let t = Tensor::from_structure_mut(&mut s);
    t.set_str("confidence", "high").unwrap();
    t.set_f64("label_id", 1.0).unwrap();
    t.set_i32("model_name", 3).unwrap();
    assert_eq!(
        t.confidence(),
        Err(wrong_type("confidence", "a number", "gchararray"))
    );
    assert_eq!(
        t.label_id(),
        Err(wrong_type("label_id", "an int", "gdouble"))
    );
    assert_eq!(
        t.model_name(),
        Err(wrong_type("model_name", "a string", "gint"))
    );
    assert_eq!(
        wrong_type("confidence", "a double", "gchararray").to_string(),
        "field 'confidence' of structure 'classification' holds gchararray, expected a double"
    );
}

#[test]
fn numeric_getters_accept_compatible_gtypes() {
    let mut s = structure("classification");
    s.set("small_uint", 7u32);
    s.set("big_uint", u32::MAX);
    s.set("float", 0.5f32);
    s.set("int64", 5i64);
    let t = Tensor::from_structure(&s);
    assert_eq!(t.get_i32("small_uint").unwrap(), 7);
    assert_eq!(
        t.get_i32("big_uint"),
        Err(wrong_type("big_uint", "an int", "guint"))
    );
    assert_eq!(t.get_f64("float").unwrap(), 0.5);
    assert_eq!(
        t.get_i32("int64"),
        Err(wrong_type("int64", "an int", "gint64"))
    );
}

#[test]
fn has_field_is_true_for_zero_and_empty_values() {
    let mut s = structure("classification");
    let t = Tensor::from_structure_mut(&mut s);
    t.set_i32("zero", 0).unwrap();
    t.set_f64("zero_f", 0.0).unwrap();
    t.set_str("empty", "").unwrap();
    t.set_data(&[]);
    for field in ["zero", "zero_f", "empty", "data_buffer"] {
        assert!(t.has_field(field), "{field}");
    }
    assert!(!t.has_field("absent"));
    assert!(!t.has_field("ze\0ro"));
    assert_eq!(t.get_i32("zero").unwrap(), 0);
    assert_eq!(t.get_f64("zero_f").unwrap(), 0.0);
    assert_eq!(t.get_str("empty").unwrap(), "");
}

#[test]
fn optional_maps_only_missing_fields_to_none() {
    let mut s = structure("classification");
    let t = Tensor::from_structure_mut(&mut s);
    assert_eq!(t.confidence().optional(), Ok(None));
    assert_eq!(t.label().optional(), Ok(None));
    t.set_confidence(0.5);
    assert_eq!(t.confidence().optional(), Ok(Some(0.5)));
    t.set_str("confidence", "high").unwrap();
    assert_eq!(
        t.confidence().optional(),
        Err(wrong_type("confidence", "a number", "gchararray"))
    );
    t.set_i32("precision", 7).unwrap();
    assert_eq!(t.precision().optional(), Err(Error::UnknownPrecision(7)));
}

#[test]
fn numeric_fields_of_other_types_read_as_doubles_like_dlstreamer() {
    let mut s = structure("classification");
    let t = Tensor::from_structure_mut(&mut s);
    t.set_i32("confidence", 1).unwrap();
    assert_eq!(t.confidence(), Ok(1.0));
    t.structure_mut().set("confidence", 7u32);
    assert_eq!(t.confidence(), Ok(7.0));
    t.structure_mut().set("confidence", 0.25f32);
    assert_eq!(t.confidence(), Ok(0.25));
    t.structure_mut().set("confidence", -3i64);
    assert_eq!(t.confidence(), Ok(-3.0));
}

#[test]
fn fields_keep_insertion_order() {
    let mut s = structure("classification");
    let t = Tensor::from_structure_mut(&mut s);
    assert!(t.is_empty());
    assert_eq!(t.len(), 0);
    assert_eq!(t.fields().count(), 0);
    t.set_str("c", "3").unwrap();
    t.set_i32("a", 1).unwrap();
    t.set_f64("b", 2.0).unwrap();
    assert_eq!(t.fields().collect::<Vec<_>>(), ["c", "a", "b"]);
    // Overwriting keeps the position.
    t.set_i32("c", 30).unwrap();
    assert_eq!(t.fields().collect::<Vec<_>>(), ["c", "a", "b"]);
    assert_eq!(t.get_i32("c").unwrap(), 30);
    assert_eq!(t.len(), 3);
    assert!(!t.is_empty());
}

#[test]
fn remove_field_removes_only_that_field() {
    let mut s = structure("classification");
    let t = Tensor::from_structure_mut(&mut s);
    t.set_i32("a", 1).unwrap();
    t.set_i32("b", 2).unwrap();
    t.set_i32("c", 3).unwrap();
    t.remove_field("b");
    assert_eq!(t.fields().collect::<Vec<_>>(), ["a", "c"]);
    assert_eq!(t.get_i32("b"), Err(missing("classification", "b")));
    t.remove_field("b");
    t.remove_field("never");
    t.remove_field("a\0c");
    assert_eq!(t.fields().collect::<Vec<_>>(), ["a", "c"]);
    assert_eq!(t.len(), 2);
    t.remove_field("a");
    t.remove_field("c");
    assert!(t.is_empty());
    assert_no_criticals();
}

#[test]
fn setters_refuse_interior_nul() {
    let mut s = structure("classification");
    let t = Tensor::from_structure_mut(&mut s);
    assert_eq!(
        t.set_str("label", "a\0b"),
        Err(Error::InteriorNul {
            what: "a string value",
            position: 1
        })
    );
    assert_eq!(
        t.set_label("xy\0"),
        Err(Error::InteriorNul {
            what: "a string value",
            position: 2
        })
    );
    let field_nul = Err(Error::InteriorNul {
        what: "a field name",
        position: 3,
    });
    assert_eq!(t.set_str("bad\0", "v"), field_nul);
    assert_eq!(t.set_i32("bad\0", 1), field_nul);
    assert_eq!(t.set_f64("bad\0", 1.0), field_nul);
    assert!(t.is_empty());
}

#[test]
fn invalid_utf8_string_is_an_error_not_a_panic() {
    let mut s = structure("classification");
    let t = Tensor::from_structure_mut(&mut s);
    t.set_label("ok").unwrap();
    // GStreamer refuses invalid UTF-8 in gst_structure_set_value, so write the stored GValue
    // directly, as C code that bypasses the check can.
    // SAFETY: the field exists and holds a G_TYPE_STRING value owned by the structure.
    unsafe {
        let value = gst::ffi::gst_structure_get_value(t.structure().as_ptr(), c"label".as_ptr());
        assert!(!value.is_null());
        glib::gobject_ffi::g_value_set_string(
            value as *mut glib::gobject_ffi::GValue,
            c"ab\xff\xfe".as_ptr(),
        );
    }
    let expected = Error::InvalidUtf8 {
        what: "field 'label' of structure 'classification'".into(),
        valid_up_to: 2,
    };
    assert_eq!(t.get_str("label"), Err(expected.clone()));
    assert_eq!(t.label(), Err(expected.clone()));
    assert!(t.has_field("label"));
    assert_eq!(
        expected.to_string(),
        "field 'label' of structure 'classification' is not valid UTF-8 (valid up to byte 2)"
    );
    assert_no_criticals();
}

#[test]
fn tensor_views_write_through_to_the_structure() {
    let mut s = structure("classification");
    {
        let t = Tensor::from_structure_mut(&mut s);
        t.set_confidence(0.5);
        t.structure_mut().set("raw", 9u64);
    }
    assert_eq!(s.get::<f64>("confidence").unwrap(), 0.5);
    assert_eq!(s.get::<u64>("raw").unwrap(), 9);
    let t = Tensor::from_structure(&s);
    assert_eq!(t.structure().name(), "classification");
    assert_eq!(t.value("raw").unwrap().type_().name(), "guint64");
}
