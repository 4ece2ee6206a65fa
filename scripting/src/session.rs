//! The Rhai session: one engine, one scope and one growing set of functions that last
//! across cells.

use crate::cell_language::{self, CellLanguage, LanguageCell};
use crate::commands::{self, Chunk};
use crate::context::{self, Context};
use crate::error::{ErrorKind, ScriptError, Sources};
use crate::frontend::Frontend;
use crate::functions::FnIndex;
use crate::interrupt::InterruptHandle;
use crate::limits::Limits;
use crate::mime::{MimeBundle, Renderers};
use crate::{builtins, imports, not_found, panic, scan, stack};
use rhai::{Dynamic, Engine, Scope, AST};
use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::panic::AssertUnwindSafe;
use std::rc::Rc;

/// Something that adds functions, types and renderers to a session's engine (the standard
/// library, or a user's own bindings). Kept by the session so `%reset` can rebuild the
/// engine from scratch.
pub trait Library {
    fn install(&self, engine: &mut Engine, renderers: &mut Renderers);

    /// Languages other than Rhai that this library runs cells in, by the name a cell's
    /// `%%name` line gives.
    fn cell_languages(&self) -> Vec<(String, Rc<dyn CellLanguage>)> {
        Vec::new()
    }
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
    /// Native functions of the engine, for completion and inspection; rebuilt lazily after
    /// the engine changes.
    fn_index: RefCell<Option<Rc<FnIndex>>>,
    /// Constants that functions read as `global::NAME`: Rhai fills `global::` only from
    /// `const` statements of the running script, so these are re-declared for each cell.
    global_refs: HashSet<String>,
    /// Exported constants of imported modules, by alias (for completion and inspection).
    pub(crate) module_constants: HashMap<String, Vec<(String, Dynamic)>>,
    /// Where `import "relative/path"` looks (the current directory when `None`).
    import_dir: Option<std::path::PathBuf>,
    /// Whether the engine carries the debugger's hook (a rebuilt engine does not).
    pub(crate) debugger_installed: bool,
    /// Cell languages besides Rhai, by name (`rust` for `%%rust` cells).
    languages: HashMap<String, Rc<dyn CellLanguage>>,
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
        let languages = libraries
            .iter()
            .flat_map(|library| library.cell_languages())
            .collect();
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
            fn_index: RefCell::new(None),
            global_refs: HashSet::new(),
            module_constants: HashMap::new(),
            import_dir: None,
            debugger_installed: false,
            languages,
        }
    }

    /// A handle another thread can use to stop the running cell.
    pub fn interrupt_handle(&self) -> InterruptHandle {
        self.interrupt.clone()
    }

    /// The engine, for registering extra functions.
    pub fn engine_mut(&mut self) -> &mut Engine {
        self.fn_index.take();
        &mut self.engine
    }

    /// Resolve `import "relative/path"` against `dir` (`ladder run` passes the script's
    /// folder); by default paths are relative to the current directory.
    pub fn set_import_dir(&mut self, dir: impl Into<std::path::PathBuf>) {
        let dir = dir.into();
        self.engine
            .set_module_resolver(imports::ReloadingResolver::new(Some(&dir)));
        self.sources.import_dir = Some(dir.clone());
        self.import_dir = Some(dir);
    }

    /// The engine, for reading its metadata.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// Every native function of the engine (built on first use, then cached).
    pub(crate) fn fn_index(&self) -> Rc<FnIndex> {
        self.fn_index
            .borrow_mut()
            .get_or_insert_with(|| Rc::new(FnIndex::build(&self.engine)))
            .clone()
    }

    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Change the safety limits for the following cells.
    pub fn set_limits(&mut self, limits: Limits) {
        limits.apply(&mut self.engine);
        self.limits = limits;
        // `%limit max_memory` applies to the rest of its own cell too.
        self.arm_memory_guard();
    }

    /// Run one cell. Returns the rich form of its last expression's value (`None` for `()`
    /// or when the cell ends with `;`),
    /// or a structured error. Output goes to the front end as it is produced. Whatever
    /// happens, variables defined before the failing statement are kept.
    ///
    /// An interrupt set before the cell starts stops it (the session host clears the flag
    /// when it hands a request over); one that comes once the cell is done is for no cell.
    pub fn execute(&mut self, code: &str) -> Result<Option<MimeBundle>, ScriptError> {
        self.execute_numbered(code, self.cells + 1)
    }

    /// As [`Session::execute`], for a front end that numbers its cells itself (a kernel's
    /// execution count): the cell is `cell[number]` in errors, and the next unnumbered
    /// cell follows it.
    pub fn execute_numbered(
        &mut self,
        code: &str,
        number: usize,
    ) -> Result<Option<MimeBundle>, ScriptError> {
        self.cells = number;
        self.evaluate(&format!("cell[{number}]"), code)
    }

    /// Run code that is not a cell of its own (Jupyter's `user_expressions`) under a source
    /// name of its own, for its errors: the cells' numbering stays as it is.
    pub fn evaluate(
        &mut self,
        source: &str,
        code: &str,
    ) -> Result<Option<MimeBundle>, ScriptError> {
        let outcome = self.run_cell(source, code);
        self.interrupt.reset();
        outcome
    }

    /// Evaluate one expression (Jupyter's `user_expressions`, which ipykernel evaluates with
    /// Python's `eval`): statements, `let` and `%` commands are a `SyntaxError` that runs
    /// nothing, so a client's expression cannot change the session's variables by assignment.
    pub fn evaluate_expression(
        &mut self,
        source: &str,
        code: &str,
    ) -> Result<Option<MimeBundle>, ScriptError> {
        if let Err(e) = self.engine.compile_expression(code) {
            self.sources.insert(source, code);
            let mut error = self.sources.parse_error(source, &e);
            error.message = format!("not an expression: {}", error.message);
            return Err(error);
        }
        self.evaluate(source, code)
    }

    fn run_cell(&mut self, source: &str, code: &str) -> Result<Option<MimeBundle>, ScriptError> {
        self.arm_memory_guard();
        let _context = context::enter(self.context());
        let source = source.to_string();
        self.sources.insert(&source, code);
        if let Some((name, body, first_line)) = cell_language::split(code) {
            let cell = LanguageCell {
                source: &source,
                body,
                first_line,
            };
            return self.run_language_cell(name, &cell);
        }
        let mut shown = None;
        for chunk in commands::split(code) {
            shown = match chunk {
                Chunk::Code { first_line, text } => {
                    let value = self.eval(&source, first_line, &text)?;
                    // As in IPython, a trailing `;` keeps the value from being shown.
                    if ends_with_semicolon(&text) {
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

    /// Run a `%%name` cell in its language.
    fn run_language_cell(
        &mut self,
        name: &str,
        cell: &LanguageCell,
    ) -> Result<Option<MimeBundle>, ScriptError> {
        let Some(language) = self.languages.get(name).cloned() else {
            let mut known: Vec<String> = self.languages.keys().map(|k| format!("%%{k}")).collect();
            known.sort();
            let known = if known.is_empty() {
                "none in this build".to_string()
            } else {
                known.join(", ")
            };
            // Rust cells are the one language left out of a default build: say how to get it.
            let hint = match name {
                "rust" => "; `%%rust` cells need a build with them: ./install.sh --with-rust-cells (the `rust-cells` feature)",
                _ => "",
            };
            return Err(ScriptError::new(
                ErrorKind::Command,
                "UnknownCellLanguage",
                format!("`%%{name}`: no such cell language (known: {known}){hint}"),
            ));
        };
        // The language may register functions for later Rhai cells.
        self.fn_index.take();
        let engine = &mut self.engine;
        match panic::catch(AssertUnwindSafe(|| language.execute(cell, engine))) {
            Ok(outcome) => outcome,
            Err(message) => Err(panic_error(message)),
        }
    }

    /// The language of a `%%name` cell, with its body and how many characters precede it.
    pub(crate) fn language_of<'c>(
        &self,
        code: &'c str,
    ) -> Option<(Rc<dyn CellLanguage>, &'c str, usize)> {
        let (name, body, _) = cell_language::split(code)?;
        let language = self.languages.get(name)?.clone();
        Some((language, body, cell_language::body_offset_chars(code, body)))
    }

    /// Apply `max_memory` to this cell. A cell that starts above the limit (a runaway value
    /// from the last cell is still bound) may still run, to free it, but not grow much.
    fn arm_memory_guard(&self) {
        const HEADROOM: u64 = 64 * 1024 * 1024;
        let max = self.limits.max_memory;
        let live = crate::memory::live_bytes().unwrap_or(0) as u64;
        let effective = if max > 0 && live + HEADROOM > max {
            live + HEADROOM
        } else {
            max
        };
        crate::memory::set_limit(effective);
    }

    /// Render a value with the session's renderers (`None` for `()`).
    /// A renderer that panics is reported on stderr and the value shows in its plain form.
    pub fn render(&self, value: &Dynamic) -> Option<MimeBundle> {
        let (bundle, panicked) = self.renderers.borrow().render_caught(value);
        if let Some(message) = panicked {
            let ty = self.engine.map_type_name(value.type_name());
            self.frontend.stream(
                crate::Stream::Stderr,
                &format!(
                    "warning: showing a {ty} as plain text: its renderer panicked: {message}\n"
                ),
            );
        }
        bundle
    }

    /// Variables in scope with their type names, in definition order.
    pub fn variables(&self) -> Vec<(String, String)> {
        // `iter_raw` walks the scope from the latest entry back.
        let mut vars: Vec<(String, String)> = self
            .scope
            .iter_raw()
            .map(|(name, _, value)| {
                let ty = self.engine.map_type_name(value.type_name()).to_string();
                (name.to_string(), ty)
            })
            .collect();
        vars.reverse();
        vars
    }

    /// The scope (variables and constants), for reading.
    pub fn scope(&self) -> &Scope<'static> {
        &self.scope
    }

    /// The script functions defined so far (statements are not kept).
    pub fn functions_ast(&self) -> &AST {
        &self.ast
    }

    /// The value of a variable, if defined.
    pub fn get(&self, name: &str) -> Option<Dynamic> {
        self.scope.get(name).cloned()
    }

    /// Forget every variable, function and imported module; the libraries stay installed.
    pub fn reset(&mut self) {
        let (mut engine, renderers) = build_engine(&self.libraries, &self.limits, &self.interrupt);
        if let Some(dir) = &self.import_dir {
            engine.set_module_resolver(imports::ReloadingResolver::new(Some(dir)));
        }
        self.engine = engine;
        self.debugger_installed = false;
        *self.renderers.borrow_mut() = renderers;
        self.scope = Scope::new();
        self.ast = AST::empty();
        self.sources.clear();
        self.fn_index.take();
        self.global_refs.clear();
        self.module_constants.clear();
    }

    pub(crate) fn context(&self) -> Context {
        Context {
            frontend: self.frontend.clone(),
            renderers: self.renderers.clone(),
            interrupt: self.interrupt.clone(),
            cell: self.cells,
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
        if cell.iter_functions().next().is_some() {
            self.global_refs.extend(global_refs(text));
        }
        self.ast += cell.clone_functions_only();
        self.ast.set_source(source);

        let prelude = self.constants_prelude();
        let engine = &self.engine;
        let scope = &mut self.scope;
        let outcome = panic::catch(AssertUnwindSafe(|| {
            // The cell's own statements run against every function defined so far.
            let program = self.ast.merge(&prelude).merge(&cell);
            engine.eval_ast_with_scope::<Dynamic>(scope, &program)
        }));
        self.compact_scope();

        match outcome {
            Ok(Ok(value)) => {
                self.keep_imports(&cell, source);
                Ok(value)
            }
            Ok(Err(err)) => Err(self.explained(self.sources.eval_error(source, &err))),
            Err(message) => Err(panic_error(message)),
        }
    }

    /// An error with its types named as scripts know them, and for a "not found" error how
    /// the name is called, or what was meant.
    fn explained(&self, mut e: ScriptError) -> ScriptError {
        e.message = crate::type_names::shown(&e.message, &self.engine);
        let message = e.message.as_str();
        e.hint = if let Some(signature) = message.strip_prefix("Function not found: ") {
            match self.closure_named(signature.split(' ').next().unwrap_or_default()) {
                Some(f) => not_found::closure_hint(signature, &f, &self.ast),
                None => not_found::hint(signature, &self.fn_index(), &self.ast),
            }
        } else if let Some(name) = message.strip_prefix("Variable not found: ") {
            let defined = self.scope.iter_raw().map(|(name, ..)| name);
            not_found::variable_hint(name, defined)
        } else if message.starts_with("Unknown property '") {
            not_found::property_hint(message, &self.fn_index())
        } else {
            None
        };
        e
    }

    /// A closure held by a variable of the session, or in a map or an array one holds, by its
    /// generated name (`anon$…`).
    fn closure_named(&self, name: &str) -> Option<rhai::FnPtr> {
        if !name.starts_with("anon$") {
            return None;
        }
        self.scope
            .iter_raw()
            .find_map(|(_, _, value)| closure_within(value, name, CLOSURE_SEARCH_DEPTH))
    }

    /// `const NAME = value;` for each constant of earlier cells that some function reads as
    /// `global::NAME`.
    fn constants_prelude(&self) -> AST {
        use rhai::{ASTFlags, Expr, Ident, Module, Position, Stmt};
        let mut statements = Vec::new();
        let mut seen = HashSet::new();
        for (name, constant, value) in self.scope.iter_raw() {
            if !seen.insert(name) || !constant || !self.global_refs.contains(name) {
                continue;
            }
            let ident = Ident {
                name: name.into(),
                pos: Position::NONE,
            };
            let init = Expr::DynamicConstant(Box::new(value.clone()), Position::NONE);
            statements.push(Stmt::Var(
                Box::new((ident, init, None)),
                ASTFlags::CONSTANT,
                Position::NONE,
            ));
        }
        AST::new(statements, Module::new())
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
        Ok(self.ast.merge(&self.constants_prelude()).merge(&program))
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
            Ok(Err(err)) => Err(self.explained(self.sources.eval_error(source, &err))),
            Err(message) => Err(panic_error(message)),
        }
    }

    /// Drop shadowed bindings (`let x` run twice keeps both entries in a Rhai scope), so a
    /// large value is freed as soon as its name is rebound. A name keeps the place of its
    /// first binding and the value of its latest.
    fn compact_scope(&mut self) {
        // Most cells rebind nothing: find the names bound twice without copying any.
        let mut seen = HashSet::new();
        let mut shadowed: Vec<String> = Vec::new();
        for (name, _, _) in self.scope.iter_raw() {
            if !seen.insert(name) && !shadowed.iter().any(|s| s == name) {
                shadowed.push(name.to_string());
            }
        }
        for name in shadowed {
            let count = self.scope.iter_raw().filter(|(n, _, _)| *n == name).count();
            for _ in 1..count {
                // The latest value moves into the previous entry's slot: nothing else in the
                // scope is touched (pushing a value again would walk all of it, as Rhai sets
                // its access mode recursively, which costs milliseconds for a data set).
                let latest = self.scope.remove::<Dynamic>(&name).expect("in scope");
                match self.scope.get_mut(&name) {
                    Some(slot) => *slot = latest,
                    // A constant's slot cannot be written: it goes, and the name moves to
                    // the end.
                    None => {
                        drop(self.scope.remove::<Dynamic>(&name));
                        if latest.is_read_only() {
                            self.scope.push_constant_dynamic(name.clone(), latest);
                        } else {
                            self.scope.push_dynamic(name.clone(), latest);
                        }
                    }
                }
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
                let constants = module
                    .iter_var()
                    .map(|(name, value)| (name.to_string(), value.clone()))
                    .collect();
                self.module_constants
                    .insert(alias.name.to_string(), constants);
                self.engine
                    .register_static_module(alias.name.as_str(), module);
                self.fn_index.take();
            }
        }
    }
}

/// Whether the last thing in the code, comments aside, is a `;`.
fn ends_with_semicolon(code: &str) -> bool {
    let chars: Vec<char> = code.chars().collect();
    scan::code_tokens(&chars)
        .last()
        .is_some_and(|t| t.is_punct(';'))
}

/// Names read as `global::NAME` in the code.
fn global_refs(code: &str) -> Vec<String> {
    let chars: Vec<char> = code.chars().collect();
    let tokens = scan::code_tokens(&chars);
    tokens
        .windows(3)
        .filter(|w| w[0].ident() == Some("global") && w[1].kind == scan::Kind::PathSep)
        .filter_map(|w| w[2].ident().map(str::to_string))
        .collect()
}

/// How deep in maps and arrays the session looks for a closure named in an error: a list of
/// maps of closures is two levels; deeper values are seldom closures, and large ones slow.
const CLOSURE_SEARCH_DEPTH: usize = 3;

/// The closure named `name` in `value` or, `depth` levels down, in the maps and arrays it holds.
fn closure_within(value: &Dynamic, name: &str, depth: usize) -> Option<rhai::FnPtr> {
    if let Some(f) = value.read_lock::<rhai::FnPtr>() {
        return (f.fn_name() == name).then(|| f.clone());
    }
    let depth = depth.checked_sub(1)?;
    if let Some(items) = value.read_lock::<rhai::Array>() {
        return items.iter().find_map(|v| closure_within(v, name, depth));
    }
    let map = value.read_lock::<rhai::Map>()?;
    map.values().find_map(|v| closure_within(v, name, depth))
}

pub(crate) fn panic_error(message: String) -> ScriptError {
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
    engine.set_module_resolver(imports::ReloadingResolver::new(None));
    let mut renderers = Renderers::default();
    builtins::register(&mut engine);
    crate::comms::register(&mut engine, &mut renderers);
    crate::widgets::register(&mut engine, &mut renderers);
    let flag = interrupt.clone();
    engine.on_progress(move |_| {
        if flag.is_set() {
            Some(Dynamic::from("interrupted"))
        } else if stack::nearly_exhausted() {
            Some(Dynamic::from(stack::EXHAUSTED))
        } else if crate::memory::over_limit() {
            Some(Dynamic::from(crate::memory::EXCEEDED))
        } else {
            None
        }
    });
    limits.apply(&mut engine);
    for library in libraries {
        library.install(&mut engine, &mut renderers);
    }
    (engine, renderers)
}
