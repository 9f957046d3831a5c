//! The user's Python callable: module file → (class instance) → function, and its arguments.

use std::path::Path;

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyTuple};

/// Constructor arguments accumulated from the `arg` and `kwarg` properties (DL Streamer's rules:
/// each `arg` appends — an array extends, another value is pushed; each `kwarg` merges).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Arguments {
    /// Positional arguments.
    pub args: Vec<serde_json::Value>,
    /// Keyword arguments.
    pub kwargs: serde_json::Map<String, serde_json::Value>,
}

impl Arguments {
    /// Applies one `arg` property value.
    pub fn push_arg(&mut self, json: &str) -> Result<(), String> {
        let value: serde_json::Value = serde_json::from_str(json)
            .map_err(|e| format!("property 'arg' is not valid JSON ({e}): {json}"))?;
        match value {
            serde_json::Value::Array(items) => self.args.extend(items),
            other => self.args.push(other),
        }
        Ok(())
    }

    /// Applies one `kwarg` property value.
    pub fn merge_kwarg(&mut self, json: &str) -> Result<(), String> {
        let value: serde_json::Value = serde_json::from_str(json)
            .map_err(|e| format!("property 'kwarg' is not valid JSON ({e}): {json}"))?;
        match value {
            serde_json::Value::Object(map) => {
                self.kwargs.extend(map);
                Ok(())
            }
            other => Err(format!(
                "property 'kwarg' must be a JSON object like {{\"name\": value}}, got {other}"
            )),
        }
    }

    /// The arguments as JSON texts, for the `arg` / `kwarg` property getters.
    pub fn to_json(&self) -> (String, String) {
        (
            serde_json::Value::Array(self.args.clone()).to_string(),
            serde_json::Value::Object(self.kwargs.clone()).to_string(),
        )
    }
}

/// Where the callable comes from.
#[derive(Debug, Clone)]
pub struct Target {
    /// Path of the `.py` file.
    pub module: String,
    /// Class to instantiate once, if any.
    pub class: Option<String>,
    /// Function of the module, or method of the instance.
    pub function: String,
    /// Constructor arguments.
    pub arguments: Arguments,
    /// A module name unique to the element (two elements never share module globals).
    pub unique_name: String,
}

/// What a gvapython element holds of Python: the callable (a bound method holds the class
/// instance) and the module it came from, registered in `sys.modules` under the element's own
/// name.
pub struct Loaded {
    /// The function, or the bound method of the instance.
    pub function: Py<PyAny>,
    module: Py<PyAny>,
    module_name: String,
}

impl Loaded {
    /// Drops every Python object now, with the interpreter attached (so `__del__` runs here and
    /// now, not at some later attach, which in `gst-launch-1.0` never comes): the callable, the
    /// instance with it, the module (taken out of `sys.modules` if it is still ours). The
    /// constructor's arguments were released after the call; the instance keeps what it kept.
    /// Then one cyclic collection: a module's functions and globals reference each other, so
    /// module-level objects (an open file) are freed only by the collector.
    pub fn release(self, py: Python<'_>) {
        let Self {
            function,
            module,
            module_name,
        } = self;
        drop(function);
        unregister(module.bind(py), &module_name);
        drop(module);
        if let Err(e) = py.import("gc").and_then(|gc| gc.call_method0("collect")) {
            e.write_unraisable(py, None);
        }
    }
}

/// Takes `module` out of `sys.modules` if it is still registered there as `name`.
fn unregister(module: &Bound<'_, PyAny>, name: &str) {
    if let Ok(modules) = module.py().import("sys").and_then(|s| s.getattr("modules"))
        && modules.get_item(name).is_ok_and(|m| m.is(module))
    {
        let _ = modules.del_item(name);
    }
}

/// Python's formatted traceback of `err` ("Traceback (most recent call last): …").
pub fn traceback(py: Python<'_>, err: &PyErr) -> String {
    let formatted = py
        .import("traceback")
        .and_then(|tb| {
            tb.call_method1(
                "format_exception",
                (err.get_type(py), err.value(py), err.traceback(py)),
            )
        })
        .and_then(|lines| lines.extract::<Vec<String>>());
    match formatted {
        Ok(lines) => lines.concat().trim_end().to_owned(),
        Err(_) => err.to_string(),
    }
}

