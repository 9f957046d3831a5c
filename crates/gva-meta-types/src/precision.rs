//! DL Streamer's `GVAPrecision` and `GVALayout` enumerations (same values as C and Python).

use crate::Error;

/// Element type of a tensor's `data_buffer` (OpenVINO's legacy `InferenceEngine::Precision`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(i32)]
#[allow(missing_docs)]
pub enum Precision {
    Unspecified = 255,
    Fp32 = 10,
    Fp16 = 11,
    Bf16 = 12,
    Fp64 = 13,
    Q78 = 20,
    I16 = 30,
    U4 = 39,
    U8 = 40,
    Bool = 41,
    I4 = 49,
    I8 = 50,
    U16 = 60,
    I32 = 70,
    Bin = 71,
    I64 = 72,
    U64 = 73,
    U32 = 74,
    Custom = 80,
}

impl Precision {
    /// Every precision, in declaration order.
    pub const ALL: [Precision; 19] = [
        Self::Unspecified,
        Self::Fp32,
        Self::Fp16,
        Self::Bf16,
        Self::Fp64,
        Self::Q78,
        Self::I16,
        Self::U4,
        Self::U8,
        Self::Bool,
        Self::I4,
        Self::I8,
        Self::U16,
        Self::I32,
        Self::Bin,
        Self::I64,
        Self::U64,
        Self::U32,
        Self::Custom,
    ];

    /// DL Streamer's name, e.g. `"FP32"` (what `precision_as_string()` returns).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unspecified => "UNSPECIFIED",
            Self::Fp32 => "FP32",
            Self::Fp16 => "FP16",
            Self::Bf16 => "BF16",
            Self::Fp64 => "FP64",
            Self::Q78 => "Q78",
            Self::I16 => "I16",
            Self::U4 => "U4",
            Self::U8 => "U8",
            Self::Bool => "BOOL",
            Self::I4 => "I4",
            Self::I8 => "I8",
            Self::U16 => "U16",
            Self::I32 => "I32",
            Self::Bin => "BIN",
            Self::I64 => "I64",
            Self::U64 => "U64",
            Self::U32 => "U32",
            Self::Custom => "CUSTOM",
        }
    }

    /// Bytes per element, for the precisions that have a whole-byte element.
    pub fn element_size(self) -> Option<usize> {
        match self {
            Self::Fp64 | Self::I64 | Self::U64 => Some(8),
            Self::Fp32 | Self::I32 | Self::U32 => Some(4),
            Self::Fp16 | Self::Bf16 | Self::I16 | Self::U16 | Self::Q78 => Some(2),
            Self::U8 | Self::I8 | Self::Bool => Some(1),
            Self::Unspecified | Self::U4 | Self::I4 | Self::Bin | Self::Custom => None,
        }
    }
}

impl TryFrom<i32> for Precision {
    type Error = Error;

    fn try_from(value: i32) -> Result<Self, Error> {
        Self::ALL
            .into_iter()
            .find(|p| *p as i32 == value)
            .ok_or(Error::UnknownPrecision(value))
    }
}

/// Memory layout of a tensor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(i32)]
#[allow(missing_docs)]
pub enum Layout {
    Any = 0,
    Nchw = 1,
    Nhwc = 2,
    Nc = 193,
}

impl Layout {
    /// Every layout, in declaration order.
    pub const ALL: [Layout; 4] = [Self::Any, Self::Nchw, Self::Nhwc, Self::Nc];

    /// DL Streamer's name, e.g. `"NCHW"` (what `layout_as_string()` returns).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Any => "ANY",
            Self::Nchw => "NCHW",
            Self::Nhwc => "NHWC",
            Self::Nc => "NC",
        }
    }
}

impl TryFrom<i32> for Layout {
    type Error = Error;

    fn try_from(value: i32) -> Result<Self, Error> {
        Self::ALL
            .into_iter()
            .find(|l| *l as i32 == value)
            .ok_or(Error::UnknownLayout(value))
    }
}
