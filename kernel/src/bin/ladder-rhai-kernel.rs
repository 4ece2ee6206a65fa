//! A Jupyter kernel for plain Rhai, without Ladder's ML library: `ladder kernel` is the
//! full one. The kernel's own integration tests drive this binary as a real process.
//!
//! Usage: `ladder-rhai-kernel --connection-file FILE`

use ladder_scripting::{Frontend, Session, SessionFactory};
use std::path::PathBuf;
use std::process::ExitCode;
use std::rc::Rc;
use std::sync::Arc;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let file = match args.as_slice() {
        [flag, file] if flag == "--connection-file" || flag == "-f" => PathBuf::from(file),
        _ => {
            eprintln!("usage: ladder-rhai-kernel --connection-file FILE");
            return ExitCode::from(2);
        }
    };
    let factory: SessionFactory = Arc::new(|frontend: Rc<dyn Frontend>| Session::new(frontend));
    match ladder_kernel::run(&file, factory) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("ladder-rhai-kernel: {message}");
            ExitCode::FAILURE
        }
    }
}