/// Imports the module file afresh and resolves the callable.
pub fn load(py: Python<'_>, target: &Target) -> Result<Loaded, String> {
    let path = Path::new(&target.module);
    let path = if path.exists() || path.extension().is_some() {
        path.to_path_buf()
    } else {
        path.with_extension("py")
    };
    if !path.is_file() {
        return Err(format!(
            "Python module file '{}' does not exist (property 'module')",
            target.module
        ));
    }
    let fail = |what: &str, e: PyErr| format!("{what}:\n{}", traceback(py, &e));

    let util = py
        .import("importlib.util")
        .map_err(|e| fail("importlib", e))?;
    let path_str = path.to_string_lossy().into_owned();
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        // DL Streamer appends the module's folder so scripts can import their neighbours.
        let sys_path = py
            .import("sys")
            .and_then(|s| s.getattr("path"))
            .map_err(|e| fail("sys.path", e))?;
        let dir = dir.to_string_lossy().into_owned();
        let present = sys_path.contains(&dir).unwrap_or(false);
        if !present {
            let _ = sys_path.call_method1("append", (dir,));
        }
    }
    let spec = util
        .call_method1("spec_from_file_location", (&target.unique_name, &path_str))
        .map_err(|e| fail(&format!("Could not load Python module '{path_str}'"), e))?;
    if spec.is_none() {
        return Err(format!(
            "Python can't load '{path_str}' as a module (not a .py file?)"
        ));
    }
    let module = util
        .call_method1("module_from_spec", (&spec,))
        .map_err(|e| fail(&format!("Could not load Python module '{path_str}'"), e))?;
    // Registered under the element's own name so dataclasses/pickle find it; never shared.
    if let Ok(modules) = py.import("sys").and_then(|s| s.getattr("modules")) {
        let _ = modules.set_item(&target.unique_name, &module);
    }
    match resolve(py, target, &spec, &module, &path_str) {
        Ok(function) => Ok(Loaded {
            function,
            module: module.unbind(),
            module_name: target.unique_name.clone(),
        }),
        Err(e) => {
            unregister(&module, &target.unique_name);
            Err(e)
        }
    }
}

/// Runs the module's code and finds the callable (creating the class instance).
fn resolve(
    py: Python<'_>,
    target: &Target,
    spec: &Bound<'_, PyAny>,
    module: &Bound<'_, PyAny>,
    path_str: &str,
) -> Result<Py<PyAny>, String> {
    let fail = |what: &str, e: PyErr| format!("{what}:\n{}", traceback(py, &e));
    spec.getattr("loader")
        .and_then(|loader| loader.call_method1("exec_module", (module,)))
        .map_err(|e| fail(&format!("Error in Python module '{path_str}'"), e))?;

    let owner = match &target.class {
        Some(class) => {
            let cls = module.getattr(class.as_str()).map_err(|e| {
                fail(
                    &format!("Python module '{path_str}' has no class '{class}'"),
                    e,
                )
            })?;
            let args = json_to_py(py, &serde_json::Value::Array(target.arguments.args.clone()))
                .map_err(|e| fail("arguments", e))?;
            let args = args.cast_into::<PyList>().map_err(|e| e.to_string())?;
            let kwargs = json_to_py(
                py,
                &serde_json::Value::Object(target.arguments.kwargs.clone()),
            )
            .map_err(|e| fail("arguments", e))?;
            let kwargs = kwargs.cast_into::<PyDict>().map_err(|e| e.to_string())?;
            cls.call(
                PyTuple::new(py, args.iter()).map_err(|e| e.to_string())?,
                Some(&kwargs),
            )
            .map_err(|e| {
                fail(
                    &format!(
                        "Could not create {class}(*{}, **{}) from '{path_str}'",
                        serde_json::Value::Array(target.arguments.args.clone()),
                        serde_json::Value::Object(target.arguments.kwargs.clone())
                    ),
                    e,
                )
            })?
        }
        None => module.clone(),
    };
    let function = owner.getattr(target.function.as_str()).map_err(|e| {
        let owner_name = target.class.as_deref().map_or_else(
            || format!("Python module '{path_str}'"),
            |c| format!("class '{c}' of '{path_str}'"),
        );
        fail(
            &format!("{owner_name} has no function '{}'", target.function),
            e,
        )
    })?;
    if !function.is_callable() {
        return Err(format!(
            "'{}' in '{path_str}' is not callable",
            target.function
        ));
    }
    Ok(function.unbind())
}

fn json_to_py<'py>(py: Python<'py>, value: &serde_json::Value) -> PyResult<Bound<'py, PyAny>> {
    py.import("json")?
        .call_method1("loads", (value.to_string(),))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arg_appends_and_extends_like_dlstreamer() {
        let mut a = Arguments::default();
        a.push_arg("[1, 2]").unwrap();
        a.push_arg("\"x\"").unwrap();
        a.push_arg("[[3]]").unwrap();
        assert_eq!(a.to_json().0, r#"[1,2,"x",[3]]"#);
    }

    #[test]
    fn kwarg_merges_objects_and_refuses_the_rest() {
        let mut a = Arguments::default();
        a.merge_kwarg(r#"{"a": 1, "b": 2}"#).unwrap();
        a.merge_kwarg(r#"{"b": 3}"#).unwrap();
        assert_eq!(a.to_json().1, r#"{"a":1,"b":3}"#);
        let err = a.merge_kwarg("[1]").unwrap_err();
        assert!(err.contains("must be a JSON object"), "{err}");
    }

    #[test]
    fn invalid_json_names_the_property() {
        let mut a = Arguments::default();
        let err = a.push_arg("{nope").unwrap_err();
        assert!(err.starts_with("property 'arg' is not valid JSON"), "{err}");
        let err = a.merge_kwarg("{'single': 1}").unwrap_err();
        assert!(
            err.starts_with("property 'kwarg' is not valid JSON"),
            "{err}"
        );
    }
}
