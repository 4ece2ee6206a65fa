//! `ladder repl` used as a person would: through a pseudo-terminal, reading the screen as a
//! terminal emulator (vt100) draws it.

use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::{FromRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const ROWS: u16 = 60;
const COLS: u16 = 100;
/// Generous: a debug build on a loaded 2-core machine.
const WAIT: Duration = Duration::from_secs(60);

struct Terminal {
    child: Child,
    input: File,
    screen: Arc<Mutex<vt100::Parser>>,
}

impl Terminal {
    /// Start `ladder repl` on a fresh pseudo-terminal with its history in `dir`.
    fn start(dir: &Path) -> Self {
        let (master, slave) = open_pty();
        let slave_io = |fd: &OwnedFd| Stdio::from(fd.try_clone().expect("dup the pty"));
        let mut command = Command::new(env!("CARGO_BIN_EXE_ladder"));
        command
            .arg("repl")
            .env("TERM", "xterm-256color")
            .env("LADDER_HISTORY", dir.join("history.txt"))
            .env("LADDER_IMAGE_DIR", dir.join("images"))
            .stdin(slave_io(&slave))
            .stdout(slave_io(&slave))
            .stderr(slave_io(&slave));
        // SAFETY: only async-signal-safe calls between fork and exec.
        unsafe {
            command.pre_exec(|| {
                // A session of its own with the pty as controlling terminal, so Ctrl-C
                // typed on it becomes SIGINT for the REPL.
                if libc::setsid() < 0 || libc::ioctl(0, libc::TIOCSCTTY as _, 0) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let child = command.spawn().expect("start ladder repl");
        drop(slave);

        let screen = Arc::new(Mutex::new(vt100::Parser::new(
            ROWS.try_into().unwrap(),
            COLS.try_into().unwrap(),
            0,
        )));
        let mut output = File::from(master.try_clone().expect("dup the pty"));
        let mut answers = File::from(master.try_clone().expect("dup the pty"));
        let parser = screen.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            let mut tail: Vec<u8> = Vec::new();
            while let Ok(n) = output.read(&mut buf) {
                if n == 0 {
                    break;
                }
                let mut parser = parser.lock().unwrap();
                parser.process(&buf[..n]);
                // rustyline asks where the cursor is (ESC [6n); answer as a terminal would.
                tail.extend_from_slice(&buf[..n]);
                if tail.windows(4).any(|w| w == b"\x1b[6n") {
                    let (row, col) = parser.screen().cursor_position();
                    let _ = write!(answers, "\x1b[{};{}R", row + 1, col + 1);
                    tail.clear();
                }
                let keep = tail.len().saturating_sub(3);
                tail.drain(..keep);
            }
        });
        Self {
            child,
            input: File::from(master),
            screen,
        }
    }

    fn contents(&self) -> String {
        self.screen.lock().unwrap().screen().contents()
    }

    /// Wait until the screen shows `text`; fail with the screen if it never does.
    fn wait_for(&self, text: &str) -> String {
        self.wait_for_n(text, 1)
    }

    /// Wait until the screen shows `text` at least `n` times.
    fn wait_for_n(&self, text: &str, n: usize) -> String {
        let start = Instant::now();
        loop {
            let screen = self.contents();
            if screen.matches(text).count() >= n {
                return screen;
            }
            assert!(
                start.elapsed() < WAIT,
                "timed out waiting for {text:?}; the screen shows:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn type_keys(&mut self, keys: &str) {
        self.input.write_all(keys.as_bytes()).unwrap();
        self.input.flush().unwrap();
    }

    /// Type keys and give the editor a moment (typed-ahead keys are fine, but waiting keeps
    /// the screen readable when a test fails).
    fn type_line(&mut self, line: &str) {
        self.type_keys(line);
        self.type_keys("\r");
    }

    fn wait_exit(&mut self) -> std::process::ExitStatus {
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(
                start.elapsed() < WAIT,
                "the REPL did not exit; the screen shows:\n{}",
                self.contents()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Terminal {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn open_pty() -> (OwnedFd, OwnedFd) {
    let mut master = -1;
    let mut slave = -1;
    let size = libc::winsize {
        ws_row: ROWS,
        ws_col: COLS,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    // SAFETY: openpty writes two descriptors we then own.
    let rc = unsafe {
        libc::openpty(
            &mut master,
            &mut slave,
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            &size,
        )
    };
    assert_eq!(rc, 0, "openpty: {}", std::io::Error::last_os_error());
    // SAFETY: both descriptors were just opened and are owned by nobody else.
    unsafe { (OwnedFd::from_raw_fd(master), OwnedFd::from_raw_fd(slave)) }
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("ladder-pty-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn a_session_at_the_terminal() {
    let dir = temp_dir("session");
    let mut term = Terminal::start(&dir);
    term.wait_for("In [1]: ");

    // A function typed over three lines: the continuation prompt offers an indent.
    term.type_line("fn add(a, b) {");
    term.wait_for("   ...: ");
    term.type_line("a + b");
    term.wait_for("   ...:     a + b");
    term.type_line("}");
    // The closing brace takes the indentation back.
    term.wait_for("   ...: }");
    term.wait_for("In [2]: ");
    term.type_line("add(2, 3)");
    term.wait_for("Out[2]: 5");

    // Ctrl-C stops an endless loop; the variables it changed are still there.
    term.type_line("let n = 0;");
    term.wait_for("In [4]: ");
    term.type_line(r#"print("looping"); loop { n += 1; }"#);
    // Once it prints, the cell runs and the terminal is out of raw mode: Ctrl-C is SIGINT.
    term.wait_for_n("looping", 2);
    term.type_keys("\x03");
    let screen = term.wait_for("In [5]: ");
    assert!(screen.contains("Interrupted"), "{screen}");
    term.type_line("add(n, 0) > 0");
    term.wait_for("Out[5]: true");

    // Ctrl-C while editing drops the line without running it.
    term.type_keys("this is never run");
    term.wait_for("In [6]: this is never run");
    term.type_keys("\x03");
    term.wait_for_n("In [6]: ", 2);
    term.type_line("add(40, 2)");
    term.wait_for("Out[6]: 42");

    // Tab completes a variable name.
    term.type_line("let counter_value = 41;");
    term.wait_for("In [8]: ");
    term.type_keys("counter_v\t");
    term.wait_for("In [8]: counter_value");
    term.type_line(" + 1");
    term.wait_for("Out[8]: 42");

    // An error shows its line and a caret under the column.
    term.type_line("let y = 1 + missing_name;");
    let screen = term.wait_for("In [10]: ");
    assert!(screen.contains("VariableNotFound"), "{screen}");
    assert!(screen.contains("1 | let y = 1 + missing_name;"), "{screen}");
    assert!(screen.contains("  |             ^"), "{screen}");
    assert!(screen.contains("cell[9]"), "{screen}");
    // A help query takes a prompt number, and the next error names the cell by its prompt.
    term.type_line("?add");
    term.wait_for("In [11]: ");
    term.type_line("missing_too");
    let screen = term.wait_for("In [12]: ");
    assert!(screen.contains("cell[11]"), "{screen}");

    // input() reads a line from the terminal.
    term.type_line(r#"let who = input("name? ");"#);
    term.wait_for("name? ");
    term.type_line("Ada");
    term.wait_for("In [13]: ");
    term.type_line("who");
    term.wait_for(r#"Out[13]: "Ada""#);

    // A display with an id is redrawn in place: only its last state stays on screen.
    term.type_line(
        r#"display("step 0", "bar"); for i in 1..=3 { update_display(`step ${i}`, "bar"); }"#,
    );
    let screen = term.wait_for("In [15]: ");
    assert!(screen.contains("\"step 3\""), "{screen}");
    assert!(!screen.contains("\"step 1\""), "{screen}");

    // Ctrl-D leaves; each cell went to the history file, multi-line ones whole.
    term.type_keys("\x04");
    assert!(term.wait_exit().success());
    let history = std::fs::read_to_string(dir.join("history.txt")).unwrap();
    assert!(history.contains("add(2, 3)"), "{history}");
    assert!(history.contains("fn add(a, b) {"), "{history}");
    assert!(!history.contains("this is never run"), "{history}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn history_is_there_in_the_next_session() {
    let dir = temp_dir("history");
    std::fs::write(dir.join("history.txt"), "#V2\nlet remembered = 7;\n").unwrap();
    let mut term = Terminal::start(&dir);
    term.wait_for("In [1]: ");
    // Up recalls the last cell of the previous session.
    term.type_keys("\x1b[A");
    term.wait_for("In [1]: let remembered = 7;");
    term.type_keys("\r");
    term.wait_for("In [2]: ");
    term.type_line("remembered * 6");
    term.wait_for("Out[2]: 42");
    term.type_keys("\x04");
    assert!(term.wait_exit().success());
    let _ = std::fs::remove_dir_all(&dir);
}
