//! `gva-meta` registers first; then a *second copy* of `gva-meta` in the same process — this
//! crate's cdylib, `libgva_meta_interop.so`, loaded with `dlopen` like a GStreamer plugin or a
//! Python extension — registers too. The second copy must find the first one's API types and
//! meta infos by name, attach metas with them, and read what the first copy attached (also
//! after `gst_buffer_copy`).
//!
//! DL Streamer's C code is deliberately not called here: it registers its names
//! unconditionally, so after `gva-meta` it would print a GLib CRITICAL and get GType 0 (that is
//! DL Streamer's behaviour, not something `gva-meta` can change).

use std::ffi::{CStr, CString, c_void};
use std::path::PathBuf;

use gst::glib;
use gst::glib::translate::IntoGlib;
use gst::meta::MetaAPI;
use gva_meta::{JsonMeta, TensorMeta, VideoFrame};
use gva_meta_interop::{gva_interop_attach_sample, gva_interop_check_sample, meta_infos, status};

const WIDTH: u32 = 64;
const HEIGHT: u32 = 64;

type RegisterFn = unsafe extern "C" fn() -> i32;
type ApiTypeFn = unsafe extern "C" fn() -> glib::ffi::GType;
type SampleFn = unsafe extern "C" fn(*mut gst::ffi::GstBuffer, u32, u32) -> i32;

/// The cdylib cargo built next to this test executable (`target/<profile>/deps/`, and a copy
/// in `target/<profile>/`).
fn cdylib_path() -> PathBuf {
    let name = format!(
        "{}gva_meta_interop{}",
        std::env::consts::DLL_PREFIX,
        std::env::consts::DLL_SUFFIX
    );
    let exe = std::env::current_exe().expect("the test executable's path");
    let deps = exe.parent().expect("the test executable's directory");
    [Some(deps), deps.parent()]
        .into_iter()
        .flatten()
        .map(|dir| dir.join(&name))
        .find(|p| p.is_file())
        .unwrap_or_else(|| panic!("{name} not found next to {}", exe.display()))
}

/// A `dlopen`ed library, never closed: its copy of `gva-meta` installs callbacks into
/// GStreamer (the region transform wrapper), so unloading it would leave them dangling.
struct Library(*mut c_void);

impl Library {
    fn open(path: &std::path::Path) -> Self {
        let c_path = CString::new(path.to_str().unwrap()).unwrap();
        // SAFETY: a valid path; RTLD_LOCAL keeps its symbols out of the global scope.
        let handle = unsafe { libc::dlopen(c_path.as_ptr(), libc::RTLD_NOW | libc::RTLD_LOCAL) };
        if handle.is_null() {
            // SAFETY: dlerror returns a message after a failed dlopen.
            let err = unsafe { CStr::from_ptr(libc::dlerror()) };
            panic!("dlopen {}: {}", path.display(), err.to_string_lossy());
        }
        Self(handle)
    }

    /// The library's own definition of `name` (dlsym on the handle searches the library and
    /// its dependencies, not this executable).
    ///
    /// # Safety
    /// `T` must be the function-pointer type of the symbol.
    unsafe fn get<T: Copy>(&self, name: &CStr) -> T {
        // SAFETY: valid handle and name.
        let sym = unsafe { libc::dlsym(self.0, name.as_ptr()) };
        assert!(!sym.is_null(), "{name:?} missing from the cdylib");
        assert_eq!(size_of::<T>(), size_of::<*mut c_void>());
        // SAFETY: caller's contract; same size checked above.
        unsafe { std::mem::transmute_copy(&sym) }
    }
}

fn meta_info(name: &str) -> *const gst::ffi::GstMetaInfo {
    let name = CString::new(name).unwrap();
    // SAFETY: look-up by a valid name.
    unsafe { gst::ffi::gst_meta_get_info(name.as_ptr()) }
}

fn new_buffer() -> gst::Buffer {
    gst::Buffer::with_size((WIDTH * HEIGHT * 4) as usize).unwrap()
}

fn ptr(buffer: &gst::BufferRef) -> *mut gst::ffi::GstBuffer {
    buffer.as_ptr() as *mut gst::ffi::GstBuffer
}

