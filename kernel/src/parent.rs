//! A kernel does not outlive the process that started it (a Jupyter server killed, a
//! console closed badly): as ipykernel does, it checks its parent once a second and exits
//! when it is gone. Otherwise it would run on forever, holding whatever its session holds.

/// Start watching: exit once this process is handed to another parent (its own died), or
/// once the process named by `JPY_PARENT_PID` (Jupyter's, which may have started the kernel
/// through a wrapper) has ended.
#[cfg(unix)]
pub fn exit_with_parent() -> Result<(), String> {
    use std::os::unix::process::parent_id;
    const POLL: std::time::Duration = std::time::Duration::from_secs(1);
    let parent = parent_id();
    let jupyter = std::env::var("JPY_PARENT_PID")
        .ok()
        .and_then(|pid| pid.trim().parse::<u32>().ok())
        .filter(|&pid| pid > 1 && pid != parent);
    // A kernel started by init has no parent to lose.
    if parent == 1 && jupyter.is_none() {
        return Ok(());
    }
    std::thread::Builder::new()
        .name("ladder-parent".into())
        .spawn(move || loop {
            std::thread::sleep(POLL);
            let gone = if parent_id() != parent {
                Some(parent)
            } else {
                jupyter.filter(|&pid| !alive(pid))
            };
            if let Some(pid) = gone {
                eprintln!("ladder kernel: the process that started it ({pid}) has ended; exiting");
                std::process::exit(1);
            }
        })
        .map(|_| ())
        .map_err(|e| format!("cannot start the parent watch: {e}"))
}

/// Whether a process exists (signal 0 checks without sending anything; EPERM means it
/// exists but belongs to someone else).
#[cfg(unix)]
fn alive(pid: u32) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return false;
    };
    // SAFETY: kill with signal 0 only checks that the process exists.
    let status = unsafe { libc::kill(pid, 0) };
    status == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

/// Elsewhere there is no such cheap check (ipykernel watches a handle on Windows).
#[cfg(not(unix))]
pub fn exit_with_parent() -> Result<(), String> {
    Ok(())
}
