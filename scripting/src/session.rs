//! The Rhai session: one engine, one scope and one growing set of functions that last
//! across cells.

use crate::commands::{self, Chunk};
use crate::context::{self, Context};
use crate::error::{ErrorKind, ScriptError, Sources};
use crate::frontend::Frontend;
use crate::interrupt::InterruptHandle;
use crate::limits::Limits;
use crate::mime::{MimeBundle, Renderers};
use crate::{builtins, panic};
use rhai::{Dynamic, Engine, Scope, AST};
use std::cell::RefCell;
use std::collections::HashSet;
use std::panic::AssertUnwindSafe;
use std::rc::Rc;

/// Something that adds functions, types and renderers to a session's engine (the standard
/// library, or a user's own bindings). Kept by the session so `%reset` can rebuild the
/// engine from scratch.
pub trait Library {
    fn install(&self, engine: &mut Engine, renderers: &mut Renderers);
}

impl<F: Fn(&mut Engine, &mut Renderers)> Library for F {
    fn install(&self, engine: &mut Engine, renderers: &mut Renderers) {
        self(engine, renderers)
    }
}

/// Makes a fresh session talking to the given front end. Front ends (REPL, runner,
/// kernel) receive one and call it on the thread that will own the session.
pub type SessionFactory = std::sync::Arc<dyn Fn(Rc<dyn Frontend>) -> Session + Send + Sync>;

/// A Rhai session: what a kernel, the REPL and `ladder run` execute cells in.
///
/// State lasts across cells: variables (latest binding only: shadowed values are dropped
/// after each cell), functions (a re-definition replaces the old one), and imported modules.
pub struct Session {
    pub(crate) engine: Engine,
    pub(crate) scope: Scope<'static>,
    /// Every function defined so far; statements are cleared after each cell.
    pub(crate) ast: AST,
    pub(crate) frontend: Rc<dyn Frontend>,
    pub(crate) renderers: Rc<RefCell<Renderers>>,
    pub(crate) limits: Limits,
    pub(crate) sources: Sources,
    interrupt: InterruptHandle,
    libraries: Vec<Rc<dyn Library>>,
    cells: usize,
}

impl Session {
    /// A session with only the core functions (output, display, input).
    pub fn new(frontend: Rc<dyn Frontend>) -> Self {
        Self::with_libraries(frontend, Vec::new())
    }

    /// A session with the given libraries installed, in order.
    pub fn with_libraries(frontend: Rc<dyn Frontend>, libraries: Vec<Rc<dyn Library>>) -> Self {
        panic::install_hook();
        let interrupt = InterruptHandle::default();
        let limits = Limits::default();
        let (engine, renderers) = build_engine(&libraries, &limits, &interrupt);
        Self {
            engine,
            scope: Scope::new(),
            ast: AST::empty(),
            frontend,
            renderers: Rc::new(RefCell::new(renderers)),
            limits,
            sources: Sources::default(),
            interrupt,
            libraries,
            cells: 0,
        }
    }

    /// A handle another thread can use to stop the running cell.
    pub fn interrupt_handle(&self) -> InterruptHandle {
        self.interrupt.clone()
    }

    /// The engine, for registering extra functions.
    pub fn engine_mut(&mut self) -> &mut Engine {
        &mut self.engine
    }

    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Change the safety limits for the following cells.
    pub fn set_limits(&mut self, limits: Limits) {
        limits.apply(&mut self.engine);
        self.limits = limits;
    }

    /// Run one cell. Returns the rich form of its last expression's value (`None` for `()`
    /// or when the cell ends with `;`),
    /// or a structured error. Output goes to the front end as it is produced. Whatever
    /// happens, variables defined before the failing statement are kept.
    pub fn execute(&mut self, code: &str) -> Result<Option<MimeBundle>, ScriptError> {
        self.interrupt.reset();
        let _context = context::enter(self.context());
        self.cells += 1;
        let source = format!("cell[{}]", self.cells);
        self.sources.insert(&source, code);
        let mut shown = None;
        for chunk in commands::split(code) {
            shown = match chunk {
                Chunk::Code { first_line, text } => {
                    let value = self.eval(&source, first_line, &text)?;
                    // As in IPython, a trailing `;` keeps the value from being shown.
                    if text.trim_end().ends_with(';') {
                        None
                    } else {
                        self.render(&value)
                    }
                }
                Chunk::Command { line, text } => commands::run(self, &source, line, &text)?,
            };
        }
        Ok(shown)
    }

    /// Render a value with the session's renderers (`None` for `()`).
    pub fn render(&self, value: &Dynamic) -> Option<MimeBundle> {
        self.renderers.borrow().render(value)
    }

    /// Variables in scope with their type names, in definition order.
    pub fn variables(&self) -> Vec<(String, String)> {
        self.scope
            .iter_raw()
            .map(|(name, _, value)| {
                let ty = self.engine.map_type_name(value.type_name()).to_string();
                (name.to_string(), ty)
            })
            .collect()
    }

    /// The value of a variable, if defined.
    pub fn get(&self, name: &str) -> Option<Dynamic> {
        self.scope.get(name).cloned()
    }

    /// Forget every variable, function and imported module; the libraries stay installed.
    pub fn reset(&mut self) {
        let (engine, renderers) = build_engine(&self.libraries, &self.limits, &self.interrupt);
        self.engine = engine;
        *self.renderers.borrow_mut() = renderers;
        self.scope = Scope::new();
        self.ast = AST::empty();
        self.sources.clear();
    }