#[test]
fn a_second_rust_copy_shares_the_first_copys_registration() {
    gst::init().unwrap();
    // SAFETY: plain GLib call, before any other thread logs.
    unsafe {
        glib::ffi::g_log_set_always_fatal(
            glib::ffi::G_LOG_LEVEL_CRITICAL | glib::ffi::G_LOG_LEVEL_WARNING,
        );
    }

    // 1. This executable's copy of gva-meta registers first.
    gva_meta::register().unwrap();
    let tensor_api = TensorMeta::meta_api();
    let json_api = JsonMeta::meta_api();
    assert_eq!(
        glib::Type::from_name("GstGVATensorMetaAPI"),
        Some(tensor_api)
    );
    assert_eq!(glib::Type::from_name("GstGVAJSONMetaAPI"), Some(json_api));
    let tensor_info = meta_info("GstGVATensorMeta");
    let json_info = meta_info("GstGVAJSONMeta");
    assert!(!tensor_info.is_null() && !json_info.is_null());
    // SAFETY: registered infos live for the whole process.
    unsafe {
        assert_eq!((*tensor_info).api, tensor_api.into_glib());
        assert_eq!((*json_info).api, json_api.into_glib());
    }

    // 2. The second copy: the cdylib, with its own gva-meta (own OnceLocks, own functions).
    let lib = Library::open(&cdylib_path());
    // SAFETY: the types match the `#[no_mangle]` definitions in src/lib.rs.
    let (register, second_tensor_api, second_json_api, second_attach, second_check) = unsafe {
        (
            lib.get::<RegisterFn>(c"gva_interop_register"),
            lib.get::<ApiTypeFn>(c"gva_interop_tensor_meta_api_type"),
            lib.get::<ApiTypeFn>(c"gva_interop_json_meta_api_type"),
            lib.get::<SampleFn>(c"gva_interop_attach_sample"),
            lib.get::<SampleFn>(c"gva_interop_check_sample"),
        )
    };
    assert_ne!(
        second_attach as usize, gva_interop_attach_sample as SampleFn as usize,
        "dlsym found this executable's copy, not the cdylib's"
    );
    // SAFETY (all calls into the cdylib below): GStreamer is initialized; buffers are valid and
    // owned by this thread.
    unsafe {
        assert_eq!(register(), status::OK);
        assert_eq!(second_tensor_api(), tensor_api.into_glib());
        assert_eq!(second_json_api(), json_api.into_glib());
    }
    // Registering twice in the second copy changed nothing.
    assert_eq!(meta_info("GstGVATensorMeta"), tensor_info);
    assert_eq!(meta_info("GstGVAJSONMeta"), json_info);

    // 3. The second copy attaches with the first copy's registration; the first copy reads.
    let mut from_second = new_buffer();
    assert_eq!(
        unsafe { second_attach(ptr(from_second.get_mut().unwrap()), WIDTH, HEIGHT) },
        status::OK
    );
    assert_eq!(meta_infos(&from_second, tensor_api), [tensor_info]);
    assert_eq!(meta_infos(&from_second, json_api), [json_info]);
    assert_eq!(
        unsafe { gva_interop_check_sample(ptr(&from_second), WIDTH, HEIGHT) },
        status::OK
    );
    let info = gst_video::VideoInfo::builder(gst_video::VideoFormat::Bgrx, WIDTH, HEIGHT)
        .build()
        .unwrap();
    {
        let frame = VideoFrame::new(from_second.as_ref(), info.clone());
        let tensor = frame.tensors().next().unwrap();
        assert_eq!(tensor.name(), "meta");
        assert_eq!(tensor.layer_name(), Ok("prob"));
        assert_eq!(tensor.data(), Ok(&[1u8, 2, 3, 4][..]));
        let region = frame.regions().next().unwrap();
        assert_eq!(region.label(), Ok("face"));
        assert_eq!(region.normalized_rect().unwrap().x, 10.0 / 64.0);
        assert_eq!(frame.messages().next().unwrap().text(), Ok(r#"{"k":1}"#));
    }

    // 4. The first copy attaches; the second copy reads.
    let mut from_first = new_buffer();
    assert_eq!(
        unsafe { gva_interop_attach_sample(ptr(from_first.get_mut().unwrap()), WIDTH, HEIGHT) },
        status::OK
    );
    assert_eq!(meta_infos(&from_first, tensor_api), [tensor_info]);
    assert_eq!(
        unsafe { second_check(ptr(&from_first), WIDTH, HEIGHT) },
        status::OK
    );
    // The check is not vacuous: an empty buffer is not the sample.
    assert_eq!(
        unsafe { second_check(ptr(&new_buffer()), WIDTH, HEIGHT) },
        status::MISMATCH
    );

    // 5. gst_buffer_copy keeps everything, and each copy reads the other's copies.
    let second_copy = from_second.copy();
    let first_copy = from_first.copy();
    for buffer in [&second_copy, &first_copy] {
        assert_eq!(meta_infos(buffer, tensor_api), [tensor_info]);
        assert_eq!(meta_infos(buffer, json_api), [json_info]);
        assert_eq!(
            unsafe { gva_interop_check_sample(ptr(buffer), WIDTH, HEIGHT) },
            status::OK
        );
        assert_eq!(
            unsafe { second_check(ptr(buffer), WIDTH, HEIGHT) },
            status::OK
        );
    }

    // 6. Both copies attach to one buffer: two of each, one registration.
    let mut both = new_buffer();
    unsafe {
        assert_eq!(
            second_attach(ptr(both.get_mut().unwrap()), WIDTH, HEIGHT),
            status::OK
        );
        assert_eq!(
            gva_interop_attach_sample(ptr(both.get_mut().unwrap()), WIDTH, HEIGHT),
            status::OK
        );
    }
    let both_copy = both.copy();
    for buffer in [&both, &both_copy] {
        assert_eq!(meta_infos(buffer, tensor_api), [tensor_info, tensor_info]);
        assert_eq!(meta_infos(buffer, json_api), [json_info, json_info]);
        let frame = VideoFrame::new(buffer.as_ref(), info.clone());
        assert_eq!(frame.regions().count(), 2);
        // Regions get process-wide unique ids whichever copy made them.
        let ids: Vec<_> = frame.regions().map(|r| r.id()).collect();
        assert_ne!(ids[0], ids[1]);
    }
}
