//! `model-instance-id`: elements that name the same instance share one compiled model (one
//! compilation, one copy of the weights) when they compile it identically.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex, Weak};

use gva_infer::model::{CompiledModel, ModelError};

use super::lock;

/// Everything a compilation depends on: two elements share a compiled model only when all of
/// it is equal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelKey {
    /// Model file.
    pub path: String,
    /// OpenVINO device.
    pub device: String,
    /// `ie-config` pairs.
    pub config: Vec<(String, String)>,
    /// The pre-processing and batch, as text (frame format, size, model-proc params).
    pub preprocess: String,
}

/// A compiled model and the key it was compiled with.
pub struct SharedModel {
    /// How it was compiled.
    pub key: ModelKey,
    /// The model (requests are made from it; region inference runs on it).
    pub model: Mutex<CompiledModel>,
}

/// Live shared models by instance id (weak: the last element using one frees it).
static INSTANCES: LazyLock<Mutex<HashMap<String, Weak<SharedModel>>>> =
    LazyLock::new(Mutex::default);

/// The model of `instance` if one compiled with `key` is alive, else the result of `compile`
/// (registered under `instance` when given). An instance id in use with another key is not
/// shared: the element compiles its own model.
pub fn get_or_compile(
    instance: Option<&str>,
    key: ModelKey,
    compile: impl FnOnce() -> Result<CompiledModel, ModelError>,
) -> Result<Arc<SharedModel>, ModelError> {
    let Some(instance) = instance else {
        return Ok(Arc::new(SharedModel {
            key,
            model: Mutex::new(compile()?),
        }));
    };
    // Held while compiling, so two elements starting together compile once.
    let mut instances = lock(&INSTANCES);
    instances.retain(|_, m| m.strong_count() > 0);
    if let Some(model) = instances.get(instance).and_then(Weak::upgrade) {
        if model.key == key {
            return Ok(model);
        }
        drop(instances);
        return Ok(Arc::new(SharedModel {
            key,
            model: Mutex::new(compile()?),
        }));
    }
    let model = Arc::new(SharedModel {
        key,
        model: Mutex::new(compile()?),
    });
    instances.insert(instance.to_owned(), Arc::downgrade(&model));
    Ok(model)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(preprocess: &str) -> ModelKey {
        ModelKey {
            path: "classifier.xml".into(),
            device: "CPU".into(),
            config: Vec::new(),
            preprocess: preprocess.into(),
        }
    }

    fn compile(count: &Mutex<u32>) -> Result<CompiledModel, ModelError> {
        *lock(count) += 1;
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../target/models/classifier.xml"
        );
        CompiledModel::load(path, "CPU", &[], None)
    }

    #[test]
    fn one_instance_id_and_key_compile_once() {
        let count = Mutex::new(0);
        let a = get_or_compile(Some("shared-test"), key("BGR 32x32"), || compile(&count)).unwrap();
        let b = get_or_compile(Some("shared-test"), key("BGR 32x32"), || compile(&count)).unwrap();
        assert!(Arc::ptr_eq(&a, &b));
        assert_eq!(*lock(&count), 1);
        // Another key under the same id, or no id: a model of its own.
        let c = get_or_compile(Some("shared-test"), key("NV12 32x32"), || compile(&count)).unwrap();
        let d = get_or_compile(None, key("BGR 32x32"), || compile(&count)).unwrap();
        assert!(!Arc::ptr_eq(&a, &c) && !Arc::ptr_eq(&a, &d));
        assert_eq!(*lock(&count), 3);
        // Once every user is gone, the next one compiles again.
        drop((a, b));
        let _e = get_or_compile(Some("shared-test"), key("BGR 32x32"), || compile(&count)).unwrap();
        assert_eq!(*lock(&count), 4);
    }
}