    pub(crate) fn context(&self) -> Context {
        Context {
            frontend: self.frontend.clone(),
            renderers: self.renderers.clone(),
            interrupt: self.interrupt.clone(),
        }
    }

    /// Compile and run one piece of a cell that starts at `first_line` (1-based) of the
    /// cell's source, so that positions in errors are those of the whole cell.
    pub(crate) fn eval(
        &mut self,
        source: &str,
        first_line: usize,
        text: &str,
    ) -> Result<Dynamic, ScriptError> {
        let padded = format!("{}{text}", "\n".repeat(first_line.saturating_sub(1)));
        let cell = self
            .engine
            .compile_with_scope(&self.scope, &padded)
            .map_err(|e| self.sources.parse_error(source, &e))?;
        for f in cell.iter_functions() {
            self.sources.define_function(f.name, source);
        }
        self.ast += cell.clone_functions_only();
        self.ast.set_source(source);

        let engine = &self.engine;
        let scope = &mut self.scope;
        let outcome = panic::catch(AssertUnwindSafe(|| {
            // The cell's own statements run against every function defined so far.
            let program = self.ast.merge(&cell);
            engine.eval_ast_with_scope::<Dynamic>(scope, &program)
        }));
        self.compact_scope();

        match outcome {
            Ok(Ok(value)) => {
                self.keep_imports(&cell, source);
                Ok(value)
            }
            Ok(Err(err)) => Err(self.sources.eval_error(source, &err)),
            Err(message) => Err(panic_error(message)),
        }
    }

    /// Compile a piece of code once for repeated timing runs (see `%timeit`); the result
    /// also sees every function defined so far.
    pub(crate) fn prepare(
        &self,
        source: &str,
        first_line: usize,
        text: &str,
    ) -> Result<AST, ScriptError> {
        let padded = format!("{}{text}", "\n".repeat(first_line.saturating_sub(1)));
        let mut program = self
            .engine
            .compile_with_scope(&self.scope, &padded)
            .map_err(|e| self.sources.parse_error(source, &e))?;
        program.set_source(source);
        Ok(self.ast.merge(&program))
    }

    /// Run a prepared program, then forget any variable it defined.
    pub(crate) fn run_scoped(&mut self, source: &str, program: &AST) -> Result<(), ScriptError> {
        let depth = self.scope.len();
        let engine = &self.engine;
        let scope = &mut self.scope;
        let outcome = panic::catch(AssertUnwindSafe(|| {
            engine.eval_ast_with_scope::<Dynamic>(scope, program)
        }));
        self.scope.rewind(depth);
        match outcome {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(err)) => Err(self.sources.eval_error(source, &err)),
            Err(message) => Err(panic_error(message)),
        }
    }

    /// Drop shadowed bindings (`let x` run twice keeps both entries in a Rhai scope), so a
    /// large value is freed as soon as its name is rebound.
    fn compact_scope(&mut self) {
        let mut seen = HashSet::new();
        let has_shadowed = self
            .scope
            .iter_raw()
            .any(|(name, _, _)| !seen.insert(name.to_string()));
        if !has_shadowed {
            return;
        }
        let constant: Vec<bool> = self.scope.iter_raw().map(|(_, c, _)| c).collect();
        let old = std::mem::replace(&mut self.scope, Scope::new());
        let mut seen = HashSet::new();
        let entries: Vec<_> = old.into_iter().zip(constant).collect();
        let mut kept: Vec<_> = entries
            .into_iter()
            .rev()
            .filter(|((name, _, _), _)| seen.insert(name.clone()))
            .collect();
        kept.reverse();
        for ((name, value, _), is_constant) in kept {
            if is_constant {
                self.scope.push_constant_dynamic(name, value);
            } else {
                self.scope.push_dynamic(name, value);
            }
        }
    }

    /// Rhai forgets `import ... as name` when a cell ends; register each imported module
    /// as a static module so later cells can keep using `name::f()`.
    fn keep_imports(&mut self, cell: &AST, source: &str) {
        use rhai::{Expr, Stmt};
        for stmt in cell.statements() {
            let Stmt::Import(import, pos) = stmt else {
                continue;
            };
            let (Expr::StringConstant(path, _), alias) = (&import.0, &import.1) else {
                continue;
            };
            if alias.name.is_empty() {
                continue;
            }
            let resolved =
                self.engine
                    .module_resolver()
                    .resolve(&self.engine, Some(source), path, *pos);
            if let Ok(module) = resolved {
                self.engine
                    .register_static_module(alias.name.as_str(), module);
            }
        }
    }
}

fn panic_error(message: String) -> ScriptError {
    ScriptError::new(
        ErrorKind::Panic,
        "Panic",
        format!("a library function panicked: {message} (the session is intact)"),
    )
}

fn build_engine(
    libraries: &[Rc<dyn Library>],
    limits: &Limits,
    interrupt: &InterruptHandle,
) -> (Engine, Renderers) {
    let mut engine = Engine::new();
    let mut renderers = Renderers::default();
    builtins::register(&mut engine);
    let flag = interrupt.clone();
    engine.on_progress(move |_| flag.is_set().then(|| Dynamic::from("interrupted")));
    limits.apply(&mut engine);
    for library in libraries {
        library.install(&mut engine, &mut renderers);
    }
    (engine, renderers)
}
