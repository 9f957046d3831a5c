//! `cargo xtask`: the project's automation. Two commands matter to a newcomer:
//! `cargo xtask demo` (the main job) and `cargo xtask test` (every test); both set the machine up
//! first. The others are their parts: `setup`, `env`.

mod assets;
mod demo;
mod env;
mod models;
mod project;
mod setup;
mod soak;
mod test;

use std::process::ExitCode;

const USAGE: &str = "\
usage: cargo xtask <command>

commands:
  setup   install system packages (apt), create .venv with the pinned Python packages,
          build the workspace in release mode and collect the plugins (idempotent)
  test    setup, then every test: cargo tests (unit, integration, doc) and pytest
  demo    setup, then run the main job and print what it found: face detection on a real
          video (--input VIDEO for your own, --output DIR instead of target/demo)
  wheel   rebuild the gstgva wheel and install it into .venv (part of setup)
  models  generate the small OpenVINO test models and their model-procs into target/models
  env     print the environment to export to use the plugins and gstgva from your shell
  soak    setup, then run the main chains for many frames each (a few minutes) and fail when
          their memory grows after warm-up (--short: the shorter run that test includes)
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("setup") => project::Project::locate().and_then(|p| setup::run(&p)),
        Some("test") => project::Project::locate().and_then(|p| test::run(&p, &args[1..])),
        Some("demo") => project::Project::locate().and_then(|p| demo::run(&p, &args[1..])),
        Some("wheel") => project::Project::locate().and_then(|p| setup::wheel(&p)),
        Some("models") => project::Project::locate().and_then(|p| models::run(&p)),
        Some("env") => project::Project::locate().map(|p| env::print(&p)),
        Some("soak") => project::Project::locate().and_then(|p| soak::run(&p, &args[1..])),
        Some("-h" | "--help" | "help") => {
            print!("{USAGE}");
            Ok(())
        }
        other => {
            if let Some(cmd) = other {
                eprintln!("xtask: unknown command '{cmd}'\n");
            }
            eprint!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("\nxtask: {e}");
            ExitCode::FAILURE
        }
    }
}
